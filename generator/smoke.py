"""`mljourney smoke`: render the answer matrix and run each project's own checks.

Every case is rendered through the generator's own path (the installed layer bundles,
`create_project`), checked for leftover Jinja and for compliance with `mljourney check`,
then - unless render-only - installed into an environment of its own (``uv`` with its
shared package cache when available, else ``venv`` + pip) where the project's lint,
format check and tests run. Cases run in parallel worker processes: rendering redirects
the process's stdout, which threads would share.

With an upgrade version, each case is also rendered at that older release, brought to
the current one with `mljourney update`'s logic, and tested the same way.
"""

from __future__ import annotations

import multiprocessing
import os
import shutil
import subprocess
import sys
import time
import traceback
from collections.abc import Callable, Mapping, Sequence
from concurrent.futures import Future, ProcessPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml

from generator import i18n
from generator.errors import MljourneyError, UsageError
from generator.layers import LayerSource, bundle_tags, released_versions
from generator.matrix import Case
from generator.reports import JUnitCase, JUnitSuite, junit_xml, text_table
from generator.scanners import find_scanner, scan_commands

OUTPUT_TAIL_CHARS = 20_000
SHOWN_TAIL_LINES = 40


@dataclass(frozen=True)
class SmokeOptions:
    """How to run the cases."""

    workdir: Path
    render_only: bool = False
    jobs: int = 1
    timeout: float = 1800.0
    python: str = sys.executable


@dataclass(frozen=True)
class Step:
    """One command (or in-process action) run for a case."""

    name: str
    command: str
    returncode: int
    seconds: float
    output: str = ""

    @property
    def passed(self) -> bool:
        return self.returncode == 0


@dataclass(frozen=True)
class Run:
    """One case to run: fresh, or upgraded from an older release."""

    case: Case
    upgrade_from: str | None = None

    @property
    def label(self) -> str:
        return self.case.id if self.upgrade_from is None else f"{self.case.id}@{self.upgrade_from}"


@dataclass(frozen=True)
class CaseResult:
    """What happened to one run."""

    run: Run
    answers: Mapping[str, Any]
    steps: tuple[Step, ...]
    seconds: float
    path: str

    @property
    def label(self) -> str:
        return self.run.label

    @property
    def passed(self) -> bool:
        return all(step.passed for step in self.steps)

    @property
    def failed_steps(self) -> list[Step]:
        return [step for step in self.steps if not step.passed]


@dataclass(frozen=True)
class SmokeReport:
    """Every run's result, in matrix order, and notes for the reader."""

    results: tuple[CaseResult, ...]
    seconds: float
    notes: tuple[str, ...] = field(default=())

    @property
    def passed(self) -> bool:
        return all(result.passed for result in self.results)


# --- the upgrade path --------------------------------------------------------------------


def upgrade_version(sources: Mapping[str, LayerSource], requested: str) -> tuple[str | None, str]:
    """The release to upgrade from (``"previous"``: the one before the newest), and a note.

    The note is in the current language (:mod:`generator.i18n`), for the text summary.

    Returns ``(None, note)`` when the upgrade path cannot run because the core layer's
    bundle holds a single release.
    """
    source = sources["poc"]
    if not source.is_bundled:
        raise UsageError("the upgrade path needs the shipped layer bundles, not configured sources")
    released = released_versions(bundle_tags(Path(os.path.expanduser(source.src_path))))
    if requested == "previous":
        if len(released) < 2:
            if not released:
                return None, i18n.t("smoke.upgrade_skipped_none")
            return None, i18n.t("smoke.upgrade_skipped", only=released[0])
        return released[-2], i18n.t("smoke.upgrade", old=released[-2], new=released[-1])
    for candidate in (requested, f"v{requested}"):
        if candidate in released:
            return candidate, i18n.t("smoke.upgrade", old=candidate, new=released[-1])
    raise UsageError(
        f"--upgrade-from {requested}: no such release (releases: {', '.join(released)})"
    )


# --- one case ----------------------------------------------------------------------------


