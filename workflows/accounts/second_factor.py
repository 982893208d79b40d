"""The second factor: TOTP (RFC 6238, any authenticator app) with one-time recovery codes
(docs/security.md S19).

A code is accepted for the current 30-second step and one step either side (clocks drift), and
never twice: the last accepted step is kept. The secret is stored sealed with a key kept outside
the database (docs/security.md S31): a copy of the database or a backup does not give away anyone's
codes. Secrets stored in clear before that were sealed by migration 0014. Recovery codes are
random, shown once, and kept only as sha256 hashes (they are long random strings, so a slow hash
adds nothing). Every check, good or bad, is in the audit log; wrong codes count as failed logins
for the throttle (S21).
"""

from __future__ import annotations

import hashlib
import hmac
import logging
import secrets
from datetime import datetime

import pyotp
import segno
from sqlalchemy.orm import Session

from storage import accounts as account_store
from storage import keys
from storage.accounts import RecoveryCode, User
from storage.sealing import SealBroken
from workflows import audit
from workflows.accounts import accounts
from workflows.errors import InvalidInput
from workflows.rules.roles import Role
from workflows.rules.second_factor import RECOVERY_CODE_COUNT, normalised_code, required

ISSUER = "Besluitwerk"
_STEP_SECONDS = 30

logger = logging.getLogger("besluitwerk.second_factor")


def applies(user: User) -> bool:
    """Whether logging in as this user takes a second step: enrolled, or obliged to enrol."""
    return user.totp_confirmed_at is not None or required(Role(user.role))


def enrolled(user: User) -> bool:
    return user.totp_confirmed_at is not None and user.totp_secret_sealed is not None


def store_secret(session: Session, user: User, secret: str) -> None:
    """Keep ``secret`` for the account, sealed (S31)."""
    user.totp_secret_sealed = account_store.seal_totp_secret(
        keys.of(session).secrets, user.id, secret
    )


def secret_of(session: Session, user: User) -> str | None:
    """The account's secret in clear, or None when it has none or it does not open (changed in
    the database, copied from another account, or sealed with another key): then no code is
    accepted, and the operator is told."""
    if user.totp_secret_sealed is None:
        return None
    try:
        return account_store.open_totp_secret(
            keys.of(session).secrets, user.id, user.totp_secret_sealed
        )
    except SealBroken:
        logger.error("second-factor secret of user %s does not open: changed or wrong key", user.id)
        return None


def new_secret() -> str:
    return pyotp.random_base32()


def pending_secret(session: Session, user: User, kept: object) -> tuple[str, str]:
    """The secret being enrolled, and the form in which the browser keeps it until the first
    code confirms it: sealed for this account (S31). The session cookie is signed, not
    encrypted, so a secret kept there in clear would be readable by anyone who ever saw the
    cookie, and valid for as long as the account keeps that second factor."""
    key = keys.of(session).secrets
    if isinstance(kept, str):
        try:
            return account_store.open_pending_totp_secret(key, user.id, kept), kept
        except SealBroken:
            pass  # another account's, another key's, or changed: start afresh
    secret = new_secret()
    return secret, account_store.seal_pending_totp_secret(key, user.id, secret)


def provisioning_uri(secret: str, email: str) -> str:
    return pyotp.TOTP(secret).provisioning_uri(name=email, issuer_name=ISSUER)


def qr_svg(uri: str) -> str:
    """The enrolment QR code as inline SVG with a title, so screen readers name it."""
    svg: str = segno.make(uri, error="m").svg_inline(
        scale=4, dark="#000", light="#fff", title="QR-code voor uw authenticator-app"
    )
    return svg


def _step(now: datetime) -> int:
    return int(now.timestamp()) // _STEP_SECONDS


def _matching_step(secret: str, code: str, now: datetime) -> int | None:
    if len(code) != 6 or not code.isascii() or not code.isdigit():
        return None
    totp = pyotp.TOTP(secret)
    current = _step(now)
    for step in (current - 1, current, current + 1):
        if hmac.compare_digest(totp.at(step * _STEP_SECONDS), code):
            return step
    return None


def _audit(session: Session, user: User, origin: str, *, action: str, result: str) -> None:
    audit.record(
        session,
        accounts.actor_for(user, origin),
        action=action,
        object_type="user",
        object_id=user.id,
        result=result,
    )


def enrol(
    session: Session, user: User, secret: str, raw_code: str, *, origin: str, now: datetime
) -> list[str]:
    """Confirms a new secret with a first code and returns fresh recovery codes (shown once)."""
    code = normalised_code(raw_code)
    step = _matching_step(secret, code, now)
    if step is None:
        _audit(session, user, origin, action="second_factor_enrol", result="failed")
        raise InvalidInput(
            {
                "code": "Code: deze code klopt niet. Controleer of de tijd op uw telefoon goed "
                "staat en typ de zes cijfers die de app nu toont."
            }
        )
    store_secret(session, user, secret)
    user.totp_confirmed_at = now
    user.totp_last_step = step
    codes = _replace_recovery_codes(session, user, now)
    _audit(session, user, origin, action="second_factor_enrol", result="success")
    return codes


def _replace_recovery_codes(session: Session, user: User, now: datetime) -> list[str]:
    for old in account_store.recovery_codes_of(session, user.id):
        session.delete(old)
    codes = [f"{secrets.token_hex(4)}-{secrets.token_hex(4)}" for _ in range(RECOVERY_CODE_COUNT)]
    for code in codes:
        session.add(RecoveryCode(user_id=user.id, code_hash=_digest(code), created_at=now))
    session.flush()
    return codes


def _digest(code: str) -> str:
    return hashlib.sha256(normalised_code(code).encode("ascii")).hexdigest()


def verify(session: Session, user: User, raw_code: str, *, origin: str, now: datetime) -> bool:
    """A current TOTP code not used before, or an unused recovery code (then used up)."""
    secret = secret_of(session, user) if enrolled(user) else None
    if secret is None:
        return False
    code = normalised_code(raw_code)
    step = _matching_step(secret, code, now)
    if step is not None and (user.totp_last_step is None or step > user.totp_last_step):
        user.totp_last_step = step
        session.flush()
        _audit(session, user, origin, action="second_factor", result="success")
        return True
    if step is None and len(code) == 16:
        digest = _digest(code)
        for recovery in account_store.recovery_codes_of(session, user.id):
            if recovery.used_at is None and hmac.compare_digest(recovery.code_hash, digest):
                recovery.used_at = now
                session.flush()
                _audit(session, user, origin, action="second_factor_recovery", result="success")
                return True
    _audit(session, user, origin, action="second_factor", result="failed")
    return False


def recovery_codes_left(session: Session, user: User) -> int:
    return sum(1 for c in account_store.recovery_codes_of(session, user.id) if c.used_at is None)


def new_recovery_codes(session: Session, user: User, *, origin: str, now: datetime) -> list[str]:
    if not enrolled(user):
        raise InvalidInput({"code": "Stel eerst de tweede factor in."})
    codes = _replace_recovery_codes(session, user, now)
    _audit(session, user, origin, action="second_factor_recovery_codes", result="success")
    return codes


def switch_off(session: Session, user: User, *, origin: str) -> None:
    if required(Role(user.role)):
        raise InvalidInput(
            {"code": "Voor uw rol is de tweede factor verplicht; u kunt hem niet uitzetten."}
        )
    user.totp_secret_sealed = None
    user.totp_confirmed_at = None
    user.totp_last_step = None
    for old in account_store.recovery_codes_of(session, user.id):
        session.delete(old)
    session.flush()
    _audit(session, user, origin, action="second_factor_off", result="success")
