"""Calibration: estimate behavioural parameters from documented patterns (ABC-SMC).

``symbiosis-abm calibrate SPEC.toml`` (:mod:`.cli`) reads a spec (:mod:`.spec`), compares
runs with the documents through patterns (:mod:`.patterns`), fills each population with a
deterministic sampler (:mod:`.sampler`) under pyabc's ABC-SMC (:mod:`.smc`), and writes a
posterior file (:mod:`.posterior`) that ``run --posterior`` draws parameters from.

pyabc (the ``calibration`` extra) is imported only when a calibration runs, so the command
line starts fast and ``run --posterior`` works without it.
"""

from __future__ import annotations

from .._lazy import lazy_package

__all__ = ["calibrate", "CalibrationResult", "CalibrationSpec", "CalibrationSpecError",
           "load_calibration_spec", "Posterior", "load_posterior"]

_HOME = {"calibrate": "smc", "CalibrationResult": "smc", "CalibrationSpec": "spec",
         "CalibrationSpecError": "spec", "load_calibration_spec": "spec",
         "Posterior": "posterior", "load_posterior": "posterior"}

lazy_package(__name__, _HOME, __all__)
