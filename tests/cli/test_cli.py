"""The CLI's shape: one `--config` for every command that reads the organisation config."""

from __future__ import annotations

from pathlib import Path

import pytest
from click.testing import CliRunner

from generator.cli import main


@pytest.mark.parametrize(
    "command",
    [["new"], ["add", "feedback-loop"], ["graduate"], ["check"], ["smoke", "--list"]],
)
def test_config_option_is_the_same_everywhere(command: list[str], tmp_path: Path) -> None:
    helped = CliRunner().invoke(main, [*command[: 2 if command[0] == "add" else 1], "--help"])
    assert "--config FILE" in helped.output
    assert "$MLJOURNEY_CONFIG" in helped.output

    broken = tmp_path / "org.yml"
    broken.write_text("template_sources: [not, a, mapping]\n", encoding="utf-8")
    project = tmp_path / "p"
    project.mkdir()
    args = [*command, "--config", str(broken)]
    if command[0] in {"add", "graduate", "check"}:
        args.append(str(project))
    result = CliRunner().invoke(main, args)
    assert result.exit_code == 2, result.output
    assert result.output.strip().splitlines() == [
        "mljourney: error: template_sources must be a mapping"
    ]
