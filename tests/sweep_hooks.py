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
