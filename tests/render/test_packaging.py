"""What ships: the wheel carries templates and current bundles; a plain pip install renders."""

from __future__ import annotations

import subprocess
import sys
import zipfile
from pathlib import Path

import pytest
from packaging.version import Version

from generator import __version__
from generator.layers import LAYERS, bundle_tags, packaged_bundle, released_bundle, templates_dir
from generator.release import template_files
from tests.generated.project_env import uv_executable

REPO_ROOT = Path(__file__).resolve().parents[2]


@pytest.mark.parametrize("layer", LAYERS)
def test_checkout_bundle_is_released_history_plus_the_templates(layer: str, tmp_path: Path) -> None:
    """The bundle a checkout renders from: every released tag kept, this version = templates/."""
    released = bundle_tags(released_bundle(layer))
    assert "v0.1.0" in released  # the first release: projects made by it must keep updating
    assert all(Version(tag) <= Version(__version__) for tag in released)
    current = bundle_tags(packaged_bundle(layer))
    assert {tag: current[tag] for tag in released} == released
    clone = tmp_path / "clone"
    subprocess.run(
        [
            "git",
            "clone",
            "-q",
            "--branch",
            f"v{__version__}",
            str(packaged_bundle(layer)),
            str(clone),
        ],
        check=True,
        capture_output=True,
    )
    shipped = {
        str(p.relative_to(clone)) for p in clone.rglob("*") if p.is_file() and ".git" not in p.parts
    }
    assert shipped == {relative for relative, _ in template_files(templates_dir() / layer)}


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
        # Same content, same commit: the wheel's tag equals the checkout's, on any machine.
        shipped = tmp_path / f"{layer}.bundle"
        shipped.write_bytes(zipfile.ZipFile(wheel).read(f"generator/bundles/{layer}.bundle"))
        assert bundle_tags(shipped) == bundle_tags(packaged_bundle(layer))
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
    # Each layer's changelog is read from the wheel's bundle at this version.
    changelog = subprocess.run(
        [str(venv / "bin" / "mljourney"), "changelog", "production"],
        capture_output=True,
        text=True,
        check=True,
    )
    assert f"\n## {__version__}\n" in changelog.stdout
