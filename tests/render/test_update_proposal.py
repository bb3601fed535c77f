"""The update-proposal workflow's path, offline, on a project made by the previous release.

The steps of ``.github/workflows/mljourney-update.yml`` in order - `check --format json`,
`propose-update plan`, `update --branch --summary-json`, `propose-update body` - on a
project rendered from the released v0.1.0 bundle (``generator.layers.released_bundle``) with
the team's edits. Only the GitHub calls (`gh pr list`, `git push`, `gh pr create`) are left
out: their output is stood in for by a JSON list of open pull requests.
"""

from __future__ import annotations

import json
from pathlib import Path

import yaml
from click.testing import CliRunner

from generator import __version__, git
from generator.cli import main
from generator.layers import bundle_tags, released_bundle, resolve_sources
from generator.render import render_layer
from tests.conftest import git as run_git

PREVIOUS = "v0.1.0"
CURRENT = f"v{__version__}"
TEAM_NOTE = "\n## Our notes\n\nKept through every update.\n"


def project_at_previous_release(root: Path) -> Path:
    assert PREVIOUS in bundle_tags(released_bundle("poc"))
    source = resolve_sources()["poc"]
    render_layer(
        source,
        root,
        {"project_name": "churn", "package_name": "churn", "stage": "prototyping"},
        vcs_ref=PREVIOUS,
    )
    git.init_and_commit(root, f"Scaffold churn at {PREVIOUS}")
    with (root / "README.md").open("a", encoding="utf-8") as readme:
        readme.write(TEAM_NOTE)
    (root / "src" / "churn" / "our_features.py").write_text('"""Ours."""\n', encoding="utf-8")
    run_git(root, "add", "-A")
    run_git(root, "commit", "-qm", "team edits")
    return root


def invoke(*args: str) -> tuple[int, str]:
    result = CliRunner().invoke(main, list(args))
    return result.exit_code, result.stdout


def test_update_proposal_on_a_branch_from_the_previous_release(tmp_path: Path) -> None:
    root = project_at_previous_release(tmp_path / "churn")
    main_head = run_git(root, "rev-parse", "HEAD").strip()

    # 1. Is a newer version released?
    code, check_out = invoke("check", "--allow-drift", "--format", "json", str(root))
    assert code == 0, check_out
    check_json = tmp_path / "check.json"
    check_json.write_text(check_out, encoding="utf-8")
    prs_json = tmp_path / "open-prs.json"
    prs_json.write_text(json.dumps([{"headRefName": "feature/x", "title": "x"}]), "utf-8")

    # 2. Plan: open, on the version's branch.
    code, plan_out = invoke(
        "propose-update", "plan", "--check", str(check_json), "--open-prs", str(prs_json)
    )
    assert code == 0, plan_out
    plan = dict(line.split("=", 1) for line in plan_out.splitlines())
    assert plan["action"] == "open"
    branch = f"mljourney/update-{__version__}"
    assert plan["branch"] == branch

    # 3. The update, on that branch.
    summary_json = tmp_path / "summary.json"
    code, update_out = invoke(
        "update", "--branch", branch, "--summary-json", str(summary_json), str(root)
    )
    assert code in (0, 3), update_out  # 3: conflicts or changes not applied, on the branch

    # The original branch and work tree are untouched.
    assert run_git(root, "rev-parse", "HEAD").strip() == main_head
    assert run_git(root, "branch", "--show-current").strip() == "main"
    assert run_git(root, "status", "--porcelain") == ""
    assert not (root / ".github" / "workflows" / "mljourney-update.yml").exists()

    # The branch holds the new version with the team's edits.
    readme = run_git(root, "show", f"{branch}:README.md")
    assert TEAM_NOTE.strip() in readme
    assert run_git(root, "show", f"{branch}:src/churn/our_features.py") == '"""Ours."""\n'
    answers = yaml.safe_load(run_git(root, "show", f"{branch}:.copier-answers.poc.yml"))
    assert answers["_commit"] == CURRENT
    workflows = run_git(root, "ls-tree", "--name-only", f"{branch}:.github/workflows").split()
    assert {"ci.yml", "mljourney-check.yml", "mljourney-update.yml"} <= set(workflows)

    # The summary says what happened.
    summary = json.loads(summary_json.read_text(encoding="utf-8"))
    assert summary["branch"] == branch
    assert summary["layers"]["poc"]["from"] == PREVIOUS
    assert summary["layers"]["poc"]["to"] == CURRENT
    assert ".github/workflows/mljourney-update.yml" in summary["layers"]["poc"]["changed_files"]
    assert summary["up_to_date"] is False
    assert (code == 3) == bool(summary["conflicts"] or summary["not_applied"])

    # 4. The pull request's body.
    code, body = invoke("propose-update", "body", "--summary", str(summary_json))
    assert code == 0, body
    assert f"| poc | {PREVIOUS} | {CURRENT} |" in body
    assert f"### {__version__}" in body  # the poc changelog's section of this version
    for path in summary["conflicts"]:
        assert f"- [ ] `{path}`" in body

    # 5. Next week, with that pull request open: no second one.
    prs_json.write_text(json.dumps([{"headRefName": branch, "title": plan["title"]}]), "utf-8")
    code, plan_out = invoke(
        "propose-update", "plan", "--check", str(check_json), "--open-prs", str(prs_json)
    )
    assert code == 0
    assert plan_out.splitlines()[0] == "action=skip"


