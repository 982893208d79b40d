from datetime import date

from workflows.rules import provider_steps

START, END = date(2025, 1, 1), date(2026, 1, 1)


def _step(status, today, *, has_documents=True):
    return provider_steps.next_step(
        status, start_on=START, end_on=END, today=today, has_documents=has_documents
    )


def test_ended_agreement_is_not_lopend_after_its_end_date():
    assert provider_steps.shown_status("active", END, date(2025, 6, 1)) == "lopend"
    assert provider_steps.shown_status("active", END, END) == "lopend"
    assert (
        provider_steps.shown_status("active", END, date(2026, 1, 2))
        == "afgelopen op 1 januari 2026"
    )
    assert provider_steps.shown_status("extended", END, date(2026, 3, 1)).startswith("afgelopen")
    assert _step("active", date(2026, 1, 2)).startswith("Afgelopen op 1 januari 2026")


def test_provider_next_step_follows_the_status():
    today = date(2025, 6, 1)
    assert _step("sent", today).startswith("Download de overeenkomstbundel")
    assert _step("sent", today, has_documents=False).startswith("Wacht tot de gemeente")
    assert _step("signed_by_provider", today) == "Wacht op ondertekening door de gemeente."
    assert _step("active", today) == "Loopt tot en met 1 januari 2026."


def test_upload_refusal_says_why_and_what_comes_first():
    assert provider_steps.upload_refusal("sent") is None
    assert provider_steps.upload_refusal("signed_by_provider") is None
    assert "Eerst verstuurt de gemeente" in (provider_steps.upload_refusal("draft") or "")
    assert "door beide partijen getekend" in (provider_steps.upload_refusal("active") or "")
    assert "opgezegd" in (provider_steps.upload_refusal("terminated") or "")
