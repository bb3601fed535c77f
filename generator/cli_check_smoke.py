"""The `check` and `smoke` commands: Click only, the work is in check.py and smoke.py.

Registered on the main group in cli.py with ``main.add_command(check_command)`` and
``main.add_command(smoke_command)``.
"""

from __future__ import annotations

import os
import shutil
import sys
import tempfile
from pathlib import Path
from typing import TYPE_CHECKING

import click

from generator.config import load_config
from generator.errors import UsageError

if TYPE_CHECKING:
    from generator.smoke import CaseResult


def _write_output(text: str, output: Path | None) -> None:
    if output is None:
        click.echo(text, nl=False)
        return
    try:
        output.write_text(text, encoding="utf-8")
    except OSError as error:
        raise UsageError(f"cannot write {output}: {error}") from error


@click.command("check")
@click.argument("paths", nargs=-1, metavar="[PATH]...", type=click.Path(path_type=Path))
@click.option(
    "--config",
    "config_path",
    type=click.Path(path_type=Path, dir_okay=False),
    help="Organisation config whose policy applies; or $MLJOURNEY_CONFIG.",
)
@click.option(
    "--policy",
    "policy_path",
    type=click.Path(path_type=Path, dir_okay=False),
    help="YAML file with a policy mapping (required_paths, forbidden_patterns, "
    "min_versions, allowed_stages); combined with the config's policy.",
)
@click.option(
    "--format",
    "output_format",
    type=click.Choice(["text", "json", "junit"]),
    default="text",
    show_default=True,
    help="Report format.",
)
@click.option(
    "--output",
    type=click.Path(path_type=Path, dir_okay=False),
    help="Write the report to this file instead of stdout.",
)
@click.option(
    "--recursive",
    "-r",
    is_flag=True,
    help="Treat each PATH as a folder of projects: check every project found under it.",
)
@click.option(
    "--allow-drift",
    is_flag=True,
    help="Report layers behind the newest template version as warnings, not violations.",
)
def check_command(
    paths: tuple[Path, ...],
    config_path: Path | None,
    policy_path: Path | None,
    output_format: str,
    output: Path | None,
    recursive: bool,
    allow_drift: bool,
) -> None:
    """Check projects for compliance and drift (default PATH: the current directory).

    Layers valid and on the newest template version, required layout present, no
    conflict leftovers, the organisation's policy. Exit code 0 when every project
    complies, 1 when one does not, 2 on bad usage.
    """
    from generator.check import (
        RENDERERS,
        CheckOptions,
        check_paths,
        combine_policies,
        load_policy_file,
    )

    policy = load_config(config_path).policy
    if policy_path is not None:
        policy = combine_policies(policy, load_policy_file(policy_path))
    report = check_paths(
        list(paths) or [Path(".")],
        CheckOptions(policy=policy, allow_drift=allow_drift),
        recursive=recursive,
    )
    _write_output(RENDERERS[output_format](report), output)
    if output is not None:
        state = "compliant" if report.compliant else "NOT compliant"
        click.echo(
            f"{len(report.projects)} project(s) checked, {state}; report in {output}", err=True
        )
    if not report.compliant:
        sys.exit(1)


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
@click.option(
    "--config",
    "config_path",
    type=click.Path(path_type=Path, dir_okay=False),
    help="Organisation config whose template sources are smoke-tested; or $MLJOURNEY_CONFIG.",
)
@click.option(
    "--junit",
    "junit_path",
    type=click.Path(path_type=Path, dir_okay=False),
    help="Write a JUnit XML report here.",
)
def smoke_command(
    quick: bool,
    case_patterns: tuple[str, ...],
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

    cases = select_cases(build_matrix(quick=quick), case_patterns)
    if list_cases:
        for case in cases:
            click.echo(f"{case.id:<36} {', '.join(case.layers)}")
        return
    sources = resolve_sources(load_config(config_path).template_sources)
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
    click.echo(f"smoke: {len(runs)} case(s), {jobs} at a time, in {root}", err=True)
    with click.progressbar(
        length=len(runs),
        label="smoke",
        file=sys.stderr,
        item_show_func=lambda label: label,
    ) as bar:

        def advance(result: CaseResult) -> None:
            bar.update(1, f"{result.label}: {'pass' if result.passed else 'FAIL'}")

        report = run_smoke(runs, sources, options, on_result=advance, notes=notes)
    click.echo(render_summary(report), nl=False)
    if junit_path is not None:
        _write_output(render_junit(report), junit_path)
    if temporary:
        if report.passed:
            shutil.rmtree(root, ignore_errors=True)
        else:
            click.echo(f"failing projects kept in {root}", err=True)
    if not report.passed:
        sys.exit(1)