def _timed(name: str, action: Callable[[], str]) -> Step:
    """Run an in-process step; any exception is the step's failure, with its traceback."""
    start = time.monotonic()
    try:
        output = action()
    except MljourneyError as error:
        return Step(name, name, 1, time.monotonic() - start, str(error))
    except Exception:  # a broken template must not stop the other cases
        return Step(name, name, 1, time.monotonic() - start, traceback.format_exc())
    return Step(name, name, 0, time.monotonic() - start, output)


def run_command(
    name: str, args: Sequence[str], cwd: Path, env: Mapping[str, str], timeout: float
) -> Step:
    """Run ``args`` in ``cwd``; a step with the combined output's tail (timeout: exit 124)."""
    start = time.monotonic()
    shown = " ".join(args)
    try:
        result = subprocess.run(
            list(args),
            cwd=cwd,
            env=dict(env),
            stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT,
            text=True,
            timeout=timeout,
            check=False,
        )
    except subprocess.TimeoutExpired as error:
        partial = error.stdout or ""
        output = partial if isinstance(partial, str) else partial.decode("utf-8", "replace")
        return Step(
            name, shown, 124, time.monotonic() - start, f"{output}\ntimed out after {timeout:.0f} s"
        )
    except OSError as error:
        return Step(name, shown, 127, time.monotonic() - start, str(error))
    return Step(
        name, shown, result.returncode, time.monotonic() - start, result.stdout[-OUTPUT_TAIL_CHARS:]
    )


def complete_case_answers(case: Case) -> dict[str, Any]:
    """The case's answers completed exactly as `new --defaults --yes` completes them.

    Raises ``UsageError`` when the plan's layers are not the case's (the matrix and
    `new` would disagree).
    """
    from generator.plan import Given, make_plan

    given = {**case.given(), "stage": case.stage}
    plan = make_plan(Given(given, production=case.is_production, yes=True))
    if plan.layers != case.layers:
        raise UsageError(f"case {case.id}: `new` would render {plan.layers}, not {case.layers}")
    return plan.data()


def _render(
    run: Run, root: Path, sources: Mapping[str, LayerSource], data: Mapping[str, Any]
) -> str:
    from generator import git

    if run.upgrade_from is None:
        from generator.scaffold import Destination, create_project

        create_project(Destination(root), run.case.layers, sources, data, init_git=True)
        return f"rendered {', '.join(run.case.layers)}"
    from generator.lifecycle import update_project
    from generator.render import render_layer

    root.mkdir()
    for layer in run.case.layers:
        # A layer first released after the old version starts at its oldest release.
        tags = released_versions(bundle_tags(Path(os.path.expanduser(sources[layer].src_path))))
        ref = run.upgrade_from if run.upgrade_from in tags else (tags[0] if tags else None)
        render_layer(sources[layer], root, data, vcs_ref=ref)
    git.init_and_commit(root, f"Scaffold {data['project_name']} at {run.upgrade_from}")
    report = update_project(root)
    if report.conflicts:
        raise MljourneyError("update left conflicts in " + ", ".join(report.conflicts))
    return "\n".join(
        f"{c.layer}: {c.action} {c.from_version} -> {c.to_version}" for c in report.changes
    )


def _no_jinja(root: Path) -> str:
    from generator.files import leftover_jinja

    found = leftover_jinja(root)
    if found:
        raise MljourneyError("Jinja markers left in: " + ", ".join(found))
    return "no Jinja markers left"


def _complies(root: Path) -> str:
    from generator.check import CheckOptions, CheckReport, check_project, render_text

    report = check_project(root, CheckOptions())
    if not report.compliant:
        # A step's output is a log, in the JUnit report too: English whatever the language.
        details = render_text(CheckReport((report,)), "en")
        raise MljourneyError(f"the rendered project fails `mljourney check`:\n{details}")
    return "compliant"


def uv_executable() -> str | None:
    """The uv beside this Python (the test extra installs it), else on PATH, else None."""
    beside = Path(sys.executable).with_name("uv")
    if beside.is_file():
        return str(beside)
    return shutil.which("uv")


# What a rendered project's README promises passes: lint, format check, its own tests.
OWN_CHECKS: tuple[tuple[str, tuple[str, ...]], ...] = (
    ("lint", ("ruff", "check", ".")),
    ("format", ("ruff", "format", "--check", ".")),
    ("tests", ("python", "-m", "pytest", "-q", "-p", "no:cacheprovider")),
)


