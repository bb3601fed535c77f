"""What ships: the wheel carries templates and current bundles; a plain pip install renders."""

from __future__ import annotations

import subprocess
import sys
import zipfile
from pathlib import Path

import pytest

from generator import __version__
from generator.layers import LAYERS, bundle_tags, packaged_bundle, templates_dir
from generator.release import build_bundle
from tests.generated.project_env import uv_executable

REPO_ROOT = Path(__file__).resolve().parents[2]


@pytest.mark.parametrize("layer", LAYERS)
def test_shipped_bundle_is_current_with_templates(layer: str, tmp_path: Path) -> None:
    """A template change without `python -m generator.release` would ship stale layers."""
    scratch = tmp_path / f"{layer}.bundle"
    scratch.write_bytes(packaged_bundle(layer).read_bytes())
    changed = build_bundle(templates_dir() / layer, scratch, __version__)
    assert not changed, f"run `python -m generator.release`: templates/{layer} changed"
    assert f"v{__version__}" in bundle_tags(packaged_bundle(layer))


@pytest.mark.slow
def test_wheel_carries_templates_and_installs_with_pip(tmp_path: Path) -> None:
    subprocess.run(
        [
            sys.executable,
            "-m",
            "build",
            "--wheel",
            "--outdir",
            str(tmp_path / "dist"),
            str(REPO_ROOT),
        ],
        check=True,
        capture_output=True,
    )
    wheel = next((tmp_path / "dist").glob("mljourney-*.whl"))
    names = set(zipfile.ZipFile(wheel).namelist())
    for layer in LAYERS:
        assert f"generator/bundles/{layer}.bundle" in names
        assert f"generator/templates/{layer}/copier.yml" in names
    assert not any("__pycache__" in name for name in names)

    uv = uv_executable()
    venv = tmp_path / "venv"
    subprocess.run([uv, "venv", "--quiet", "--python", sys.executable, str(venv)], check=True)
    python = venv / "bin" / "python"
    subprocess.run(
        [uv, "pip", "install", "--quiet", "--python", str(python), str(wheel)], check=True
    )
    version = subprocess.run(
        [str(venv / "bin" / "mljourney"), "--version"], capture_output=True, text=True, check=True
    )
    assert __version__ in version.stdout
    help_text = subprocess.run(
        [str(python), "-m", "generator", "--help"], capture_output=True, text=True, check=True
    )
    assert "new" in help_text.stdout
    dest = tmp_path / "from-wheel"
    subprocess.run(
        [
            str(venv / "bin" / "mljourney"),
            "new",
            str(dest),
            "--stage",
            "building",
            "--defaults",
            "--data",
            "feedback_loop=true",
        ],
        check=True,
        capture_output=True,
        cwd=tmp_path,
    )
    for layer in LAYERS:
        assert (dest / f".copier-answers.{layer}.yml").is_file()
