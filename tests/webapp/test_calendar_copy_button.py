"""The personal calendar address is shown once, in a read-only field people can select, with
a "Kopieer" button that a script of our own origin shows (no inline script:
docs/security.md S22)."""

from __future__ import annotations

import html
import re

from tests.conftest import LEGAL, login
from tests.support.calendar_address import page_with_new_address

SCRIPT_TAG = re.compile(r"<script\b[^>]*>")
ADDRESS_FIELD = re.compile(
    r'<input [^>]*id="agenda-adres" value="(https?://[^"]+/calendar/[A-Za-z0-9_\-]+\.ics)"'
    r" readonly"
)
COPY_BUTTON = re.compile(
    r'<button type="button" [^>]*data-copy-target="agenda-adres"[^>]*hidden>Kopieer'
)


def test_the_new_calendar_address_stands_in_a_read_only_field_with_a_copy_button(app, client):
    login(client, LEGAL)
    before = client.get("/meldingen").get_data(as_text=True)
    assert not ADDRESS_FIELD.search(before) and not COPY_BUTTON.search(before)
    page = page_with_new_address(client)
    assert "Uw nieuwe agenda-adres staat hieronder" in page
    match = ADDRESS_FIELD.search(page)
    assert match, "the address is not in its read-only field"
    # Selectable without JavaScript: read-only, not disabled; the button waits for the script.
    assert "disabled" not in match.group(0)
    assert COPY_BUTTON.search(page)
    assert '<label class="utrecht-form-label" for="agenda-adres">' in page
    assert app.test_client().get(match.group(1)).status_code == 200
    # Shown once: only a hash of it is kept, and the next visit does not show it again.
    again = html.unescape(client.get("/meldingen").get_data(as_text=True))
    assert match.group(1) not in again and not COPY_BUTTON.search(again)


def test_s22_the_copy_button_script_is_a_file_of_our_own_origin_and_no_inline_script(app, client):
    login(client, LEGAL)
    page = page_with_new_address(client)
    tags = SCRIPT_TAG.findall(page)
    # Every page loads the app's own script (the error summary's focus); this page adds the
    # copy button's. Both come from our origin, none is inline.
    assert sorted(tags) == [
        '<script src="/static/besluitwerk.js" defer>',
        '<script src="/static/copy-button.js" defer>',
    ]
    response = client.get("/meldingen")
    policy = response.headers["Content-Security-Policy"]
    assert "default-src 'self'" in policy and "unsafe-inline" not in policy
    script = client.get("/static/copy-button.js")
    assert script.status_code == 200
    assert script.mimetype in {"text/javascript", "application/javascript"}
    source = script.get_data(as_text=True)
    assert "data-copy-target" in source and "navigator.clipboard" in source
    assert "Gekopieerd." in source
    script.close()
