"""mljourney: MLOps starter templates for every stage of the ML journey."""

__version__ = "0.2.0"
