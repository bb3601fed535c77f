"""The language mljourney speaks: English (``en``, the default) or Japanese (``ja``).

Every text the CLI prints has its languages side by side in one catalogue,
``generator/messages.yml``: a tree whose leaves are ``{en: ..., ja: ...}`` mappings
(``str.format`` fields in braces, the same in each language). A question's text and
choice labels are the layers' ``copier.yml`` (``help`` and ``help_ja``, ``choices`` and
``choices_ja``, see :mod:`generator.questionnaire`); the generated documents choose
their language with ``{% include 'i18n/' ~ language ~ '/...' %}`` inside each layer.
``tests/unit/test_i18n.py`` fails when a text has no Japanese.

The language a command speaks is the project's ``language`` answer; before there is a
project, the organisation config's default answer, then the user's locale
(``LC_ALL``, ``LC_MESSAGES``, ``LANG`` in POSIX order: ``ja_JP.UTF-8`` means Japanese).
"""

from __future__ import annotations

import contextlib
import contextvars
import functools
import os
from collections.abc import Iterator, Mapping
from pathlib import Path
from typing import Any

LANGUAGES: tuple[str, ...] = ("en", "ja")
DEFAULT_LANGUAGE = "en"

_current: contextvars.ContextVar[str] = contextvars.ContextVar(
    "mljourney_language", default=DEFAULT_LANGUAGE
)

CATALOGUE_PATH = Path(__file__).with_name("messages.yml")


@functools.cache
def catalogue() -> Mapping[str, Any]:
    """The message tree of ``messages.yml`` (leaves: ``{language: text}``)."""
    import yaml

    loaded = yaml.safe_load(CATALOGUE_PATH.read_text(encoding="utf-8"))
    if not isinstance(loaded, dict):
        raise ValueError(f"{CATALOGUE_PATH} is not a mapping")
    return loaded


def is_leaf(node: Any) -> bool:
    """Whether ``node`` is one text in its languages (a mapping with an ``en`` key)."""
    return isinstance(node, dict) and "en" in node


def _node(key: str) -> Any:
    node: Any = catalogue()
    for part in key.split("."):
        node = node[int(part)] if isinstance(node, list) else node[part]
    return node


def current() -> str:
    """The language this command speaks (``en`` unless set with :func:`use`)."""
    return _current.get()


def set_language(language: str) -> None:
    """Speak ``language`` from now on (the CLI's process: one command, one language)."""
    _current.set(language if language in LANGUAGES else DEFAULT_LANGUAGE)


@contextlib.contextmanager
def using(language: str) -> Iterator[None]:
    """Speak ``language`` inside the block, then the previous language again."""
    token = _current.set(language if language in LANGUAGES else DEFAULT_LANGUAGE)
    try:
        yield
    finally:
        _current.reset(token)


def pick(leaf: Mapping[str, str], language: str | None = None) -> str:
    """The text of ``leaf`` in ``language`` (default: the current one), English if missing."""
    lang = language or current()
    return str(leaf.get(lang) or leaf["en"])


def t(key: str, language: str | None = None, **fields: Any) -> str:
    """The text at dotted ``key`` in the current language, its ``{fields}`` filled in.

    Raises ``KeyError`` for a key the catalogue lacks (a test reads every key used).
    """
    node = _node(key)
    if not is_leaf(node):
        raise KeyError(key)
    text = pick(node, language)
    return text.format(**fields) if fields else text


def texts(key: str, language: str | None = None) -> tuple[str, ...]:
    """The list of texts at dotted ``key`` (each item a leaf), in the current language."""
    node = _node(key)
    if not isinstance(node, list):
        raise KeyError(key)
    return tuple(pick(item, language) for item in node)


def from_locale(environ: Mapping[str, str] | None = None) -> str | None:
    """The language of the user's locale: the first set of LC_ALL, LC_MESSAGES, LANG.

    ``ja`` for a Japanese locale (``ja_JP.UTF-8``, ``ja``), ``en`` for any other set
    locale, ``None`` when none is set.
    """
    env = os.environ if environ is None else environ
    for variable in ("LC_ALL", "LC_MESSAGES", "LANG"):
        value = env.get(variable, "")
        if value:
            return "ja" if value.lower().startswith("ja") else DEFAULT_LANGUAGE
    return None


def default_language(
    org_defaults: Mapping[str, Any] | None = None, environ: Mapping[str, str] | None = None
) -> str:
    """The language before anyone answered: the organisation's default, the locale, ``en``."""
    configured = (org_defaults or {}).get("language")
    if isinstance(configured, str) and configured in LANGUAGES:
        return configured
    return from_locale(environ) or DEFAULT_LANGUAGE
