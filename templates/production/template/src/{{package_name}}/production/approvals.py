"""SageMaker Model Registry approvals mirrored on the MLflow model versions.

In the cloud the SageMaker Model Registry is the approval gate: a model package is approved
or rejected there (``approve``, Studio, or the API). The SageMaker training step logs its run
to MLflow and registers an MLflow model version tagged with its training job
(``sagemaker_training_job``, ``steps/train.py``). A model package's model artefact is where
SageMaker writes a training job's output, ``<output path>/<training job name>/output/
model.tar.gz`` (SageMaker developer guide, "How Amazon SageMaker Processes Training Output"),
so the package names its training job, and so its MLflow model version.

:func:`mirror` sets that version's ``approval_status`` tag (and the ``approved`` alias, via
``tracking.set_approval_status``) and records the package ARN on it. Two callers:

- ``approve`` (cloud path), right after it updates the package, when ``MLFLOW_TRACKING_URI``
  is set;
- :func:`handler`, for an EventBridge rule on "SageMaker Model Package State Change", so an
  approval made anywhere else is mirrored too (deployment: docs/production.md).
"""

from __future__ import annotations

import re
from typing import Any

from .. import tracking

JOB_TAG = "sagemaker_training_job"
PACKAGE_TAG = "sagemaker_model_package_arn"
_JOB_IN_URL = re.compile(r"/([^/]+)/output/model\.tar\.gz$")


def training_job_of(package: dict[str, Any]) -> str | None:
    """The training job whose output a model package serves (None when it is not one).

    Args:
        package: A ``DescribeModelPackage`` response, or the ``detail`` of a "SageMaker
            Model Package State Change" event (same fields).
    """
    containers = package.get("InferenceSpecification", {}).get("Containers", [])
    for container in containers:
        found = _JOB_IN_URL.search(str(container.get("ModelDataUrl", "")))
        if found:
            return found.group(1)
    return None


def mirror(package: dict[str, Any]) -> tracking.ModelVersion | None:
    """Set the package's approval status on the MLflow model version of its training job.

    Args:
        package: As for :func:`training_job_of`; ``ModelApprovalStatus`` and
            ``ModelPackageArn`` are read too.

    Returns:
        The updated model version; None when no MLflow model version of the registered
        model (named like the model package group) has the package's training job.

    Raises:
        tracking.TrackingError: an approval status MLflow's mirror does not know.
    """
    job = training_job_of(package)
    status = str(package.get("ModelApprovalStatus", ""))
    if job is None:
        return None
    matches = [item for item in tracking.list_versions() if item.tags.get(JOB_TAG) == job]
    if not matches:
        return None
    version = tracking.set_approval_status(matches[-1].version, status)
    arn = package.get("ModelPackageArn")
    if arn:
        from mlflow import MlflowClient

        client = MlflowClient(tracking.tracking_uri(), tracking.tracking_uri())
        client.set_model_version_tag(version.name, version.version, PACKAGE_TAG, str(arn))
    return version


def handler(event: dict[str, Any], context: Any = None) -> dict[str, Any]:
    """Lambda entry point for "SageMaker Model Package State Change" events.

    The registered model is named like the event's model package group; the tracking
    server is ``MLFLOW_TRACKING_URI`` (the managed MLflow's ARN, signed by sagemaker-mlflow).

    Returns:
        ``{"mirrored": bool, "model_version": str | None, "approval_status": str}``.
    """
    import os

    detail = event.get("detail", {})
    group = detail.get("ModelPackageGroupName")
    if group:
        os.environ[tracking.MODEL_NAME_VARIABLE] = str(group)
    version = mirror(detail)
    return {
        "mirrored": version is not None,
        "model_version": version.version if version else None,
        "approval_status": str(detail.get("ModelApprovalStatus", "")),
    }
