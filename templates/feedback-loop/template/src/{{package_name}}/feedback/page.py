"""The demo page and the embeddable widgets (like button, panel challenge).

The widgets are plain JavaScript in ``/widget.js``: put ``<div data-feedback-like
data-prediction-id=... data-feedback-token=...>`` or ``<div data-feedback-challenge>`` on a
page and include the script; it calls the API of the origin it was loaded from (another
origin of the product needs ``FEEDBACK_CORS_ORIGINS``).
Both are keyboard accessible (native buttons, ``aria-pressed`` toggles, a polite live
region for results) and refuse a second submit while one is in flight. Their texts are
written in English, wrapped in ``_()``, and shown in the project's language
(``messages.py``: the JavaScript gets its catalogue as ``TEXTS``).

The stats page (``/stats``) is built here from the charts and numbers of ``stats.py``:
every chart is a captioned figure with alternative text, beside a table that carries
the same numbers (``caption``, ``th scope``) for screen readers.
"""

from __future__ import annotations

import base64
import html
import json
import re
from dataclasses import dataclass

from . import PROJECT_NAME
from .messages import CATALOGUE, LANGUAGE
from .messages import gettext as _

WIDGET_JS = r"""
(function () {
  "use strict";
  const TEXTS = __TEXTS__; // English text -> the project's language (messages.py)
  function _(text) {
    return Object.prototype.hasOwnProperty.call(TEXTS, text) ? TEXTS[text] : text;
  }
  function fill(text, values) {
    return text.replace(/\{(\w+)\}/g, (match, name) => String(values[name]));
  }
  // The API lives where this script came from: the widgets work on another origin of
  // the product when the service lists that origin in FEEDBACK_CORS_ORIGINS.
  const API = document.currentScript ? new URL(document.currentScript.src).origin : "";
  const CREDENTIALS = API === window.location.origin ? "same-origin" : "include";
  function newId() {
    if (window.crypto && crypto.randomUUID) return crypto.randomUUID().replace(/-/g, "");
    const bytes = new Uint8Array(16);
    crypto.getRandomValues(bytes);
    return Array.from(bytes, (b) => b.toString(16).padStart(2, "0")).join("");
  }
  async function postJSON(url, body) {
    const response = await fetch(API + url, {
      method: "POST",
      headers: { "Content-Type": "application/json" },
      body: JSON.stringify(body),
      credentials: CREDENTIALS,
    });
    let data = {};
    try { data = await response.json(); } catch (e) { data = {}; }
    return { ok: response.ok, status: response.status, data: data };
  }
  function makeButton(label, cls) {
    const button = document.createElement("button");
    button.type = "button";
    button.className = cls;
    button.textContent = label;
    return button;
  }
  function liveRegion(cls) {
    const region = document.createElement("p");
    region.className = cls;
    region.setAttribute("role", "status");
    region.setAttribute("aria-live", "polite");
    return region;
  }

  function mountLike(root) {
    root.textContent = "";
    const like = makeButton(_("\uD83D\uDC4D Like"), "fb-like-button");
    const dislike = makeButton(_("\uD83D\uDC4E Dislike"), "fb-dislike-button");
    const status = liveRegion("fb-status");
    let current = 0;
    let busy = false;
    function render() {
      like.setAttribute("aria-pressed", String(current === 1));
      dislike.setAttribute("aria-pressed", String(current === -1));
      root.dataset.vote = String(current);
    }
    function setBusy(value) {
      busy = value;
      for (const b of [like, dislike]) b.setAttribute("aria-disabled", String(value));
      if (value) root.setAttribute("aria-busy", "true"); else root.removeAttribute("aria-busy");
    }
    async function vote(target) {
      if (busy) return; // no double submit: one request at a time
      setBusy(true);
      const value = current === target ? 0 : target; // pressing again retracts
      const body = {
        event_id: newId(), // reused on retry, so a retry is never counted twice
        prediction_id: root.dataset.predictionId,
        feedback_token: root.dataset.feedbackToken,
        value: value,
      };
      let result = null;
      for (let attempt = 0; attempt < 3 && result === null; attempt++) {
        result = await postJSON("/api/feedback", body).catch(() => null);
      }
      if (result && result.ok) {
        current = value;
        status.textContent = value === 1 ? _("Thanks, you liked this.")
          : value === -1 ? _("Thanks, you disliked this.") : _("Vote retracted.");
      } else {
        status.textContent = _("Could not record the vote: ") +
          ((result && result.data.detail) || _("network error"));
      }
      setBusy(false);
      render();
      root.dispatchEvent(new CustomEvent("feedback:vote", { detail: { value: current } }));
    }
    like.addEventListener("click", () => vote(1));
    dislike.addEventListener("click", () => vote(-1));
    root.append(like, dislike, status);
    render();
  }

  function mountChallenge(root) {
    root.textContent = "";
    const prompt = document.createElement("p");
    prompt.className = "fb-prompt";
    prompt.id = "fb-prompt-" + newId().slice(0, 8);
    const grid = document.createElement("div");
    grid.className = "fb-grid";
    grid.setAttribute("role", "group");
    grid.setAttribute("aria-labelledby", prompt.id);
    const verify = makeButton(_("Verify"), "fb-verify");
    const status = liveRegion("fb-challenge-status");
    root.append(prompt, grid, verify, status);
    let challenge = null;
    let busy = false;

    async function load(message) {
      root.dataset.state = "loading";
      const response = await fetch(API + "/api/challenge",
        { credentials: CREDENTIALS, cache: "no-store" });
      const data = await response.json().catch(() => ({}));
      if (!response.ok) {
        status.textContent = _("Could not load a challenge: ") + (data.detail || response.status);
        root.dataset.state = "error";
        return;
      }
      challenge = data;
      root.dataset.challengeId = data.challenge_id;
      prompt.textContent = data.prompt;
      grid.textContent = "";
      data.panels.forEach((panel, i) => {
        const button = makeButton("", "fb-panel");
        button.dataset.panelId = panel.id;
        button.setAttribute("aria-pressed", "false");
        button.setAttribute("aria-label",
          fill(_("Panel {number} of {total}"), { number: i + 1, total: data.panels.length }));
        const img = document.createElement("img");
        img.src = panel.image;
        img.alt = "";
        img.width = 64;
        img.height = 64;
        button.append(img);
        button.addEventListener("click", () => {
          const pressed = button.getAttribute("aria-pressed") === "true";
          button.setAttribute("aria-pressed", String(!pressed));
        });
        grid.append(button);
      });
      status.textContent = message || "";
      root.dataset.state = "ready";
    }

    verify.addEventListener("click", async () => {
      if (busy || !challenge) return; // no double submit
      busy = true;
      verify.setAttribute("aria-disabled", "true");
      const selected = Array.from(grid.querySelectorAll('[aria-pressed="true"]'))
        .map((b) => b.dataset.panelId);
      const id = challenge.challenge_id;
      challenge = null; // single use
      const url = "/api/challenge/" + encodeURIComponent(id);
      const result = await postJSON(url, { selected: selected }).catch(() => null);
      if (result && result.ok && result.data.passed) {
        root.dataset.passToken = result.data.pass_token;
        grid.textContent = "";
        prompt.textContent = "";
        status.textContent = _("Passed. Thank you: your answers help label new images.");
        root.dataset.state = "passed";
        root.dispatchEvent(new CustomEvent("feedback:pass", { detail: result.data }));
      } else {
        const why = result && result.ok ? _("Not quite.") :
          fill(_("Could not check the answer ({detail})."),
            { detail: (result && result.data.detail) || _("network error") });
        root.dataset.failures = String(Number(root.dataset.failures || 0) + 1);
        await load(why + _(" Here is a new challenge."));
      }
      busy = false;
      verify.setAttribute("aria-disabled", "false");
    });
    load();
  }

  window.FeedbackWidgets = {
    mountLike: mountLike, mountChallenge: mountChallenge, api: API, postJSON: postJSON,
    _: _, fill: fill,
  };
  function autoMount() {
    document.querySelectorAll("[data-feedback-like][data-prediction-id]").forEach(mountLike);
    document.querySelectorAll("[data-feedback-challenge]").forEach(mountChallenge);
  }
  if (document.readyState === "loading") document.addEventListener("DOMContentLoaded", autoMount);
  else autoMount();
})();
"""

