"""Accounts: passwords, login sessions and API tokens."""

from __future__ import annotations

import hashlib
import re
import secrets
from collections.abc import Sequence
from contextlib import suppress
from dataclasses import dataclass
from datetime import datetime, timedelta

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError
from sqlalchemy.orm import Session

from storage import accounts as account_store
from storage import paging
from storage.accounts import User
from storage.organisations import Organisation
from storage.paging import Page, Window
from workflows import audit
from workflows.actors import Actor
from workflows.errors import InvalidInput, NotFound
from workflows.rules import fields, throttle
from workflows.rules.passwords import password_problem
from workflows.rules.role_pairings import pairing_problem
from workflows.rules.roles import ROLE_LABELS, Permission, Role
from workflows.rules.text import clean_text, text_problem

# argon2-cffi's defaults are the RFC 9106 low-memory profile of argon2id (docs/security.md S20).
_hasher = PasswordHasher()
# Verified against when the e-mail address is unknown, so that the answer takes as long as for
# a known account (docs/security.md S21: the same message and timing for unknown users).
_DUMMY_HASH = _hasher.hash(secrets.token_urlsafe(16))

API_TOKEN_PREFIX = "bw_"  # noqa: S105 - a recognisable prefix, not a secret

# What a failed login is logged, audited and counted under when the typed name is no account
# (docs/security.md S26): people type their password into the e-mail field. An unknown name is kept
# only when it looks like an e-mail address in a domain that has accounts here (a typo, or
# someone trying our addresses); anything else becomes this marker. No hash (a password's hash
# is guessed offline), no prefix, no length: nothing to learn the password from.
UNRECOGNISED_LOGIN_NAME = "(geen bekend e-mailadres)"
_EMAIL_FORM = re.compile(r"[a-z0-9._+'-]{1,64}@([a-z0-9-]{1,63}(?:\.[a-z0-9-]{1,63})+)")


def page_accounts(session: Session, actor: Actor, window: Window) -> Page[User]:
    """One page of the accounts, by name, counted and limited in SQL."""
    actor.require(Permission.MANAGE_USERS)
    return paging.fetch(session, account_store.user_list_query(), window)


def set_active(
    session: Session, actor: Actor, user_id: int, *, active: bool, now: datetime
) -> User:
    """Block or unblock an account; blocking ends its sessions and revokes its API tokens at
    once (docs/security.md S17)."""
    actor.require(Permission.MANAGE_USERS)
    user = session.get(User, user_id)
    if user is None:
        raise NotFound("Dit account bestaat niet.")
    if user.id == actor.user_id and not active:
        raise InvalidInput({"active": "U kunt uw eigen account niet blokkeren."})
    if user.active == active:
        return user
    user.active = active
    if not active:
        for row in account_store.open_login_sessions_of(session, user.id):
            row.ended_at = now
    session.flush()
    audit.record(
        session,
        actor,
        action="update",
        object_type="user",
        object_id=user.id,
        old_values={"active": not active},
        new_values={"active": active, "version": user.version},
    )
    if not active:
        revoke_api_tokens_of(session, actor, user.id, now=now, reason="blocked")
    return user


def hash_password(password: str) -> str:
    return _hasher.hash(password)


def token_digest(token: str) -> str:
    return hashlib.sha256(token.encode("utf-8")).hexdigest()


@dataclass(frozen=True)
class SessionLimits:
    idle: timedelta
    absolute: timedelta


def actor_for(user: User, origin: str) -> Actor:
    return Actor(
        user_id=user.id,
        label=f"{user.name} <{user.email}>",
        role=Role(user.role),
        organisation_id=user.organisation_id,
        origin=origin,
    )