def install_project(
    root: Path,
    *,
    python: str = sys.executable,
    timeout: float = 1800.0,
    extras: str = "test",
    env: Mapping[str, str] | None = None,
) -> list[Step]:
    """Make ``root/.venv`` and install the project there (editable, with ``extras``).

    uv with its shared package cache (``UV_CACHE_DIR``, else uv's default) when uv is
    installed, else ``venv`` + pip. Stops at the first failing step.
    """
    env = project_environment(root) if env is None else env
    venv = root / ".venv"
    venv_python = str(venv / "bin" / "python")
    target = f"{root}[{extras}]"
    uv = uv_executable()
    if uv is not None:
        commands = [
            ("venv", [uv, "venv", "--quiet", "--python", python, str(venv)]),
            ("install", [uv, "pip", "install", "--quiet", "--python", venv_python, "-e", target]),
        ]
    else:
        commands = [
            ("venv", [python, "-m", "venv", str(venv)]),
            ("install", [venv_python, "-m", "pip", "install", "--quiet", "-e", target]),
        ]
    steps = []
    for name, args in commands:
        steps.append(run_command(name, args, root, env, timeout))
        if not steps[-1].passed:
            break
    return steps


def project_environment(root: Path) -> dict[str, str]:
    """The environment of this process with ``root/.venv`` active (PYTHONPATH dropped)."""
    env = {k: v for k, v in os.environ.items() if k not in {"VIRTUAL_ENV", "PYTHONPATH"}}
    env["VIRTUAL_ENV"] = str(root / ".venv")
    env["PATH"] = f"{root / '.venv' / 'bin'}{os.pathsep}{env.get('PATH', '')}"
    return env


def run_case(run: Run, sources: Mapping[str, LayerSource], options: SmokeOptions) -> CaseResult:
    """Render one case, then (unless render-only) install it and run its own checks."""
    start = time.monotonic()
    root = options.workdir.resolve() / run.label
    answers: dict[str, Any] = {}
    steps: list[Step] = []

    def prepare() -> str:
        answers.update(complete_case_answers(run.case))
        return yaml.safe_dump(answers, sort_keys=True)

    steps.append(_timed("answers", prepare))
    if steps[-1].passed:
        steps.append(_timed("render", lambda: _render(run, root, sources, answers)))
    if steps[-1].passed:
        steps.append(_timed("jinja", lambda: _no_jinja(root)))
        steps.append(_timed("check", lambda: _complies(root)))
    rendered = steps[-1].passed
    if steps[-1].passed and not options.render_only:
        env = project_environment(root)
        steps += install_project(root, python=options.python, timeout=options.timeout, env=env)
        if steps[-1].passed:
            for name, args in OWN_CHECKS:
                steps.append(run_command(name, args, root, env, options.timeout))
    if rendered:
        steps += _scan_steps(root, options)
    return CaseResult(run, answers, tuple(steps), time.monotonic() - start, str(root))


def _scan_steps(root: Path, options: SmokeOptions) -> list[Step]:
    """The security scanners over the rendered files (generator/scanners.py).

    A scanner that is not installed is a passing step that says so, not a silent pass.
    """
    steps = []
    for name, args in scan_commands(root):
        executable = find_scanner(name)
        if executable is None:
            note = f"skipped: {name} not installed"
            steps.append(Step(f"scan:{name}", name, 0, 0.0, note))
            continue
        env = dict(os.environ)
        steps.append(
            run_command(f"scan:{name}", [executable, *args[1:]], root, env, options.timeout)
        )
    return steps


# --- the matrix --------------------------------------------------------------------------


