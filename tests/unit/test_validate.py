"""Rendered-file validation: each format's own parser, one clear line per problem."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from generator.errors import MljourneyError
from generator.validate import check_text, invalid_files, invalid_texts, require_valid

NOTEBOOK = {
    "cells": [{"cell_type": "markdown", "id": "intro", "metadata": {}, "source": ["# hi"]}],
    "metadata": {},
    "nbformat": 4,
    "nbformat_minor": 5,
}


@pytest.mark.parametrize(
    ("path", "text"),
    [
        ("pyproject.toml", 'description = "Churn model 🚀"\n'),
        ("infra/stack.yaml", "Value: !Ref Bucket\nOther: !Sub '${AWS::Region}'\n"),
        ("ci.yml", "on: [push]\n"),
        ("params.json", '{"a": "\\u00e9"}'),
        ("src/p/cli.py", '"""Say "hi" ✓."""\n'),
        ("notebooks/a.ipynb", json.dumps(NOTEBOOK)),
        ("README.md", "<<<<<<< anything goes in markdown"),
        ("conflicted.toml", "<<<<<<< before\na = 1\n=======\na = 2\n>>>>>>> after\n"),
    ],
)
def test_valid_files_pass(path: str, text: str) -> None:
    assert check_text(path, text) is None


@pytest.mark.parametrize(
    ("path", "text", "kind"),
    [
        ("pyproject.toml", 'description = "Churn model \\ud83d\\ude80"\n', "TOML"),
        ("a.yaml", "key: [unclosed\n", "YAML"),
        ("a.json", "{'single': 'quotes'}", "JSON"),
        ("a.py", "def broken(:\n", "Python"),
        ("a.ipynb", json.dumps({"cells": "not a list", "nbformat": 4}), "a notebook"),
    ],
)
def test_invalid_files_are_named_with_their_kind(path: str, text: str, kind: str) -> None:
    problem = check_text(path, text)
    assert problem is not None
    assert problem.describe().startswith(f"{path} is not valid {kind}: ")
    assert "\n" not in problem.describe()


def test_require_valid_names_the_file_and_skips_files_broken_before(tmp_path: Path) -> None:
    (tmp_path / "good.json").write_text("{}")
    (tmp_path / "bad.json").write_text("{")
    assert [p.path for p in invalid_files(tmp_path)] == ["bad.json"]
    with pytest.raises(MljourneyError, match=r"bad\.json is not valid JSON"):
        require_valid(tmp_path)
    require_valid(tmp_path, before=lambda path: "{" if path == "bad.json" else None)
    with pytest.raises(MljourneyError):
        require_valid(tmp_path, before=lambda path: "{}")


def test_invalid_texts_for_check() -> None:
    texts = {Path("a.toml"): "a = ", Path("b.toml"): "b = 1"}
    assert [path for _, path in invalid_texts(texts)] == ["a.toml"]
