"""The production entry point for gunicorn (``besluitwerk serve``): refuses to start without a
real SECRET_KEY and TRUSTED_HOSTS (SECURITY.md S23)."""

from __future__ import annotations

import os

from werkzeug.middleware.proxy_fix import ProxyFix

from webapp.app import create_app
from webapp.config import load_settings

app = create_app(load_settings(production=True))
if os.environ.get("BEHIND_PROXY", "").lower() in {"1", "true", "ja"}:
    # One reverse proxy terminates HTTPS: trust its X-Forwarded-Proto/-For/-Host, nobody else's,
    # so that request.is_secure (HSTS, Secure cookies) and the client address are right.
    app.wsgi_app = ProxyFix(app.wsgi_app, x_for=1, x_proto=1, x_host=1)  # type: ignore[method-assign]
