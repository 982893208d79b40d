"""Asking for a new personal calendar address on the notifications page, as a signed-in person
does with its button."""

from __future__ import annotations

import html

from flask.testing import FlaskClient

from tests.conftest import csrf_token


def page_with_new_address(client: FlaskClient) -> str:
    """The notifications page that shows the new address (once), entities unescaped."""
    response = client.post(
        "/meldingen/agenda",
        data={"csrf_token": csrf_token(client, "/meldingen")},
        follow_redirects=True,
    )
    assert response.status_code == 200
    return html.unescape(response.get_data(as_text=True))