DEMO_PAGE = """<!doctype html>
<html lang="__LANG__"><head><meta charset="utf-8">
<title>__PROJECT__: [[feedback loop demo]]</title>
<meta name="viewport" content="width=device-width, initial-scale=1">
<style>
body { font-family: system-ui, sans-serif; max-width: 48rem; margin: 2rem auto; padding: 0 1rem; }
button { font: inherit; padding: .4rem .8rem; margin: .2rem; }
button[aria-pressed="true"] { background: #1d4ed8; color: #fff; }
button[aria-disabled="true"] { opacity: .6; cursor: progress; }
:focus-visible { outline: 3px solid #f59e0b; outline-offset: 2px; }
.fb-grid { display: grid; grid-template-columns: repeat(3, 80px); gap: 6px; }
.fb-panel { padding: 4px; margin: 0; border: 3px solid transparent; background: #eee; }
.fb-panel[aria-pressed="true"] { border-color: #1d4ed8; background: #dbeafe; }
pre { background: #f5f5f5; padding: .5rem; overflow-x: auto; }
</style></head>
<body><main>
<h1>__PROJECT__: [[feedback loop demo]]</h1>
<section aria-labelledby="suggestion-title">
<h2 id="suggestion-title">[[A suggestion from the model]]</h2>
<button type="button" id="new-suggestion">[[Get a new suggestion]]</button>
<div id="suggestion" aria-live="polite"></div>
<div id="like" data-feedback-like></div>
</section>
<section aria-labelledby="challenge-title">
<h2 id="challenge-title">[[Help us label examples]]</h2>
<div id="challenge" data-feedback-challenge></div>
</section>
<p><a href="/stats">[[Stats: like-rate per model version, labels gathered]]</a></p>
</main>
<script src="/widget.js"></script>
<script>
const { _, fill } = window.FeedbackWidgets;
async function newSuggestion() {
  const response = await fetch("/api/predict", {
    method: "POST", headers: { "Content-Type": "application/json" }, body: "{}",
    credentials: "same-origin" });
  const data = await response.json();
  const box = document.getElementById("suggestion");
  if (!response.ok) { box.textContent = _("Could not get a suggestion: ") + data.detail; return; }
  box.innerHTML = "";
  const p = document.createElement("p");
  p.textContent = fill(_("Model {version} predicts: "), { version: data.model_version }) +
    JSON.stringify(data.prediction);
  const pre = document.createElement("pre");
  pre.textContent = JSON.stringify(data.input);
  box.append(p, pre);
  const like = document.getElementById("like");
  like.dataset.predictionId = data.prediction_id;
  like.dataset.feedbackToken = data.feedback_token;
  window.FeedbackWidgets.mountLike(like);
  document.body.dataset.ready = "true";
}
document.getElementById("new-suggestion").addEventListener("click", newSuggestion);
newSuggestion();
</script>
</body></html>
"""
DEMO_PAGE = re.sub(
    r"\[\[(.+?)\]\]",  # a double-bracketed English text: shown in the project's language
    lambda match: html.escape(_(match.group(1))),
    DEMO_PAGE.replace("__PROJECT__", html.escape(PROJECT_NAME)).replace("__LANG__", LANGUAGE),
)
WIDGET_JS = WIDGET_JS.replace("__TEXTS__", json.dumps(CATALOGUE, ensure_ascii=False))


