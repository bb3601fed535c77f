"""The stats page: like-rate per model version over time and labels gathered, as inline SVG."""

from __future__ import annotations

import html
from collections import defaultdict

from .labels import derive
from .lake import connect
from .retrain import ACTIVE_VOTES_SQL
from .settings import Settings

COLOURS = ["#1f77b4", "#d62728", "#2ca02c", "#9467bd", "#ff7f0e", "#8c564b"]
WIDTH, HEIGHT, PAD = 640, 240, 40
STYLE = (
    "<style>body { font-family: system-ui, sans-serif; max-width: 52rem; margin: 2rem auto;"
    " padding: 0 1rem } table { border-collapse: collapse }"
    " td, th { border: 1px solid #ccc; padding: .2rem .5rem }</style>"
)


def like_rate_series(settings: Settings) -> dict[str, list[tuple[str, int, int]]]:
    """Per model version: (day, likes, votes) over the active (non-retracted) votes."""
    con = connect(settings)
    rows = con.execute(
        f"""
        SELECT model_version, strftime(make_timestamp(server_ts), '%Y-%m-%d') AS day,
               sum(CASE WHEN value = 1 THEN 1 ELSE 0 END) AS likes, count(*) AS votes
        FROM ({ACTIVE_VOTES_SQL}) WHERE value <> 0
        GROUP BY ALL ORDER BY model_version, day
        """
    ).fetchall()
    series: dict[str, list[tuple[str, int, int]]] = defaultdict(list)
    for version, day, likes, votes in rows:
        series[version].append((day, int(likes), int(votes)))
    return dict(series)


def label_counts(settings: Settings) -> dict[str, int]:
    """Totals of the challenge: answers, passes, votes and consensus labels."""
    con = connect(settings)
    challenges, passed = con.execute(
        "SELECT count(*), count(*) FILTER (WHERE passed) FROM challenges"
    ).fetchone()
    votes = con.execute("SELECT count(*) FROM label_votes").fetchone()[0]
    labels = int(derive(settings, con=con).rows["holds"].sum())
    return {"challenges": challenges, "passed": passed, "votes": votes, "labels": labels}


def svg_chart(series: dict[str, list[tuple[str, int, int]]]) -> str:
    """A line chart of like-rate (0-100%) by day, one line per model version."""
    days = sorted({day for points in series.values() for day, _, _ in points})
    title = "Like-rate per model version and day"
    parts = [
        f'<svg role="img" aria-labelledby="chart-title" width="{WIDTH}" height="{HEIGHT}" '
        f'viewBox="0 0 {WIDTH} {HEIGHT}" xmlns="http://www.w3.org/2000/svg">',
        f'<title id="chart-title">{title}</title>',
        f'<line x1="{PAD}" y1="{HEIGHT - PAD}" x2="{WIDTH - 10}" y2="{HEIGHT - PAD}" '
        'stroke="#333"/>',
        f'<line x1="{PAD}" y1="10" x2="{PAD}" y2="{HEIGHT - PAD}" stroke="#333"/>',
    ]
    for pct in (0, 50, 100):
        y = HEIGHT - PAD - (HEIGHT - PAD - 10) * pct / 100
        parts.append(f'<text x="4" y="{y + 4:.0f}" font-size="11">{pct}%</text>')
    if not days:
        parts.append(f'<text x="{PAD + 20}" y="{HEIGHT / 2:.0f}">no votes yet</text></svg>')
        return "".join(parts)

    def x_of(day: str) -> float:
        span = max(1, len(days) - 1)
        return PAD + 10 + (WIDTH - PAD - 40) * days.index(day) / span

    for i, (version, points) in enumerate(sorted(series.items())):
        colour = COLOURS[i % len(COLOURS)]
        coords = [
            (x_of(day), HEIGHT - PAD - (HEIGHT - PAD - 10) * likes / votes)
            for day, likes, votes in points
        ]
        path = " ".join(f"{x:.1f},{y:.1f}" for x, y in coords)
        parts.append(f'<polyline class="series" fill="none" stroke="{colour}" points="{path}"/>')
        parts += [f'<circle cx="{x:.1f}" cy="{y:.1f}" r="3" fill="{colour}"/>' for x, y in coords]
        parts.append(
            f'<text x="{WIDTH - 200}" y="{20 + 14 * i}" font-size="11" fill="{colour}">'
            f"{html.escape(version)}</text>"
        )
    for day in (days[0], days[-1]):
        parts.append(
            f'<text x="{x_of(day) - 30:.0f}" y="{HEIGHT - PAD + 16}" font-size="11">{day}</text>'
        )
    parts.append("</svg>")
    return "".join(parts)


def render_stats(settings: Settings) -> str:
    """The whole stats page."""
    series = like_rate_series(settings)
    counts = label_counts(settings)
    rows = "".join(
        f"<tr><td>{html.escape(v)}</td><td>{d}</td><td>{likes}/{votes}</td>"
        f"<td>{likes / votes:.1%}</td></tr>"
        for v, points in sorted(series.items())
        for d, likes, votes in points
    )
    return f"""<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>Feedback stats</title>
<meta name="viewport" content="width=device-width, initial-scale=1">
{STYLE}
</head><body><main>
<h1>Feedback stats</h1>
<h2>Like-rate per model version</h2>
{svg_chart(series)}
<table><thead><tr><th>model version</th><th>day</th><th>likes/votes</th><th>like-rate</th>
</tr></thead><tbody>{rows}</tbody></table>
<h2>Labels gathered</h2>
<ul id="label-counts">
<li>challenges answered: {counts["challenges"]} (passed: {counts["passed"]})</li>
<li>panel votes from sessions that passed: {counts["votes"]}</li>
<li>curated labels (challenge consensus: 3+ votes, 80%+ agreement; feedback):
<strong>{counts["labels"]}</strong></li>
</ul>
<p><a href="/">Back to the demo</a></p>
</main></body></html>"""
