"""shapelint: static shape checks for PyTorch models, before anything runs."""

__version__ = "0.1.0"
