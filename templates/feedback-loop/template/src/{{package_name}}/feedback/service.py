"""The feedback web service (FastAPI): predictions, votes, the challenge, stats.

Every accepted request's events are in the lake before the response is sent. Bad input
gets a 4xx with a message and writes nothing.
"""

from __future__ import annotations

import asyncio
import json
import re
import secrets
import threading
import time
import uuid
from collections import deque
from contextlib import asynccontextmanager
from dataclasses import dataclass, field
from typing import Any

from fastapi import FastAPI, HTTPException, Request
from fastapi.responses import HTMLResponse, JSONResponse, Response

from .challenge import ChallengeStore, grade, load_pool, prompt_of
from .lake import GroupCommitWriter, connect, make_sink, now_us
from .page import DEMO_PAGE, WIDGET_JS
from .serving import ModelSlot, ServedModel, load_served_model
from .settings import Settings
from .signing import Signer, load_key
from .stats import render_stats

COOKIE = "fb_sid"
_ID = re.compile(r"^[A-Za-z0-9_-]{8,64}$")
_COOKIE_VALUE = re.compile(r"^[A-Za-z0-9_-]{16,64}$")


class RateLimiter:
    """At most ``limit`` requests per subject and bucket in any 60-second window."""

    def __init__(self, limit: int) -> None:
        self.limit = limit
        self._hits: dict[tuple[str, str], deque[float]] = {}
        self._lock = threading.Lock()

    def allow(self, subject: str, bucket: str) -> bool:
        """Count a request; False when the subject is over the limit."""
        if self.limit <= 0:
            return True
        now = time.monotonic()
        with self._lock:
            hits = self._hits.setdefault((subject, bucket), deque())
            while hits and hits[0] <= now - 60:
                hits.popleft()
            if len(hits) >= self.limit:
                return False
            hits.append(now)
            if len(self._hits) > 100_000:
                self._hits = {k: v for k, v in self._hits.items() if v and v[-1] > now - 60}
            return True


@dataclass
class State:
    """Everything the running service holds in memory."""

    settings: Settings
    signer: Signer
    slot: ModelSlot
    writer: GroupCommitWriter
    challenges: ChallengeStore
    limiter: RateLimiter
    predictions: dict[str, tuple[str, str]] = field(default_factory=dict)  # id -> version, subject
    events: dict[str, tuple[tuple[str, str, int], asyncio.Future[None]]] = field(
        default_factory=dict
    )

    @property
    def model(self) -> ServedModel:
        """The model version served right now (see ``serving.ModelSlot``)."""
        return self.slot.model


def _known_from_lake(settings: Settings) -> tuple[dict[str, tuple[str, str]], set[str]]:
    """Issued predictions and accepted feedback event ids, so restarts keep both."""
    con = connect(settings)
    predictions = {
        pid: (version, subject)
        for pid, version, subject in con.execute(
            "SELECT prediction_id, model_version, subject FROM predictions"
        ).fetchall()
    }
    events = {row[0] for row in con.execute("SELECT event_id FROM feedback").fetchall()}
    return predictions, events


def error(status: int, message: str) -> HTTPException:
    """An HTTP error with a one-line explanation in ``detail``."""
    return HTTPException(status_code=status, detail=message)


async def read_json(request: Request, limit: int) -> dict[str, Any]:
    """Read a JSON object body of at most ``limit`` bytes, or raise a 4xx."""
    declared = request.headers.get("content-length")
    if declared is not None and (not declared.isdigit() or int(declared) > limit):
        raise error(413, f"request body larger than {limit} bytes")
    content_type = request.headers.get("content-type", "")
    if content_type.split(";")[0].strip().lower() != "application/json":
        raise error(415, "send the body as Content-Type: application/json")
    body = bytearray()
    async for piece in request.stream():
        body += piece
        if len(body) > limit:
            raise error(413, f"request body larger than {limit} bytes")
    try:
        value = json.loads(body)
    except (ValueError, UnicodeDecodeError) as exc:
        raise error(400, f"malformed JSON: {exc}") from None
    if not isinstance(value, dict):
        raise error(422, "the body must be a JSON object")
    return value


