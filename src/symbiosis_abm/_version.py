"""The package version (one module of its own, so that any module can import it without
importing the package: no import circle)."""

__version__ = "0.3.0"
