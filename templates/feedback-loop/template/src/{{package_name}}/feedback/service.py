"""The feedback web service (FastAPI): predictions, votes, the challenge, stats.

Every accepted request's events are in the lake before the response is sent. Bad input
gets a 4xx with a one-line ``detail`` and writes nothing. Instances are stateless: what
requests must agree on (issued predictions, event ids, challenges, pass tokens) lives in
the shared state store (:mod:`.state`), so any number of instances over one store and
one lake behave as one service.
"""

from __future__ import annotations

import asyncio
import dataclasses
import json
import re
import secrets
import threading
import time
import uuid
from collections import deque
from collections.abc import Awaitable, Callable, MutableMapping
from contextlib import asynccontextmanager
from dataclasses import dataclass
from typing import Annotated, Any

from fastapi import FastAPI, HTTPException, Request
from fastapi import Path as FastAPIPath
from fastapi.exceptions import RequestValidationError
from fastapi.middleware.cors import CORSMiddleware
from fastapi.responses import HTMLResponse, JSONResponse, Response
from pydantic import BaseModel, ConfigDict, Field, StringConstraints, field_validator
from starlette.routing import Match

from .challenge import Challenge, ChallengeStore, Panel, grade, load_pool, prompt_of
from .lake import GroupCommitWriter, Record, make_sink, now_us
from .messages import gettext as _
from .page import DEMO_PAGE, WIDGET_JS
from .serving import ModelSlot, ServedModel, load_served_model
from .settings import Settings
from .signing import Signer, load_key
from .state import LEASE_S, StateStore, Written, make_state_store
from .stats import render_stats

COOKIE = "fb_sid"
_COOKIE_VALUE = re.compile(r"^[A-Za-z0-9_-]{16,64}$")


class RateLimiter:
    """At most ``limit`` requests per subject and bucket in any 60-second window.

    Counted per instance (in memory, bounded): with N instances a visitor can make up to
    N times ``limit`` requests. Put a shared limit in front (the load balancer's WAF rate
    rules) when that matters.
    """

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


class SharedChallenges:
    """Challenges and pass tokens in the shared state store (single use across instances).

    Drawing a challenge (panels, images) is :class:`.challenge.ChallengeStore`'s job; the
    drawn challenge is kept in the state store as JSON, with a wall-clock expiry.
    """

    def __init__(
        self, store: StateStore, ttl_s: float, pass_ttl_s: float, seed: int | None = None
    ) -> None:
        self.store, self.ttl_s, self.pass_ttl_s = store, ttl_s, pass_ttl_s
        self._draw = ChallengeStore(ttl_s, pass_ttl_s, seed=seed)

    def issue(self, subject: str) -> tuple[Challenge, list[str]]:
        """Draw a challenge for ``subject`` and keep it; returns it and its panel images."""
        challenge, images = self._draw.issue(subject)
        self._draw.take(challenge.challenge_id)  # kept in the shared store, not here
        payload = json.dumps(dataclasses.asdict(challenge))
        self.store.put_challenge(challenge.challenge_id, subject, payload, time.time() + self.ttl_s)
        return challenge, images

    @staticmethod
    def _load(payload: str, expires_at: float) -> Challenge:
        fields = json.loads(payload)
        fields["panels"] = [Panel(**panel) for panel in fields["panels"]]
        fields["expires_at"] = time.monotonic() + (expires_at - time.time())
        return Challenge(**fields)

    def peek(self, challenge_id: str) -> Challenge | None:
        """An outstanding challenge, not used up (tests and tooling)."""
        found = self.store.peek_challenge(challenge_id)
        return None if found is None else self._load(found[1], found[2])

    def take(self, challenge_id: str, subject: str) -> tuple[Challenge, bool] | None:
        """Use up ``subject``'s challenge: ``(challenge, expired)``, or None."""
        found = self.store.take_challenge(challenge_id, subject)
        if found is None:
            return None
        return self._load(*found), found[1] < time.time()

    def issue_pass(self, subject: str) -> str:
        """A short-lived, single-use pass token for a subject that passed."""
        token = secrets.token_urlsafe(24)
        self.store.put_pass(token, subject, time.time() + self.pass_ttl_s)
        return token

    def redeem_pass(self, token: str) -> str | None:
        """Use up a pass token: its subject, or None if unknown, used or expired."""
        return self.store.redeem_pass(token)


