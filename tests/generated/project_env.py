"""Render a project and run its own checks in an environment of its own.

Shared by every generated-project test. Each rendered project gets its own virtual
environment made by `uv`; one package cache (uv's, under ``UV_CACHE_DIR`` or uv's default)
is shared by all of them, so the ~1 GB SageMaker SDK is downloaded once per machine and
linked into each environment in seconds.
"""

from __future__ import annotations

import json
import re
import subprocess
from collections.abc import Iterator, Mapping, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

import copier

from generator import files, smoke

REPO_ROOT = Path(__file__).resolve().parents[2]
TEMPLATES = REPO_ROOT / "templates"
LAYER_ORDER = ("poc", "production", "feedback-loop")


def uv_executable() -> str:
    """Return smoke's uv (beside the test interpreter: the test extra pins it)."""
    found = smoke.uv_executable()
    if found is None:
        raise RuntimeError("uv is not installed: pip install -e '.[test]'")
    return found


def render_layers(dest: Path, layers: Sequence[str], answers: Mapping[str, object]) -> Path:
    """Render the given layers from the working-copy templates into ``dest``, in layer order.

    This renders the plain template folders (no version recorded): it is how the layer
    authors test their layer. The generator's own render path is tested in tests/render.
    """
    for layer in LAYER_ORDER:
        if layer in layers:
            copier.run_copy(
                str(TEMPLATES / layer),
                str(dest),
                data=dict(answers),
                defaults=True,
                overwrite=False,
                quiet=True,
            )
    return dest


@dataclass(frozen=True)
class ProjectEnv:
    """A rendered project with its own virtual environment."""

    root: Path

    @property
    def python(self) -> Path:
        return self.root / ".venv" / "bin" / "python"

    @property
    def bin(self) -> Path:
        return self.root / ".venv" / "bin"

    def run(
        self, *args: str, timeout: float = 900, env: Mapping[str, str] | None = None
    ) -> subprocess.CompletedProcess[str]:
        """Run a command in the project with its venv active (smoke's environment); raise
        with its output when it fails."""
        full_env = {**smoke.project_environment(self.root), **(env or {})}
        result = subprocess.run(
            list(args),
            cwd=self.root,
            env=full_env,
            capture_output=True,
            text=True,
            timeout=timeout,
            check=False,
        )
        if result.returncode != 0:
            raise AssertionError(
                f"`{' '.join(args)}` failed in {self.root} (exit {result.returncode})\n"
                f"--- stdout ---\n{result.stdout[-12000:]}\n--- stderr ---\n{result.stderr[-6000:]}"
            )
        return result


def install(root: Path, extras: str = "test") -> ProjectEnv:
    """Create ``root/.venv`` and install the project (editable) with its extras, as smoke does."""
    steps = smoke.install_project(root, extras=extras, timeout=1800)
    failed = [step for step in steps if not step.passed]
    if failed:
        raise AssertionError(
            f"install of {root} failed (`{failed[0].command}`):\n{failed[0].output[-8000:]}"
        )
    return ProjectEnv(root)


def run_own_checks(project: ProjectEnv, pytest_args: Sequence[str] = ()) -> None:
    """Run what the rendered README promises (smoke's own checks): lint, format, tests."""
    for name, args in smoke.OWN_CHECKS:
        project.run(*args, *(pytest_args if name == "tests" else ()))


def check_baseline_as_promised(project: ProjectEnv, project_name: str) -> None:
    """Run the README's second command (`<project> baseline`) and hold the README to it:
    the metric it names and the plots it promises are what the run produced."""
    result = project.run(project_name, "baseline")
    assert "beats the trivial baseline" in result.stdout, result.stdout
    report = json.loads((project.root / "reports" / "metrics.json").read_text(encoding="utf-8"))
    assert report["primary_metric"] in report["metrics"]
    readme = (project.root / "README.md").read_text(encoding="utf-8")
    assert f"`{report['primary_metric']}`" in readme
    promised = set(re.findall(r"`reports/([a-z_]+\.png)`", readme))
    assert promised
    assert promised <= {path.name for path in (project.root / "reports").glob("*.png")}


def leftover_jinja(root: Path) -> list[str]:
    """Files (relative paths) that still contain Jinja markers after rendering (smoke's scan)."""
    return files.leftover_jinja(root)


def rendered_files(root: Path) -> set[str]:
    """Every rendered file, relative and POSIX-style (the project's .venv left out)."""
    return {
        path.relative_to(root).as_posix()
        for path in root.rglob("*")
        if path.is_file() and ".venv" not in path.parts
    }


def outer_ruff(*args: str) -> subprocess.CompletedProcess[str]:
    """Run the ruff of the test environment (not the rendered project's) on rendered files."""
    ruff = Path(uv_executable()).with_name("ruff")
    return subprocess.run(
        [str(ruff) if ruff.exists() else "ruff", *args],
        capture_output=True,
        text=True,
        check=False,
    )


@contextmanager
def reporting(layers: str, answers: Mapping[str, object]) -> Iterator[None]:
    """Name the answers of a failing case, so it can be rendered again by hand."""
    try:
        yield
    except AssertionError as error:
        raise AssertionError(f"{layers} render with answers {answers} failed:\n{error}") from error
