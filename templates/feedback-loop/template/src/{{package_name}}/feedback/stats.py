"""The stats page's numbers and charts: like-rate per model version, labels gathered.

Like-rates come with 95% Wilson score intervals and their vote counts, so a version
judged on 12 votes does not look as certain as one judged on 1,200. Charts are drawn by
matplotlib on its Agg canvas (``matplotlib.figure.Figure`` without pyplot: headless, no
display, no global state shared between the service's threads) and embedded as PNG,
each beside a data table with the same numbers for screen readers (see ``page.py``).

The charts' texts are in the project's language (``messages.py``), drawn in the first font
of ``messages.CHART_FONTS`` that matplotlib finds (Japanese needs a CJK font: Debian's
``fonts-noto-cjk``). Without one, the charts' texts stay in English (the captions, alt texts
and tables around them are still translated) and one warning is logged, rather than a
"Glyph missing" warning per character and boxes in the PNG.
"""

from __future__ import annotations

import datetime as dt
import functools
import io
import logging
import math
import threading
from dataclasses import dataclass
from statistics import NormalDist
from typing import Any

from matplotlib import font_manager
from matplotlib.axes import Axes
from matplotlib.dates import AutoDateLocator, ConciseDateFormatter
from matplotlib.figure import Figure

from .labels import derive
from .lake import connect
from .messages import CHART_FONTS
from .messages import gettext as _
from .page import ChartSection, stats_page
from .retrain import ACTIVE_VOTES_SQL
from .settings import Settings

CONFIDENCE = 0.95
CHART_DPI = 150
CHART_SIZE_IN = (6.0, 3.2)  # inches: 900 x 480 px at CHART_DPI, shown at 600 x 320 CSS px
LIKE_COLOUR = "#1f5fa8"  # dark blue: 6.9:1 contrast on white
LABEL_COLOURS = ("#1f5fa8", "#b4490b", "#2e7d32", "#6a3d9a")
# matplotlib's ConciseDateFormatter defaults (strftime); those naming a month (%b, English)
# are in the catalogue, so a Japanese chart writes 11月 rather than Nov.
DATE_FORMATS = ("%Y", "%b", "%d", "%H:%M", "%H:%M", "%S.%f")
DATE_ZERO_FORMATS = ("", "%Y", "%b", "%b-%d", "%H:%M", "%H:%M")
DATE_OFFSET_FORMATS = ("", "%Y", "%Y-%b", "%Y-%b-%d", "%Y-%b-%d", "%Y-%b-%d %H:%M")

log = logging.getLogger(__name__)
_font_lock = threading.Lock()


def _find_font(families: tuple[str, ...]) -> str | None:
    for family in families:
        properties = font_manager.FontProperties(family=family)
        try:
            font_manager.findfont(properties, fallback_to_default=False)
        except ValueError:
            continue
        return family
    return None


@functools.cache
def chart_font() -> str | None:
    """The font family the charts are drawn in: the first of ``CHART_FONTS`` installed.

    Returns None when ``CHART_FONTS`` is empty (matplotlib's default font draws the
    language) or none of them is installed (then the charts' texts stay in English).
    matplotlib's font list is cached on disk (``~/.cache/matplotlib``) when it first runs,
    so a font installed later (``apt-get install fonts-noto-cjk``) is found by adding the
    system's fonts it does not know yet, once per process.
    """
    if not CHART_FONTS:
        return None
    with _font_lock:
        found = _find_font(CHART_FONTS)
        if found is None:
            known = {entry.fname for entry in font_manager.fontManager.ttflist}
            for path in font_manager.findSystemFonts():
                if path not in known:
                    try:
                        font_manager.fontManager.addfont(path)
                    except (OSError, RuntimeError, ValueError):
                        continue  # a font file FreeType cannot read
            found = _find_font(CHART_FONTS)
    if found is None:
        log.warning(
            "none of the chart fonts %s is installed (Debian: apt-get install "
            "fonts-noto-cjk): the stats charts' texts are drawn in English",
            ", ".join(CHART_FONTS),
        )
    return found


def chart_text(text: str) -> str:
    """A text drawn in a chart: in the project's language when a font can draw it."""
    return _(text) if chart_font() or not CHART_FONTS else text


def _font() -> dict[str, Any]:
    """Keyword arguments that draw a text in :func:`chart_font` (none: the default font)."""
    font = chart_font()
    return {"fontfamily": font} if font else {}