def create_user(
    session: Session,
    actor: Actor,
    *,
    email: str,
    name: str,
    role: str,
    organisation_id: int | str | None,
    password: str,
) -> User:
    errors: dict[str, str] = {}
    email = clean_text(email).lower()
    name = clean_text(name)
    problem = text_problem(email, label="E-mailadres", max_length=254)
    if problem:
        errors["email"] = problem
    elif "@" not in email or email.startswith("@") or email.endswith("@") or " " in email:
        errors["email"] = "E-mailadres: vul een geldig e-mailadres in, zoals naam@gemeente.nl."
    elif account_store.find_user_by_email(session, email) is not None:
        errors["email"] = "E-mailadres: er bestaat al een account met dit e-mailadres."
    problem = text_problem(name, label="Naam", max_length=200)
    if problem:
        errors["name"] = problem
    elif not name:
        errors["name"] = "Naam: vul een naam in."
    organisation = _organisation(session, organisation_id)
    if organisation is None:
        errors["organisation_id"] = "Organisatie: kies een bestaande organisatie."
    if role not in {r.value for r in Role}:
        errors["role"] = "Rol: kies een van de rollen uit de lijst."
    elif organisation is not None:
        # The same pairing as when a beheerder edits an account: a provider account must never
        # see municipal data, nor an officer work for a provider.
        problem = pairing_problem(Role(role), organisation.kind, ROLE_LABELS[Role(role)])
        if problem:
            errors["role"] = problem
    related = [email, name, organisation.name if organisation is not None else ""]
    problem = password_problem(password, related=related)
    if problem:
        errors["password"] = problem
    if errors:
        raise InvalidInput(errors)
    assert organisation is not None
    user = User(
        email=email,
        name=name,
        role=role,
        organisation_id=organisation.id,
        password_hash=hash_password(password),
        active=True,
    )
    session.add(user)
    session.flush()
    audit.record(
        session,
        actor,
        action="create",
        object_type="user",
        object_id=user.id,
        new_values={
            "email": email,
            "name": name,
            "role": role,
            "organisation_id": organisation.id,
        },
    )
    return user


def _organisation(session: Session, organisation_id: int | str | None) -> Organisation | None:
    key = fields.id_or_none(organisation_id)
    return session.get(Organisation, key) if key is not None else None


def login_name(session: Session, typed: str) -> str:
    """The typed login name as it may be logged: an account's e-mail address, an e-mail address
    in one of our domains, or UNRECOGNISED_LOGIN_NAME (docs/security.md S26)."""
    name = typed.strip().lower()[:254]
    if account_store.find_user_by_email(session, name) is not None:
        return name
    match = _EMAIL_FORM.fullmatch(name)
    if match and account_store.has_account_in_domain(session, match.group(1)):
        return name
    return UNRECOGNISED_LOGIN_NAME


def authenticate(session: Session, *, email: str, password: str, origin: str) -> User | None:
    """The active user with this e-mail address and password, or None. A failure is audited
    under the login name (never the password, nor a typed name that may be one: S26, S27)."""
    user = account_store.find_user_by_email(session, email[:254])
    stored_hash = user.password_hash if user is not None else _DUMMY_HASH
    ok: bool
    try:
        ok = _hasher.verify(stored_hash, password)
    except (VerificationError, InvalidHashError):
        ok = False
    if user is None or not ok or not user.active:
        audit.record(
            session,
            Actor(None, login_name(session, email), None, None, origin),
            action="login",
            object_type="user",
            object_id=user.id if user is not None else None,
            result="failed",
        )
        return None
    if _hasher.check_needs_rehash(user.password_hash):
        user.password_hash = hash_password(password)
    return user


@dataclass(frozen=True)
class LoginResult:
    user: User | None
    throttled: bool = False
    # The typed login name as it may be logged (see login_name).
    name: str = UNRECOGNISED_LOGIN_NAME


def log_in(
    session: Session, *, email: str, password: str, address: str, origin: str, now: datetime
) -> LoginResult:
    """Check the password unless this account or address is throttled; every failure is
    counted in the database (docs/security.md S21; see workflows.rules.throttle for the rule)."""
    key = login_name(session, email)
    if throttled(session, email=key, address=address, origin=origin, now=now):
        # The password is still hashed: a throttled answer takes as long as any other.
        _spend_time(password)
        audit.record(
            session,
            Actor(None, key, None, None, origin),
            action="login",
            object_type="user",
            object_id=None,
            result="denied",
            new_values={"reason": "throttled"},
        )
        return LoginResult(None, throttled=True, name=key)
    user = authenticate(session, email=email, password=password, origin=origin)
    if user is None:
        session.add(account_store.LoginAttempt(email=key, address=address[:100], at=now))
        session.flush()
    return LoginResult(user, name=key)


