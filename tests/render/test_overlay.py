"""Overlays: an organisation's Copier or Cookiecutter template on top of a new project."""

from __future__ import annotations

import json
from pathlib import Path

import yaml
from click.testing import CliRunner

from generator.cli import main
from generator.overlay import OVERLAYS_FILE
from tests.conftest import build_file_tree, git


def cookiecutter_overlay(root: Path) -> Path:
    return build_file_tree(
        root,
        {
            "cookiecutter.json": json.dumps({"project_name": "x", "owner_team": "@acme/ml"}),
            "{{cookiecutter.project_name}}/CODEOWNERS": "* {{ cookiecutter.owner_team }}\n",
            "{{cookiecutter.project_name}}/LICENSE-HEADER.txt": (
                "Copyright Acme. {{ cookiecutter.project_name }}\n"
            ),
        },
    )


def copier_overlay(root: Path, ci_text: str, tag: str) -> Path:
    build_file_tree(
        root,
        {
            "copier.yml": "_subdirectory: t\nproject_name: {type: str, default: x}\n",
            "t/.internal-ci.yml.jinja": ci_text,
            "t/{{_copier_conf.answers_file}}.jinja": "{{ _copier_answers|to_nice_yaml -}}\n",
        },
    )
    if not (root / ".git").exists():
        git(root, "init", "-q")
    git(root, "add", "-A")
    git(root, "commit", "-qm", tag)
    git(root, "tag", tag)
    return root


def new(dest: Path, *args: str):
    return CliRunner().invoke(
        main, ["new", str(dest), "--defaults", "--data", "project_name=churn", *args]
    )


def test_cookiecutter_and_copier_overlays_are_rendered_and_recorded(tmp_path: Path) -> None:
    cc = cookiecutter_overlay(tmp_path / "acme-codeowners")
    cp = copier_overlay(tmp_path / "acme-ci", "pipeline: {{ project_name }} v1\n", "v1.0.0")
    dest = tmp_path / "churn"

    result = new(dest, "--overlay", str(cc), "--overlay", str(cp))

    assert result.exit_code == 0, result.output
    assert (dest / "CODEOWNERS").read_text() == "* @acme/ml\n"
    assert (dest / "LICENSE-HEADER.txt").read_text() == "Copyright Acme. churn\n"
    assert (dest / ".internal-ci.yml").read_text() == "pipeline: churn v1\n"
    record = yaml.safe_load((dest / OVERLAYS_FILE).read_text())["overlays"]
    assert [(o["name"], o["kind"]) for o in record] == [
        ("acme-codeowners", "cookiecutter"),
        ("acme-ci", "copier"),
    ]
    assert record[1]["answers_file"] == ".copier-answers.overlay-acme-ci.yml"
    assert git(dest, "status", "--porcelain") == ""

    # The Copier overlay is a git repository: `update` brings its new version.
    copier_overlay(cp, "pipeline: {{ project_name }} v2\n", "v2.0.0")
    updated = CliRunner().invoke(main, ["update", str(dest)])
    assert updated.exit_code == 0, updated.output
    assert (dest / ".internal-ci.yml").read_text() == "pipeline: churn v2\n"
    assert (
        "overlay acme-codeowners: left as is (cookiecutter has no 3-way update)" in updated.output
    )


def test_overlay_that_would_overwrite_a_layer_file_is_refused(tmp_path: Path) -> None:
    bad = build_file_tree(
        tmp_path / "bad",
        {
            "cookiecutter.json": '{"project_name": "x"}',
            "{{cookiecutter.project_name}}/README.md": "ours",
        },
    )
    dest = tmp_path / "churn"
    result = new(dest, "--overlay", str(bad))
    assert result.exit_code == 2
    assert "overlay bad would overwrite README.md" in result.output
    assert not dest.exists()


def test_missing_overlay_is_a_usage_error(tmp_path: Path) -> None:
    result = new(tmp_path / "churn", "--overlay", str(tmp_path / "nowhere"))
    assert result.exit_code == 2
    assert "does not exist" in result.output
    assert not (tmp_path / "churn").exists()


def test_overlays_from_the_organisation_config(tmp_path: Path) -> None:
    cc = cookiecutter_overlay(tmp_path / "acme-codeowners")
    config = tmp_path / "org.yml"
    config.write_text(yaml.safe_dump({"overlays": [str(cc)], "defaults": {"organisation": "acme"}}))
    dest = tmp_path / "churn"
    result = new(dest, "--config", str(config))
    assert result.exit_code == 0, result.output
    assert (dest / "CODEOWNERS").exists()
    assert yaml.safe_load((dest / ".copier-answers.poc.yml").read_text())["organisation"] == "acme"


def test_check_knows_the_overlays(tmp_path: Path) -> None:
    cc = cookiecutter_overlay(tmp_path / "acme-codeowners")
    dest = tmp_path / "churn"
    assert new(dest, "--overlay", str(cc)).exit_code == 0
    assert CliRunner().invoke(main, ["check", str(dest)]).exit_code == 0
    (dest / "CODEOWNERS").unlink()
    git(dest, "commit", "-qam", "drop CODEOWNERS")
    result = CliRunner().invoke(main, ["check", str(dest)])
    assert result.exit_code == 1
    assert "CODEOWNERS is missing (overlay acme-codeowners)" in result.output


def test_organisation_defaults_fit_every_stage(tmp_path: Path) -> None:
    config = tmp_path / "org.yml"
    config.write_text(
        yaml.safe_dump(
            {"defaults": {"organisation": "acme", "aws_region": "eu-central-1", "timebox_weeks": 4}}
        )
    )
    poc, prod = tmp_path / "poc", tmp_path / "prod"
    assert new(poc, "--config", str(config)).exit_code == 0
    assert new(prod, "--config", str(config), "--stage", "building").exit_code == 0
    assert yaml.safe_load((poc / ".copier-answers.poc.yml").read_text())["timebox_weeks"] == 4
    production = yaml.safe_load((prod / ".copier-answers.production.yml").read_text())
    assert (production["aws_region"], production["organisation"]) == ("eu-central-1", "acme")
    # An explicit answer still wins over the organisation's default.
    mine = tmp_path / "mine"
    assert new(mine, "--config", str(config), "--data", "organisation=ours").exit_code == 0
    assert yaml.safe_load((mine / ".copier-answers.poc.yml").read_text())["organisation"] == "ours"
