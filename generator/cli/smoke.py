"""`mljourney smoke`: render the answer matrix and run each project's checks (see smoke.py)."""

from __future__ import annotations

import os
import shutil
import sys
import tempfile
from pathlib import Path
from typing import TYPE_CHECKING

import click

from generator import i18n
from generator.cli._options import config_option, write_output
from generator.config import load_config
from generator.errors import UsageError

if TYPE_CHECKING:
    from generator.matrix import Shard
    from generator.smoke import CaseResult


def _parse_shard(ctx: click.Context, param: click.Parameter, value: str | None) -> Shard | None:
    from generator.matrix import Shard

    if value is None:
        return None
    try:
        return Shard.parse(value)
    except UsageError as error:
        raise click.BadParameter(str(error)) from error


def _default_jobs() -> int:
    return max(1, min(8, (os.cpu_count() or 2) // 2))


@click.command("smoke")
@click.option("--quick", is_flag=True, help="One case per layer combination instead of the matrix.")
@click.option(
    "--case",
    "case_patterns",
    multiple=True,
    metavar="ID",
    help="Run only this case (an id such as building-classification-fb, or a glob); repeatable.",
)
@click.option(
    "--shard",
    metavar="I/N",
    callback=_parse_shard,
    help="Run only part I of N of the cases (round-robin over the matrix order); the N "
    "shards together run every case once. For a CI matrix of N jobs.",
)
@click.option(
    "--list", "list_cases", is_flag=True, help="List the cases' ids and layers, then stop."
)
@click.option(
    "--render-only",
    is_flag=True,
    help="Render and check the projects; skip install, lint and tests (the fast CI path).",
)
@click.option(
    "--jobs",
    "-j",
    type=click.IntRange(min=1),
    default=_default_jobs,
    show_default="half the CPUs, at most 8",
    help="Cases run in parallel.",
)
@click.option(
    "--upgrade-from",
    is_flag=False,
    flag_value="previous",
    default=None,
    metavar="[VERSION]",
    help="Also render each case at an older release and update it before testing "
    "(no VERSION: the release before the newest).",
)
@click.option(
    "--workdir",
    type=click.Path(path_type=Path, file_okay=False),
    help="Where the cases are rendered (kept). Default: a temporary directory, removed "
    "unless a case fails.",
)
@click.option(
    "--timeout",
    type=click.FloatRange(min=1),
    default=1800.0,
    show_default=True,
    help="Seconds each command (install, lint, tests) may take.",
)
@config_option
@click.option(
    "--junit",
    "junit_path",
    type=click.Path(path_type=Path, dir_okay=False),
    help="Write a JUnit XML report here.",
)
def smoke_command(
    quick: bool,
    case_patterns: tuple[str, ...],
    shard: Shard | None,
    list_cases: bool,
    render_only: bool,
    jobs: int,
    upgrade_from: str | None,
    workdir: Path | None,
    timeout: float,
    config_path: Path | None,
    junit_path: Path | None,
) -> None:
    """Render the answer matrix and run every rendered project's own checks.

    Each case is rendered with the installed layer bundles, checked for leftover Jinja
    and with `mljourney check`, then installed into its own environment (uv with a shared
    cache when available) where its lint, format check and tests run. Exit code 1 when
    any case fails.
    """
    from generator.layers import resolve_sources
    from generator.matrix import build_matrix, select_cases
    from generator.smoke import (
        Run,
        SmokeOptions,
        render_junit,
        render_summary,
        run_smoke,
        upgrade_version,
    )

    config = load_config(config_path)
    # The cases are the whole answer matrix, not one project: the summary speaks to whoever
    # runs it, in the organisation's default language, else the locale (generator.i18n).
    i18n.set_language(i18n.default_language(config.defaults))
    cases = select_cases(build_matrix(quick=quick), case_patterns)
    if shard is not None:
        cases = shard.select(cases)
    if list_cases:
        for case in cases:
            click.echo(f"{case.id:<36} {', '.join(case.layers)}")
        return
    sources = resolve_sources(config.template_sources)
    runs = [Run(case) for case in cases]
    notes: list[str] = []
    if upgrade_from is not None:
        version, note = upgrade_version(sources, upgrade_from)
        notes.append(note)
        if version is not None:
            runs += [Run(case, version) for case in cases]
    temporary = workdir is None
    root = Path(tempfile.mkdtemp(prefix="mljourney-smoke-")) if workdir is None else workdir
    root = root.resolve()
    options = SmokeOptions(workdir=root, render_only=render_only, jobs=jobs, timeout=timeout)
    click.echo(i18n.t("smoke.start", count=len(runs), jobs=jobs, root=root), err=True)
    with click.progressbar(
        length=len(runs),
        label="smoke",
        file=sys.stderr,
        item_show_func=lambda label: label,
    ) as bar:

        def advance(result: CaseResult) -> None:
            bar.update(
                1, f"{result.label}: {i18n.t('smoke.pass' if result.passed else 'smoke.fail')}"
            )

        report = run_smoke(runs, sources, options, on_result=advance, notes=notes)
    click.echo(render_summary(report), nl=False)
    if junit_path is not None:
        write_output(render_junit(report), junit_path)
    if temporary:
        if report.passed:
            shutil.rmtree(root, ignore_errors=True)
        else:
            click.echo(i18n.t("smoke.kept", root=root), err=True)
    if not report.passed:
        sys.exit(1)
