"""HMAC signing with an unambiguous encoding, and the service's secret key.

Every signed message is a list of fields, each prefixed with its length, so no two
different field lists can produce the same bytes (plain concatenation would let
``("ab", "c")`` and ``("a", "bc")`` share a signature).
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import os
import secrets
from pathlib import Path

ENV_KEY = "FEEDBACK_SECRET_KEY"


def load_key(secret: str, key_file: Path) -> bytes:
    """Return the HMAC key: the configured secret, else a dev key persisted in ``key_file``."""
    if secret:
        if len(secret) < 32:
            raise ValueError(f"{ENV_KEY} must be at least 32 characters long")
        return secret.encode()
    if key_file.exists():
        return key_file.read_bytes().strip()
    key = secrets.token_hex(32).encode()
    key_file.parent.mkdir(parents=True, exist_ok=True)
    staging = key_file.with_name(f".{key_file.name}.{os.getpid()}.tmp")
    fd = os.open(staging, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(fd, "wb") as handle:
        handle.write(key)
    try:
        os.link(staging, key_file)  # fails if another process created it first
    except FileExistsError:
        pass
    finally:
        staging.unlink()
    return key_file.read_bytes().strip()


def encode_fields(*fields: str) -> bytes:
    """Length-prefixed encoding of ``fields`` (the input to every MAC)."""
    out = bytearray()
    for field in fields:
        raw = field.encode()
        out += len(raw).to_bytes(4, "big") + raw
    return bytes(out)


def b64(data: bytes) -> str:
    """URL-safe base64 without padding."""
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()


def unb64(text: str) -> bytes:
    """Inverse of :func:`b64`; raises ValueError on bad input."""
    try:
        return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))
    except (ValueError, TypeError) as error:
        raise ValueError("not base64") from error


class Signer:
    """Signs and checks field lists under one purpose (a token for one use never fits another)."""

    def __init__(self, key: bytes) -> None:
        self._key = key

    def mac(self, purpose: str, *fields: str) -> str:
        """Return the MAC of ``fields`` for ``purpose``."""
        digest = hmac.new(self._key, encode_fields(purpose, *fields), hashlib.sha256).digest()
        return b64(digest)

    def check(self, signature: str, purpose: str, *fields: str) -> bool:
        """Constant-time check of a MAC made by :meth:`mac`."""
        return hmac.compare_digest(signature, self.mac(purpose, *fields))

    def pseudonym(self, raw_id: str) -> str:
        """A stable pseudonymous subject id: raw ids (cookies) never reach the lake."""
        return self.mac("subject", raw_id)[:22]
