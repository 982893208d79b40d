"""Password policy (SECURITY.md S20): at least 12 characters, at most 128, and not guessable.

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


def password_problem(password: str, *, related: Sequence[str] = ()) -> str | None:
    if len(password) < MIN_LENGTH:
        return f"Het wachtwoord moet minstens {MIN_LENGTH} tekens hebben."
    if len(password) > MAX_LENGTH:
        return f"Het wachtwoord mag ten hoogste {MAX_LENGTH} tekens hebben."
    # zxcvbn accepts at most 72 characters; beyond that length guessing is hopeless anyway.
    words = [part for text in related for part in re.split(r"[^\w]+", text.lower()) if part]
    result = zxcvbn(password[:72], user_inputs=[*related, *words])
    if int(result["score"]) < MIN_SCORE:
        return (
            "Dit wachtwoord is te makkelijk te raden (een veelgebruikt wachtwoord, een patroon "
            "of uw eigen naam). Kies een langere zin van losse woorden."
        )
    return None
