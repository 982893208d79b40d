"""Password policy (docs/security.md S20): at least 12 characters, at most 128, and not guessable.

"Not guessable" is zxcvbn's estimate (it knows the common-password lists and keyboard
patterns); score 3 means roughly 10^8 guesses, the level its authors advise for online attack.
"""

from __future__ import annotations

import re
from collections.abc import Sequence

from zxcvbn import zxcvbn

MIN_LENGTH = 12
MAX_LENGTH = 128
MIN_SCORE = 3


# Parts of a name shorter than this ("de", "van", "nl") are too common to refuse.
MIN_RELATED_PART = 4
# Generic parts of e-mail domains and organisation names: refusing them says nothing personal.
_GENERIC_PARTS = frozenset({"example", "gemeente", "mail", "info", "www", "com", "org", "net"})


def password_problem(password: str, *, related: Sequence[str] = ()) -> str | None:
    """Why ``password`` may not be used, or None. ``related``: the user's e-mail address, name
    and organisation name; a password built from them is refused."""
    if len(password) < MIN_LENGTH:
        return f"Het wachtwoord moet minstens {MIN_LENGTH} tekens hebben."
    if len(password) > MAX_LENGTH:
        return f"Het wachtwoord mag ten hoogste {MAX_LENGTH} tekens hebben."
    if _contains_related(password, related):
        return (
            "Het wachtwoord bevat uw e-mailadres, naam of organisatie. Kies een zin van losse "
            "woorden die daar niets mee te maken hebben."
        )
    # zxcvbn accepts at most 72 characters; beyond that length guessing is hopeless anyway.
    words = [part for text in related for part in re.split(r"[^\w]+", text.lower()) if part]
    result = zxcvbn(password[:72], user_inputs=[*related, *words])
    if int(result["score"]) < MIN_SCORE:
        return (
            "Dit wachtwoord is te makkelijk te raden (een veelgebruikt wachtwoord, een patroon "
            "of uw eigen naam). Kies een langere zin van losse woorden."
        )
    return None


def _letters(text: str) -> str:
    """Only the letters, lower-cased: "Enschede-2025!" and "enschede" are the same word to a
    guesser who knows the organisation, whatever separators or digits are put around it."""
    return "".join(c for c in text.casefold() if c.isalpha())


def related_parts(related: Sequence[str]) -> set[str]:
    """What a password may not contain: the e-mail's local part and domain name (without the
    top-level domain), the name and the organisation name, whole and word by word."""
    parts: set[str] = set()
    for text in related:
        local, at, domain = text.partition("@")
        pieces = [local, *domain.split(".")[:-1]] if at else [text]
        for piece in pieces:
            parts.add(_letters(piece))
            parts.update(_letters(word) for word in re.split(r"[\W_\d]+", piece))
    return {p for p in parts if len(p) >= MIN_RELATED_PART and p not in _GENERIC_PARTS}


def _contains_related(password: str, related: Sequence[str]) -> bool:
    letters = _letters(password)
    return any(part in letters for part in related_parts(related))
