"""`mljourney changelog` and `mljourney propose-update`: wiring, output, bad input."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from click.testing import CliRunner

from generator import __version__
from generator.changelog import read_changelog
from generator.cli import main
from generator.errors import MljourneyError
from generator.layers import LAYERS, released_bundle


def run(*args: str) -> tuple[int, str, str]:
    result = CliRunner().invoke(main, list(args))
    return result.exit_code, result.stdout, result.stderr


@pytest.mark.parametrize("layer", LAYERS)
def test_every_layer_ships_a_changelog_with_this_version(layer: str) -> None:
    code, out, _ = run("changelog", layer)

    assert code == 0
    assert out.startswith(f"# Changelog of the {layer} layer")
    assert f"\n## {__version__}\n" in out
    assert "\n## 0.1.0\n" in out


def test_changelog_of_one_version_and_of_every_layer() -> None:
    code, out, _ = run("changelog", "production", "--version", "v0.1.0")
    assert code == 0
    assert out.startswith("# production\n\n## 0.1.0\n")
    assert f"## {__version__}" not in out

    code, out, _ = run("changelog")
    assert code == 0
    assert [line for line in out.splitlines() if line.startswith("# Changelog")] == [
        f"# Changelog of the {layer} layer" for layer in LAYERS
    ]


def test_changelog_is_read_from_the_bundle_at_a_version() -> None:
    # The released v0.1.0 bundle predates changelogs: said in one line, not a traceback.
    with pytest.raises(MljourneyError, match=r"v0\.1\.0 ships no CHANGELOG\.md"):
        read_changelog("poc", "0.1.0", bundle=released_bundle("poc"))


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (("changelog", "poc", "--version", "9.9.9"), "no section for 9.9.9"),
        (("changelog", "poc", "--version", "latest"), "not a release version"),
        (("changelog", "nolayer"), "Invalid value"),
    ],
)
def test_changelog_bad_input_is_one_line_and_exit_2(args: tuple[str, ...], message: str) -> None:
    code, _, err = run(*args)

    assert code == 2
    assert message in err
    assert "Traceback" not in err


def write(path: Path, data: object) -> str:
    path.write_text(json.dumps(data), encoding="utf-8")
    return str(path)


def check_json(tmp_path: Path, behind: int) -> str:
    layers = {
        "poc": {
            "version": "v0.2.0",
            "latest": "v0.3.0" if behind else "v0.2.0",
            "behind": behind,
            "src_path": "~/x",
        }
    }
    return write(tmp_path / "check.json", {"projects": [{"is_project": True, "layers": layers}]})


def test_plan_prints_github_outputs(tmp_path: Path) -> None:
    prs = write(tmp_path / "prs.json", [{"headRefName": "feature", "title": "x"}])

    code, out, _ = run(
        "propose-update", "plan", "--check", check_json(tmp_path, 1), "--open-prs", prs
    )

    assert code == 0
    assert out.splitlines()[0] == "action=open"
    assert "branch=mljourney/update-0.3.0" in out.splitlines()


def test_plan_skips_a_version_whose_pull_request_is_open(tmp_path: Path) -> None:
    prs = write(tmp_path / "prs.json", [{"headRefName": "mljourney/update-0.3.0", "title": "x"}])

    code, out, _ = run(
        "propose-update", "plan", "--check", check_json(tmp_path, 1), "--open-prs", prs
    )

    assert code == 0
    assert out.splitlines()[0] == "action=skip"


def test_body_from_a_summary_includes_the_shipped_changelog(tmp_path: Path) -> None:
    summary = write(
        tmp_path / "summary.json",
        {
            "project": "churn",
            "branch": f"mljourney/update-{__version__}",
            "layers": {
                "poc": {"from": "v0.1.0", "to": f"v{__version__}", "changed_files": ["README.md"]}
            },
            "conflicts": [],
            "not_applied": [],
            "up_to_date": False,
        },
    )

    code, out, _ = run("propose-update", "body", "--summary", summary)

    assert code == 0
    assert f"| poc | v0.1.0 | v{__version__} | 1 |" in out
    assert f"### {__version__}" in out  # the poc changelog's section for this version


@pytest.mark.parametrize("content", ["not json", '{"project": 1}'])
def test_body_refuses_a_broken_summary(tmp_path: Path, content: str) -> None:
    path = tmp_path / "summary.json"
    path.write_text(content, encoding="utf-8")

    code, out, err = run("propose-update", "body", "--summary", str(path))

    assert code == 2
    assert out == ""
    assert err.startswith("mljourney: error: ") and len(err.strip().splitlines()) == 1


def test_plan_refuses_a_missing_file(tmp_path: Path) -> None:
    code, _, err = run(
        "propose-update",
        "plan",
        "--check",
        str(tmp_path / "none.json"),
        "--open-prs",
        str(tmp_path / "none.json"),
    )

    assert code == 2
    assert "cannot read check report" in err
