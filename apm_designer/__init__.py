"""apm-designer: design and check Alternative Payment Model proposals."""

__version__ = "0.1.0"
