"""Settings from environment variables, with the embedded SQLite default."""

from __future__ import annotations

import os
import secrets
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import timedelta
from pathlib import Path

from storage.private_files import private_directory
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
    # The root of the keys kept outside the database: the audit chain's MAC (S25) and the
    # sealing of second-factor secrets (S31); see storage/keys.py.
    audit_key: str = ""
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
        secret_key = _development_secret(data_dir, "secret_key")
    audit_key = env.get("AUDIT_KEY", "")
    if production or not database_url.startswith("sqlite"):
        # Several processes or hosts (production, PostgreSQL) must share one key: a key file
        # made by each of them would split the chain and lock out every second factor.
        if audit_key in KNOWN_DEFAULT_SECRETS or len(audit_key) < MIN_SECRET_LENGTH:
            raise ConfigurationError(
                "AUDIT_KEY ontbreekt of is een bekende standaardwaarde; zet "
                + ("in productie" if production else "bij een PostgreSQL-database")
                + f" een willekeurige sleutel van minstens {MIN_SECRET_LENGTH} tekens, buiten de "
                "database bewaard (bijvoorbeeld: python3 -c 'import secrets; "
                "print(secrets.token_urlsafe(48))'). Bewaar hem goed: zonder deze sleutel is het "
                "auditlogboek niet te controleren en werkt geen tweede factor meer."
            )
        if audit_key == secret_key:
            raise ConfigurationError(
                "AUDIT_KEY is gelijk aan SECRET_KEY; kies voor elk een eigen sleutel."
            )
    elif not audit_key:
        audit_key = _development_secret(data_dir, "audit_key")
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
        audit_key=audit_key,
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


def _development_secret(data_dir: Path, name: str) -> str:
    """A random key made once and kept in the (owner-only) data directory, so that sessions
    survive restarts and the audit chain stays verifiable."""
    private_directory(data_dir)
    path = data_dir / name
    if path.exists():
        return path.read_text(encoding="ascii").strip()
    key = secrets.token_urlsafe(48)
    descriptor = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    with os.fdopen(descriptor, "w", encoding="ascii") as handle:
        handle.write(key)
    return key
