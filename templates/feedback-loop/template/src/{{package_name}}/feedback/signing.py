"""Signed tokens and pseudonyms (``itsdangerous``), and the service's secret key.

Feedback tokens are ``itsdangerous`` timed, salted, URL-safe tokens. Pseudonyms are the
HMAC of length-prefixed fields, so no two different field lists share bytes (plain
concatenation would let ``("ab", "c")`` and ``("a", "bc")`` share a signature).
"""

from __future__ import annotations

import hashlib
import os
import secrets
from pathlib import Path

from itsdangerous import BadSignature, SignatureExpired, URLSafeTimedSerializer
from itsdangerous import Signer as ItsSigner

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
    """Length-prefixed encoding of ``fields`` (the input of every pseudonym MAC)."""
    out = bytearray()
    for field in fields:
        raw = field.encode()
        out += len(raw).to_bytes(4, "big") + raw
    return bytes(out)


class Signer:
    """Feedback tokens and visitor pseudonyms under one key, made with ``itsdangerous``.

    A feedback token is ``URLSafeTimedSerializer(key, salt="feedback")`` over
    ``[prediction_id, subject]``: signed (HMAC-SHA256), timestamped, and checked for age
    by the library (``SignatureExpired``); the salt keeps it from fitting any other use.
    """

    def __init__(self, key: bytes) -> None:
        self._tokens = URLSafeTimedSerializer(
            key, salt="feedback", signer_kwargs={"digest_method": hashlib.sha256}
        )
        # key_derivation "none": the HMAC key is the secret itself, so pseudonyms stay the
        # same as version 0.1's HMAC-SHA256(key, length-prefixed fields).
        self._subjects = ItsSigner(key, key_derivation="none", digest_method=hashlib.sha256)

    def feedback_token(self, prediction_id: str, subject: str) -> str:
        """A token that lets ``subject`` vote on ``prediction_id`` (str, URL-safe)."""
        return self._tokens.dumps([prediction_id, subject])

    def check_feedback_token(
        self, token: str, prediction_id: str, subject: str, max_age_s: int
    ) -> str | None:
        """None when the token is valid for this prediction and visitor, else why not.

        Returns:
            ``"expired"``, ``"malformed"`` or ``"mismatch"`` (a forged or foreign token).
        """
        try:
            fields = self._tokens.loads(token, max_age=max_age_s)
        except SignatureExpired:
            return "expired"
        except BadSignature:
            return "mismatch"
        except (ValueError, TypeError):
            return "malformed"
        return None if fields == [prediction_id, subject] else "mismatch"

    def pseudonym(self, raw_id: str) -> str:
        """A stable pseudonymous subject id: raw ids (cookies) never reach the lake."""
        return self._subjects.get_signature(encode_fields("subject", raw_id)).decode()[:22]
