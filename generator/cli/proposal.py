"""The `changelog` and `propose-update` commands: Click only, the work is in proposal.py.

`propose-update` is what a project's ``.github/workflows/mljourney-update.yml`` runs; its
GitHub side (``gh pr list``, ``gh pr create``) stays in the workflow.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import click

from generator.errors import UsageError
from generator.layers import LAYERS


def _read_json(path: Path, what: str) -> Any:
    try:
        return json.loads(path.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError) as error:
        raise UsageError(f"cannot read {what} {path}: {error}") from error
    except json.JSONDecodeError as error:
        raise UsageError(f"{what} {path} is not JSON: {error}") from error


_JSON_FILE = click.Path(path_type=Path, dir_okay=False)


@click.command("changelog")
@click.argument("layer", required=False, type=click.Choice(LAYERS))
@click.option("--version", "version", metavar="VERSION", help="Only this version's section.")
def changelog_command(layer: str | None, version: str | None) -> None:
    """Print the changelog of LAYER (default: every layer) as this mljourney ships it."""
    from generator.changelog import read_changelog
    from generator.proposal import changelog_section

    texts = []
    for name in [layer] if layer else list(LAYERS):
        text = read_changelog(name)
        if version is not None:
            section = changelog_section(text, version)
            if section is None:
                raise UsageError(f"the {name} changelog has no section for {version}")
            text = f"# {name}\n\n{section}\n"
        texts.append(text)
    click.echo("\n".join(texts), nl=False)


@click.group("propose-update")
def propose_update() -> None:
    """Steps of the update-proposal workflow (.github/workflows/mljourney-update.yml)."""


@propose_update.command("plan")
@click.option(
    "--check",
    "check_path",
    required=True,
    type=_JSON_FILE,
    help="Output of `mljourney check --format json PATH` for the project.",
)
@click.option(
    "--open-prs",
    "open_prs_path",
    required=True,
    type=_JSON_FILE,
    help="Output of `gh pr list --state open --json headRefName,title`.",
)
def plan_command(check_path: Path, open_prs_path: Path) -> None:
    """Print action=open|skip, reason, version, branch and title as key=value lines.

    Append them to $GITHUB_OUTPUT. Exit code 0 either way; 2 on unreadable input.
    """
    from generator.proposal import parse_open_pull_requests, plan_proposal, update_target

    target = update_target(_read_json(check_path, "check report"))
    pulls = parse_open_pull_requests(_read_json(open_prs_path, "open pull requests"))
    click.echo(plan_proposal(target, pulls).as_outputs(), nl=False)


@propose_update.command("body")
@click.option(
    "--summary",
    "summary_path",
    required=True,
    type=_JSON_FILE,
    help="The file `mljourney update --summary-json FILE` wrote.",
)
def body_command(summary_path: Path) -> None:
    """Print the pull request's Markdown body for an update summary."""
    from generator.changelog import read_changelog
    from generator.errors import MljourneyError
    from generator.proposal import parse_update_summary, pull_request_body

    summary = parse_update_summary(_read_json(summary_path, "update summary"))
    changelogs = {}
    for change in summary.layers:
        if change.layer in LAYERS:
            try:
                changelogs[change.layer] = read_changelog(change.layer)
            except MljourneyError:
                continue  # the body says the layer ships no changelog
    click.echo(pull_request_body(summary, changelogs), nl=False)
