"""What the administrator does to other people's accounts: change role and organisation,
hand out a one-time link to set a new password, and reset the second factor. Every step is in
the audit log (docs/security.md S24); the existing account behaviour (hashing, ending sessions) is
that of ``workflows.accounts``.

A reset link is random (256 bits), kept only as its SHA-256, usable once, and expires after
``RESET_LINK_VALID``: a day gives the user time to read the mail or message while keeping a
forwarded or leaked link short-lived. Using it sets a password under the same rules as any
other (S20) and ends every session of the account (S17), so whoever held the old password is
out. A new link makes the earlier ones unusable.
"""

from __future__ import annotations

import secrets
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy.orm import Session

from storage import accounts as account_store
from storage import password_resets as store
from storage.accounts import User
from storage.organisations import Organisation
from storage.password_resets import PasswordResetLink
from workflows import audit
from workflows.accounts import accounts
from workflows.actors import Actor
from workflows.errors import InvalidInput, NotFound
from workflows.rules.passwords import password_problem
from workflows.rules.role_pairings import pairing_problem
from workflows.rules.roles import ROLE_LABELS, Permission, Role
from workflows.rules.second_factor import required as second_factor_required

RESET_LINK_VALID = timedelta(hours=24)
# The fields an administrator's edit binds, and nothing else (docs/security.md S14).
EDITABLE = ("role", "organisation_id")
LABELS = {"role": "Rol", "organisation_id": "Organisatie"}
LINK_INVALID = (
    "Deze link om een wachtwoord in te stellen is verlopen, al gebruikt of bestaat niet. "
    "Vraag de beheerder om een nieuwe link."
)


def _user(session: Session, actor: Actor, user_id: int) -> User:
    actor.require(Permission.MANAGE_USERS)
    user = session.get(User, user_id)
    if user is None:
        raise NotFound("Dit account bestaat niet.")
    return user


def get(session: Session, actor: Actor, user_id: int) -> User:
    return _user(session, actor, user_id)


def edit(
    session: Session,
    actor: Actor,
    user_id: int,
    raw: Mapping[str, str],
    *,
    expected_version: int | str | None,
) -> User:
    """Change an account's role and organisation (only these, S14), refusing a save based on
    an older version (S28) and a role that does not fit the organisation."""
    user = _user(session, actor, user_id)
    errors: dict[str, str] = {}
    role_raw = str(raw.get("role", ""))
    role = Role(role_raw) if role_raw in {r.value for r in Role} else None
    if role is None:
        errors["role"] = "Rol: kies een van de rollen uit de lijst."
    organisation: Organisation | None = None
    organisation_raw = str(raw.get("organisation_id", "")).strip()
    if organisation_raw.isdigit():
        organisation = session.get(Organisation, int(organisation_raw))
    if organisation is None:
        errors["organisation_id"] = "Organisatie: kies een bestaande organisatie."
    if role is not None and organisation is not None:
        problem = pairing_problem(role, organisation.kind, ROLE_LABELS[role])
        if problem:
            errors["role"] = problem
    if role is not None and user.id == actor.user_id and role != Role.ADMINISTRATOR:
        # Otherwise the last administrator could lock everyone out of user management.
        errors["role"] = "Rol: u kunt uw eigen rol van beheerder niet afnemen."
    if errors:
        raise InvalidInput(errors)
    assert role is not None and organisation is not None
    audit.expect_version(
        session,
        object_type="user",
        object_id=user.id,
        current=user.version,
        expected=expected_version,
        what="dit account",
    )
    before = {"role": user.role, "organisation_id": user.organisation_id}
    if before == {"role": role.value, "organisation_id": organisation.id}:
        return user
    user.role = role.value
    user.organisation_id = organisation.id
    # The actor is rebuilt from the account on every request, so open sessions get the new
    # rights (and lose the old ones) on their next click.
    session.flush()
    audit.record_update(
        session,
        actor,
        object_type="user",
        object_id=user.id,
        before=before,
        after={"role": user.role, "organisation_id": user.organisation_id},
        version=user.version,
    )
    return user