@dataclass
class State:
    """What one instance holds: configuration, clients and the shared store (no requests'
    state)."""

    settings: Settings
    signer: Signer
    slot: ModelSlot
    store: StateStore
    writer: GroupCommitWriter
    challenges: SharedChallenges
    limiter: RateLimiter

    @property
    def model(self) -> ServedModel:
        """The model version served right now (see ``serving.ModelSlot``)."""
        return self.slot.model


def error(status: int, message: str) -> HTTPException:
    """An HTTP error with a one-line explanation in ``detail``.

    The widgets show ``detail`` to the visitor, so refusals a visitor can meet through them
    are wrapped in ``_()`` (the project's language, ``messages.py``); those only a
    malformed request meets (body validation, unknown features) stay in English.
    """
    return HTTPException(status_code=status, detail=message)


# --- request bodies ---------------------------------------------------------------------

MAX_JSON_DEPTH = 32
_STRINGS = re.compile(r'"(?:[^"\\]|\\.)*"')
_BRACKETS = re.compile(r"[\[\]{}]")

Id = Annotated[str, StringConstraints(pattern=r"^[A-Za-z0-9_-]{8,64}$")]
FeatureValue = str | int | float | bool | None


class Body(BaseModel):
    """Request bodies: exact types (no coercion of "1" or true to 1), no unknown fields."""

    model_config = ConfigDict(extra="forbid", strict=True)


class PredictBody(Body):
    """``{}`` (score a random sample row) or ``{"features": {column: value}}``."""

    features: dict[str, FeatureValue] | None = None


class FeedbackBody(Body):
    """A vote: 1 like, -1 dislike, 0 retract; ``event_id`` is reused on retries."""

    event_id: Id
    prediction_id: Id
    feedback_token: Annotated[str, StringConstraints(min_length=1, max_length=300)]
    value: Any  # checked below, so every wrong value gets the same one-line answer

    @field_validator("value")
    @classmethod
    def _vote(cls, value: Any) -> int:
        if type(value) is not int or value not in (1, -1, 0):
            raise ValueError("must be 1 (like), -1 (dislike) or 0 (retract)")
        return value


class AnswerBody(Body):
    """The panels a visitor selected: at most 9 distinct panel ids."""

    selected: Annotated[list[str], Field(max_length=9)]

    @field_validator("selected")
    @classmethod
    def _distinct(cls, selected: list[str]) -> list[str]:
        if len(set(selected)) != len(selected):
            raise ValueError("panel ids must be distinct")
        return selected


class PassBody(Body):
    """A pass token to redeem."""

    pass_token: Annotated[str, StringConstraints(max_length=100)]


HINTS = {
    "/api/predict": 'send {"features": {column: value, ...}} or {} for a sample',
    "/api/feedback": "send {event_id, prediction_id, feedback_token, value}",
    "/api/challenge/": 'send {"selected": [panel ids]} with at most 9 distinct ids to '
    "/api/challenge/<challenge_id>",
    "/api/pass/verify": 'send {"pass_token": "..."}',
    "/api/noop": "send {event_id, prediction_id, feedback_token, value}",
}


def validation_message(path: str, errors: list[dict[str, Any]]) -> str:
    """One line from Pydantic's errors: the first field, what is wrong, the expected shape."""
    first = errors[0] if errors else {"loc": (), "msg": "invalid body"}
    loc = [str(part) for part in first.get("loc", ()) if part != "body"]
    where = f"field {'.'.join(loc)!r}" if loc else "the body"
    message = str(first.get("msg", "invalid")).removeprefix("Value error, ")
    hint = next((h for prefix, h in HINTS.items() if path.startswith(prefix)), "")
    return f"{where}: {message}" + (f"; {hint}" if hint else "")


def json_depth(text: str) -> int:
    """How deeply arrays and objects nest in JSON ``text`` (brackets inside strings skipped)."""
    depth = deepest = 0
    for bracket in _BRACKETS.findall(_STRINGS.sub("", text)):
        depth += 1 if bracket in "[{" else -1
        deepest = max(deepest, depth)
    return deepest


def _no_constants(name: str) -> float:
    raise ValueError(f"{name} is not JSON")


