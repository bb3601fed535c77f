"""infra/ CloudFormation and .github/workflows: lint clean, encrypted, least privilege, OIDC."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
import yaml
from cfnlint.decode import decode

ROOT = Path(__file__).resolve().parents[2]
# The production layer's own templates (other layers may add theirs to infra/).
OWN = ("project.yaml", "endpoint.yaml", "github-oidc.yaml")
TEMPLATES = [ROOT / "infra" / name for name in OWN]
WORKFLOWS = ROOT / ".github" / "workflows"


def load(name: str) -> dict[str, Any]:
    template, problems = decode(str(ROOT / "infra" / name))
    assert not problems, problems
    return template


def resources(template: dict[str, Any], kind: str) -> list[dict[str, Any]]:
    found = template["Resources"].values()
    return [item["Properties"] for item in found if item["Type"] == kind]


def statements(template: dict[str, Any]) -> list[dict[str, Any]]:
    """Every IAM/KMS/bucket policy statement of a template."""
    found = []

    def walk(node: Any) -> None:
        if isinstance(node, dict):
            if "Statement" in node and isinstance(node["Statement"], list):
                found.extend(node["Statement"])
            for value in node.values():
                walk(value)
        elif isinstance(node, list):
            for value in node:
                walk(value)

    walk(template["Resources"])
    return found


def as_list(value: Any) -> list[Any]:
    return value if isinstance(value, list) else [value]


def test_cfn_lint_passes() -> None:
    lint = Path(sys.executable).with_name("cfn-lint")
    result = subprocess.run(
        [str(lint), *map(str, TEMPLATES)], capture_output=True, text=True, check=False
    )
    assert result.returncode == 0, result.stdout + result.stderr


@pytest.mark.parametrize("template", TEMPLATES, ids=lambda path: path.name)
def test_no_statement_allows_every_action_on_every_resource(template: Path) -> None:
    for statement in statements(load(template.name)):
        if statement["Effect"] != "Allow":
            continue
        everything = "*" in as_list(statement.get("Action")) and "*" in as_list(
            statement.get("Resource")
        )
        assert not everything, statement


def test_buckets_are_encrypted_private_tls_only_and_access_logged() -> None:
    template = load("project.yaml")
    data_bucket = template["Resources"]["DataBucket"]["Properties"]
    (rule,) = data_bucket["BucketEncryption"]["ServerSideEncryptionConfiguration"]
    assert rule["ServerSideEncryptionByDefault"]["SSEAlgorithm"] == "aws:kms"
    assert data_bucket["LoggingConfiguration"]["DestinationBucketName"] == {
        "Ref": "AccessLogBucket"
    }
    for bucket in resources(template, "AWS::S3::Bucket"):
        assert all(bucket["PublicAccessBlockConfiguration"].values())
        assert bucket["BucketEncryption"]["ServerSideEncryptionConfiguration"]
    for policy in resources(template, "AWS::S3::BucketPolicy"):
        deny = policy["PolicyDocument"]["Statement"][-1]
        assert deny["Effect"] == "Deny"
        assert deny["Condition"] == {"Bool": {"aws:SecureTransport": "false"}}


def test_model_approval_starts_the_deployment() -> None:
    template = load("project.yaml")
    (rule,) = resources(template, "AWS::Events::Rule")
    assert rule["EventPattern"]["detail"]["ModelApprovalStatus"] == ["Approved"]
    assert resources(template, "AWS::SageMaker::ModelPackageGroup")


def test_endpoint_has_capture_autoscaling_and_monitoring() -> None:
    template = load("endpoint.yaml")
    (config,) = resources(template, "AWS::SageMaker::EndpointConfig")
    capture = config["DataCaptureConfig"]
    assert capture["EnableCapture"] is True and "KmsKeyId" in capture
    assert resources(template, "AWS::ApplicationAutoScaling::ScalingPolicy")
    # Model Monitor is closed to new customers: a schedule starts the Evidently pipeline.
    kinds = {item["Type"] for item in template["Resources"].values()}
    assert not kinds & {
        "AWS::SageMaker::MonitoringSchedule",
        "AWS::SageMaker::DataQualityJobDefinition",
    }
    (schedule,) = resources(template, "AWS::Scheduler::Schedule")
    parameters = schedule["Target"]["SageMakerPipelineParameters"]["PipelineParameterList"]
    assert {item["Name"] for item in parameters} == {"EndpointName", "CaptureUri", "WindowHours"}
    (alarm,) = resources(template, "AWS::CloudWatch::Alarm")
    assert alarm["MetricName"] == "DatasetDrift" and alarm["AlarmActions"]
    stages = template["Parameters"]["StageName"]["AllowedValues"]
    assert stages == ["staging", "prod"]
    for stage in stages:
        assert (ROOT / "infra" / "params" / f"{stage}.json").is_file()


def workflow(name: str) -> dict[str, Any]:
    return yaml.safe_load((WORKFLOWS / name).read_text())


@pytest.mark.parametrize("name", ["build.yml", "deploy.yml"])
def test_aws_access_uses_oidc_not_stored_keys(name: str) -> None:
    flow = workflow(name)
    # The OIDC token only for the jobs that assume a role, never the whole workflow.
    assert flow["permissions"] == {}
    text = (WORKFLOWS / name).read_text()
    assert "aws-access-key-id" not in text and "AWS_SECRET_ACCESS_KEY" not in text
    for job in flow["jobs"].values():
        assert job["permissions"]["id-token"] == "write"
        logins = [s for s in job["steps"] if "configure-aws-credentials" in s.get("uses", "")]
        assert logins and all("role-to-assume" in step["with"] for step in logins)


def test_deploy_goes_through_staging_before_prod() -> None:
    jobs = workflow("deploy.yml")["jobs"]
    assert jobs["staging"]["environment"] == "staging"
    assert jobs["prod"]["environment"] == "prod"
    assert jobs["prod"]["needs"] == "staging"


def test_ci_checks_the_pipeline_definition_and_infra() -> None:
    steps = workflow("ci.yml")["jobs"]["check"]["steps"]
    commands = " ".join(step.get("run", "") for step in steps)
    assert "definition --check" in commands and "cfn-lint" in commands


def test_ci_runs_the_security_scanners() -> None:
    steps = workflow("ci.yml")["jobs"]["scan"]["steps"]
    commands = " ".join(step.get("run", "") for step in steps)
    assert "zizmor --offline" in commands
    assert "checkov" in commands and "shellcheck" in commands