def run_smoke(
    runs: Sequence[Run],
    sources: Mapping[str, LayerSource],
    options: SmokeOptions,
    on_result: Callable[[CaseResult], None] = lambda result: None,
    notes: Sequence[str] = (),
) -> SmokeReport:
    """Run every case, ``options.jobs`` at a time; report in matrix order."""
    start = time.monotonic()
    taken = [r.label for r in runs if (options.workdir / r.label).exists()]
    if taken:
        raise UsageError(f"{options.workdir / taken[0]} exists; choose an empty --workdir")
    options.workdir.mkdir(parents=True, exist_ok=True)
    results: dict[str, CaseResult] = {}
    if options.jobs <= 1 or len(runs) <= 1:
        for run in runs:
            results[run.label] = run_case(run, sources, options)
            on_result(results[run.label])
    else:
        # "spawn": a fresh interpreter per worker, nothing inherited from the caller's threads.
        context = multiprocessing.get_context("spawn")
        with ProcessPoolExecutor(max_workers=options.jobs, mp_context=context) as pool:
            futures: dict[Future[CaseResult], Run] = {
                pool.submit(run_case, run, sources, options): run for run in runs
            }
            for future in _as_completed(futures):
                result = _result_of(future, futures[future], options)
                results[result.label] = result
                on_result(result)
    ordered = tuple(results[run.label] for run in runs)
    return SmokeReport(ordered, time.monotonic() - start, tuple(notes))


def _as_completed(futures: Mapping[Future[CaseResult], Run]) -> list[Future[CaseResult]]:
    from concurrent.futures import as_completed

    return list(as_completed(futures))


def _result_of(future: Future[CaseResult], run: Run, options: SmokeOptions) -> CaseResult:
    try:
        return future.result()
    except Exception:  # a worker that died is that case's failure, not the whole run's
        step = Step("worker", "worker", 1, 0.0, traceback.format_exc())
        return CaseResult(run, {}, (step,), 0.0, str(options.workdir / run.label))


# --- reports -----------------------------------------------------------------------------


def _tail(text: str, lines: int = SHOWN_TAIL_LINES) -> str:
    return "\n".join(text.rstrip().splitlines()[-lines:])


def render_summary(report: SmokeReport) -> str:
    """The summary table, then each failing case's answers and the tail of its output.

    In the current language (:mod:`generator.i18n`); case ids, layers, step names, commands
    and the steps' own output stay as they are.
    """
    header = tuple(
        i18n.t(f"smoke.{column}")
        for column in ("case", "layers", "result", "failed_step", "seconds")
    )
    rows = [
        (
            result.label,
            ",".join(result.run.case.layers),
            i18n.t("smoke.pass" if result.passed else "smoke.fail"),
            ",".join(step.name for step in result.failed_steps) or "-",
            f"{result.seconds:.1f}",
        )
        for result in report.results
    ]
    lines = text_table(header, rows)
    for result in report.results:
        if result.passed:
            continue
        lines += ["", i18n.t("smoke.failed", label=result.label, path=result.path)]
        lines.append(i18n.t("smoke.answers"))
        lines += [
            f"  {line}"
            for line in yaml.safe_dump(dict(result.answers), sort_keys=True).splitlines()
        ]
        for step in result.failed_steps:
            lines += [
                i18n.t("smoke.step", step=step.name, command=step.command, code=step.returncode),
                _tail(step.output),
            ]
    lines.append("")
    lines += list(report.notes)
    passed = sum(result.passed for result in report.results)
    lines.append(
        i18n.t(
            "smoke.summary",
            passed=passed,
            total=len(report.results),
            seconds=f"{report.seconds:.1f}",
        )
    )
    return "\n".join(lines) + "\n"


def render_junit(report: SmokeReport) -> str:
    """One JUnit test case per run; a failure carries the answers and the output's tail."""
    cases = []
    for result in report.results:
        failed = result.failed_steps
        details = ""
        if failed:
            answers = yaml.safe_dump(dict(result.answers), sort_keys=True)
            details = f"answers:\n{answers}\n" + "\n".join(
                f"--- {step.name}: {step.command}\n{_tail(step.output)}" for step in failed
            )
        cases.append(
            JUnitCase(
                name=result.label,
                classname="smoke." + "+".join(result.run.case.layers),
                failure=f"{failed[0].name} failed (exit {failed[0].returncode})"
                if failed
                else None,
                details=details,
                output="\n".join(
                    f"{step.name}: exit {step.returncode} in {step.seconds:.1f} s"
                    for step in result.steps
                ),
                seconds=result.seconds,
            )
        )
    return junit_xml([JUnitSuite("mljourney smoke", tuple(cases), seconds=report.seconds)])
