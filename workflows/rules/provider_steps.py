"""What a provider reads about each of its agreements: the status as it stands today and the
next step, in Dutch.

The stored status moves only when someone records it (an officer sets *afgelopen*), so an
agreement whose end date has passed may still be stored as *lopend*. The provider is told
the truth of the day instead: the words are computed with ``today`` passed in, and the stored
status is left alone (the registers and the audit log keep what was recorded).
"""

from __future__ import annotations

from datetime import date

from workflows.rules.agreements import STATUS_LABELS
from workflows.rules.dutch_format import long_date

# The statuses in which the provider returns a signed copy (see workflows.documents.signed_copies).
RECEIVING = ("sent", "signed_by_provider")
_RUNNING = ("active", "extended")


def has_ended(status: str, end_on: date, today: date) -> bool:
    """A running agreement whose last day lies before today."""
    return status in _RUNNING and end_on < today


def shown_status(status: str, end_on: date, today: date) -> str:
    if has_ended(status, end_on, today):
        return f"afgelopen op {long_date(end_on)}"
    return STATUS_LABELS.get(status, status)


def next_step(
    status: str, *, start_on: date, end_on: date, today: date, has_documents: bool
) -> str:
    """The one thing the provider should know or do now."""
    if status == "draft":
        return "Wacht tot de gemeente de overeenkomst klaarzet."
    if status == "sent":
        if not has_documents:
            return (
                "Wacht tot de gemeente de overeenkomstbundel klaarzet; daarna downloadt u die, "
                "tekent u en uploadt u het getekende exemplaar."
            )
        return "Download de overeenkomstbundel, teken hem en upload het getekende exemplaar."
    if status == "signed_by_provider":
        return "Wacht op ondertekening door de gemeente."
    if status == "signed":
        if start_on > today:
            return f"Door beide partijen getekend; gaat in op {long_date(start_on)}."
        return "Door beide partijen getekend."
    if status in _RUNNING:
        if has_ended(status, end_on, today):
            return f"Afgelopen op {long_date(end_on)}; er is niets meer te doen."
        return f"Loopt tot en met {long_date(end_on)}."
    if status == "ended":
        return "Afgelopen; er is niets meer te doen."
    if status == "terminated":
        return "Opgezegd; er is niets meer te doen."
    return STATUS_LABELS.get(status, status)


def upload_refusal(status: str) -> str | None:
    """Why the provider cannot upload a signed copy now, and what comes first; None when it
    can."""
    if status in RECEIVING:
        return None
    if status == "draft":
        return (
            "U kunt nog geen getekend exemplaar uploaden: de gemeente bereidt de overeenkomst "
            "nog voor. Eerst verstuurt de gemeente de overeenkomst; daarna downloadt u de "
            "overeenkomstbundel, tekent u en uploadt u het getekende exemplaar hier."
        )
    if status in ("signed", *_RUNNING):
        return (
            "U hoeft geen getekend exemplaar meer te uploaden: de overeenkomst is door beide "
            "partijen getekend."
        )
    return (
        "U kunt geen getekend exemplaar meer uploaden: de overeenkomst is "
        f"{STATUS_LABELS.get(status, status)}."
    )
