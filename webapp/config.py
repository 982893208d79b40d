"""Settings from environment variables, with the embedded SQLite default."""

from __future__ import annotations

import os
import secrets
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import timedelta
from pathlib import Path

from webapp.logs import LOG_FORMATS

REPOSITORY_ROOT = Path(__file__).resolve().parent.parent

# Secret keys that appear in tutorials and sample configs; production refuses them (S23).
KNOWN_DEFAULT_SECRETS = frozenset(
    {"", "dev", "development", "secret", "changeme", "change-me", "secret-key", "SECRET_KEY"}
)
MIN_SECRET_LENGTH = 32


class ConfigurationError(RuntimeError):
    """A setting that makes it unsafe or impossible to start."""


@dataclass(frozen=True)
class Settings:
    database_url: str
    secret_key: str
    data_dir: Path
    production: bool = False
    trusted_hosts: tuple[str, ...] = ()
    session_idle: timedelta = timedelta(minutes=30)
    session_absolute: timedelta = timedelta(hours=10)
    max_upload_bytes: int = 25 * 1024 * 1024
    smtp_host: str = ""
    smtp_port: int = 25
    smtp_user: str = ""
    smtp_password: str = ""
    smtp_from: str = "besluitwerk@localhost"
    smtp_starttls: bool = False
    log_format: str = "text"
    extra: Mapping[str, object] = field(default_factory=dict)


def load_settings(
    environ: Mapping[str, str] | None = None, *, production: bool = False
) -> Settings:
    env = os.environ if environ is None else environ
    data_dir = Path(env.get("BESLUITWERK_DATA_DIR") or REPOSITORY_ROOT / "var").resolve()
    database_url = env.get("DATABASE_URL") or f"sqlite:///{data_dir / 'besluitwerk.sqlite3'}"
    secret_key = env.get("SECRET_KEY", "")
    if production:
        if secret_key in KNOWN_DEFAULT_SECRETS or len(secret_key) < MIN_SECRET_LENGTH:
            raise ConfigurationError(
                "SECRET_KEY ontbreekt of is een bekende standaardwaarde; zet in productie een "
                f"willekeurige sleutel van minstens {MIN_SECRET_LENGTH} tekens "
                "(bijvoorbeeld: python3 -c 'import secrets; print(secrets.token_urlsafe(48))')."
            )
    elif not secret_key:
        secret_key = _development_secret(data_dir)
    hosts = tuple(h.strip() for h in env.get("TRUSTED_HOSTS", "").split(",") if h.strip())
    if production and not hosts:
        raise ConfigurationError(
            "TRUSTED_HOSTS ontbreekt; noem in productie de hostnamen waaronder Besluitwerk "
            "bereikbaar is, gescheiden door komma's."
        )
    log_format = env.get("LOG_FORMAT", "").strip().lower() or ("json" if production else "text")
    if log_format not in LOG_FORMATS:
        raise ConfigurationError(
            f"LOG_FORMAT {log_format!r} is onbekend; kies 'json' (een JSON-object per regel) "
            "of 'text' (een leesbare regel)."
        )
    return Settings(
        database_url=database_url,
        secret_key=secret_key,
        data_dir=data_dir,
        production=production,
        trusted_hosts=hosts,
        session_idle=timedelta(minutes=int(env.get("SESSION_IDLE_MINUTES", "30"))),
        session_absolute=timedelta(hours=int(env.get("SESSION_ABSOLUTE_HOURS", "10"))),
        smtp_host=env.get("SMTP_HOST", ""),
        smtp_port=int(env.get("SMTP_PORT", "25")),
        smtp_user=env.get("SMTP_USER", ""),
        smtp_password=env.get("SMTP_PASSWORD", ""),
        smtp_from=env.get("SMTP_FROM", "besluitwerk@localhost"),
        smtp_starttls=env.get("SMTP_STARTTLS", "").lower() in {"1", "true", "ja", "yes"},
        log_format=log_format,
    )


def _development_secret(data_dir: Path) -> str:
    """A random key made once and kept in the data directory, so sessions survive restarts."""
    data_dir.mkdir(parents=True, exist_ok=True)
    path = data_dir / "secret_key"
    if path.exists():
        return path.read_text(encoding="ascii").strip()
    key = secrets.token_urlsafe(48)
    descriptor = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    with os.fdopen(descriptor, "w", encoding="ascii") as handle:
        handle.write(key)
    return key
