"""Issue 16, point 6: a form that comes back with errors says so first. The title starts with
"Fout:", an error summary at the top links to each wrong field by its id (NL Design System),
and a script of the app's own (no inline script under the Content-Security-Policy) moves the
focus there."""

from __future__ import annotations

import re

from flask.testing import FlaskClient

from tests.conftest import POLICY, PROJECT, csrf_token, login

_TITLE = re.compile(r"<title>(.*?)</title>", re.S)


def _title(page: str) -> str:
    match = _TITLE.search(page)
    assert match
    return match.group(1).strip()


def _summary(page: str) -> str:
    start = page.index("data-bw-error-summary")
    return page[page.rindex("<div", 0, start) : page.index("</div>", start)]


def test_a_form_with_errors_has_fout_in_its_title_and_a_summary_linking_to_the_fields(
    client: FlaskClient,
) -> None:
    login(client, PROJECT)
    token = csrf_token(client, "/regelingen/nieuw")
    response = client.post("/regelingen/nieuw", data={"csrf_token": token, "name": ""})
    page = response.get_data(as_text=True)
    assert response.status_code == 422
    assert _title(page).startswith("Fout: ")
    summary = _summary(page)
    assert 'tabindex="-1"' in summary
    # Each link leads to a field that is on the page.
    targets = re.findall(r'href="#([^"]+)"', summary)
    assert "name" in targets
    for target in targets:
        assert f'id="{target}"' in page


def test_the_same_form_without_errors_has_a_plain_title_and_no_summary(
    client: FlaskClient,
) -> None:
    login(client, PROJECT)
    page = client.get("/regelingen/nieuw").get_data(as_text=True)
    assert not _title(page).startswith("Fout")
    assert "data-bw-error-summary" not in page


def test_the_password_form_links_to_its_own_field_ids(client: FlaskClient) -> None:
    """The password form writes its fields by hand (text_field), not from readers."""
    login(client, POLICY)
    token = csrf_token(client, "/account/wachtwoord")
    response = client.post(
        "/account/wachtwoord",
        data={"csrf_token": token, "current": "fout", "new": "x", "repeat": "y"},
    )
    page = response.get_data(as_text=True)
    assert response.status_code == 422
    assert _title(page).startswith("Fout: ")
    for target in re.findall(r'href="#([^"]+)"', _summary(page)):
        assert f'id="{target}"' in page


def test_a_failed_login_has_fout_in_its_title_and_a_focusable_message(
    client: FlaskClient,
) -> None:
    token = csrf_token(client)
    response = client.post(
        "/login", data={"email": POLICY, "password": "verkeerd", "csrf_token": token}
    )
    page = response.get_data(as_text=True)
    assert _title(page).startswith("Fout: ")
    assert 'tabindex="-1" data-bw-error-summary' in page


def test_the_focus_script_is_a_file_of_the_app_allowed_by_the_policy(
    client: FlaskClient,
) -> None:
    page = client.get("/login").get_data(as_text=True)
    match = re.search(r'<script src="([^"]+)" defer></script>', page)
    assert match and match.group(1).endswith("/static/besluitwerk.js")
    assert "<script>" not in page
    with client.get(match.group(1)) as script:
        assert script.status_code == 200
        assert "data-bw-error-summary" in script.get_data(as_text=True)
        policy = script.headers["Content-Security-Policy"]
    assert "default-src 'self'" in policy and "unsafe-inline" not in policy