def wilson_interval(likes: int, votes: int, confidence: float = CONFIDENCE) -> tuple[float, float]:
    """Wilson score interval for a like-rate: ``likes`` successes in ``votes`` trials.

    With p = likes / votes, n = votes and z the (1 + confidence) / 2 quantile of the
    standard normal (1.95996 for 95%), the interval is

        (p + z²/(2n) ± z·sqrt(p(1 - p)/n + z²/(4n²))) / (1 + z²/n)

    Source: E. B. Wilson (1927), "Probable inference, the law of succession, and
    statistical inference", Journal of the American Statistical Association 22(158),
    209-212; chosen over the normal-approximation (Wald) interval, which collapses to a
    point at 0% or 100% and undercovers for small n, as recommended by Brown, Cai and
    DasGupta (2001), "Interval estimation for a binomial proportion", Statistical
    Science 16(2), 101-133.

    Args:
        likes: Number of likes, 0 <= likes <= votes.
        votes: Number of active votes (likes + dislikes), >= 0.
        confidence: Two-sided confidence level, strictly between 0 and 1.

    Returns:
        (low, high) as fractions in [0, 1]; (0.0, 1.0) when there are no votes.

    Raises:
        ValueError: on counts outside those ranges or a confidence outside (0, 1).
    """
    if votes < 0 or not 0 <= likes <= votes:
        raise ValueError(f"need 0 <= likes <= votes, got likes={likes}, votes={votes}")
    if not 0 < confidence < 1:
        raise ValueError(f"confidence must be in (0, 1), got {confidence}")
    if votes == 0:
        return 0.0, 1.0
    z = NormalDist().inv_cdf((1 + confidence) / 2)
    p, n = likes / votes, votes
    denominator = 1 + z * z / n
    centre = (p + z * z / (2 * n)) / denominator
    half = z * math.sqrt(p * (1 - p) / n + z * z / (4 * n * n)) / denominator
    return max(0.0, centre - half), min(1.0, centre + half)


@dataclass(frozen=True)
class VersionRate:
    """Active votes on one model version's predictions (retracted votes left out).

    Attributes:
        model_version: The version that made the predictions.
        first_seen: When the version made its first prediction (UTC).
        predictions: Predictions the version made.
        votes: Likes + dislikes.
        likes: Likes.
    """

    model_version: str
    first_seen: dt.datetime
    predictions: int
    votes: int
    likes: int

    @property
    def like_rate(self) -> float | None:
        """likes / votes, or None without votes."""
        return self.likes / self.votes if self.votes else None

    @property
    def interval(self) -> tuple[float, float]:
        """The 95% Wilson score interval of the like-rate (see :func:`wilson_interval`)."""
        return wilson_interval(self.likes, self.votes)


@dataclass(frozen=True)
class LabelPeriod:
    """Labels first seen in [start, end): ``new`` in it, ``total`` up to its end."""

    start: dt.datetime
    end: dt.datetime
    new: int
    total: int


def _utc(server_ts: int) -> dt.datetime:
    return dt.datetime.fromtimestamp(server_ts / 1_000_000, tz=dt.UTC)


def version_rates(settings: Settings) -> list[VersionRate]:
    """Per model version, oldest first: predictions, active votes and likes in the lake."""
    rows = (
        connect(settings)
        .execute(
            f"""
        WITH made AS (
            SELECT model_version, min(server_ts) AS first_ts, count(*) AS predictions
            FROM predictions GROUP BY model_version
        ), voted AS (
            SELECT model_version, count(*) AS votes,
                   count(*) FILTER (WHERE value = 1) AS likes
            FROM ({ACTIVE_VOTES_SQL}) WHERE value <> 0 GROUP BY model_version
        )
        SELECT made.model_version, first_ts, predictions,
               coalesce(votes, 0), coalesce(likes, 0)
        FROM made LEFT JOIN voted USING (model_version)
        ORDER BY first_ts, made.model_version
        """
        )
        .fetchall()
    )
    return [
        VersionRate(version, _utc(first_ts), int(predictions), int(votes), int(likes))
        for version, first_ts, predictions, votes, likes in rows
    ]


def label_times(settings: Settings) -> list[dt.datetime]:
    """When each curated label that holds was first seen, oldest first (``labels.py``)."""
    rows = derive(settings).rows
    held = sorted(int(ts) for ts in rows.loc[rows["holds"], "first_seen_ts"])
    return [_utc(ts) for ts in held]


#: Period lengths the labels table and chart can use, shortest first.
PERIODS = tuple(
    dt.timedelta(seconds=seconds)
    for seconds in (1, 5, 15, 60, 300, 900, 3600, 6 * 3600, 86400, 7 * 86400)
)


