"""Configuration of the feedback service, read from environment variables."""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path


def _int(name: str, default: int) -> int:
    raw = os.environ.get(name, "").strip()
    if not raw:
        return default
    try:
        return int(raw)
    except ValueError as error:
        raise ValueError(f"{name} must be an integer, got {raw!r}") from error


def _path_or_none(raw: str) -> Path | None:
    return Path(raw) if raw.strip() else None


def _origins(raw: str) -> tuple[str, ...]:
    """``https://a.example.com, https://b.example.com`` → exact origins, no trailing slash."""
    return tuple(part.strip().rstrip("/") for part in raw.split(",") if part.strip())


@dataclass(frozen=True)
class Settings:
    """Everything the service and the commands can be told from outside.

    Attributes:
        lake_dir: Root of the local lake (also the download cache for cloud reads).
        sink: Where events go: ``local`` (Parquet files), ``s3`` or ``firehose``.
        s3_bucket: Bucket of the cloud lake (``s3`` and ``firehose`` sinks).
        s3_prefix: Key prefix of the lake's tables in the bucket.
        firehose_stream: Name of the Firehose delivery stream (``firehose`` sink).
        secret_key: HMAC key; a generated dev key is persisted in ``key_file`` when unset.
        key_file: Where the generated dev key lives.
        model_path: A saved model to serve; the baseline is trained at startup when unset.
        model_version: Name of the served model version; derived from the model when unset.
        rate_limit_per_minute: Requests per subject and minute on each endpoint (0: off).
        max_body_bytes: Largest request body accepted.
        challenge_ttl_s: How long a challenge can be answered.
        pass_ttl_s: How long a pass token is valid.
        feedback_token_ttl_s: How long after a prediction it can be voted on.
        benchmark: Enables the no-op endpoint used by the throughput benchmark.
        state_store: Where shared state lives: ``sqlite`` (default) or ``dynamodb``.
        state_path: The SQLite state database; unset: ``state.db`` beside ``key_file``
            (``.feedback/state.db``, the project's state folder).
        dynamodb_table: The DynamoDB table of the ``dynamodb`` state store.
        cors_origins: Other origins allowed to call the API from a browser (the widgets
            embedded in another origin of the product); empty: same origin only.
        cookie_samesite: ``lax`` (default), ``strict`` or ``none`` for the visitor cookie.
        cookie_secure: Send the visitor cookie over HTTPS only (required with ``none``).
        challenge_seed: Seed of the challenges' random draws, for ``feedback simulate`` only
            (a reproducible run). Never read from the environment: predictable challenges
            are guessable ones.
        model_refresh_s: How often (at most) the service asks the model registry for a newly
            approved model version to serve (0: never).
        auto_approve: Approve the model version a retraining registers, when it passes the
            quality gate (``FEEDBACK_AUTO_APPROVE=1``; off by default: a person approves).
    """

    lake_dir: Path = Path("lake")
    sink: str = "local"
    s3_bucket: str = ""
    s3_prefix: str = "feedback"
    firehose_stream: str = ""
    secret_key: str = ""
    key_file: Path = Path(".feedback/dev-key")
    model_path: str = ""
    model_version: str = ""
    rate_limit_per_minute: int = 120
    max_body_bytes: int = 16_384
    challenge_ttl_s: int = 120
    pass_ttl_s: int = 120
    feedback_token_ttl_s: int = 7 * 24 * 3600
    benchmark: bool = False
    state_store: str = "sqlite"
    state_path: Path | None = None
    dynamodb_table: str = ""
    cors_origins: tuple[str, ...] = ()
    cookie_samesite: str = "lax"
    cookie_secure: bool = False
    challenge_seed: int | None = None

    @property
    def state_db(self) -> Path:
        """The SQLite state database (``state_path``, else ``state.db`` beside the key)."""
        return self.state_path or self.key_file.with_name("state.db")

    model_refresh_s: int = 30
    auto_approve: bool = False

    @classmethod
    def from_env(cls, **overrides: object) -> Settings:
        """Read the settings from ``FEEDBACK_*`` variables; keyword arguments win."""
        env = os.environ
        values: dict[str, object] = {
            "lake_dir": Path(env.get("FEEDBACK_LAKE_DIR", "lake")),
            "sink": env.get("FEEDBACK_SINK", "local"),
            "s3_bucket": env.get("FEEDBACK_S3_BUCKET", ""),
            "s3_prefix": env.get("FEEDBACK_S3_PREFIX", "feedback").strip("/"),
            "firehose_stream": env.get("FEEDBACK_FIREHOSE_STREAM", ""),
            "secret_key": env.get("FEEDBACK_SECRET_KEY", ""),
            "key_file": Path(env.get("FEEDBACK_KEY_FILE", ".feedback/dev-key")),
            "model_path": env.get("FEEDBACK_MODEL_PATH", ""),
            "model_version": env.get("FEEDBACK_MODEL_VERSION", ""),
            "rate_limit_per_minute": _int("FEEDBACK_RATE_LIMIT_PER_MINUTE", 120),
            "max_body_bytes": _int("FEEDBACK_MAX_BODY_BYTES", 16_384),
            "challenge_ttl_s": _int("FEEDBACK_CHALLENGE_TTL_S", 120),
            "pass_ttl_s": _int("FEEDBACK_PASS_TTL_S", 120),
            "feedback_token_ttl_s": _int("FEEDBACK_TOKEN_TTL_S", 7 * 24 * 3600),
            "benchmark": env.get("FEEDBACK_BENCHMARK", "") == "1",
            "state_store": env.get("FEEDBACK_STATE_STORE", "sqlite"),
            "state_path": _path_or_none(env.get("FEEDBACK_STATE_PATH", "")),
            "dynamodb_table": env.get("FEEDBACK_DYNAMODB_TABLE", ""),
            "cors_origins": _origins(env.get("FEEDBACK_CORS_ORIGINS", "")),
            "cookie_samesite": env.get("FEEDBACK_COOKIE_SAMESITE", "lax").lower(),
            "cookie_secure": env.get("FEEDBACK_COOKIE_SECURE", "") == "1",
            "model_refresh_s": _int("FEEDBACK_MODEL_REFRESH_S", 30),
            "auto_approve": env.get("FEEDBACK_AUTO_APPROVE", "") == "1",
        }
        values.update(overrides)
        settings = cls(**values)  # type: ignore[arg-type]
        if settings.sink not in {"local", "s3", "firehose"}:
            raise ValueError(f"FEEDBACK_SINK must be local, s3 or firehose, got {settings.sink!r}")
        if settings.sink in {"s3", "firehose"} and not settings.s3_bucket:
            raise ValueError(f"FEEDBACK_SINK={settings.sink} needs FEEDBACK_S3_BUCKET")
        if settings.sink == "firehose" and not settings.firehose_stream:
            raise ValueError("FEEDBACK_SINK=firehose needs FEEDBACK_FIREHOSE_STREAM")
        settings.check()
        return settings

    def check(self) -> None:
        """Raise ValueError (one line) when settings contradict each other."""
        if self.state_store not in {"sqlite", "dynamodb"}:
            raise ValueError(
                f"FEEDBACK_STATE_STORE must be sqlite or dynamodb, got {self.state_store!r}"
            )
        if self.state_store == "dynamodb" and not self.dynamodb_table:
            raise ValueError("FEEDBACK_STATE_STORE=dynamodb needs FEEDBACK_DYNAMODB_TABLE")
        if self.cookie_samesite not in {"lax", "strict", "none"}:
            raise ValueError(
                "FEEDBACK_COOKIE_SAMESITE must be lax, strict or none, "
                f"got {self.cookie_samesite!r}"
            )
        if self.cookie_samesite == "none" and not self.cookie_secure:
            raise ValueError("FEEDBACK_COOKIE_SAMESITE=none needs FEEDBACK_COOKIE_SECURE=1")
        for origin in self.cors_origins:
            if origin == "*" or not origin.startswith(("http://", "https://")):
                raise ValueError(
                    f"FEEDBACK_CORS_ORIGINS lists exact origins like https://app.example.com,"
                    f" got {origin!r}"
                )
