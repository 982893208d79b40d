"""The keys kept outside the database (docs/security.md S25, S31), as the storage layer uses them.

One secret, ``AUDIT_KEY`` (or the development key file), is the root; each use gets a key of
its own derived with HMAC-SHA256 over a distinct purpose label, so that the MAC of the audit
chain and the encryption of the second-factor secrets never share a key. Someone who can read or
write the database but not this secret can neither recompute the chain nor read the secrets.

The keys travel on the session (``Session.info``): every use case that writes an audit event
already has a session, and a session made without keys refuses to write one rather than write
an event that cannot be verified.
"""

from __future__ import annotations

import hashlib
import hmac
from dataclasses import dataclass

from sqlalchemy.orm import Session

INFO_KEY = "besluitwerk.keys"

_AUDIT_PURPOSE = b"besluitwerk audit chain mac v1"
_SECRETS_PURPOSE = b"besluitwerk sealed secrets v1"


class MissingKeys(RuntimeError):
    """A session without keys was asked to write or verify the audit chain or a secret."""


@dataclass(frozen=True)
class Keys:
    audit: bytes
    secrets: bytes

    @classmethod
    def derive(cls, root: str) -> Keys:
        if not root:
            raise ValueError("an empty root key derives nothing secret")
        material = root.encode("utf-8")
        return cls(
            audit=hmac.new(material, _AUDIT_PURPOSE, hashlib.sha256).digest(),
            secrets=hmac.new(material, _SECRETS_PURPOSE, hashlib.sha256).digest(),
        )


def of(session: Session) -> Keys:
    keys = session.info.get(INFO_KEY)
    if not isinstance(keys, Keys):
        raise MissingKeys(
            "this session was made without keys (make_session_factory(engine, keys=...))"
        )
    return keys
