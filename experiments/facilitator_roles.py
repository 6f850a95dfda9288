"""Experiment ``facilitator_roles``: which of a facilitator's roles does the work?

Arms (``experiments/facilitator_roles.toml``): no facilitator (reference), all roles, and
each role alone (mapper, broker, convener, cofunder, expert support), on a 300-firm
synthetic region and the bundled ``kalundborg``, ``high_coast`` and ``vastra_malardalen``;
every arm on the same seeds. Effects are paired differences to "no facilitator" with 95%
CIs and Wilcoxon tests (:mod:`symbiosis_abm.sweep.findings`).

Issue 19, must-show 6: the arms ``none_defaults`` and ``all_roles_defaults`` repeat ``none``
and ``all_roles`` with ``documented_ties = false`` (every pair at the model's default
awareness and trust). :func:`relabel` shows them as the region "<region> (defaults)", so the
effects table has the facilitator effect with the region's documented ties and without;
:func:`ties_section` gives the difference of the two effects, paired by seed.

Usage::

    symbiosis-abm experiment facilitator_roles            # full size
    symbiosis-abm experiment facilitator_roles --quick    # smoke test
"""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from symbiosis_abm.sweep.findings import Design, fmt, run_standard
from symbiosis_abm.sweep.results import SweepResults

ROOT = Path(__file__).resolve().parents[1]


def measures(model: Any) -> dict[str, float]:
    """Collect hook: SME participation and public cost per tonne diverted."""
    from symbiosis_abm.measures import sme_participation
    from symbiosis_abm.world import SME

    ex = model.exchanges
    sme = model.world.firm_size == SME
    share = sme_participation(sme, ex["supplier"], ex["receiver"])
    return {"sme_participation": share}


#: arms that repeat an arm without the region's documented ties (suffix -> base arm)
DEFAULTS = "_defaults"
DEFAULTS_REGION = " (defaults)"
#: regions that declare no ties: their defaults arms equal the arms and are left out
NO_TIES = ("synthetic",)


def relabel(summary: pd.DataFrame, ts: pd.DataFrame):
    """Runs of the ``*_defaults`` arms become arm ``*`` of region "<region> (defaults)";
    those of regions without documented ties are dropped (the same runs again)."""
    def split(frame: pd.DataFrame) -> pd.DataFrame:
        frame = frame.copy()
        arm = frame["arm"].astype(str)
        defaults = arm.str.endswith(DEFAULTS)
        frame = frame[~(defaults & frame["region"].isin(NO_TIES))]
        defaults = frame["arm"].astype(str).str.endswith(DEFAULTS)
        frame.loc[defaults, "region"] = frame.loc[defaults, "region"] + DEFAULTS_REGION
        frame.loc[defaults, "arm"] = frame.loc[defaults, "arm"].str.removesuffix(DEFAULTS)
        return frame
    arms = [a for a in ARMS if not a.endswith(DEFAULTS)]
    return split(summary), split(ts), arms


ARMS = ("none", "all_roles", "mapper_only", "broker_only", "convener_only", "cofunder_only",
        "expert_only", "none_defaults", "all_roles_defaults")


def did(summary: pd.DataFrame, region: str, metric: str) -> dict[str, float]:
    """The facilitator effect (all_roles - none) with the region's ties minus the same
    without them, paired by replicate: mean and 95% t interval over the pairs.

    Examples
    --------
    >>> rows = [{"region": "r", "arm": a, "replicate": k, "x": v}
    ...         for k, base in enumerate([1.0, 2.0, 3.0])
    ...         for a, v in (("none", base), ("all_roles", base + 5),
    ...                      ("none_defaults", base), ("all_roles_defaults", base + 3 + k))]
    >>> d = did(pd.DataFrame(rows), "r", "x")
    >>> d["with_ties"], d["defaults"], d["diff"]
    (5.0, 4.0, 1.0)
    """
    from scipy import stats

    sub = summary[summary["region"] == region].pivot_table(
        index="replicate", columns="arm", values=metric, aggfunc="mean")
    need = ["none", "all_roles", "none_defaults", "all_roles_defaults"]
    if not set(need) <= set(sub.columns):
        return {"n": 0}
    sub = sub[need].dropna()
    ties = sub["all_roles"] - sub["none"]
    base = sub["all_roles_defaults"] - sub["none_defaults"]
    d = (ties - base).to_numpy(dtype=float)
    if len(d) > 1 and d.std() > 0:
        low, high = stats.t.interval(0.95, len(d) - 1, loc=d.mean(), scale=stats.sem(d))
    else:
        low = high = float(d.mean()) if len(d) else np.nan
    return {"n": len(d), "with_ties": float(ties.mean()), "defaults": float(base.mean()),
            "diff": float(d.mean()), "low": float(low), "high": float(high)}