def _field(body: dict[str, Any], name: str, pattern: re.Pattern[str] = _ID) -> str:
    value = body.get(name)
    if not isinstance(value, str) or not pattern.match(value):
        raise error(422, f"field {name!r} must be a string of 8-64 letters, digits, '-' or '_'")
    return value


def create_app(settings: Settings | None = None, served: ServedModel | None = None) -> FastAPI:
    """Build the service. ``served`` skips training (tests); settings default to the env."""
    settings = settings or Settings.from_env()

    @asynccontextmanager
    async def lifespan(app: FastAPI):  # type: ignore[no-untyped-def]
        settings.lake_dir.mkdir(parents=True, exist_ok=True)
        signer = Signer(load_key(settings.secret_key, settings.key_file))
        predictions, events = _known_from_lake(settings)
        state = State(
            settings=settings,
            signer=signer,
            slot=ModelSlot(
                served or load_served_model(settings),
                settings.model_refresh_s,
                pinned=served is not None or bool(settings.model_path or settings.model_version),
            ),
            writer=GroupCommitWriter(make_sink(settings)),
            challenges=ChallengeStore(settings.challenge_ttl_s, settings.pass_ttl_s),
            limiter=RateLimiter(settings.rate_limit_per_minute),
            predictions=predictions,
        )
        done: asyncio.Future[None] = asyncio.get_running_loop().create_future()
        done.set_result(None)
        state.events = {event_id: (("", "", 0), done) for event_id in events}
        load_pool()
        app.state.feedback = state
        yield
        state.writer.close()

    app = FastAPI(title="feedback loop", lifespan=lifespan, docs_url=None, redoc_url=None)

    def subject_of(request: Request, bucket: str) -> tuple[State, str, str | None]:
        """The state, the caller's pseudonymous subject and a new cookie value if one is set."""
        state: State = request.app.state.feedback
        raw = request.cookies.get(COOKIE, "")
        new_cookie = None
        if not _COOKIE_VALUE.match(raw):
            raw = new_cookie = secrets.token_urlsafe(18)
        subject = state.signer.pseudonym(raw)
        if not state.limiter.allow(subject, bucket):
            limit = state.settings.rate_limit_per_minute
            raise error(429, f"rate limit: at most {limit} requests per minute here; slow down")
        return state, subject, new_cookie

    def reply(payload: dict[str, Any], new_cookie: str | None, status: int = 200) -> JSONResponse:
        response = JSONResponse(payload, status_code=status)
        if new_cookie:
            response.set_cookie(
                COOKIE, new_cookie, max_age=365 * 86400, httponly=True, samesite="lax"
            )
        return response

    @app.get("/healthz")
    async def healthz(request: Request) -> dict[str, str]:
        state: State = request.app.state.feedback
        return {"status": "ok", "model_version": state.model.version}

    def with_visitor_cookie(request: Request, response: Response) -> Response:
        # Set the visitor cookie with the page, before the widgets' parallel API calls,
        # so they all carry the same subject.
        if not _COOKIE_VALUE.match(request.cookies.get(COOKIE, "")):
            response.set_cookie(
                COOKIE,
                secrets.token_urlsafe(18),
                max_age=365 * 86400,
                httponly=True,
                samesite="lax",
            )
        return response

    @app.get("/", response_class=HTMLResponse)
    async def demo(request: Request) -> Response:
        return with_visitor_cookie(request, HTMLResponse(DEMO_PAGE))

    @app.get("/widget.js")
    async def widget(request: Request) -> Response:
        return with_visitor_cookie(request, Response(WIDGET_JS, media_type="text/javascript"))

    @app.get("/stats", response_class=HTMLResponse)
    async def stats(request: Request) -> str:
        state: State = request.app.state.feedback
        return await asyncio.to_thread(render_stats, state.settings)

    @app.post("/api/predict")
    async def predict(request: Request) -> JSONResponse:
        state, subject, cookie = subject_of(request, "predict")
        body = await read_json(request, state.settings.max_body_bytes)
        if state.slot.due():  # a newly approved model version is served without a restart
            await asyncio.to_thread(state.slot.refresh)
        model = state.model
        if not body:
            features = secrets.choice(model.sample_rows)
        else:
            features = body.get("features")
            if set(body) != {"features"} or not isinstance(features, dict):
                raise error(422, 'send {"features": {column: value, ...}} or {} for a sample')
            missing = sorted(set(model.feature_columns) - set(features))
            extra = sorted(set(features) - set(model.feature_columns))
            if missing or extra:
                raise error(422, f"features: missing {missing}, unknown {extra}")
            for name, value in features.items():
                if not isinstance(value, str | int | float | bool | type(None)):
                    raise error(422, f"feature {name!r} must be a number, string, bool or null")
        from .. import model as project_model

        try:
            prediction = project_model.predict_records(model.fitted, [features])[0]
        except Exception as exc:  # the model rejected the input
            raise error(422, f"the model could not score this input: {exc}") from None
        prediction_id = uuid.uuid4().hex
        ts = now_us()
        expires = ts // 1_000_000 + state.settings.feedback_token_ttl_s
        mac = state.signer.mac("feedback", prediction_id, subject, str(expires))
        await state.writer.append(
            [
                (
                    "predictions",
                    {
                        "event_id": prediction_id,
                        "prediction_id": prediction_id,
                        "model_version": model.version,
                        "subject": subject,
                        "input_json": json.dumps(features),
                        "prediction_json": json.dumps(prediction),
                        "server_ts": ts,
                    },
                )
            ]
        )
        state.predictions[prediction_id] = (model.version, subject)
        payload = {
            "prediction_id": prediction_id,
            "model_version": model.version,
            "input": features,
            "prediction": prediction,
            "feedback_token": f"{expires}.{mac}",
        }
        return reply(payload, cookie)

    @app.post("/api/feedback")
    async def feedback(request: Request) -> JSONResponse:
        state, subject, cookie = subject_of(request, "feedback")
        body = await read_json(request, state.settings.max_body_bytes)
        unknown = sorted(set(body) - {"event_id", "prediction_id", "feedback_token", "value"})
        if unknown:
            raise error(422, f"unknown fields {unknown}")
        event_id = _field(body, "event_id")
        prediction_id = _field(body, "prediction_id")
        value = body.get("value")
        if type(value) is not int or value not in (1, -1, 0):
            raise error(422, "field 'value' must be 1 (like), -1 (dislike) or 0 (retract)")
        token = body.get("feedback_token")
        expires, _, mac = token.partition(".") if isinstance(token, str) else ("", "", "")
        if not expires.isdigit() or not mac or len(token) > 200:
            raise error(403, "missing or malformed feedback_token")
        if not state.signer.check(mac, "feedback", prediction_id, subject, expires):
            raise error(403, "feedback_token does not match this prediction and visitor")
        if int(expires) < time.time():
            raise error(403, "feedback_token expired")
        record = state.predictions.get(prediction_id)
        if record is None:
            raise error(404, "no such prediction was issued")
        version = record[0]  # from the server's record, never from the client
        key = (prediction_id, subject, value)
        seen = state.events.get(event_id)
        if seen is not None:
            if seen[0] != key and seen[0] != ("", "", 0):
                raise error(409, "event_id was already used for a different vote")
            await seen[1]
            payload = {"status": "duplicate", "event_id": event_id, "value": value}
            return reply(payload | {"model_version": version}, cookie)
        pending: asyncio.Future[None] = asyncio.get_running_loop().create_future()
        state.events[event_id] = (key, pending)
        event = {
            "event_id": event_id,
            "prediction_id": prediction_id,
            "model_version": version,
            "subject": subject,
            "value": value,
            "server_ts": now_us(),
        }
        try:
            await state.writer.append([("feedback", event)])
        except Exception as exc:
            del state.events[event_id]
            pending.set_exception(exc)
            pending.exception()  # retrieved: waiting duplicates see it, nobody else must
            raise error(503, "could not store the event; retry with the same event_id") from None
        pending.set_result(None)
        payload = {"status": "recorded", "event_id": event_id, "value": value}
        return reply(payload | {"model_version": version}, cookie)

    @app.get("/api/challenge")
    async def new_challenge(request: Request) -> JSONResponse:
        state, subject, cookie = subject_of(request, "challenge")
        challenge, images = await asyncio.to_thread(state.challenges.issue, subject)
        payload = {
            "challenge_id": challenge.challenge_id,
            "prompt": prompt_of(challenge),
            "panels": [
                {"id": panel.panel_id, "image": image}
                for panel, image in zip(challenge.panels, images, strict=True)
            ],
            "expires_in": state.settings.challenge_ttl_s,
        }
        response = reply(payload, cookie)
        response.headers["Cache-Control"] = "no-store"
        return response

    @app.post("/api/challenge/{challenge_id}")
    async def answer_challenge(challenge_id: str, request: Request) -> JSONResponse:
        state, subject, cookie = subject_of(request, "challenge")
        body = await read_json(request, state.settings.max_body_bytes)
        selected = body.get("selected")
        if (
            set(body) != {"selected"}
            or not isinstance(selected, list)
            or len(selected) > 9
            or not all(isinstance(s, str) for s in selected)
            or len(set(selected)) != len(selected)
        ):
            raise error(422, 'send {"selected": [panel ids]} with at most 9 distinct ids')
        challenge = state.challenges.peek(challenge_id)
        if challenge is None or challenge.subject != subject:
            raise error(404, "unknown, expired or already answered challenge")
        challenge = state.challenges.take(challenge_id)  # single use from here on
        if challenge is None:
            raise error(404, "unknown, expired or already answered challenge")
        if challenge.expires_at < time.monotonic():
            raise error(410, "challenge expired; get a new one")
        ids = {p.panel_id for p in challenge.panels}
        if not set(selected) <= ids:
            raise error(422, "selected ids that are not panels of this challenge")
        outcome = grade(challenge, set(selected))
        ts = now_us()
        records = [
            (
                "challenges",
                {
                    "event_id": uuid.uuid4().hex,
                    "challenge_id": challenge.challenge_id,
                    "subject": subject,
                    "passed": outcome.passed,
                    "known_correct": outcome.known_correct,
                    "known_total": outcome.known_total,
                    "server_ts": ts,
                },
            )
        ]
        records += [
            (
                "label_votes",
                {
                    "event_id": uuid.uuid4().hex,
                    "challenge_id": challenge.challenge_id,
                    "item_id": item_id,
                    "target": challenge.target,
                    "selected": chosen,
                    "subject": subject,
                    "server_ts": ts,
                },
            )
            for item_id, chosen in outcome.votes
        ]
        await state.writer.append(records)
        if not outcome.passed:
            return reply({"passed": False, "message": "Not quite. Try a new challenge."}, cookie)
        token = state.challenges.issue_pass(subject)
        payload = {"passed": True, "pass_token": token, "expires_in": state.settings.pass_ttl_s}
        return reply(payload, cookie)

    @app.post("/api/pass/verify")
    async def verify_pass(request: Request) -> JSONResponse:
        state, _, cookie = subject_of(request, "verify")
        body = await read_json(request, state.settings.max_body_bytes)
        token = body.get("pass_token")
        if not isinstance(token, str) or len(token) > 100:
            raise error(422, "field 'pass_token' must be a string")
        subject = state.challenges.redeem_pass(token)
        if subject is None:
            raise error(409, "pass token unknown, expired or already used")
        return reply({"valid": True}, cookie)

    if settings.benchmark:

        @app.post("/api/noop")
        async def noop(request: Request) -> JSONResponse:
            """Benchmark baseline: parse the body like /api/feedback, write nothing."""
            state, _, cookie = subject_of(request, "noop")
            body = await read_json(request, state.settings.max_body_bytes)
            return reply({"status": "ok", "fields": len(body)}, cookie)

    return app