def label_periods(times: list[dt.datetime], max_periods: int = 24) -> list[LabelPeriod]:
    """Bucket label times into periods: the shortest length that needs ``max_periods`` or fewer.

    From one second (a simulation's burst) to one week (months of a product); only the
    last ``max_periods`` periods with labels are kept when even weeks are too many (the
    running total still counts every label).
    """
    if not times:
        return []
    span = times[-1] - times[0]
    unit = next((p for p in PERIODS if span / p < max_periods), PERIODS[-1])
    epoch = dt.datetime(1970, 1, 1, tzinfo=dt.UTC)
    counts: dict[dt.datetime, int] = {}
    for time in times:
        start = epoch + ((time - epoch) // unit) * unit
        counts[start] = counts.get(start, 0) + 1
    periods, total = [], 0
    for start in sorted(counts):
        total += counts[start]
        periods.append(LabelPeriod(start, start + unit, counts[start], total))
    return periods[-max_periods:]


def label_counts(settings: Settings) -> dict[str, int]:
    """Totals: challenges answered and passed, panel votes, curated labels by source."""
    con = connect(settings)
    challenges, passed = con.execute(
        "SELECT count(*), count(*) FILTER (WHERE passed) FROM challenges"
    ).fetchone()
    votes = con.execute("SELECT count(*) FROM label_votes").fetchone()[0]
    rows = derive(settings, con=con).rows
    held = rows[rows["holds"]]
    return {
        "challenges": challenges,
        "passed": passed,
        "votes": votes,
        "labels": len(held),
        "challenge_labels": int((held["source"] == "challenge").sum()),
        "feedback_labels": int((held["source"] == "feedback").sum()),
    }


def _new_axes(title: str, ylabel: str) -> tuple[Figure, Axes]:
    # Font sizes are set per call, not through rcParams: those are global to the process
    # and the service draws from several threads.
    figure = Figure(figsize=CHART_SIZE_IN, dpi=CHART_DPI, layout="constrained")
    axes = figure.add_subplot()
    axes.set_title(title, fontsize=12, **_font())
    axes.set_ylabel(ylabel, fontsize=11, **_font())
    axes.tick_params(labelsize=10)
    if font := chart_font():
        axes.tick_params(labelfontfamily=font)
    axes.grid(axis="y", alpha=0.3)
    return figure, axes


def png_of(figure: Figure) -> bytes:
    """The figure as PNG bytes (Agg canvas; no timestamp, so equal data gives equal bytes)."""
    buffer = io.BytesIO()
    figure.savefig(buffer, format="png", metadata={"Software": None})
    return buffer.getvalue()


def like_rate_figure(rates: list[VersionRate]) -> Figure:
    """Like-rate (%) per model version, oldest first, with 95% Wilson error bars and n."""
    figure, axes = _new_axes(
        chart_text("Like-rate per model version, 95% Wilson interval"), chart_text("like-rate (%)")
    )
    axes.set_ylim(0, 100)
    voted = [rate for rate in rates if rate.votes]
    if not voted:
        axes.set_xticks([])
        axes.text(
            0.5,
            0.5,
            chart_text("no votes yet"),
            ha="center",
            va="center",
            transform=axes.transAxes,
            **_font(),
        )
        return figure
    xs = list(range(len(voted)))
    centres = [100 * (rate.like_rate or 0.0) for rate in voted]
    lows = [100 * rate.interval[0] for rate in voted]
    highs = [100 * rate.interval[1] for rate in voted]
    errors = [
        [c - low for c, low in zip(centres, lows, strict=True)],
        [high - c for c, high in zip(centres, highs, strict=True)],
    ]
    axes.errorbar(
        xs, centres, yerr=errors, fmt="o", color=LIKE_COLOUR, capsize=5, elinewidth=1.5, ms=6
    )
    for x, low, rate in zip(xs, lows, voted, strict=True):
        axes.annotate(
            f"n={rate.votes:,}",
            (x, low),
            xytext=(0, -13),
            textcoords="offset points",
            ha="center",
            fontsize=9,
            **_font(),
        )
    axes.set_xticks(xs, [_short(rate.model_version) for rate in voted], fontsize=9, **_font())
    axes.set_xlim(-0.6, len(voted) - 0.4)
    if len(voted) > 4:
        axes.tick_params(axis="x", labelrotation=30)
    axes.set_xlabel(chart_text("model version (oldest first)"), fontsize=11, **_font())
    return figure


def labels_figure(periods: list[LabelPeriod]) -> Figure:
    """Curated labels gathered over time: running total (line) and new per period (bars)."""
    figure, axes = _new_axes(chart_text("Labels gathered over time"), chart_text("curated labels"))
    if not periods:
        axes.set_xticks([])
        axes.set_yticks([])
        axes.text(
            0.5,
            0.5,
            chart_text("no labels yet"),
            ha="center",
            va="center",
            transform=axes.transAxes,
            **_font(),
        )
        return figure
    starts = [period.start for period in periods]
    axes.bar(
        starts,
        [period.new for period in periods],
        width=(periods[0].end - periods[0].start) * 0.8,
        align="edge",
        color=LABEL_COLOURS[1],
        alpha=0.6,
        label=chart_text("new in the period"),
    )
    axes.step(
        [*starts, periods[-1].end],
        [*(period.total for period in periods), periods[-1].total],
        where="post",
        color=LABEL_COLOURS[0],
        linewidth=2,
        label=chart_text("running total"),
    )
    locator = AutoDateLocator()
    axes.xaxis.set_major_locator(locator)
    axes.xaxis.set_major_formatter(
        ConciseDateFormatter(
            locator,
            formats=[chart_text(text) for text in DATE_FORMATS],
            zero_formats=[chart_text(text) for text in DATE_ZERO_FORMATS],
            offset_formats=[chart_text(text) for text in DATE_OFFSET_FORMATS],
        )
    )
    if font := chart_font():
        axes.xaxis.get_offset_text().set_fontfamily(font)
    axes.set_ylim(bottom=0)
    axes.legend(loc="upper left", frameon=False, prop={"size": 9, **_legend_font()})
    return figure


def _legend_font() -> dict[str, Any]:
    font = chart_font()
    return {"family": font} if font else {}


def _short(version: str, limit: int = 18) -> str:
    return version if len(version) <= limit else version[: limit - 1] + "…"


def _span(interval: tuple[float, float]) -> str:
    return f"{100 * interval[0]:.1f}–{100 * interval[1]:.1f}%"


def _percent(value: float | None) -> str:
    return "–" if value is None else f"{100 * value:.1f}%"


def like_rate_section(rates: list[VersionRate]) -> ChartSection:
    """The like-rate chart with its table: one row per model version."""
    rows = [
        [
            rate.model_version,
            rate.first_seen.strftime("%Y-%m-%d %H:%M"),
            f"{rate.predictions:,}",
            f"{rate.votes:,}",
            f"{rate.likes:,}",
            _percent(rate.like_rate),
            _span(rate.interval) if rate.votes else "–",
        ]
        for rate in rates
    ]
    voted = [rate for rate in rates if rate.votes]
    if voted:
        latest = voted[-1]
        low, high = latest.interval
        summary = _(
            "{count} model versions with votes. Latest, {version}: {rate} liked "
            "({low} to {high}) of {votes} votes."
        ).format(
            count=len(voted),
            version=latest.model_version,
            rate=_percent(latest.like_rate),
            low=_percent(low),
            high=_percent(high),
            votes=f"{latest.votes:,}",
        )
    else:
        summary = _("No votes yet.")
    return ChartSection(
        key="like-rate",
        heading=_("Like-rate per model version"),
        png=png_of(like_rate_figure(rates)),
        alt=_("Chart of the like-rate per model version with 95% intervals. {summary}").format(
            summary=summary
        ),
        caption=_(
            "Dots: share of active votes that are likes; bars: 95% Wilson score interval; "
            "n: votes. Versions whose intervals do not overlap differ clearly."
        ),
        table_caption=_("Like-rate per model version (oldest first)"),
        columns=[
            _("model version"),
            _("first prediction (UTC)"),
            _("predictions"),
            _("votes"),
            _("likes"),
            _("like-rate"),
            _("95% interval"),
        ],
        rows=rows,
        empty=_("No predictions yet."),
    )


def labels_section(periods: list[LabelPeriod]) -> ChartSection:
    """The labels-over-time chart with its table: one row per period."""
    unit = periods[0].end - periods[0].start if periods else dt.timedelta(days=1)
    fmt = "%Y-%m-%d" if unit >= dt.timedelta(days=1) else "%Y-%m-%d %H:%M"
    fmt += ":%S" if unit < dt.timedelta(minutes=1) else ""
    rows = [
        [period.start.strftime(fmt), f"{period.new:,}", f"{period.total:,}"] for period in periods
    ]
    summary = (
        _("{total} curated labels in total, {new} in the latest period.").format(
            total=f"{periods[-1].total:,}", new=f"{periods[-1].new:,}"
        )
        if periods
        else _("No labels yet.")
    )
    return ChartSection(
        key="labels",
        heading=_("Labels gathered over time"),
        png=png_of(labels_figure(periods)),
        alt=_("Chart of curated labels gathered over time. {summary}").format(summary=summary),
        caption=_(
            "Line: running total of curated labels (challenge consensus and feedback on "
            "predictions, see docs/feedback-loop.md); bars: labels first seen in each period."
        ),
        table_caption=_("Curated labels per period"),
        columns=[_("period starting (UTC)"), _("new labels"), _("running total")],
        rows=rows,
        empty=_("No labels yet."),
    )


def render_stats(settings: Settings) -> str:
    """The whole stats page (HTML) from the lake."""
    sections = [
        like_rate_section(version_rates(settings)),
        labels_section(label_periods(label_times(settings))),
    ]
    return stats_page(sections, label_counts(settings))
