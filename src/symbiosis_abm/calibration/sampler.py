"""A pyabc sampler whose populations are a pure function of (seed, population, history).

pyabc's own parallel samplers reseed every worker from the operating system, so two runs
of the same calibration differ. This sampler fills a population of ``n`` particles from
``n`` *slots*: slot ``i`` of population ``t`` seeds NumPy's global generator (which pyabc's
priors and perturbation kernels draw from) from ``(seed, t, i)`` and simulates until one
particle is accepted. Slots run through any ``map`` (serial, a process pool, Dask) and come
back in slot order, so the population is the same on every backend, and a calibration
killed mid-population and resumed from its database repeats that population exactly.

Examples
--------
>>> sampler = SlotSampler(map, seed=3)
>>> sampler.slot_seed(0, 5) == SlotSampler(map, seed=3).slot_seed(0, 5)
True
>>> sampler.slot_seed(0, 5) != sampler.slot_seed(1, 5)
True
"""

from __future__ import annotations

import random
from collections.abc import Callable, Iterable
from typing import Any

import cloudpickle
import numpy as np
from pyabc.sampler import Sampler

__all__ = ["SlotSampler"]

Mapper = Callable[[Callable[..., Any], Iterable[Any]], Iterable[Any]]


class SlotSampler(Sampler):
    """Deterministic ABC-SMC sampling over a ``map`` (see the module docstring).

    Parameters
    ----------
    map_ : callable
        Works like the built-in ``map`` and returns results in input order.
    seed : int
        The calibration's seed.
    on_slot : callable, optional
        Called with no arguments as each slot's result arrives (a progress bar).
    """

    def __init__(self, map_: Mapper, seed: int, on_slot: Callable[[], None] | None = None):
        super().__init__()
        self.map_ = map_
        self.seed = seed
        self.on_slot = on_slot

    def __getstate__(self) -> dict[str, Any]:
        # workers need the sample factory and the seed, not the map or the progress bar
        return {"sample_factory": self.sample_factory, "seed": self.seed,
                "nr_evaluations_": getattr(self, "nr_evaluations_", 0)}

    def __setstate__(self, state: dict[str, Any]) -> None:
        self.__dict__.update(state, map_=None, on_slot=None, show_progress=False,
                             analysis_id=None)

    def slot_seed(self, t: int, slot: int) -> int:
        """The seed of slot ``slot`` of population ``t`` (``t`` = -1: the prior sample
        pyabc draws to set the first epsilon)."""
        sequence = np.random.SeedSequence([self.seed, t + 1, slot])
        return int(sequence.generate_state(1, dtype=np.uint32)[0])

    def sample_until_n_accepted(self, n, simulate_one, t, *, max_eval=np.inf,
                                all_accepted=False, ana_vars=None):
        """Fill ``n`` slots; each simulates until one accepted particle (or its share of
        ``max_eval`` evaluations is spent)."""
        payload = cloudpickle.dumps(simulate_one)
        tries = np.inf if not np.isfinite(max_eval) else max(1, int(max_eval // n))
        jobs = [(payload, self.slot_seed(t, i), tries) for i in range(n)]
        sample = self._create_empty_sample()
        evaluations = 0
        for part, count in self.map_(self.fill_slot, jobs):
            sample += part
            evaluations += count
            if self.on_slot is not None:
                self.on_slot()
        self.nr_evaluations_ = evaluations
        if sample.n_accepted < n:
            sample.ok = False
        return sample

    def fill_slot(self, job: tuple[bytes, int, float]) -> tuple[Any, int]:
        """Simulate from the slot's seed until one particle is accepted."""
        payload, seed, tries = job
        simulate_one = cloudpickle.loads(payload)
        saved = np.random.get_state(), random.getstate()
        np.random.seed(seed)
        random.seed(seed)
        try:
            sample, count = self._create_empty_sample(), 0
            while count < tries:
                particle = simulate_one()
                sample.append(particle)
                count += 1
                if particle.accepted:
                    break
            return sample, count
        finally:
            np.random.set_state(saved[0])
            random.setstate(saved[1])
