"""On-site guided-selling assistant for web shops."""

__version__ = "0.1.0"
