"""Step scripts written to SageMaker's container contract.

Each script takes its paths from the arguments, whose defaults are the container paths
(``/opt/ml/processing/...``, ``SM_CHANNEL_*``, ``SM_MODEL_DIR``), so SageMaker runs them as
they are and ``run-local`` runs the very same functions with local folders.
"""
