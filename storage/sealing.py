"""Encryption at rest of small secrets, such as the TOTP secrets of the second factor (S31).

No AEAD library is installed (``cryptography`` is not among the dependencies), so this is
encrypt-then-MAC built from HMAC-SHA256 alone, a construction with a standard proof: HMAC-SHA256
is a pseudorandom function, so ``HMAC(k_enc, nonce || counter)`` is a keystream (counter mode
over a PRF) and XOR with it is IND-CPA for a fresh random nonce; a MAC over the ciphertext with
an independent key makes the whole IND-CCA2 and authenticated. The nonce is 128 random bits, so
it never repeats in practice; the tag is the full 256 bits and is compared in constant time.
``associated`` (e.g. the user's id) is covered by the tag but not stored, so a sealed value
copied into another row does not open there.

Format: ``s1.`` + base64url(nonce 16 | ciphertext | tag 32), without padding.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import secrets

PREFIX = "s1."
_NONCE = 16
_TAG = 32
_BLOCK = hashlib.sha256().digest_size


class SealBroken(ValueError):
    """The sealed value was changed, belongs to another row, or was sealed with another key."""


def _subkeys(key: bytes) -> tuple[bytes, bytes]:
    return (
        hmac.new(key, b"encrypt", hashlib.sha256).digest(),
        hmac.new(key, b"authenticate", hashlib.sha256).digest(),
    )


def _keystream(key: bytes, nonce: bytes, length: int) -> bytes:
    blocks = (length + _BLOCK - 1) // _BLOCK
    stream = b"".join(
        hmac.new(key, nonce + counter.to_bytes(4, "big"), hashlib.sha256).digest()
        for counter in range(blocks)
    )
    return stream[:length]


def _tag(key: bytes, associated: str, nonce: bytes, ciphertext: bytes) -> bytes:
    label = associated.encode("utf-8")
    message = PREFIX.encode("ascii") + len(label).to_bytes(4, "big") + label + nonce + ciphertext
    return hmac.new(key, message, hashlib.sha256).digest()


def is_sealed(value: str) -> bool:
    return value.startswith(PREFIX)


def seal(key: bytes, plaintext: str, *, associated: str) -> str:
    encrypt, authenticate = _subkeys(key)
    data = plaintext.encode("utf-8")
    nonce = secrets.token_bytes(_NONCE)
    ciphertext = bytes(
        a ^ b for a, b in zip(data, _keystream(encrypt, nonce, len(data)), strict=True)
    )
    tag = _tag(authenticate, associated, nonce, ciphertext)
    return PREFIX + base64.urlsafe_b64encode(nonce + ciphertext + tag).decode("ascii").rstrip("=")


def open_sealed(key: bytes, sealed: str, *, associated: str) -> str:
    if not is_sealed(sealed):
        raise SealBroken("not a sealed value")
    body = sealed[len(PREFIX) :]
    try:
        raw = base64.urlsafe_b64decode(body + "=" * (-len(body) % 4))
    except ValueError:
        raise SealBroken("not a sealed value") from None
    if len(raw) < _NONCE + _TAG:
        raise SealBroken("too short")
    nonce, ciphertext, tag = raw[:_NONCE], raw[_NONCE:-_TAG], raw[-_TAG:]
    encrypt, authenticate = _subkeys(key)
    if not hmac.compare_digest(tag, _tag(authenticate, associated, nonce, ciphertext)):
        raise SealBroken("the tag does not match")
    stream = _keystream(encrypt, nonce, len(ciphertext))
    try:
        return bytes(a ^ b for a, b in zip(ciphertext, stream, strict=True)).decode("utf-8")
    except UnicodeDecodeError:
        raise SealBroken("not text") from None