# --- the stats page (GET /stats): charts from stats.py, each beside its data table ---

STATS_STYLE = """<style>
body { font-family: system-ui, sans-serif; max-width: 80rem; margin: 2rem auto; padding: 0 1rem;
  color: #1a1a1a; }
.chart-and-table { display: flex; flex-wrap: wrap; gap: 1.5rem; align-items: flex-start; }
figure { margin: 0; flex: 1 1 440px; max-width: 600px; }
figure img { max-width: 100%; height: auto; }
figcaption { font-size: .9rem; color: #333; }
table { border-collapse: collapse; font-size: .85rem; flex: 0 1 auto; }
caption { text-align: left; font-weight: 600; padding-bottom: .3rem; }
td, th { border: 1px solid #bbb; padding: .25rem .5rem; }
td { text-align: right; font-variant-numeric: tabular-nums; }
thead th { background: #eef2f7; }
:focus-visible { outline: 3px solid #f59e0b; outline-offset: 2px; }
</style>"""


@dataclass(frozen=True)
class ChartSection:
    """One chart of the stats page with the table that carries the same numbers.

    Attributes:
        key: Stable id fragment (letters and '-'): ids ``<key>-title``, ``<key>-chart``.
        heading: The section's heading.
        png: The chart, PNG bytes drawn by matplotlib.
        alt: Alternative text: what the chart shows and its main numbers.
        caption: The figure's visible caption (how to read it).
        table_caption: The table's caption.
        columns: Column headers; the first column heads each row.
        rows: Cell texts, one list per row, as long as ``columns``.
        empty: What the table says when there are no rows.
    """

    key: str
    heading: str
    png: bytes
    alt: str
    caption: str
    table_caption: str
    columns: list[str]
    rows: list[list[str]]
    empty: str


