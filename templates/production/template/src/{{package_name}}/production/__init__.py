"""Production layer: SageMaker step scripts, pipeline, data lake, model registry, CLI commands.

Nothing here imports the SageMaker SDK or boto3 at import time, so the project's CLI stays
fast and the step scripts run in containers that only have the core's dependencies.
"""
