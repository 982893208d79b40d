"""Settings from environment variables, with the embedded SQLite default."""

from __future__ import annotations

import ipaddress
import os
import secrets
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import timedelta
from pathlib import Path

from zxcvbn import zxcvbn

from storage.private_files import private_directory
from webapp.logs import LOG_FORMATS

REPOSITORY_ROOT = Path(__file__).resolve().parent.parent

# Secret keys that appear in tutorials and sample configs; production refuses them (S23).
KNOWN_DEFAULT_SECRETS = frozenset(
    {
        "",
        "dev",
        "development",
        "secret",
        "changeme",
        "change-me",
        "secret-key",
        "secret_key",
        "your-secret-key",
        "super-secret-key",
        "replace-me",
        "insecure",
    }
)
MIN_SECRET_LENGTH = 32
# A long key can still be guessable: 32 times the same character, a few characters repeated,
# a keyboard row or a sequence. A random key has (almost) every character different; below
# 10 distinct characters even a 32-character hexadecimal key occurs once in 20 000 draws.
MIN_SECRET_DISTINCT = 10
# zxcvbn's estimate of the guesses an attacker needs (log10): 10^24 is about 80 bits. A
# secrets.token_hex(16) scores about 30, secrets.token_urlsafe(48) over 60; "a" * 32, "ab" * 16,
# "0123456789abcdef" * 2 and "changeme" * 4 stay under 5.
MIN_SECRET_GUESSES_LOG10 = 24
SECRET_ADVICE = (
    "zet in productie een willekeurige sleutel van minstens "
    f"{MIN_SECRET_LENGTH} tekens (bijvoorbeeld: python3 -c "
    "'import secrets; print(secrets.token_urlsafe(48))')."
)
# Only requests whose direct peer is one of these may set X-Forwarded-For/-Proto/-Host: a
# client that reaches the app around the proxy would otherwise choose its own address (and so
# escape the per-address login throttle, S21). Loopback by default: a proxy on the same host.
DEFAULT_TRUSTED_PROXIES = ("127.0.0.0/8", "::1")
MAX_PROXY_HOPS = 5


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
    # How many reverse proxies stand in front (BEHIND_PROXY), and from which addresses their
    # X-Forwarded-* headers are believed (TRUSTED_PROXIES).
    proxy_hops: int = 0
    trusted_proxies: tuple[str, ...] = DEFAULT_TRUSTED_PROXIES
    session_idle: timedelta = timedelta(minutes=30)
    session_absolute: timedelta = timedelta(hours=10)
    max_upload_bytes: int = 25 * 1024 * 1024
    smtp_host: str = ""
    smtp_port: int = 25
    smtp_user: str = ""
    smtp_password: str = ""
    smtp_from: str = "besluitwerk@localhost"
    smtp_starttls: bool = False
    # The address people open Besluitwerk at (https://besluitwerk.gemeente.example): reminders
    # link to it. Empty: they name the page instead.
    public_url: str = ""
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
        problem = secret_key_problem(secret_key)
        if problem:
            raise ConfigurationError(f"{problem}; {SECRET_ADVICE}")
    elif not secret_key:
        secret_key = _development_secret(data_dir, "secret_key")
    audit_key = env.get("AUDIT_KEY", "")
    if production or not database_url.startswith("sqlite"):
        # Several processes or hosts (production, PostgreSQL) must share one key: a key file
        # made by each of them would split the chain and lock out every second factor.
        problem = secret_key_problem(audit_key, "AUDIT_KEY")
        if problem:
            raise ConfigurationError(
                f"{problem}; zet "
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
    proxy_hops = _proxy_hops(env.get("BEHIND_PROXY", ""))
    trusted_proxies = _trusted_proxies(env.get("TRUSTED_PROXIES", ""))
    log_format = env.get("LOG_FORMAT", "").strip().lower() or ("json" if production else "text")
    if log_format not in LOG_FORMATS:
        raise ConfigurationError(
            f"LOG_FORMAT {log_format!r} is onbekend; kies 'json' (een JSON-object per regel) "
            "of 'text' (een leesbare regel)."
        )
    public_url = env.get("PUBLIC_URL", "").strip().rstrip("/")
    if public_url and not public_url.startswith(("https://", "http://")):
        raise ConfigurationError(
            f"PUBLIC_URL {public_url!r} is geen webadres; schrijf het zoals mensen Besluitwerk "
            "openen, bijvoorbeeld https://besluitwerk.gemeente.example."
        )
    return Settings(
        database_url=database_url,
        secret_key=secret_key,
        data_dir=data_dir,
        audit_key=audit_key,
        production=production,
        trusted_hosts=hosts,
        proxy_hops=proxy_hops,
        trusted_proxies=trusted_proxies,
        session_idle=timedelta(minutes=int(env.get("SESSION_IDLE_MINUTES", "30"))),
        session_absolute=timedelta(hours=int(env.get("SESSION_ABSOLUTE_HOURS", "10"))),
        smtp_host=env.get("SMTP_HOST", ""),
        smtp_port=int(env.get("SMTP_PORT", "25")),
        smtp_user=env.get("SMTP_USER", ""),
        smtp_password=env.get("SMTP_PASSWORD", ""),
        smtp_from=env.get("SMTP_FROM", "besluitwerk@localhost"),
        smtp_starttls=env.get("SMTP_STARTTLS", "").lower() in {"1", "true", "ja", "yes"},
        public_url=public_url,
        log_format=log_format,
    )


def secret_key_problem(key: str, name: str = "SECRET_KEY") -> str | None:
    """Why ``key`` is unfit to sign production cookies (docs/security.md S23) or, as AUDIT_KEY, to
    key the audit chain (S25; a guessable key lets anyone recompute the chain), or None."""
    if key.strip().lower() in KNOWN_DEFAULT_SECRETS:
        return f"{name} ontbreekt of is een bekende standaardwaarde"
    if len(key) < MIN_SECRET_LENGTH:
        return f"{name} is te kort ({len(key)} tekens)"
    if len(set(key)) < MIN_SECRET_DISTINCT:
        return f"{name} is te eenvoudig: er zitten maar {len(set(key))} verschillende tekens in"
    # zxcvbn looks at no more than its first 72 characters; they decide for a random key too.
    if float(zxcvbn(key[:72])["guesses_log10"]) < MIN_SECRET_GUESSES_LOG10:
        return f"{name} is te makkelijk te raden (een herhaling, reeks of bekend woord)"
    return None


def _proxy_hops(raw: str) -> int:
    text = raw.strip().lower()
    if text in {"", "0", "nee", "no", "false", "off"}:
        return 0
    if text in {"1", "ja", "yes", "true", "on"}:
        return 1
    if text.isascii() and text.isdigit() and 1 <= int(text) <= MAX_PROXY_HOPS:
        return int(text)
    raise ConfigurationError(
        f"BEHIND_PROXY {raw!r} is onbekend; zet 1 (of het aantal proxy's achter elkaar, ten "
        f"hoogste {MAX_PROXY_HOPS}) of laat het leeg."
    )


def _trusted_proxies(raw: str) -> tuple[str, ...]:
    names = tuple(part.strip() for part in raw.split(",") if part.strip())
    for name in names:
        try:
            ipaddress.ip_network(name, strict=False)
        except ValueError:
            raise ConfigurationError(
                f"TRUSTED_PROXIES: {name!r} is geen IP-adres of netwerk (zoals 10.0.0.5 of "
                "10.0.0.0/24)."
            ) from None
    return names or DEFAULT_TRUSTED_PROXIES


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
