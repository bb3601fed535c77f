"""`mljourney check`: compliance and drift of one project or a fleet; the work is in check.py."""

from __future__ import annotations

import sys
from pathlib import Path

import click

from generator import i18n
from generator.cli._options import config_option, write_output
from generator.config import load_config


@click.command("check")
@click.argument("paths", nargs=-1, metavar="[PATH]...", type=click.Path(path_type=Path))
@config_option
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
        report_language,
    )

    config = load_config(config_path)
    # A fleet's text report speaks the organisation's default language, else the locale;
    # one project's speaks its own `language` answer (check.report_language).
    i18n.set_language(i18n.default_language(config.defaults))
    policy = config.policy
    if policy_path is not None:
        policy = combine_policies(policy, load_policy_file(policy_path))
    report = check_paths(
        list(paths) or [Path(".")],
        CheckOptions(policy=policy, allow_drift=allow_drift),
        recursive=recursive,
    )
    write_output(RENDERERS[output_format](report), output)
    if output is not None:
        with i18n.using(report_language(report)):
            state = i18n.t(
                "check.state_compliant" if report.compliant else "check.state_not_compliant"
            )
            click.echo(
                i18n.t("check.written", count=len(report.projects), state=state, output=output),
                err=True,
            )
    if not report.compliant:
        sys.exit(1)