@dataclass(frozen=True)
class ResetLink:
    user: User
    token: str
    expires_at: datetime


def create_reset_link(session: Session, actor: Actor, user_id: int, *, now: datetime) -> ResetLink:
    """A new one-time link for this account; earlier unused links stop working. The token is
    returned once, for the page and the mail, and never stored."""
    user = _user(session, actor, user_id)
    if not user.active:
        raise InvalidInput(
            {
                "user": "Dit account is geblokkeerd; deblokkeer het eerst als de gebruiker "
                "weer mag werken."
            }
        )
    for earlier in store.open_links_of(session, user.id):
        earlier.used_at = now
    token = secrets.token_urlsafe(32)
    link = PasswordResetLink(
        token_hash=accounts.token_digest(token),
        user_id=user.id,
        created_by_id=actor.user_id,
        created_at=now,
        expires_at=now + RESET_LINK_VALID,
    )
    session.add(link)
    session.flush()
    audit.record(
        session,
        actor,
        action="password_reset_link",
        object_type="user",
        object_id=user.id,
        new_values={"expires_at": link.expires_at.isoformat()},
    )
    return ResetLink(user, token, link.expires_at)


def _usable_link(session: Session, token: str, now: datetime) -> PasswordResetLink | None:
    if not token or len(token) > 100:
        return None
    link = store.find_link(session, accounts.token_digest(token))
    if link is None or link.used_at is not None or link.expires_at <= now or not link.user.active:
        return None
    return link


def reset_link_user(session: Session, token: str, *, now: datetime) -> User | None:
    """The account a still usable link is for, or None."""
    link = _usable_link(session, token, now)
    return link.user if link is not None else None


def use_reset_link(
    session: Session, token: str, *, new: str, repeat: str, origin: str, now: datetime
) -> User:
    """Sets the new password, uses the link up and ends every session of the account (S17)."""
    link = _usable_link(session, token, now)
    if link is None:
        raise NotFound(LINK_INVALID)
    user = link.user
    errors: dict[str, str] = {}
    if new != repeat:
        errors["repeat"] = "Herhaling: is niet gelijk aan het nieuwe wachtwoord."
    problem = password_problem(new, related=[user.email, user.name])
    if problem:
        errors["new"] = problem
    if errors:
        raise InvalidInput(errors)
    link.used_at = now
    user.password_hash = accounts.hash_password(new)
    user.password_changed_at = now
    ended = accounts.end_other_sessions(session, user.id, keep_token=None, now=now)
    session.flush()
    audit.record(
        session,
        accounts.actor_for(user, origin),
        action="password_reset",
        object_type="user",
        object_id=user.id,
        new_values={"sessions_ended": ended},
    )
    return user


def reset_second_factor(session: Session, actor: Actor, user_id: int, *, now: datetime) -> User:
    """Forgets the account's authenticator and recovery codes (a lost phone) and ends its
    sessions. A provider or administrator must set it up again at the next login (S19)."""
    user = _user(session, actor, user_id)
    if user.id == actor.user_id:
        raise InvalidInput({"user": "Uw eigen tweede factor stelt u opnieuw in via Mijn account."})
    had = user.totp_confirmed_at is not None
    user.totp_secret_sealed = None
    user.totp_confirmed_at = None
    user.totp_last_step = None
    for code in account_store.recovery_codes_of(session, user.id):
        session.delete(code)
    ended = accounts.end_other_sessions(session, user.id, keep_token=None, now=now)
    session.flush()
    audit.record(
        session,
        actor,
        action="second_factor_reset",
        object_type="user",
        object_id=user.id,
        old_values={"second_factor": had},
        new_values={"second_factor": False, "sessions_ended": ended, "version": user.version},
    )
    return user


def must_set_up_second_factor(user: User) -> bool:
    return second_factor_required(Role(user.role)) and user.totp_confirmed_at is None
