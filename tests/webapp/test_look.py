"""The look every page shares: the web font and the icon come from the app itself (the content
security policy allows nothing else), and every file the font's style sheet names is there."""

from __future__ import annotations

import re

from flask.testing import FlaskClient

from tests.conftest import login

_LINKS = re.compile(r'<link rel="(stylesheet|icon)" href="([^"]+)"')


def test_every_page_links_the_font_and_the_icon_from_its_own_origin(client: FlaskClient) -> None:
    for page in ("/login", "/"):
        if page == "/":
            login(client, "beleid@enschede.example")
        html = client.get(page).get_data(as_text=True)
        links = dict((href, rel) for rel, href in _LINKS.findall(html))
        assert links.get("/static/vendor/noto-sans/noto-sans.css") == "stylesheet", page
        assert links.get("/static/favicon.svg") == "icon", page
        for href in links:
            assert href.startswith("/static/"), f"{page} links {href} from elsewhere"
            response = client.get(href)
            response.close()
            assert response.status_code == 200, f"{href} is missing: run bash .ci/setup"


def test_every_font_file_the_style_sheet_names_is_served(client: FlaskClient) -> None:
    response = client.get("/static/vendor/noto-sans/noto-sans.css")
    css = response.get_data(as_text=True)
    response.close()
    files = set(re.findall(r"url\(\./(files/[^)]+)\)", css))
    # Regular, italic and bold, each in woff2 for browsers and woff for older ones.
    assert {f for f in files if f.startswith("files/noto-sans-latin-400-normal")} == {
        "files/noto-sans-latin-400-normal.woff2",
        "files/noto-sans-latin-400-normal.woff",
    }
    assert any("latin-700-normal" in f for f in files)
    assert any("latin-400-italic" in f for f in files)
    for name in sorted(files):
        response = client.get(f"/static/vendor/noto-sans/{name}")
        response.close()
        assert response.status_code == 200, f"{name} is named by noto-sans.css but not there"


def test_the_favicon_is_an_svg_image(client: FlaskClient) -> None:
    response = client.get("/static/favicon.svg")
    assert response.status_code == 200
    assert response.mimetype == "image/svg+xml"
    assert response.get_data(as_text=True).startswith("<svg")
    response.close()
