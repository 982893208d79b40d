"""User accounts, their login sessions and their API tokens."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime

from sqlalchemy import (
    Boolean,
    CheckConstraint,
    ForeignKey,
    Index,
    Integer,
    Select,
    String,
    bindparam,
    func,
    select,
)
from sqlalchemy.orm import Mapped, Session, mapped_column, relationship

from storage import sealing
from storage.base import Base, UTCDateTime, one_of, utc_now
from storage.organisations import Organisation

ROLES = (
    "policy_officer",
    "legal_officer",
    "project_group",
    "provider",
    "administrator",
    "auditor",
)


class User(Base):
    __tablename__ = "users"
    __table_args__ = (CheckConstraint(one_of("role", ROLES), name="role"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    email: Mapped[str] = mapped_column(String(254), unique=True)
    name: Mapped[str] = mapped_column(String(200))
    role: Mapped[str] = mapped_column(String(20))
    organisation_id: Mapped[int] = mapped_column(ForeignKey("organisations.id"))
    password_hash: Mapped[str] = mapped_column(String(200))
    active: Mapped[bool] = mapped_column(Boolean, default=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utc_now)
    password_changed_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utc_now)
    # The second factor (S19): a TOTP secret once confirmed with a first code, and the last
    # time step accepted, so that a code cannot be used twice. The secret is sealed with a key
    # kept outside the database (S31, storage/sealing.py), never stored in clear.
    totp_secret_sealed: Mapped[str | None] = mapped_column(String(200))
    totp_confirmed_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    totp_last_step: Mapped[int | None] = mapped_column(Integer)
    version: Mapped[int] = mapped_column(Integer, default=1)

    organisation: Mapped[Organisation] = relationship(lazy="joined", foreign_keys=[organisation_id])

    __mapper_args__ = {"version_id_col": version}  # noqa: RUF012


class LoginSession(Base):
    """A server-side session: the cookie holds only a random token whose hash is stored here,
    so logging out or disabling an account ends the session for good (docs/security.md S17)."""

    __tablename__ = "login_sessions"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utc_now)
    last_seen_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utc_now)
    ended_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    origin: Mapped[str] = mapped_column(String(100), default="")

    user: Mapped[User] = relationship(lazy="joined")


API_TOKEN_SCOPES = ("read", "write")


class ApiToken(Base):
    """A bearer token for the JSON API. Only its SHA-256 is kept: the token itself has 256 bits
    of randomness, so a slow password hash would add nothing but latency. It expires, has a
    scope (``read`` tokens may only GET), and is revoked with the sessions of its user (S17)."""

    __tablename__ = "api_tokens"
    __table_args__ = (CheckConstraint("scope IN ('read', 'write')", name="scope"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    label: Mapped[str] = mapped_column(String(200), default="")
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utc_now)
    last_used_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    revoked_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    scope: Mapped[str] = mapped_column(String(10))
    expires_at: Mapped[datetime] = mapped_column(UTCDateTime)

    user: Mapped[User] = relationship(lazy="joined")


def _totp_label(user_id: int) -> str:
    # Bound to the row: a sealed secret copied into another account's row does not open.
    return f"users.totp_secret:{user_id}"


def seal_totp_secret(key: bytes, user_id: int, secret: str) -> str:
    return sealing.seal(key, secret, associated=_totp_label(user_id))


def seal_pending_totp_secret(key: bytes, user_id: int, secret: str) -> str:
    # Its own label: a sealed secret still being enrolled never passes for a confirmed one.
    return sealing.seal(key, secret, associated=f"pending totp_secret:{user_id}")


def open_pending_totp_secret(key: bytes, user_id: int, sealed: str) -> str:
    return sealing.open_sealed(key, sealed, associated=f"pending totp_secret:{user_id}")


def open_totp_secret(key: bytes, user_id: int, sealed: str) -> str:
    """The secret in clear; ``sealing.SealBroken`` when it was changed or sealed otherwise."""
    return sealing.open_sealed(key, sealed, associated=_totp_label(user_id))


def find_user_by_email(session: Session, email: str) -> User | None:
    return session.scalars(select(User).where(User.email == email.strip().lower())).one_or_none()


def user_list_query() -> Select[User]:
    # The id after the name: two people of the same name keep their place between pages.
    return select(User).order_by(User.name, User.id)


def list_users(session: Session) -> Sequence[User]:
    return session.scalars(user_list_query()).all()


# Built once: every signed-in request asks it, and building the statement cost about as much
# as running it.
_LIVE_LOGIN_SESSION = select(LoginSession).where(
    LoginSession.token_hash == bindparam("token_hash"), LoginSession.ended_at.is_(None)
)


def find_login_session(session: Session, token_hash: str) -> LoginSession | None:
    return session.scalars(_LIVE_LOGIN_SESSION, {"token_hash": token_hash}).one_or_none()


def open_login_sessions_of(session: Session, user_id: int) -> Sequence[LoginSession]:
    return session.scalars(
        select(LoginSession).where(LoginSession.user_id == user_id, LoginSession.ended_at.is_(None))
    ).all()


def find_api_token(session: Session, token_hash: str) -> ApiToken | None:
    return session.scalars(
        select(ApiToken).where(ApiToken.token_hash == token_hash, ApiToken.revoked_at.is_(None))
    ).one_or_none()


def api_tokens(session: Session, *, user_id: int | None = None) -> Sequence[ApiToken]:
    """Tokens, newest first; of one user, or of everyone."""
    query = select(ApiToken).order_by(ApiToken.created_at.desc(), ApiToken.id.desc())
    if user_id is not None:
        query = query.where(ApiToken.user_id == user_id)
    return session.scalars(query).all()


def live_api_tokens_of(session: Session, user_id: int) -> Sequence[ApiToken]:
    return session.scalars(
        select(ApiToken).where(ApiToken.user_id == user_id, ApiToken.revoked_at.is_(None))
    ).all()


class RecoveryCode(Base):
    """A one-time recovery code for the second factor; only its hash is kept."""

    __tablename__ = "recovery_codes"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    code_hash: Mapped[str] = mapped_column(String(64))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utc_now)
    used_at: Mapped[datetime | None] = mapped_column(UTCDateTime)


def recovery_codes_of(session: Session, user_id: int) -> Sequence[RecoveryCode]:
    return session.scalars(
        select(RecoveryCode).where(RecoveryCode.user_id == user_id).order_by(RecoveryCode.id)
    ).all()


class LoginAttempt(Base):
    """A failed login, kept in the database so that throttling holds across all workers and
    hosts (docs/security.md S21)."""

    __tablename__ = "login_attempts"
    __table_args__ = (
        Index("ix_login_attempts_email_at", "email", "at"),
        Index("ix_login_attempts_address_at", "address", "at"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    email: Mapped[str] = mapped_column(String(254))
    address: Mapped[str] = mapped_column(String(100))
    at: Mapped[datetime] = mapped_column(UTCDateTime, default=utc_now)


def failures_since(
    session: Session, *, email: str, address: str, since: datetime
) -> tuple[int, int, int]:
    """Failed logins since ``since``: for the account, from the address, and for the account
    from that address."""
    by_account = session.scalar(
        select(func.count())
        .select_from(LoginAttempt)
        .where(LoginAttempt.email == email, LoginAttempt.at >= since)
    )
    by_address = session.scalar(
        select(func.count())
        .select_from(LoginAttempt)
        .where(LoginAttempt.address == address, LoginAttempt.at >= since)
    )
    by_both = session.scalar(
        select(func.count())
        .select_from(LoginAttempt)
        .where(
            LoginAttempt.email == email, LoginAttempt.address == address, LoginAttempt.at >= since
        )
    )
    return int(by_account or 0), int(by_address or 0), int(by_both or 0)


def logged_in_from(session: Session, user_id: int, origin: str, *, since: datetime) -> bool:
    """Whether the user started a session from this origin (``web <address>``) since then."""
    found = session.scalar(
        select(LoginSession.id)
        .where(
            LoginSession.user_id == user_id,
            LoginSession.origin == origin[:100],
            LoginSession.created_at >= since,
        )
        .limit(1)
    )
    return found is not None


def has_account_in_domain(session: Session, domain: str) -> bool:
    """Whether any account's e-mail address ends in ``@domain`` (plain letters, digits, dots
    and hyphens only: the caller checked, so LIKE wildcards cannot occur)."""
    found = session.scalar(select(User.id).where(User.email.like(f"%@{domain}")).limit(1))
    return found is not None


def live_login_sessions(
    session: Session, *, seen_since: datetime, created_since: datetime
) -> Sequence[LoginSession]:
    return session.scalars(
        select(LoginSession)
        .where(
            LoginSession.ended_at.is_(None),
            LoginSession.last_seen_at > seen_since,
            LoginSession.created_at > created_since,
        )
        .order_by(LoginSession.last_seen_at.desc())
    ).all()


def failed_logins_since(
    session: Session, since: datetime
) -> Sequence[tuple[str, str, int, datetime]]:
    """Failed logins grouped per e-mail address and network address, the most recent first."""
    last = func.max(LoginAttempt.at)
    rows = session.execute(
        select(LoginAttempt.email, LoginAttempt.address, func.count(), last)
        .where(LoginAttempt.at >= since)
        .group_by(LoginAttempt.email, LoginAttempt.address)
        .order_by(last.desc())
    ).all()
    return [(email, address, int(count), at) for email, address, count, at in rows]
