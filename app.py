"""Dashboard entry point: ``solara run app.py`` (or ``symbiosis-abm dashboard``).

The page itself lives in the package (``symbiosis_abm.dashboard.app``) so the installed
command finds it; this file is the project's conventional entry, as in Mesa's examples.
"""

from symbiosis_abm.dashboard.app import Page

__all__ = ["Page"]
