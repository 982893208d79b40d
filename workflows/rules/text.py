"""Validation of text that people type or paste (docs/security.md S6).

Text is kept exactly as typed, including ``&``, ``<`` and quotes: escaping is the job of
whatever renders it. What is refused is what no document can hold: C0 control characters
(other than tab and newline; a pasted ``\\r\\n`` becomes ``\\n``), lone surrogates, and text
longer than the field allows.
"""

from __future__ import annotations

import unicodedata

_ALLOWED_CONTROLS = {"\t", "\n"}


def text_problem(value: str, *, label: str, max_length: int, multiline: bool = False) -> str | None:
    """The Dutch message for what is wrong with ``value``, or None when it is acceptable."""
    for position, char in enumerate(value, start=1):
        code = ord(char)
        if 0xD800 <= code <= 0xDFFF:
            return f"{label} bevat een ongeldig teken (losse surrogaat) op positie {position}."
        if (code < 0x20 or code == 0x7F) and char not in _ALLOWED_CONTROLS:
            return (
                f"{label} bevat een onzichtbaar stuurteken (U+{code:04X}) op positie "
                f"{position}; verwijder het en probeer opnieuw."
            )
        if not multiline and char == "\n":
            return f"{label} mag geen regelovergang bevatten."
    if len(value) > max_length:
        return f"{label} is te lang: {len(value)} tekens, ten hoogste {max_length}."
    return None


def clean_text(value: str, *, multiline: bool = False) -> str:
    """Normalise what browsers send (CRLF) and trim surrounding space of one-line fields."""
    value = value.replace("\r\n", "\n").replace("\r", "\n")
    value = unicodedata.normalize("NFC", value) if _is_encodable(value) else value
    return value if multiline else value.strip()


def _is_encodable(value: str) -> bool:
    try:
        value.encode("utf-8")
    except UnicodeEncodeError:
        return False
    return True
