"""Test-only hooks for sweeps, importable by worker processes (tests/ is on sys.path)."""

from __future__ import annotations

from symbiosis_abm import SymbiosisModel


class FragileModel(SymbiosisModel):
    """The model, except that it refuses ``broker_capacity == 2`` (a run that raises)."""

    def __init__(self, region, *, rng=None, **overrides):
        if overrides.get("broker_capacity") == 2:
            raise RuntimeError("test hook: broker_capacity 2 is refused")
        super().__init__(region, rng=rng, **overrides)


def firm_count(model) -> dict:
    """A collect hook: one extra metric and one extra table."""
    import pandas as pd

    return {"open_firm_share": float(model.firm_open.mean()),
            "sizes": pd.DataFrame({"n": [model.world.n_firms]})}


class DyingModel(SymbiosisModel):
    """Kills its worker process for ``broker_capacity == 3`` (a crash, not an exception)."""

    def __init__(self, region, *, rng=None, **overrides):
        if overrides.get("broker_capacity") == 3:
            import os

            os._exit(3)
        super().__init__(region, rng=rng, **overrides)


class TroubleModel(SymbiosisModel):
    """Misbehaves by ``broker_capacity`` at its second tick: 2 raises, 3 leaves through
    ``os._exit(3)`` (as a crash in native code would), 4 hangs, 5 is killed by SIGKILL (as
    by the out-of-memory killer); other values run normally."""

    def __init__(self, region, *, rng=None, **overrides):
        self._trouble = overrides.get("broker_capacity")
        self._ticks_done = 0
        super().__init__(region, rng=rng, **overrides)

    def step(self):
        self._ticks_done += 1
        if self._ticks_done == 2:
            import os
            import signal
            import time

            if self._trouble == 2:
                raise RuntimeError("test hook: broker_capacity 2 is refused")
            if self._trouble == 3:
                os._exit(3)
            if self._trouble == 4:
                while True:
                    time.sleep(0.01)
            if self._trouble == 5:
                os.kill(os.getpid(), signal.SIGKILL)
        super().step()


class SlowModel(SymbiosisModel):
    """With SWEEP_TEST_SLOW set, each tick takes a tenth of a second longer (a sweep still
    running when it is stopped); the results are the model's either way."""

    def step(self):
        import os
        import time

        if os.environ.get("SWEEP_TEST_SLOW"):
            time.sleep(0.1)
        super().step()


class PhaseTroubleModel(SymbiosisModel):
    """The model, except that its measurement raises at tick 3 for ``broker_capacity == 2``:
    a run whose step is the package's own (so a worker advances it with others) and that
    fails in the middle of a tick."""

    def _measure(self, t):
        if t == 3 and self.params.broker_capacity == 2:
            raise RuntimeError("test hook: a phase raised")
        super()._measure(t)
