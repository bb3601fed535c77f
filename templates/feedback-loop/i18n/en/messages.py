"""The texts of the feedback pages (like button, challenge, demo and stats pages).

Each text is written in English where it is used, wrapped in ``_()`` - in Python and in
the widgets' JavaScript alike - and looked up here. This project speaks English, so the
catalogue is empty: every text is shown as written. (mljourney renders this module from
the project's ``language`` answer; a Japanese project gets the Japanese catalogue.)
"""

from __future__ import annotations

LANGUAGE = "en"

# English text -> the text shown; a text not listed is shown as written.
CATALOGUE: dict[str, str] = {}

# Font families the stats charts are drawn in, the first installed wins (stats.py); none
# needed: matplotlib's default font draws English.
CHART_FONTS: tuple[str, ...] = ()


def gettext(text: str) -> str:
    """``text`` in the project's language (as written when the catalogue lacks it)."""
    return CATALOGUE.get(text, text)