def check_json_body(body: bytes, content_type: str, limit: int) -> tuple[int, str] | None:
    """Why a POST body cannot be accepted, as ``(status, message)``; None when it can.

    Checked before FastAPI parses it, so no input reaches a parser that could fail with
    anything but a 4xx: size, media type, encoding (UTF-8/16/32 as RFC 8259 detects),
    nesting depth (at most ``MAX_JSON_DEPTH``), syntax, NaN/Infinity, a top-level object.
    """
    if len(body) > limit:
        return 413, f"request body larger than {limit} bytes"
    if content_type.split(";")[0].strip().lower() != "application/json":
        return 415, "send the body as Content-Type: application/json"
    try:
        text = body.decode(json.detect_encoding(body))
    except (UnicodeDecodeError, LookupError):
        return 400, "malformed JSON: the body is not UTF-8 text"
    if json_depth(text) > MAX_JSON_DEPTH:
        return 400, f"malformed JSON: nested deeper than {MAX_JSON_DEPTH} levels"
    try:
        value = json.loads(text, parse_constant=_no_constants)
    except (ValueError, RecursionError) as exc:
        return 400, f"malformed JSON: {str(exc).splitlines()[0][:200]}"
    if not isinstance(value, dict):
        return 422, "the body must be a JSON object"
    return None


Scope = MutableMapping[str, Any]
Message = MutableMapping[str, Any]
Receive = Callable[[], Awaitable[Message]]
Send = Callable[[Message], Awaitable[None]]


class JSONBodyGuard:
    """ASGI middleware: read each POST body once (bounded), refuse what cannot be parsed.

    Only requests that a POST route of ``router`` takes are guarded (others get the
    router's 404, or 405 with ``Allow``). An accepted body is replayed to the app
    unchanged; a refused one gets a 4xx JSON ``{"detail": ...}`` and the app never
    runs, so nothing is written.
    """

    def __init__(
        self, app: Callable[[Scope, Receive, Send], Awaitable[None]], router: Any, limit: int
    ) -> None:
        self.app, self.router, self.limit = app, router, limit

    def _guarded(self, scope: Scope) -> bool:
        if scope["type"] != "http" or scope["method"] != "POST":
            return False
        return any(route.matches(scope)[0] == Match.FULL for route in self.router.routes)

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if not self._guarded(scope):
            await self.app(scope, receive, send)
            return
        headers = {k.decode("latin-1").lower(): v.decode("latin-1") for k, v in scope["headers"]}
        declared = headers.get("content-length")
        refused: tuple[int, str] | None = None
        body = bytearray()
        if declared is not None and (not declared.isdigit() or int(declared) > self.limit):
            refused = (413, f"request body larger than {self.limit} bytes")
        else:
            more = True
            while more:
                message = await receive()
                if message["type"] == "http.disconnect":
                    return
                body += message.get("body", b"")
                more = message.get("more_body", False)
                if len(body) > self.limit:
                    refused = (413, f"request body larger than {self.limit} bytes")
                    break
        if refused is None:
            refused = check_json_body(bytes(body), headers.get("content-type", ""), self.limit)
        if refused is not None:
            response = JSONResponse({"detail": refused[1]}, status_code=refused[0])
            await response(scope, receive, send)
            return
        sent = False

        async def replay() -> Message:
            nonlocal sent
            if sent:
                return await receive()
            sent = True
            return {"type": "http.request", "body": bytes(body), "more_body": False}

        await self.app(scope, replay, send)


def vote_key(prediction_id: str, subject: str, value: int) -> str:
    """What an event id is bound to: one vote of one visitor on one prediction."""
    return f"{prediction_id}:{subject}:{value}"


def written_of(batch: list[tuple[str, Record]], token_ttl_s: int) -> Written:
    """The predictions and feedback events of a durable batch, for the state store."""
    predictions, events = [], []
    for table, record in batch:
        # a minute beyond the token's own expiry (it is stamped just after server_ts)
        expires = record["server_ts"] // 1_000_000 + token_ttl_s + 60
        if table == "predictions":
            row = (record["prediction_id"], record["model_version"], record["subject"], expires)
            predictions.append(row)
        elif table == "feedback":
            key = vote_key(record["prediction_id"], record["subject"], record["value"])
            events.append((record["event_id"], key, expires))
    return Written(predictions, events)