def throttled(session: Session, *, email: str, address: str, origin: str, now: datetime) -> bool:
    """Whether this account, address or pair has too many recent failures (also for the second
    factor: a code is guessed like a password). ``email`` is the login name (login_name)."""
    key = email.strip().lower()[:254]
    per_account, per_address, per_pair = account_store.failures_since(
        session, email=key, address=address[:100], since=now - throttle.WINDOW
    )
    failures = throttle.Failures(per_account, per_address, per_pair)
    if not throttle.throttled(failures, known_address=False):
        return False
    user = account_store.find_user_by_email(session, key)
    known = user is not None and account_store.logged_in_from(
        session, user.id, origin, since=now - throttle.KNOWN_ADDRESS_FOR
    )
    return throttle.throttled(failures, known_address=known)


def count_failure(session: Session, *, email: str, address: str, now: datetime) -> None:
    session.add(
        account_store.LoginAttempt(email=email.strip().lower()[:254], address=address[:100], at=now)
    )
    session.flush()


def _spend_time(password: str) -> None:
    with suppress(VerificationError, InvalidHashError):
        _hasher.verify(_DUMMY_HASH, password)


def start_login_session(session: Session, user: User, *, origin: str, now: datetime) -> str:
    """A new random session token for the cookie; only its hash is stored (S17, S18)."""
    token = secrets.token_urlsafe(32)
    session.add(
        account_store.LoginSession(
            token_hash=token_digest(token),
            user_id=user.id,
            created_at=now,
            last_seen_at=now,
            origin=origin[:100],
        )
    )
    audit.record(
        session, actor_for(user, origin), action="login", object_type="user", object_id=user.id
    )
    session.flush()
    return token


def resolve_login_session(
    session: Session, token: str, *, now: datetime, limits: SessionLimits
) -> User | None:
    """The user of a live session, or None when it ended, timed out or the account is off."""
    row = account_store.find_login_session(session, token_digest(token))
    if row is None:
        return None
    if (
        not row.user.active
        or now - row.last_seen_at >= limits.idle
        or now - row.created_at >= limits.absolute
    ):
        row.ended_at = now
        return None
    # Writing on every request would serialise all readers on SQLite; a minute is precise
    # enough for an idle timeout counted in minutes.
    if now - row.last_seen_at > timedelta(minutes=1):
        row.last_seen_at = now
    return row.user


def end_login_session(session: Session, token: str, *, now: datetime, origin: str) -> None:
    row = account_store.find_login_session(session, token_digest(token))
    if row is None:
        return
    row.ended_at = now
    audit.record(
        session,
        actor_for(row.user, origin),
        action="logout",
        object_type="user",
        object_id=row.user_id,
    )


API_TOKEN_DAYS = 90
MAX_API_TOKEN_DAYS = 366
API_TOKEN_SCOPES = account_store.API_TOKEN_SCOPES


@dataclass(frozen=True)
class ApiAccess:
    """Who a valid API token speaks for, and whether it may change anything."""

    user: User
    token_id: int
    scope: str

    @property
    def may_write(self) -> bool:
        return self.scope == "write"


def create_api_token(
    session: Session,
    actor: Actor,
    *,
    email: str,
    scope: str,
    now: datetime,
    label: str = "",
    days: int = API_TOKEN_DAYS,
) -> str:
    """A new token for the account, valid ``days`` days; returned once, only its hash is kept."""
    user = account_store.find_user_by_email(session, email)
    if user is None:
        raise NotFound(f"Er is geen account met e-mailadres {email}.")
    errors: dict[str, str] = {}
    label = clean_text(label)
    problem = text_problem(label, label="Omschrijving", max_length=200)
    if problem:
        errors["label"] = problem
    if scope not in API_TOKEN_SCOPES:
        errors["scope"] = "Bereik: kies 'read' (alleen lezen) of 'write' (lezen en wijzigen)."
    if not 1 <= days <= MAX_API_TOKEN_DAYS:
        errors["days"] = f"Geldigheid: kies 1 tot en met {MAX_API_TOKEN_DAYS} dagen."
    if not user.active:
        errors["email"] = f"Het account {user.email} is geblokkeerd; het krijgt geen API-token."
    if errors:
        raise InvalidInput(errors)
    token = API_TOKEN_PREFIX + secrets.token_urlsafe(32)
    row = account_store.ApiToken(
        token_hash=token_digest(token),
        user_id=user.id,
        label=label,
        scope=scope,
        created_at=now,
        expires_at=now + timedelta(days=days),
    )
    session.add(row)
    session.flush()
    audit.record(
        session,
        actor,
        action="create",
        object_type="api_token",
        object_id=row.id,
        new_values={
            "user_id": user.id,
            "label": label,
            "scope": scope,
            "expires_at": row.expires_at.isoformat(),
        },
    )
    return token


