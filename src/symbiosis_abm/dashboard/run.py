"""A dashboard run: the model with the facilitator and its counterfactual twin, in step.

:class:`DashboardRun` is the Mesa model the dashboard's Step, Play and Reset buttons drive
(Mesa's ``ModelController`` rebuilds it as ``DashboardRun(**settings, scenario=...)``).
It holds two :class:`~symbiosis_abm.model.SymbiosisModel` runs of the same region and seed,
the second with ``facilitator=False``; both draw from the same seeded streams, so the
difference between them is the facilitator's effect (common random numbers). Bad settings
never raise: the run keeps the one-line message in :attr:`error` and does nothing on step.

Examples
--------
>>> run = DashboardRun("kalundborg", rng=1)
>>> run.step(); run.step()
>>> run.main.steps, run.twin.steps, run.error
(2, 2, None)
>>> bad = DashboardRun("kalundborg", rng=1, facilitator_start_tick=10, facilitator_end_tick=5)
>>> bad.error.startswith("parameter 'facilitator_end_tick'")
True
>>> bad.step(); bad.running
False
>>> DashboardRun("kalundborg", rng=-3).error
'seed -3: must be a whole number from 0 to 4294967295'

A/B mode: ``compare`` holds a second lever setting (B) of the same region and seed; B then
takes the twin's place and advances in step with A:

>>> ab = DashboardRun("kalundborg", rng=1, compare={"landfill_tax_eur_per_t": 200.0})
>>> ab.step()
>>> ab.mode, ab.twin is None, ab.main.steps, ab.other.steps
('ab', True, 1, 1)
"""

from __future__ import annotations

import threading
from collections import Counter
from typing import Any

import mesa
import numpy as np

from ..errors import SymbiosisInputError
from ..model import SymbiosisModel

__all__ = ["DashboardRun", "tie_counts", "failure_reasons", "seed_problem", "MAX_SEED"]

#: numpy seeds are non-negative; the dashboard keeps them to 32 bits (readable, shareable).
MAX_SEED = 2**32 - 1


def seed_problem(seed: Any) -> str | None:
    """Why ``seed`` cannot seed a run, or None.

    >>> seed_problem(7) is None, seed_problem(-1)
    (True, 'seed -1: must be a whole number from 0 to 4294967295')
    """
    if isinstance(seed, bool) or not isinstance(seed, int | np.integer) or not (
            0 <= seed <= MAX_SEED):
        return f"seed {seed}: must be a whole number from 0 to {MAX_SEED}"
    return None


class DashboardRun(mesa.Model):
    """The run shown on the page and its twin without facilitator.

    Parameters
    ----------
    region : str
        A bundled region name or ``"synthetic"``.
    rng : int
        Seed of both runs.
    scenario : mesa Scenario, optional
        Accepted because Mesa's Reset supplies one; not used (``settings`` are the levers).
    twin : bool
        Whether to run the counterfactual (skipped when the facilitator is off anyway).
    compare : dict, optional
        A/B mode: the settings of run B (same region and seed), which then replaces the
        twin; the page shows A (``main``) and B (``other``) side by side.
    **settings
        Model parameters (see :class:`~symbiosis_abm.params.Parameters`).
    """

    def __init__(self, region: str = "kalundborg", *, rng: int = 1, scenario: Any = None,
                 twin: bool = True, compare: dict[str, Any] | None = None,
                 **settings: Any):
        # Mesa's Reset passes a fresh Scenario whose rng is unset; Mesa refuses a scenario
        # whose rng differs from ``rng``, and the runs below take their parameters from
        # ``settings``, so the scenario is not forwarded.
        problem = seed_problem(rng)
        super().__init__(rng=None if problem else rng)
        self.region_name, self.seed, self.settings = region, rng, dict(settings)
        self.compare = None if compare is None else dict(compare)
        #: held while a step runs and while the page reads the runs: a redraw never sees
        #: (nor interrupts) a step half done
        self.lock = threading.RLock()
        self.error: str | None = problem
        self.main: SymbiosisModel | None = None
        self.twin: SymbiosisModel | None = None
        #: run B of the A/B mode (None outside it)
        self.other: SymbiosisModel | None = None
        self.ties: list[tuple[int, int, int, int]] = []  # strong, weak (main), same (twin)
        try:
            if problem:
                raise ValueError(problem)
            self.main = SymbiosisModel(region, rng=rng, **settings)
            if self.compare is not None:
                self.other = SymbiosisModel(region, rng=rng, **self.compare)
            elif twin and self.main.facilitator is not None:
                self.twin = SymbiosisModel(region, rng=rng, **{**settings, "facilitator": False})
        except SymbiosisInputError as exc:
            self.error = "; ".join(exc.problems)
        except (ValueError, ArithmeticError, MemoryError) as exc:  # never a traceback
            self.error = str(exc) if problem else f"{type(exc).__name__}: {exc}"
        self.running = self.error is None

    @property
    def mode(self) -> str:
        """``"ab"`` when two lever settings are compared, else ``"twin"``."""
        return "ab" if self.compare is not None else "twin"

    @property
    def comparison(self) -> SymbiosisModel | None:
        """The run shown beside ``main``: B in A/B mode, else the twin (or None)."""
        return self.other if self.compare is not None else self.twin

    @property
    def warnings(self) -> list[str]:
        """Translation keys of conditions worth telling the user (not errors)."""
        if self.main is None:
            return []
        out = []
        if len(self.main.world.edges) == 0:
            out.append("no_exchange_possible")
        return out

    def step(self) -> None:
        """Advance both runs one tick (nothing once an error is set)."""
        with self.lock:
            self._step()

    def _step(self) -> None:
        if self.error is not None or self.main is None:
            self.running = False
            return
        try:
            self.main.step()
            if self.comparison is not None:
                self.comparison.step()
        except (ValueError, ArithmeticError, IndexError, MemoryError) as exc:
            self.error = f"{type(exc).__name__} at month {self.main.steps}: {exc}"
            self.running = False
            return
        other = self.comparison
        twin = tie_counts(other) if other is not None else (0, 0)
        self.ties.append((*tie_counts(self.main), *twin))


def tie_counts(model: SymbiosisModel) -> tuple[int, int]:
    """(strong, weak) ties: pairs of firms that have met, with trust in both directions at
    least / below a large firm's signing threshold (``min_trust_large``)."""
    store = model.pairs
    met = np.flatnonzero(store.met)
    if len(met) == 0:
        return 0, 0
    strong_side = store.trust[met] >= model.params.min_trust_large
    pair = np.minimum(store.src[met], store.dst[met]) * model.world.n_firms + np.maximum(
        store.src[met], store.dst[met])
    keys, inverse = np.unique(pair, return_inverse=True)
    both = np.ones(len(keys), dtype=bool)
    np.logical_and.at(both, inverse, strong_side)
    return int(both.sum()), int((~both).sum())


def failure_reasons(model: SymbiosisModel) -> dict[str, int]:
    """Failed negotiations so far by reason, e.g. ``{"low trust": 4}``."""
    counts = Counter({k.removeprefix("failed: "): v for k, v in model.counts.items()
                      if k.startswith("failed: ")})
    return dict(counts.most_common())