def create_app(settings: Settings | None = None, served: ServedModel | None = None) -> FastAPI:
    """Build the service. ``served`` skips training (tests); settings default to the env.

    Start-up reads nothing from the lake: its time and memory do not grow with it.
    """
    settings = settings or Settings.from_env()
    settings.check()

    @asynccontextmanager
    async def lifespan(app: FastAPI):  # type: ignore[no-untyped-def]
        settings.lake_dir.mkdir(parents=True, exist_ok=True)
        signer = Signer(load_key(settings.secret_key, settings.key_file))
        store = make_state_store(settings)
        ttl = settings.feedback_token_ttl_s
        writer = GroupCommitWriter(
            make_sink(settings),
            on_written=lambda batch: store.record_written(written_of(batch, ttl)),
        )
        state = State(
            settings=settings,
            signer=signer,
            slot=ModelSlot(
                served or load_served_model(settings),
                settings.model_refresh_s,
                pinned=served is not None or bool(settings.model_path or settings.model_version),
            ),
            store=store,
            writer=writer,
            challenges=SharedChallenges(
                store, settings.challenge_ttl_s, settings.pass_ttl_s, settings.challenge_seed
            ),
            limiter=RateLimiter(settings.rate_limit_per_minute),
        )
        load_pool()
        app.state.feedback = state
        yield
        writer.close()
        store.close()

    app = FastAPI(title="feedback loop", lifespan=lifespan, docs_url=None, redoc_url=None)
    app.add_middleware(JSONBodyGuard, router=app.router, limit=settings.max_body_bytes)
    if settings.cors_origins:  # added last: outermost, so refusals carry CORS headers too
        app.add_middleware(
            CORSMiddleware,
            allow_origins=list(settings.cors_origins),
            allow_credentials=True,  # the visitor cookie
            allow_methods=["GET", "POST"],
            allow_headers=["Content-Type"],
            max_age=600,
        )

    @app.exception_handler(RequestValidationError)
    async def invalid_body(request: Request, exc: RequestValidationError) -> JSONResponse:
        message = validation_message(request.url.path, list(exc.errors()))
        return JSONResponse({"detail": message}, status_code=422)

    def set_visitor_cookie(response: Response, value: str) -> None:
        response.set_cookie(
            COOKIE,
            value,
            max_age=365 * 86400,
            httponly=True,
            samesite=settings.cookie_samesite,  # type: ignore[arg-type]
            secure=settings.cookie_secure,
        )

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
            message = _("rate limit: at most {limit} requests per minute here; slow down")
            raise error(429, message.format(limit=limit))
        return state, subject, new_cookie

    def reply(payload: dict[str, Any], new_cookie: str | None, status: int = 200) -> JSONResponse:
        response = JSONResponse(payload, status_code=status)
        if new_cookie:
            set_visitor_cookie(response, new_cookie)
        return response

    @app.api_route("/healthz", methods=["GET", "HEAD"])
    async def healthz(request: Request) -> dict[str, str]:
        state: State = request.app.state.feedback
        return {"status": "ok", "model_version": state.model.version}

    def with_visitor_cookie(request: Request, response: Response) -> Response:
        # Set the visitor cookie with the page, before the widgets' parallel API calls,
        # so they all carry the same subject.
        if not _COOKIE_VALUE.match(request.cookies.get(COOKIE, "")):
            set_visitor_cookie(response, secrets.token_urlsafe(18))
        return response

    @app.api_route("/", methods=["GET", "HEAD"], response_class=HTMLResponse)
    async def demo(request: Request) -> Response:
        return with_visitor_cookie(request, HTMLResponse(DEMO_PAGE))

    @app.api_route("/widget.js", methods=["GET", "HEAD"])
    async def widget(request: Request) -> Response:
        return with_visitor_cookie(request, Response(WIDGET_JS, media_type="text/javascript"))

    @app.api_route("/stats", methods=["GET", "HEAD"], response_class=HTMLResponse)
    async def stats(request: Request) -> str:
        state: State = request.app.state.feedback
        return await asyncio.to_thread(render_stats, state.settings)

    @app.post("/api/predict")
    async def predict(body: PredictBody, request: Request) -> JSONResponse:
        state, subject, cookie = subject_of(request, "predict")
        if state.slot.due():  # a newly approved model version is served without a restart
            await asyncio.to_thread(state.slot.refresh)
        model = state.model
        features = body.features
        if features is None:
            features = secrets.choice(model.sample_rows)
        else:
            missing = sorted(set(model.feature_columns) - set(features))
            extra = sorted(set(features) - set(model.feature_columns))
            if missing or extra:
                raise error(422, f"features: missing {missing}, unknown {extra}")
        from .. import model as project_model

        try:
            prediction = project_model.predict_records(model.fitted, [features])[0]
            prediction_json = json.dumps(prediction, allow_nan=False)
        except Exception as exc:  # the model rejected the input
            raise error(422, f"the model could not score this input: {exc}") from None
        prediction_id = uuid.uuid4().hex
        record = {
            "event_id": prediction_id,
            "prediction_id": prediction_id,
            "model_version": model.version,
            "subject": subject,
            "input_json": json.dumps(features),
            "prediction_json": prediction_json,
            "server_ts": now_us(),
        }
        try:  # the state store knows the prediction once this returns (on_written)
            await state.writer.append([("predictions", record)])
        except Exception:
            raise error(503, _("could not store the prediction; retry")) from None
        payload = {
            "prediction_id": prediction_id,
            "model_version": model.version,
            "input": features,
            "prediction": prediction,
            "feedback_token": state.signer.feedback_token(prediction_id, subject),
        }
        return reply(payload, cookie)

    @app.post("/api/feedback")
    async def feedback(body: FeedbackBody, request: Request) -> JSONResponse:
        state, subject, cookie = subject_of(request, "feedback")
        ttl = state.settings.feedback_token_ttl_s
        why = state.signer.check_feedback_token(
            body.feedback_token, body.prediction_id, subject, ttl
        )
        if why == "expired":
            raise error(403, _("feedback_token expired"))
        if why is not None:
            raise error(403, _("feedback_token does not match this prediction and visitor"))
        key = vote_key(body.prediction_id, subject, body.value)
        expires = int(time.time()) + ttl
        claim = state.store.claim_event

        def look_up_and_claim() -> tuple[tuple[str, str] | None, str]:
            record = state.store.get_prediction(body.prediction_id)
            if record is None:
                return None, ""
            return record, claim(body.event_id, key, expires)

        record, status = await asyncio.to_thread(look_up_and_claim)  # one thread hop
        if record is None:
            raise error(404, _("no such prediction was issued"))
        version = record[0]  # from the server's record, never from the client
        deadline = time.monotonic() + LEASE_S + 5
        while status == "pending":  # the first request with this id is being written
            if time.monotonic() > deadline:
                raise error(503, _("this event_id is still being stored; retry"))
            await asyncio.sleep(0.02)
            status = await asyncio.to_thread(claim, body.event_id, key, expires)
        if status == "conflict":
            raise error(409, _("event_id was already used for a different vote"))
        answer = {"event_id": body.event_id, "value": body.value, "model_version": version}
        if status == "stored":
            return reply({"status": "duplicate"} | answer, cookie)
        event = {
            "event_id": body.event_id,
            "prediction_id": body.prediction_id,
            "model_version": version,
            "subject": subject,
            "value": body.value,
            "server_ts": now_us(),
        }
        try:
            await state.writer.append([("feedback", event)])
        except Exception:
            await asyncio.to_thread(state.store.release_event, body.event_id, key)
            raise error(503, _("could not store the event; retry with the same event_id")) from None
        return reply({"status": "recorded"} | answer, cookie)

    @app.api_route("/api/challenge", methods=["GET", "HEAD"])
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
    async def answer_challenge(
        challenge_id: Annotated[str, FastAPIPath(pattern=r"^[A-Za-z0-9_-]{1,64}$")],
        body: AnswerBody,
        request: Request,
    ) -> JSONResponse:
        state, subject, cookie = subject_of(request, "challenge")
        selected = set(body.selected)
        stored = await asyncio.to_thread(state.challenges.peek, challenge_id)
        if stored is None or stored.subject != subject:
            raise error(404, _("unknown, expired or already answered challenge"))
        if not selected <= {p.panel_id for p in stored.panels}:
            raise error(422, _("selected ids that are not panels of this challenge"))
        taken = await asyncio.to_thread(state.challenges.take, challenge_id, subject)
        if taken is None:  # another request (any instance) used it first
            raise error(404, _("unknown, expired or already answered challenge"))
        challenge, expired = taken
        if expired:
            raise error(410, _("challenge expired; get a new one"))
        outcome = grade(challenge, selected)
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
            return reply({"passed": False, "message": _("Not quite. Try a new challenge.")}, cookie)
        token = await asyncio.to_thread(state.challenges.issue_pass, subject)
        payload = {"passed": True, "pass_token": token, "expires_in": state.settings.pass_ttl_s}
        return reply(payload, cookie)

    @app.post("/api/pass/verify")
    async def verify_pass(body: PassBody, request: Request) -> JSONResponse:
        state, _, cookie = subject_of(request, "verify")
        subject = await asyncio.to_thread(state.challenges.redeem_pass, body.pass_token)
        if subject is None:
            raise error(409, "pass token unknown, expired or already used")
        return reply({"valid": True}, cookie)

    if settings.benchmark:

        @app.post("/api/noop")
        async def noop(body: FeedbackBody, request: Request) -> JSONResponse:
            """Benchmark baseline: parse the body like /api/feedback, write nothing."""
            _, _, cookie = subject_of(request, "noop")
            return reply({"status": "ok", "value": body.value}, cookie)

    return app