def resolve_api_token(session: Session, token: str, *, now: datetime) -> ApiAccess | None:
    """The account and scope of a token that is not revoked, not expired and whose account is
    not blocked; None otherwise."""
    if not token.startswith(API_TOKEN_PREFIX):
        return None
    row = account_store.find_api_token(session, token_digest(token))
    if row is None or not row.user.active or now >= row.expires_at:
        return None
    if row.last_used_at is None or now - row.last_used_at > timedelta(minutes=1):
        row.last_used_at = now
    return ApiAccess(row.user, row.id, row.scope)


def api_token_state(row: account_store.ApiToken, *, now: datetime) -> str:
    """``revoked``, ``expired`` or ``valid``: what the token pages show."""
    if row.revoked_at is not None:
        return "revoked"
    return "expired" if now >= row.expires_at else "valid"


def find_account(session: Session, actor: Actor, email: str) -> User:
    actor.require(Permission.MANAGE_USERS)
    user = account_store.find_user_by_email(session, email)
    if user is None:
        raise NotFound(f"Er is geen account met e-mailadres {email}.")
    return user


def own_api_tokens(session: Session, actor: Actor) -> Sequence[account_store.ApiToken]:
    if actor.user_id is None:
        raise NotFound("Dit account bestaat niet.")
    return account_store.api_tokens(session, user_id=actor.user_id)


def all_api_tokens(
    session: Session, actor: Actor, *, email: str | None = None
) -> Sequence[account_store.ApiToken]:
    actor.require(Permission.MANAGE_USERS)
    if email is None:
        return account_store.api_tokens(session)
    return account_store.api_tokens(session, user_id=find_account(session, actor, email).id)


def revoke_own_api_token(
    session: Session, actor: Actor, token_id: int, *, now: datetime
) -> account_store.ApiToken:
    """One's own token; another's is not found (not: forbidden), so ids reveal nothing."""
    row = session.get(account_store.ApiToken, token_id)
    if row is None or actor.user_id is None or row.user_id != actor.user_id:
        raise NotFound("Dit API-token bestaat niet.")
    _revoke(session, actor, row, now=now, reason="revoked")
    return row


def revoke_api_token(
    session: Session, actor: Actor, token_id: int, *, now: datetime
) -> account_store.ApiToken:
    """The administrator (or the operator at the command line) revokes any token."""
    actor.require(Permission.MANAGE_USERS)
    row = session.get(account_store.ApiToken, token_id)
    if row is None:
        raise NotFound("Dit API-token bestaat niet.")
    _revoke(session, actor, row, now=now, reason="revoked")
    return row


def revoke_api_tokens_of(
    session: Session, actor: Actor, user_id: int, *, now: datetime, reason: str
) -> int:
    """Every live token of an account: with its sessions they end on a password change, "end
    all sessions" and blocking (docs/security.md S17). Returns how many were revoked."""
    rows = account_store.live_api_tokens_of(session, user_id)
    for row in rows:
        _revoke(session, actor, row, now=now, reason=reason)
    return len(rows)


def _revoke(
    session: Session, actor: Actor, row: account_store.ApiToken, *, now: datetime, reason: str
) -> None:
    if row.revoked_at is not None:
        return
    row.revoked_at = now
    session.flush()
    audit.record(
        session,
        actor,
        action="revoke",
        object_type="api_token",
        object_id=row.id,
        old_values={"revoked_at": None},
        new_values={"user_id": row.user_id, "reason": reason, "revoked_at": now.isoformat()},
    )


def list_colleagues(session: Session, actor: Actor) -> Sequence[User]:
    """Accounts an officer may name as the owner of a deadline: everyone active except
    providers (the project group works across the municipalities of an arrangement)."""
    actor.require(Permission.VIEW_SIGNALS)
    return [u for u in account_store.list_users(session) if u.active and u.role != Role.PROVIDER]