GH_STUB = """#!/usr/bin/env bash
# Stands in for GitHub's CLI: open pull requests from a file, `pr create` recorded.
set -euo pipefail
case "$1 $2" in
  "pr list") cat "$GH_STUB_DIR/open-prs.json" ;;
  "auth setup-git") ;;
  "pr create") printf '%s\\n' "$@" > "$GH_STUB_DIR/pr-create.args" ;;
  *) echo "gh stub: unexpected $*" >&2; exit 1 ;;
esac
"""


def workflow_scripts(root: Path) -> list[dict[str, object]]:
    """The update workflow's `run:` steps, as rendered for this mljourney version."""
    from tests.render.test_fleet_workflows import load, steps

    return [step for step in steps(load(root, "mljourney-update.yml")) if "run" in step]


def run_step(step: dict[str, object], root: Path, env: dict[str, str]) -> None:
    import subprocess

    # The step's own env holds `${{ }}` expressions: the values given here stand for them.
    assert set(dict(step.get("env", {}))) <= set(env)  # type: ignore[call-overload]
    result = subprocess.run(
        ["bash", "-e", "-c", str(step["run"])],
        cwd=root,
        env=env,
        capture_output=True,
        text=True,
        check=False,
        timeout=300,
    )
    assert result.returncode == 0, result.stdout + result.stderr


def outputs(path: Path) -> dict[str, str]:
    return dict(line.split("=", 1) for line in path.read_text(encoding="utf-8").splitlines())


