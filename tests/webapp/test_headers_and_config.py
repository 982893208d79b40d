import pytest

from tests.conftest import ADMIN, login, make_settings
from webapp.app import create_app
from webapp.config import ConfigurationError, load_settings

EXPECTED_CSP = "default-src 'self'; object-src 'none'; base-uri 'none'; frame-ancestors 'none'"


def _assert_security_headers(response):
    assert response.headers["Content-Security-Policy"].startswith(EXPECTED_CSP)
    assert response.headers["X-Content-Type-Options"] == "nosniff"
    assert response.headers["Referrer-Policy"] == "same-origin"
    assert response.headers["X-Frame-Options"] == "DENY"


def test_s22_security_headers_on_pages_errors_api_and_downloads(client):
    _assert_security_headers(client.get("/login"))
    _assert_security_headers(client.get("/bestaat-niet"))
    _assert_security_headers(client.get("/api/v1/organisations"))
    login(client, ADMIN)
    _assert_security_headers(client.get("/"))
    _assert_security_headers(client.get("/organisaties/export.csv"))
    _assert_security_headers(client.get("/organisaties/99999"))


def test_s22_hsts_only_when_served_over_https(client):
    assert "Strict-Transport-Security" not in client.get("/login").headers
    secure = client.get("/login", base_url="https://localhost")
    assert secure.headers["Strict-Transport-Security"].startswith("max-age=31536000")


def test_s22_error_pages_are_dutch_and_leak_no_internals(client):
    response = client.get("/bestaat-niet")
    assert response.status_code == 404
    body = response.get_data(as_text=True)
    assert "Niet gevonden" in body and "Traceback" not in body and 'lang="nl"' in body


def test_unexpected_errors_answer_a_dutch_500_without_a_traceback(app):
    @app.get("/stuk")
    def broken():
        raise RuntimeError("interne details")

    from webapp.access import PUBLIC, route_access

    route_access(app)["broken"] = PUBLIC
    response = app.test_client().get("/stuk")
    assert response.status_code == 500
    body = response.get_data(as_text=True)
    assert "Er ging iets mis" in body and "interne details" not in body


@pytest.mark.parametrize("secret", [None, "", "dev", "changeme", "kort-maar-geheim"])
def test_s23_production_refuses_to_start_without_a_real_secret_key(tmp_path, secret):
    env = {"BESLUITWERK_DATA_DIR": str(tmp_path), "TRUSTED_HOSTS": "besluitwerk.example"}
    if secret is not None:
        env["SECRET_KEY"] = secret
    with pytest.raises(ConfigurationError, match="SECRET_KEY"):
        load_settings(env, production=True)


def test_s23_production_requires_trusted_hosts_and_runs_without_debug(tmp_path):
    env = {
        "BESLUITWERK_DATA_DIR": str(tmp_path),
        "SECRET_KEY": "q7Vd2-LmX9pR4tKz8WbN3yHc6JfE1sGa5UoQ0iTe",
        "AUDIT_KEY": "Zr4-Ue8qW2nB6xLk9TsV1hPd5mYc3GfJ7oAi0NwE",
    }
    with pytest.raises(ConfigurationError, match="TRUSTED_HOSTS"):
        load_settings(env, production=True)
    settings = load_settings({**env, "TRUSTED_HOSTS": "a.example"}, production=True)
    assert settings.production and settings.trusted_hosts == ("a.example",)


def test_s23_a_foreign_host_header_is_refused_when_trusted_hosts_are_set(database_url, tmp_path):
    app = create_app(make_settings(database_url, tmp_path, trusted_hosts=("besluitwerk.example",)))
    client = app.test_client()
    assert client.get("/login", base_url="http://besluitwerk.example").status_code == 200
    assert client.get("/login", base_url="http://evil.example").status_code == 400
    assert app.debug is False
    app.extensions["besluitwerk.engine"].dispose()


def test_development_generates_a_secret_key_once_and_keeps_it(tmp_path):
    env = {"BESLUITWERK_DATA_DIR": str(tmp_path)}
    first = load_settings(env).secret_key
    assert len(first) >= 32
    assert load_settings(env).secret_key == first
    assert (tmp_path / "secret_key").stat().st_mode & 0o077 == 0


def test_default_database_is_sqlite_in_the_data_directory(tmp_path):
    settings = load_settings({"BESLUITWERK_DATA_DIR": str(tmp_path)})
    assert settings.database_url == f"sqlite:///{tmp_path / 'besluitwerk.sqlite3'}"
    other = load_settings(
        {
            "BESLUITWERK_DATA_DIR": str(tmp_path),
            "DATABASE_URL": "postgresql://x",
            "AUDIT_KEY": "Zr4-Ue8qW2nB6xLk9TsV1hPd5mYc3GfJ7oAi0NwE",
        }
    )
    assert other.database_url == "postgresql://x"