def change_password(
    session: Session,
    actor: Actor,
    *,
    current: str,
    new: str,
    repeat: str,
    keep_token: str | None,
    now: datetime,
) -> int:
    """Change one's own password; every other session of the account ends and its API tokens
    are revoked (docs/security.md S17). Returns how many sessions were ended."""
    user = session.get(User, actor.user_id) if actor.user_id is not None else None
    if user is None:
        raise NotFound("Dit account bestaat niet.")
    errors: dict[str, str] = {}
    ok: bool
    try:
        ok = _hasher.verify(user.password_hash, current)
    except (VerificationError, InvalidHashError):
        ok = False
    if not ok:
        errors["current"] = "Huidig wachtwoord: klopt niet."
    if new != repeat:
        errors["repeat"] = "Herhaling: is niet gelijk aan het nieuwe wachtwoord."
    problem = password_problem(new, related=[user.email, user.name, user.organisation.name])
    if problem:
        errors["new"] = problem
    elif ok and new == current:
        errors["new"] = "Nieuw wachtwoord: kies een ander wachtwoord dan het huidige."
    if errors:
        raise InvalidInput(errors)
    user.password_hash = hash_password(new)
    user.password_changed_at = now
    ended = end_other_sessions(session, user.id, keep_token=keep_token, now=now)
    audit.record(
        session,
        actor,
        action="password_change",
        object_type="user",
        object_id=user.id,
        new_values={"sessions_ended": ended},
    )
    # A token made under the old password could be in the hands of whoever knew it.
    revoke_api_tokens_of(session, actor, user.id, now=now, reason="password_change")
    return ended


def end_other_sessions(
    session: Session, user_id: int, *, keep_token: str | None, now: datetime
) -> int:
    keep = token_digest(keep_token) if keep_token else None
    ended = 0
    for row in account_store.open_login_sessions_of(session, user_id):
        if row.token_hash != keep:
            row.ended_at = now
            ended += 1
    session.flush()
    return ended


def end_all_sessions(
    session: Session, actor: Actor, *, keep_token: str | None, now: datetime
) -> int:
    """ "Log out everywhere else": every other session of one's own account ends now, and every
    API token of the account is revoked."""
    if actor.user_id is None:
        raise NotFound("Dit account bestaat niet.")
    ended = end_other_sessions(session, actor.user_id, keep_token=keep_token, now=now)
    audit.record(
        session,
        actor,
        action="end_sessions",
        object_type="user",
        object_id=actor.user_id,
        new_values={"sessions_ended": ended},
    )
    revoke_api_tokens_of(session, actor, actor.user_id, now=now, reason="end_sessions")
    return ended


def live_sessions(
    session: Session, actor: Actor, *, now: datetime, limits: SessionLimits
) -> Sequence[account_store.LoginSession]:
    """The sessions that would still let someone in now, for the administrator's overview."""
    actor.require(Permission.MANAGE_USERS)
    return account_store.live_login_sessions(
        session, seen_since=now - limits.idle, created_since=now - limits.absolute
    )


@dataclass(frozen=True)
class FailedLogins:
    email: str
    address: str
    count: int
    last_at: datetime
    known_account: bool


# As long as the throttle looks back at least, so that a lock the administrator is asked
# about is always visible; a day shows the pattern of a guessing attack as well.
FAILED_LOGIN_WINDOW = max(throttle.WINDOW, timedelta(days=1))


def failed_logins(session: Session, actor: Actor, *, now: datetime) -> list[FailedLogins]:
    actor.require(Permission.MANAGE_USERS)
    known = {user.email for user in account_store.list_users(session)}
    return [
        FailedLogins(email, address, count, at, email in known)
        for email, address, count, at in account_store.failed_logins_since(
            session, now - FAILED_LOGIN_WINDOW
        )
    ]


def end_session(
    session: Session, actor: Actor, login_session_id: int, *, now: datetime
) -> account_store.LoginSession:
    """The administrator ends one session, e.g. on a lost laptop (docs/security.md S17)."""
    actor.require(Permission.MANAGE_USERS)
    row = session.get(account_store.LoginSession, login_session_id)
    if row is None:
        raise NotFound("Deze sessie bestaat niet.")
    if row.ended_at is not None:
        return row
    row.ended_at = now
    session.flush()
    audit.record(
        session,
        actor,
        action="end_sessions",
        object_type="user",
        object_id=row.user_id,
        new_values={"sessions_ended": 1, "session_started": row.created_at.isoformat()},
    )
    return row
