"""The Solara dashboard (``symbiosis-abm dashboard``): a network forming on a map, with and
without the facilitator, for policy students and seminar presenters.

The package splits the interface (:mod:`.app`, :mod:`.components`) from what can be tested
without a browser: the paired run (:mod:`.run`), controls built from the parameter record
(:mod:`.controls`), figures (:mod:`.mapplot`, :mod:`.plots`), key figures (:mod:`.kpi`),
the calendar (:mod:`.timeline`), exports (:mod:`.export`) and the translation table
(:mod:`.i18n`). Only :mod:`.app` and :mod:`.components` import Solara.
"""

from .run import DashboardRun

__all__ = ["DashboardRun"]