def test_the_update_workflows_own_scripts_push_a_branch_and_open_one_pull_request(
    tmp_path: Path,
) -> None:
    import os
    import sys

    current = tmp_path / "current"
    result = CliRunner().invoke(main, ["new", str(current), "--defaults", "--stage", "prototyping"])
    assert result.exit_code == 0, result.output
    install, plan_step, update_step = workflow_scripts(current)
    assert "pip install" in str(install["run"])  # mljourney is already installed here

    root = project_at_previous_release(tmp_path / "churn")
    origin = tmp_path / "origin.git"
    run_git(tmp_path, "init", "-q", "--bare", str(origin))
    run_git(root, "remote", "add", "origin", str(origin))
    run_git(root, "push", "-q", "origin", "main")
    stub = tmp_path / "stub"
    stub.mkdir()
    (stub / "gh").write_text(GH_STUB, encoding="utf-8")
    (stub / "gh").chmod(0o755)
    (stub / "open-prs.json").write_text("[]", encoding="utf-8")
    runner_temp = tmp_path / "runner"
    runner_temp.mkdir()
    env = {
        **os.environ,
        "PATH": f"{stub}{os.pathsep}{Path(sys.executable).parent}{os.pathsep}{os.environ['PATH']}",
        "GH_STUB_DIR": str(stub),
        "RUNNER_TEMP": str(runner_temp),
        "GITHUB_OUTPUT": str(runner_temp / "output"),
        "GITHUB_REF_NAME": "main",
        "GH_TOKEN": "stands-in-for-a-token",
    }

    # First run: a newer version, no pull request open -> branch pushed, one PR opened.
    run_step(plan_step, root, env)
    plan = outputs(runner_temp / "output")
    assert plan["action"] == "open"
    run_step(update_step, root, {**env, "BRANCH": plan["branch"], "TITLE": plan["title"]})

    pushed = run_git(origin, "branch", "--list").split()
    assert plan["branch"] in pushed
    assert run_git(origin, "rev-parse", "main") == run_git(root, "rev-parse", "main")
    args = (stub / "pr-create.args").read_text(encoding="utf-8").splitlines()
    assert args[:8] == [
        "pr",
        "create",
        "--base",
        "main",
        "--head",
        plan["branch"],
        "--title",
        plan["title"],
    ]
    body = Path(args[args.index("--body-file") + 1]).read_text(encoding="utf-8")
    assert f"| poc | {PREVIOUS} | {CURRENT} |" in body

    # Next week, that pull request is open: the plan skips, nothing else runs.
    (stub / "pr-create.args").unlink()
    (stub / "open-prs.json").write_text(
        json.dumps([{"headRefName": plan["branch"], "title": plan["title"]}]), encoding="utf-8"
    )
    (runner_temp / "output").unlink()
    run_step(plan_step, root, env)
    assert outputs(runner_temp / "output")["action"] == "skip"


def standard_script(root: Path) -> dict[str, object]:
    from tests.render.test_fleet_workflows import load, steps

    check = load(root, "mljourney-check.yml")
    return next(s for s in steps(check) if "mljourney check" in str(s.get("run", "")))


def test_the_standard_jobs_script_warns_on_drift_and_fails_on_policy(tmp_path: Path) -> None:
    import os
    import subprocess
    import sys

    current = tmp_path / "current"
    result = CliRunner().invoke(main, ["new", str(current), "--defaults", "--stage", "prototyping"])
    assert result.exit_code == 0, result.output
    script = str(standard_script(current)["run"])
    root = project_at_previous_release(tmp_path / "churn")  # one release behind
    path = f"{Path(sys.executable).parent}{os.pathsep}{os.environ['PATH']}"

    def standard(drift: str) -> subprocess.CompletedProcess[str]:
        report = root / "mljourney-check.xml"
        report.unlink(missing_ok=True)
        done = subprocess.run(
            ["bash", "-e", "-c", script],
            cwd=root,
            env={**os.environ, "PATH": path, "MLJOURNEY_CI_DRIFT": drift},
            capture_output=True,
            text=True,
            check=False,
            timeout=300,
        )
        assert report.is_file()  # the JUnit report exists for the artifact either way
        return done

    warned = standard("warning")
    assert warned.returncode == 0, warned.stdout + warned.stderr
    assert "warning: poc is at v0.1.0, 1 release behind" in warned.stdout

    assert standard("failure").returncode == 1

    policy = root / ".mljourney" / "policy.yml"
    policy.parent.mkdir()
    policy.write_text("required_paths: [CODEOWNERS]\n", encoding="utf-8")
    violated = standard("warning")
    assert violated.returncode == 1
    assert "CODEOWNERS" in violated.stdout