def ties_section(summary: pd.DataFrame) -> list[str]:
    """Must-show 6 of issue 19: the facilitator effect with documented ties and without."""
    out = ["## The facilitator effect with documented ties (issue 19, must-show 6)", "",
           "Each real region with its documented ties (`[[relationships]]` with their "
           "dates and sources, docs/regions.md) against the same region with every pair at "
           "the model's default awareness and trust (`documented_ties = false`, region "
           "\"<region> (defaults)\" in the tables above). Effect: `all_roles` minus `none`, "
           "paired by seed; the difference of the two effects is paired by seed too.", "",
           "| region | measure | effect with ties | effect with defaults | "
           "difference [95% CI] | seeds |", "|---|---|---:|---:|---|---:|"]
    labels = {"active_exchanges": "active exchanges (count)",
              "co2e_avoided_t_total": "CO2e avoided (t, whole run)",
              "materials_diverted_t_total": "materials diverted (t, whole run)"}
    regions = [r for r in summary["region"].unique() if r not in NO_TIES]
    for region in regions:
        for metric, label in labels.items():
            d = did(summary, region, metric)
            if not d["n"]:
                continue
            out.append(f"| {region} | {label} | {fmt(d['with_ties'])} | "
                       f"{fmt(d['defaults'])} | {fmt(d['diff'])} [{fmt(d['low'])}, "
                       f"{fmt(d['high'])}] | {d['n']} |")
    return out + [""]


def notes(results: SweepResults, effects: pd.DataFrame) -> list[str]:
    """Which role alone comes closest to all roles, per region (read off the numbers);
    the facilitator effect with and without documented ties."""
    out = ties_section(results.summary) + ["## What it shows", ""]
    sub = effects[effects["metric"] == "materials_diverted_t_total"]
    for region, group in sub.groupby("region", sort=False):
        g = group.set_index("arm")
        singles = g.drop(index="all_roles", errors="ignore")
        best = singles["mean_diff"].idxmax() if len(singles) else None
        allr = g.loc["all_roles"] if "all_roles" in g.index else None
        if best is None or allr is None:
            continue
        share = (g.loc[best, "mean_diff"] / allr["mean_diff"]
                 if allr["mean_diff"] else np.nan)
        clear = [a for a in g.index if g.loc[a, "verdict"] != "no clear effect"]
        out.append(f"- {region}: all roles together change materials diverted by "
                   f"{fmt(allr['mean_diff'])} t [{fmt(allr['ci_low'])}, "
                   f"{fmt(allr['ci_high'])}] over the run; the strongest single role is "
                   f"`{best}` ({fmt(g.loc[best, 'mean_diff'])} t, {fmt(share)} of all "
                   f"roles'). Arms with a clear effect: "
                   f"{', '.join(f'`{a}`' for a in clear) or 'none'}.")
    cost = effects[effects["metric"] == "public_cost_eur"]
    if len(cost):
        out += ["", "Public cost (staff, proposals, events, co-funding) is the price of each "
                "arm; the table above gives it per region."]
    return out


DESIGN = Design(
    name="facilitator_roles", spec=Path(__file__).with_suffix(".toml"),
    title="which facilitator role does the work?",
    question=("Does a facilitator raise the number and volume of exchanges, and which of "
              "its roles (mapper, broker, convener, co-funder, expert support) accounts "
              "for it? Each role alone and all together against no facilitator."),
    primary="active_exchanges",
    metrics=("active_exchanges", "materials_diverted_t_total", "co2e_avoided_t_total",
             "sme_participation", "public_cost_eur"),
    series=("active_exchanges", "materials_diverted_t"), notes=notes, relabel=relabel)


def main(argv: list[str] | None = None) -> int:
    return run_standard(DESIGN, argv, ROOT)


if __name__ == "__main__":
    sys.exit(main())
