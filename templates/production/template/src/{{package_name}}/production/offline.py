"""Use the SageMaker SDK offline, whatever the AWS configuration of the machine.

The SDK creates boto3 sessions and clients while it is imported: a module-level
``boto3.session.Session()`` in ``sagemaker.core.jumpstart.constants`` and class-level
``boto3.client(...)`` calls in ``sagemaker.ai_registry.air_hub`` (upstream:
aws/sagemaker-python-sdk pull request #5935, "lazy-init boto3 clients in AIRHub to avoid
NoRegionError at import time"). Creating them reads the machine's AWS configuration, so an
unknown ``AWS_PROFILE``, credentials half set in the environment, a malformed
``~/.aws/config`` or an ``AWS_CONFIG_FILE`` pointing at garbage end in a botocore traceback,
although building a pipeline definition uses none of it.

The SDK has no setting to skip that, but botocore reads its whole configuration from
documented environment variables (``AWS_CONFIG_FILE``, ``AWS_SHARED_CREDENTIALS_FILE``,
``AWS_PROFILE``, ``AWS_ACCESS_KEY_ID``, ...), and the SDK its own config files from
``SAGEMAKER_ADMIN_CONFIG_OVERRIDE``/``SAGEMAKER_USER_CONFIG_OVERRIDE``. ``no_machine_config``
sets them, for the duration of an offline build only, to "nothing configured but the
project's region", then puts the environment back as it was.
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from contextlib import contextmanager

# What an offline build sets: no EC2 metadata probe, no IAM role check (facts of SDK v3).
OFFLINE_SETTINGS = {
    "AWS_EC2_METADATA_DISABLED": "true",
    "SAGEMAKER_VALIDATE_ROLE": "false",
}
# The SDK's own config files (defaults: /etc/xdg/sagemaker, ~/.config/sagemaker).
SDK_CONFIG_OVERRIDES = ("SAGEMAKER_ADMIN_CONFIG_OVERRIDE", "SAGEMAKER_USER_CONFIG_OVERRIDE")


@contextmanager
def no_machine_config(region: str) -> Iterator[None]:
    """Run the block as on a machine whose only AWS configuration is ``region``.

    Every ``AWS_*`` variable is removed, the AWS config and credentials files point to the
    empty ``os.devnull``, the SDK's config files too, and boto3's default
    session made meanwhile is dropped afterwards, so code after the block sees the
    machine's real configuration again (``upsert`` needs it for its AWS calls).
    """
    import boto3

    saved_environ = dict(os.environ)
    saved_default_session = boto3.DEFAULT_SESSION
    for name in list(os.environ):
        if name.startswith("AWS_") or name in SDK_CONFIG_OVERRIDES:
            del os.environ[name]
    os.environ.update(
        {
            "AWS_CONFIG_FILE": os.devnull,
            "AWS_SHARED_CREDENTIALS_FILE": os.devnull,
            "AWS_DEFAULT_REGION": region,
            **OFFLINE_SETTINGS,
        }
    )
    for name in SDK_CONFIG_OVERRIDES:
        os.environ[name] = os.devnull  # an empty file is "no defaults" to the SDK
    try:
        yield
    finally:
        os.environ.clear()
        os.environ.update(saved_environ)
        boto3.DEFAULT_SESSION = saved_default_session
