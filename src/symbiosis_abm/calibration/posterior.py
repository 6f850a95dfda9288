"""The posterior file: weighted parameter draws that runs, sweeps and experiments accept.

A calibration writes its last population as ``posterior.parquet``: one column per
estimated parameter, a ``weight`` column (summing to 1), and in the file's metadata the
spec's name, region, population, epsilon, the priors and the code fingerprint. A run given
the file draws its behavioural parameters from it with a stream of its own seed, so an
experiment's effect integrates over parameter uncertainty as well as over seeds.

Examples
--------
>>> post = Posterior(pd.DataFrame({"discovery_rate": [0.02, 0.04]}), np.array([0.25, 0.75]),
...                  {"priors": {"discovery_rate": [0.01, 0.09]}})
>>> post.draw(seed=1) == post.draw(seed=1)
True
>>> round(float(post.summary().loc["discovery_rate", "mean"]), 3)
0.035
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.parquet as pq

from ..errors import SymbiosisInputError

__all__ = ["Posterior", "load_posterior", "POSTERIOR_STREAM"]

#: Mixed into a run's seed so that its posterior draw has a stream of its own (the
#: model's own streams are untouched: two runs of one seed and draw share every draw).
POSTERIOR_STREAM = 0x504F5354  # "POST"
_META_KEY = b"symbiosis_abm.posterior"


@dataclass(frozen=True)
class Posterior:
    """Weighted particles of estimated parameters, with the calibration's metadata."""

    particles: pd.DataFrame
    weights: np.ndarray
    meta: dict[str, Any]

    @property
    def parameters(self) -> list[str]:
        return list(self.particles.columns)

    def draw(self, seed: int) -> dict[str, float]:
        """One particle, chosen by weight with a stream of the run's ``seed``."""
        rng = np.random.default_rng([seed, POSTERIOR_STREAM])
        row = rng.choice(len(self.weights), p=self.weights)
        return {k: float(v) for k, v in self.particles.iloc[row].items()}

    def summary(self) -> pd.DataFrame:
        """Weighted mean, 5%, 50% and 95% quantiles per parameter, with the prior's range
        and the share of it the 90% interval covers (near 1: the data did not pin it)."""
        rows = {}
        priors = self.meta.get("priors", {})
        for name in self.parameters:
            values = self.particles[name].to_numpy(float)
            q05, q50, q95 = _weighted_quantiles(values, self.weights, [0.05, 0.5, 0.95])
            low, high = priors.get(name, (np.nan, np.nan))
            rows[name] = {"mean": float(np.dot(values, self.weights)), "q05": q05,
                          "median": q50, "q95": q95, "prior_low": low, "prior_high": high,
                          "interval_share_of_prior": (q95 - q05) / (high - low)}
        return pd.DataFrame.from_dict(rows, orient="index")

    def save(self, path: Path | str) -> None:
        """Write the Parquet file (parameters, ``weight``, metadata)."""
        frame = self.particles.assign(weight=self.weights)
        table = pa.Table.from_pandas(frame, preserve_index=False)
        meta = {**(table.schema.metadata or {}), _META_KEY: json.dumps(self.meta).encode()}
        pq.write_table(table.replace_schema_metadata(meta), path)


def load_posterior(path: Path | str) -> Posterior:
    """Read a posterior file; one clear error naming the file if it is not one."""
    path = Path(path)
    if not path.is_file():
        raise SymbiosisInputError(f"{path}: no such posterior file; 'symbiosis-abm "
                                  "calibrate' writes one as OUT/posterior.parquet")
    try:
        table = pq.read_table(path)
    except (OSError, pa.ArrowInvalid) as exc:
        raise SymbiosisInputError(f"{path}: not a Parquet file ({exc})") from None
    meta = (table.schema.metadata or {}).get(_META_KEY)
    frame = table.to_pandas()
    if meta is None or "weight" not in frame.columns or len(frame) == 0:
        raise SymbiosisInputError(f"{path}: not a posterior file (no calibration metadata "
                                  "or weight column); use OUT/posterior.parquet of "
                                  "'symbiosis-abm calibrate'")
    weights = frame.pop("weight").to_numpy(float)
    return Posterior(frame, weights / weights.sum(), json.loads(meta))


def _weighted_quantiles(values: np.ndarray, weights: np.ndarray, qs: list[float]
                        ) -> list[float]:
    order = np.argsort(values)
    cumulative = np.cumsum(weights[order]) - 0.5 * weights[order]
    return [float(np.interp(q, cumulative / weights.sum(), values[order])) for q in qs]