def data_uri(png: bytes) -> str:
    """A ``data:`` URI for PNG bytes, so a chart needs no second request."""
    return "data:image/png;base64," + base64.b64encode(png).decode("ascii")


def chart_section(section: ChartSection) -> str:
    """A section: heading, the chart as a captioned figure and its data table beside it."""
    e = html.escape
    head = "".join(f'<th scope="col">{e(name)}</th>' for name in section.columns)
    body = (
        "".join(
            f'<tr><th scope="row">{e(row[0])}</th>'
            + "".join(f"<td>{e(c)}</td>" for c in row[1:])
            + "</tr>"
            for row in section.rows
        )
        or f'<tr><td colspan="{len(section.columns)}">{e(section.empty)}</td></tr>'
    )
    return f"""<section aria-labelledby="{section.key}-title">
<h2 id="{section.key}-title">{e(section.heading)}</h2>
<div class="chart-and-table">
<figure id="{section.key}-chart">
<img src="{data_uri(section.png)}" alt="{e(section.alt)}" width="600" height="320">
<figcaption>{e(section.caption)}</figcaption>
</figure>
<table id="{section.key}-table"><caption>{e(section.table_caption)}</caption>
<thead><tr>{head}</tr></thead><tbody>{body}</tbody></table>
</div>
</section>"""


def stats_page(sections: list[ChartSection], counts: dict[str, int]) -> str:
    """The whole stats page: each chart section, then the challenge's totals."""
    e = html.escape
    n = {name: f"{value:,}" for name, value in counts.items()}
    answered = e(_("challenges answered: {answered} (passed: {passed})")).format(
        answered=n["challenges"], passed=n["passed"]
    )
    votes = e(_("panel votes from visitors who passed: {votes}")).format(votes=n["votes"])
    labels = e(
        _(
            "curated labels: {total} ({challenge} from challenge consensus, "
            "{feedback} from feedback on predictions)"
        )
    ).format(
        total=f"<strong>{n['labels']}</strong>",
        challenge=n["challenge_labels"],
        feedback=n["feedback_labels"],
    )
    return f"""<!doctype html>
<html lang="{LANGUAGE}"><head><meta charset="utf-8">
<title>{e(PROJECT_NAME)}: {e(_("feedback stats"))}</title>
<meta name="viewport" content="width=device-width, initial-scale=1">
{STATS_STYLE}
</head><body><main>
<h1>{e(PROJECT_NAME)}: {e(_("feedback stats"))}</h1>
{"".join(chart_section(section) for section in sections)}
<section aria-labelledby="counts-title">
<h2 id="counts-title">{e(_("The challenge so far"))}</h2>
<ul id="label-counts">
<li>{answered}</li>
<li>{votes}</li>
<li>{labels}</li>
</ul>
</section>
<p><a href="/">{e(_("Back to the demo"))}</a></p>
</main></body></html>"""
