"""The model the service answers with, and how a newly approved version replaces it.

At start-up the service serves, in this order: the file ``FEEDBACK_MODEL_PATH`` (pinned:
never replaced), else the newest *approved* version of the model registry (MLflow, see
``tracking.py``), else the baseline trained on the spot on the seed set plus the curated
labels (``trainset.training_set``). While it runs, :class:`ModelSlot` asks the registry
for its newest approved version at most every ``FEEDBACK_MODEL_REFRESH_S`` seconds (30)
and swaps it in without a restart; every prediction carries the version that made it.
"""

from __future__ import annotations

import hashlib
import json
import logging
import pickle
import threading
import time
from dataclasses import dataclass
from typing import Any

from .settings import Settings

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class ServedModel:
    """A model the service answers with.

    Attributes:
        fitted: What ``model.train`` returned.
        version: The model version predictions are recorded with ("v3": registry version
            3; "baseline-<hash>": trained at start-up; or ``FEEDBACK_MODEL_VERSION``).
        feature_columns: The input columns of a prediction request.
        sample_rows: Up to 500 sample rows, for ``{}`` requests (a random one is scored).
        registry_version: The registry's version number, None when not from the registry.
    """

    fitted: Any
    version: str
    feature_columns: list[str]
    sample_rows: list[dict[str, Any]]
    registry_version: str | None = None


def _inputs() -> tuple[list[str], list[dict[str, Any]]]:
    from .. import data

    frame = data.load_sample()
    columns = list(data.feature_columns(frame))
    return columns, json.loads(frame[columns].head(500).to_json(orient="records"))


def from_registry() -> ServedModel | None:
    """The registry's newest approved version, loaded; None when none is approved."""
    from .. import tracking

    version = tracking.latest_approved()
    if version is None:
        return None
    columns, rows = _inputs()
    fitted = tracking.load_model(version)
    return ServedModel(fitted, f"v{version.version}", columns, rows, version.version)


def load_served_model(settings: Settings) -> ServedModel:
    """The model to serve at start-up (see the module's docstring for the order)."""
    from .. import data, model, trainset

    columns, rows = _inputs()
    if settings.model_path:
        fitted = model.load(settings.model_path)
    else:
        served = None if settings.model_version else _registry_or_none()
        if served is not None:
            return served
        train, _ = data.split(data.load_sample(), seed=0)
        fitted = model.train(trainset.training_set(train).frame, seed=0)
    version = settings.model_version or (
        "baseline-" + hashlib.sha256(pickle.dumps(fitted)).hexdigest()[:10]
    )
    return ServedModel(fitted, version, columns, rows)


def _registry_or_none() -> ServedModel | None:
    try:
        return from_registry()
    except Exception as error:  # an unreadable registry must not stop the service
        log.warning("model registry not readable, serving the baseline: %s", error)
        return None


class ModelSlot:
    """Holds the served model; swaps in a newer approved registry version when one appears.

    ``refresh_s`` <= 0, or a pinned model (``FEEDBACK_MODEL_PATH`` or
    ``FEEDBACK_MODEL_VERSION``), turns the check off.
    """

    def __init__(self, served: ServedModel, refresh_s: float, pinned: bool = False) -> None:
        self.model = served
        self.refresh_s = refresh_s
        self.pinned = pinned
        self._checked = time.monotonic()
        self._lock = threading.Lock()

    def due(self) -> bool:
        """True when the registry should be asked again (cheap: no I/O)."""
        return (
            not self.pinned
            and self.refresh_s > 0
            and time.monotonic() - self._checked >= self.refresh_s
        )

    def refresh(self) -> bool:
        """Ask the registry now; returns True when a new version was swapped in.

        Blocking (reads the registry, maybe loads a model): call it in a worker thread.
        A registry error keeps the current model and is logged.
        """
        if not self._lock.acquire(blocking=False):
            return False  # another request is already checking
        try:
            self._checked = time.monotonic()
            from .. import tracking

            newest = tracking.latest_approved()
            if newest is None or newest.version == self.model.registry_version:
                return False
            loaded = from_registry()
            if loaded is None:
                return False
            self.model = loaded
            log.info("now serving model version %s", loaded.version)
            return True
        except Exception as error:
            current = self.model.version
            log.warning("model registry check failed, still serving %s: %s", current, error)
            return False
        finally:
            self._lock.release()
