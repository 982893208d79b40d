"""The production entry point for gunicorn (``besluitwerk serve``): refuses to start without a
real SECRET_KEY and TRUSTED_HOSTS (docs/security.md S23). BEHIND_PROXY and TRUSTED_PROXIES are
applied by the app factory."""

from __future__ import annotations

from webapp.app import create_app
from webapp.config import load_settings

app = create_app(load_settings(production=True))
