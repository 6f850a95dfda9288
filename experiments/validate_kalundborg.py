"""Experiment ``validate_kalundborg``: does the network that emerges resemble the real one?

Pattern-oriented validation of the bundled ``kalundborg`` region (2018). The region lists
firms with their streams and needs, never pairs; the links that form are compared with the
exchanges documented in the literature (``docs/validation/kalundborg_observed_links.csv``,
made independently of any model output; see ``docs/validation/README.md``).

The region runs with its default parameters, with and without its facilitator, on the
same seeds (common random numbers, so the two arms are paired by seed). For every run:

- precision, recall and F1 of the links that emerged, counted two ways: every link that
  ever formed, and the links still active at the end; computed with
  :func:`symbiosis_abm.compare.compare_links` (the code behind ``symbiosis-abm
  compare-links``);
- the same scores for a **random network** with as many links: drawn uniformly, without
  replacement, from the run's candidate links (``model.world.edges``: the (stream, need)
  pairs of the same resource within transport range), averaged over many draws; and a
  harder variant that draws as many links *of each resource* as emerged of it.

The runs are the sweep spec ``experiments/validate_kalundborg.toml`` (two arms sharing
seeds); :func:`collect`, the spec's collect hook, keeps each run's exchange log and
candidate links; this script scores them and writes the report.

Outputs
-------
``OUT/``
    The sweep folder (``symbiosis_abm.load_results``; git-ignored), and
    ``OUT/kalundborg_validation_runs.parquet`` (one row per run with the scores and the
    baselines) and ``OUT/kalundborg_validation_links.parquet`` (one row per run and link
    that formed: first tick, whether active at the end, whether observed).
``RESULTS/kalundborg_validation.md`` (``--results``; default ``OUT/report``)
    Tables (means and 95% CIs) and a plain-language summary generated from them.

The random baselines are pure functions of the run's links and a generator seeded from
the run's seed.

Usage::

    python experiments/validate_kalundborg.py                      # 40 seeds per arm
    python experiments/validate_kalundborg.py --quick --out runs/validation-quick --results /tmp/v
    python experiments/validate_kalundborg.py --report-only        # remake the report
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Mapping
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
from scipy import stats

from symbiosis_abm.catalogue import load_catalogue
from symbiosis_abm.compare import LINK_COLUMNS, compare_links, read_observed
from symbiosis_abm.opportunities import viable_links
from symbiosis_abm.reporting import code_version, mean_ci
from symbiosis_abm.sweep.experiment import (
    add_experiment_arguments,
    report_folder,
    run_experiment,
    with_banner,
)

ROOT = Path(__file__).resolve().parents[1]
OBSERVED = ROOT / "docs" / "validation" / "kalundborg_observed_links.csv"
NON_LINKS = ROOT / "docs" / "validation" / "kalundborg_non_links.csv"
REGION = "kalundborg"
SPEC = Path(__file__).with_suffix(".toml")

#: The two arms: label and the spec's arm name (the spec sets their parameters).
ARMS: tuple[tuple[str, str], ...] = (
    ("facilitator", "facilitator"),
    ("no facilitator", "no_facilitator"),
)
#: Random networks drawn per run for the baselines.
BASELINE_DRAWS = 2000
#: Ways of counting links: column suffix and wording.
COUNTS = (("ever", "every link that ever formed"), ("active", "links active at the end"))
SCORES = ("precision", "recall", "f1")
#: Sources of scores: column prefix and wording.
SOURCES = (
    ("model", "model"),
    ("rand", "random, uniform over candidate links"),
    ("randres", "random, same number per resource"),
    ("randviable", "random among viable candidates"),
)


# ---------------------------------------------------------------------- running
def candidate_links(model: Any) -> pd.DataFrame:
    """The distinct (supplier, receiver, resource) links of the model's candidate edges."""
    w = model.world
    ids = np.array(w.firm_ids, dtype=object)
    names = np.array(w.catalogue.names, dtype=object)
    frame = pd.DataFrame({"supplier": ids[w.edge_supplier], "receiver": ids[w.edge_receiver],
                          "resource": names[w.edge_resource]})
    return frame.drop_duplicates().sort_values(list(LINK_COLUMNS)).reset_index(drop=True)


def collect(model: Any) -> dict[str, pd.DataFrame]:
    """The spec's collect hook: the run's exchange log and its candidate links."""
    log = model.exchanges_frame()[["supplier", "receiver", "resource", "start", "status",
                                   "reason"]]
    return {"links": log, "candidates": candidate_links(model)}


# ---------------------------------------------------------------------- scoring
def link_scores(exchanges: pd.DataFrame, observed: pd.DataFrame, *,
                active_only: bool) -> dict[str, float]:
    """Links emerged and matched, precision, recall and F1 (``compare.compare_links``)."""
    result = compare_links(exchanges, observed, active_only=active_only)
    return {"n": result.n_emerged, "matched": len(result.matched),
            "precision": result.precision, "recall": result.recall, "f1": result.f1}


def random_baseline(candidates: pd.DataFrame, observed: pd.DataFrame,
                    n_links: int | Mapping[str, int], rng: np.random.Generator,
                    draws: int = BASELINE_DRAWS) -> dict[str, float]:
    """Mean precision, recall and F1 of random networks drawn from the candidate links.

    Each draw picks ``n_links`` distinct links uniformly from ``candidates`` (or, if
    ``n_links`` maps resources to counts, that many distinct links of each resource from
    that resource's candidates) and scores them against ``observed`` as
    :func:`~symbiosis_abm.compare.compare_links` does: precision = matched / drawn (NaN if
    nothing is drawn), recall = matched / observed links, F1 = 0 when both are 0.

    Examples
    --------
    >>> cand = pd.DataFrame({"supplier": ["a", "a", "b", "c"], "receiver": ["b", "c", "c", "a"],
    ...                      "resource": ["steam", "steam", "sludge", "sludge"]})
    >>> obs = cand.iloc[[0, 2]]
    >>> rng = np.random.default_rng(0)
    >>> random_baseline(cand, obs, 4, rng)            # every candidate: no randomness
    {'precision': 0.5, 'recall': 1.0, 'f1': 0.6666666666666666}
    >>> round(random_baseline(cand, obs, 1, rng, draws=20000)["precision"], 2)
    0.5
    >>> random_baseline(cand, obs, {"steam": 2}, rng)  # both steam links, one observed
    {'precision': 0.5, 'recall': 0.5, 'f1': 0.5}
    """
    cand = candidates.loc[:, list(LINK_COLUMNS)].astype(str).drop_duplicates()
    seen = set(observed.loc[:, list(LINK_COLUMNS)].astype(str).itertuples(index=False,
                                                                          name=None))
    hit = np.array([link in seen for link in cand.itertuples(index=False, name=None)],
                   dtype=float)
    if isinstance(n_links, Mapping):
        resources = cand["resource"].to_numpy()
        groups = {res: np.flatnonzero(resources == res) for res in n_links}
        counts = dict(n_links)
    else:
        groups, counts = {None: np.arange(len(cand))}, {None: int(n_links)}
    matched = np.zeros(draws)
    total = 0
    for key, k in counts.items():
        idx = groups[key]
        if k > len(idx):
            raise ValueError(f"cannot draw {k} links of {key or 'any resource'} from "
                             f"{len(idx)} candidates")
        if k <= 0:
            continue
        pick = np.argsort(rng.random((draws, len(idx))), axis=1)[:, :k]
        matched += hit[idx][pick].sum(axis=1)
        total += k
    if total == 0:
        return {"precision": np.nan, "recall": 0.0 if seen else np.nan, "f1": np.nan}
    precision = matched / total
    recall = matched / len(seen) if seen else np.full(draws, np.nan)
    with np.errstate(invalid="ignore", divide="ignore"):
        f1 = np.where(precision + recall > 0,
                      2 * precision * recall / (precision + recall), 0.0)
    return {"precision": float(precision.mean()), "recall": float(recall.mean()),
            "f1": float(f1.mean())}


def score_run(run: dict[str, Any], arm: str, observed: pd.DataFrame,
              viable: set[tuple[str, str, str]] | None = None
              ) -> tuple[dict[str, Any], pd.DataFrame]:
    """One row of scores and baselines for a run, and its links (long table).

    ``viable``: the links viable at full trust (:func:`~symbiosis_abm.opportunities.
    viable_links`); the third baseline draws as many of them as the run formed links (all
    of them if the run formed more)."""
    log, cand = run["exchanges"], run["candidates"]
    row: dict[str, Any] = {"arm": arm, "seed": run["seed"], "ticks": run["ticks"],
                           "exchanges_started": run["exchanges_started"],
                           "negotiations_opened": run["negotiations_opened"],
                           "candidate_links": len(cand)}
    rng = np.random.default_rng([run["seed"], 20180])
    for suffix, _ in COUNTS:
        active_only = suffix == "active"
        scores = link_scores(log, observed, active_only=active_only)
        row[f"links_{suffix}"] = scores.pop("n")
        row[f"matched_{suffix}"] = scores.pop("matched")
        row.update({f"model_{k}_{suffix}": v for k, v in scores.items()})
        links = log[log["status"] == "active"] if active_only else log
        links = links.loc[:, list(LINK_COLUMNS)].drop_duplicates()
        uniform = random_baseline(cand, observed, len(links), rng)
        per_res = random_baseline(cand, observed,
                                  links["resource"].value_counts().to_dict(), rng)
        row.update({f"rand_{k}_{suffix}": v for k, v in uniform.items()})
        row.update({f"randres_{k}_{suffix}": v for k, v in per_res.items()})
        pool = cand[[link in (viable or set()) for link in
                     cand.loc[:, list(LINK_COLUMNS)].itertuples(index=False, name=None)]]
        among_viable = random_baseline(pool, observed, min(len(links), len(pool)), rng)
        row.update({f"randviable_{k}_{suffix}": v for k, v in among_viable.items()})
    seen = set(observed.loc[:, list(LINK_COLUMNS)].itertuples(index=False, name=None))
    links = (log.assign(active=log["status"] == "active")
             .groupby(list(LINK_COLUMNS), as_index=False)
             .agg(first_start=("start", "min"), active_end=("active", "any"),
                  last_reason=("reason", "last")))
    links.loc[links["active_end"], "last_reason"] = ""
    links.insert(0, "seed", run["seed"])
    links.insert(0, "arm", arm)
    links["observed"] = [tuple(x) in seen for x in
                         links.loc[:, list(LINK_COLUMNS)].itertuples(index=False, name=None)]
    return row, links


def score_all(results: Any, observed: pd.DataFrame,
              viable: set[tuple[str, str, str]] | None = None
              ) -> tuple[pd.DataFrame, pd.DataFrame, pd.DataFrame]:
    """Score every finished run of the sweep; per-run rows, links, candidate links."""
    label = {name: arm for arm, name in ARMS}
    logs = dict(tuple(results.table("links").groupby("run_id")))
    cands_all = results.table("candidates")
    empty = pd.DataFrame(columns=["supplier", "receiver", "resource", "start", "status",
                                  "reason"])
    rows, links = [], []
    for run in results.summary.itertuples():
        cand = cands_all[cands_all["run_id"] == run.run_id].loc[:, list(LINK_COLUMNS)]
        one = {"seed": run.seed, "ticks": run.ticks, "candidates": cand.reset_index(drop=True),
               "exchanges": logs.get(run.run_id, empty).reset_index(drop=True),
               "exchanges_started": run.exchanges_started,
               "negotiations_opened": run.negotiations_opened}
        row, run_links = score_run(one, label[run.arm], observed, viable)
        rows.append(row)
        links.append(run_links)
    order = {arm: i for i, (arm, _) in enumerate(ARMS)}
    frame = (pd.DataFrame(rows).assign(_o=lambda f: f["arm"].map(order))
             .sort_values(["_o", "seed"]).drop(columns="_o").reset_index(drop=True))
    link_frame = (pd.concat(links, ignore_index=True).assign(_o=lambda f: f["arm"].map(order))
                  .sort_values(["_o", "seed", *LINK_COLUMNS]).drop(columns="_o")
                  .reset_index(drop=True))
    first = results.summary["run_id"].iloc[0]
    cands = cands_all[cands_all["run_id"] == first].loc[:, list(LINK_COLUMNS)]
    return frame, link_frame, cands.reset_index(drop=True)


# ---------------------------------------------------------------------- summaries
def share_ci(k: int, n: int) -> tuple[float, float, float]:
    """Share k/n with its 95% Wilson interval."""
    if n == 0:
        return np.nan, np.nan, np.nan
    ci = stats.binomtest(k, n).proportion_ci(confidence_level=0.95, method="wilson")
    return k / n, float(ci.low), float(ci.high)


def link_shares(frame: pd.DataFrame, links: pd.DataFrame, observed: pd.DataFrame
                ) -> pd.DataFrame:
    """Per arm and observed link: share of runs where it formed / was active at the end."""
    rows = []
    for arm, _ in ARMS:
        n = int((frame["arm"] == arm).sum())
        sub = links[links["arm"] == arm]
        for link in observed.loc[:, list(LINK_COLUMNS)].itertuples(index=False, name=None):
            mine = sub[(sub["supplier"] == link[0]) & (sub["receiver"] == link[1])
                       & (sub["resource"] == link[2])]
            formed, low, high = share_ci(len(mine), n)
            rows.append({"arm": arm, "supplier": link[0], "receiver": link[1],
                         "resource": link[2], "runs": n, "formed": formed,
                         "formed_low": low, "formed_high": high,
                         "active_end": mine["active_end"].sum() / n if n else np.nan,
                         "median_first_tick": (float(mine["first_start"].median())
                                               if len(mine) else np.nan)})
    return pd.DataFrame(rows)


def unexpected_shares(frame: pd.DataFrame, links: pd.DataFrame) -> pd.DataFrame:
    """Per unexpected link: share of runs of each arm in which it formed."""
    extra = links[~links["observed"]]
    runs = frame.groupby("arm")["seed"].count()
    table = (extra.groupby([*LINK_COLUMNS, "arm"]).size().unstack("arm", fill_value=0)
             .reindex(columns=[a for a, _ in ARMS], fill_value=0))
    for arm in table.columns:
        table[arm] = table[arm] / runs[arm]
    table["max"] = table.max(axis=1)
    return table.sort_values(["max", *[a for a, _ in ARMS]], ascending=False).reset_index()


def competitors(links: pd.DataFrame, link: tuple[str, str, str], arm: str,
                top: int = 2) -> list[tuple[tuple[str, str, str], float]]:
    """Links of the same resource that took the receiver's need or the supplier's stream in
    the runs of ``arm`` where ``link`` did not form, with the share of those runs."""
    s, r, res = link
    sub = links[links["arm"] == arm]
    formed = set(sub.loc[(sub["supplier"] == s) & (sub["receiver"] == r)
                         & (sub["resource"] == res), "seed"])
    others = sub[~sub["seed"].isin(formed) & (sub["resource"] == res)
                 & ((sub["receiver"] == r) | (sub["supplier"] == s))]
    n = sub["seed"].nunique() - len(formed) if sub["seed"].nunique() else 0
    if n <= 0 or others.empty:
        return []
    counts = others.groupby(list(LINK_COLUMNS))["seed"].nunique().sort_values(ascending=False)
    return [(tuple(idx), int(c) / n) for idx, c in counts.head(top).items()]


def region_context(observed: pd.DataFrame) -> dict[tuple[str, str, str], dict[str, float]]:
    """Per observed link: the supplier's stream volume, the receiver's need volume and the
    total need volume of that resource in the region (from the region file)."""
    from symbiosis_abm import load_region
    region = load_region(REGION)
    streams = {(f.id, s.resource): s.volume_per_year for f in region.firms for s in f.streams}
    needs = {(f.id, n.resource): n.volume_per_year for f in region.firms for n in f.needs}
    out = {}
    for s, r, res in observed.loc[:, list(LINK_COLUMNS)].itertuples(index=False, name=None):
        out[(s, r, res)] = {
            "stream": streams.get((s, res), np.nan), "need": needs.get((r, res), np.nan),
            "all_needs": sum(v for (_, k), v in needs.items() if k == res),
            "all_streams": sum(v for (_, k), v in streams.items() if k == res)}
    return out


def opportunity_table() -> pd.DataFrame:
    """The region's opportunity map (joint surplus per candidate link at the start)."""
    from symbiosis_abm.opportunities import opportunities
    table = opportunities(REGION)
    table["rank"] = np.arange(1, len(table) + 1)
    return table.set_index(list(LINK_COLUMNS))


# ---------------------------------------------------------------------- report
def _fmt(value: float, digits: int = 3) -> str:
    if value is None or not np.isfinite(value):
        return "-"
    return f"{value:.{digits}f}"


def _mci(values: pd.Series, digits: int = 3) -> str:
    m, low, high = mean_ci(values)
    return f"{_fmt(m, digits)} [{_fmt(low, digits)}, {_fmt(high, digits)}]"


def _link(link: tuple[str, str, str]) -> str:
    return f"{link[0]} -> {link[1]} ({link[2]})"


def report(frame: pd.DataFrame, links: pd.DataFrame, cands: pd.DataFrame,
           observed_full: pd.DataFrame, manifest: dict, seconds: float,
           n_viable: int = 0, non_links: pd.DataFrame | None = None) -> str:
    """The markdown report, generated from the per-run results."""
    observed = observed_full.loc[:, list(LINK_COLUMNS)].drop_duplicates()
    n_obs = len(observed)
    seen = set(observed.itertuples(index=False, name=None))
    cand_set = set(cands.itertuples(index=False, name=None))
    n_cand = len(cand_set)
    n_obs_cand = len(seen & cand_set)
    seeds = frame["seed"].nunique()
    ticks = int(frame["ticks"].iloc[0])
    sources = sorted({s.strip() for cell in observed_full["source"] for s in cell.split(";")})
    per_src = {s: int(sum(s in [x.strip() for x in cell.split(";")]
                          for cell in observed_full["source"])) for s in sources}
    lines = [
        "# Kalundborg: does the network that emerges resemble the real symbiosis?",
        "",
        "**Primary outcome:** F1 of the links formed with the facilitator against the "
        "documented links; named before the runs, the other measures are secondary.",
        "",
        "Generated by `experiments/validate_kalundborg.py` from the sweep spec "
        f"`experiments/validate_kalundborg.toml` (`--replicates {seeds} --ticks {ticks}`); "
        f"{len(frame)} runs"
        + (f" ({seconds / 60:.1f} min wall time on {manifest.get('workers')} workers)"
           if seconds else "")
        + f", code at {code_version(ROOT)}. Region `kalundborg` (2018) with the default "
        "parameters, once with its facilitator (the Kalundborg Symbiosis secretariat) and "
        "once without, on the same seeds (so the two arms are paired by seed). "
        f"Scores from `symbiosis_abm.compare.compare_links` against "
        f"`docs/validation/kalundborg_observed_links.csv`.",
        "",
        *in_short(frame, links, observed, n_cand, n_obs_cand),
        "## The observed list",
        "",
        f"{n_obs} links documented for 2018 or the nearest period, each backed by sources "
        "read for this purpose (how the list was made, and the documented exchanges that "
        "could not be listed: `docs/validation/README.md`). Sources cited (rows citing "
        "each): " + ", ".join(f"`{s}` ({per_src[s]})" for s in sources) + ".",
        "",
        f"The region allows {n_cand} distinct candidate links (a stream and a need of the same "
        f"resource within transport range); {n_obs_cand} of the {n_obs} observed links are "
        f"among them. So a network that picked candidate links at random would already have "
        f"an expected precision of {n_obs_cand}/{n_cand} = {n_obs_cand / n_cand:.3f}: the "
        "region data (who has which stream and need) already carries much of the pattern. "
        "That is why every score below is set against a random network with the same number "
        "of links.",
        "",
        "## Scores",
        "",
        f"Mean [95% CI] over {seeds} seeds. *Random, uniform*: as many links as the run "
        f"formed, drawn uniformly without replacement from the candidate links "
        f"({BASELINE_DRAWS} draws per run, averaged). *Random, per resource*: as many links "
        "of each resource as the run formed of it, drawn from that resource's candidates "
        "(a harder baseline: it knows how many steam, water, sludge ... links to make). "
        "*Random among viable candidates*: as many links as the run formed, drawn uniformly "
        f"from the {n_viable} candidate links whose joint surplus at full trust is positive "
        "(`symbiosis-abm validate kalundborg --provenance`; all of them when the run formed "
        "more): it knows which links could pay.",
        "",
    ]
    for suffix, wording in COUNTS:
        lines += [f"### Counting {wording}", "",
                  "| arm | source | links | precision | recall | F1 |",
                  "|---|---|---|---|---|---|"]
        for arm, _ in ARMS:
            sub = frame[frame["arm"] == arm]
            for prefix, label in SOURCES:
                cells = [_mci(sub[f"{prefix}_{k}_{suffix}"]) for k in SCORES]
                lines.append(f"| {arm} | {label} | {_mci(sub[f'links_{suffix}'], 1)} | "
                             + " | ".join(cells) + " |")
        lines += ["", "Paired differences, mean [95% CI] (**bold**: the CI excludes 0):", "",
                  "| comparison | precision | recall | F1 |", "|---|---|---|---|"]
        for arm, _ in ARMS:
            sub = frame[frame["arm"] == arm]
            for prefix, label in SOURCES[1:]:
                cells = [_diff(sub[f"model_{k}_{suffix}"] - sub[f"{prefix}_{k}_{suffix}"])
                         for k in SCORES]
                lines.append(f"| {arm}: model - {label} | " + " | ".join(cells) + " |")
        paired = frame.pivot(index="seed", columns="arm")
        cells = [_diff(paired[(f"model_{k}_{suffix}", ARMS[0][0])]
                       - paired[(f"model_{k}_{suffix}", ARMS[1][0])]) for k in SCORES]
        lines += [f"| model: {ARMS[0][0]} - {ARMS[1][0]} (same seeds) | "
                  + " | ".join(cells) + " |", ""]

    shares = link_shares(frame, links, observed)
    context = region_context(observed)
    opp = opportunity_table()
    lines += ["## Each observed link", "",
              "Share of runs in which the link formed at all [95% Wilson CI], share in which "
              "it was active at the end, median tick (month) it first formed; and its rank "
              f"among the {len(opp)} candidate links by joint surplus at the start "
              "(`symbiosis-abm opportunities kalundborg`).", "",
              "| observed link | surplus rank | " + " | ".join(
                  f"{arm}: formed | {arm}: active at end | {arm}: first tick"
                  for arm, _ in ARMS) + " |",
              "|---|---|" + "---|" * (3 * len(ARMS))]
    for link in observed.itertuples(index=False, name=None):
        cells = []
        for arm, _ in ARMS:
            row = shares[(shares["arm"] == arm) & (shares["supplier"] == link[0])
                         & (shares["receiver"] == link[1]) & (shares["resource"] == link[2])
                         ].iloc[0]
            cells += [f"{row['formed']:.2f} [{row['formed_low']:.2f}, "
                      f"{row['formed_high']:.2f}]", f"{row['active_end']:.2f}",
                      _fmt(row["median_first_tick"], 0)]
        rank = int(opp.loc[link, "rank"]) if link in opp.index else "-"
        lines.append(f"| {_link(link)} | {rank} | " + " | ".join(cells) + " |")

    extra = unexpected_shares(frame, links)
    lines += ["", "## Links that formed but are not in the observed list", "",
              "The most frequent ones: share of runs in which each formed.", "",
              "| link | " + " | ".join(arm for arm, _ in ARMS) + " |",
              "|---|" + "---|" * len(ARMS)]
    for _, row in extra.head(12).iterrows():
        lines.append(f"| {_link(tuple(row[list(LINK_COLUMNS)]))} | "
                     + " | ".join(f"{row[arm]:.2f}" for arm, _ in ARMS) + " |")
    never = sorted(cand_set - seen - set(extra[list(LINK_COLUMNS)].itertuples(
        index=False, name=None)))
    if never:
        lines += ["", "Candidate links that are not observed and never formed in any run: "
                  + ", ".join(f"`{_link(x)}`" for x in never) + "."]

    lines += ["", *non_link_lines(frame, links, non_links)]
    lines += ["", *what_came_out(frame, shares, extra, links, context, opp, n_obs,
                                  n_obs_cand, n_cand)]
    return "\n".join(lines)


def non_link_lines(frame: pd.DataFrame, links: pd.DataFrame,
                   non_links: pd.DataFrame | None) -> list[str]:
    """How often each documented non-link (an exchange sources say was considered and
    not made) formed, per arm, with a 95% Wilson CI: a run that forms one contradicts
    the sources."""
    if non_links is None or non_links.empty:
        return []
    out = ["## Documented non-links", "",
           "Exchanges that sources say were considered and not made "
           "(`docs/validation/kalundborg_non_links.csv`): share of runs in which each formed "
           "[95% Wilson CI] and share in which it was active at the end.", "",
           "| non-link | source | " + " | ".join(f"{arm}: formed | {arm}: active at end"
                                               for arm, _ in ARMS) + " |",
           "|---|---|" + "---|" * (2 * len(ARMS))]
    for row in non_links.itertuples(index=False):
        link = (row.supplier, row.receiver, row.resource)
        cells = []
        for arm, _ in ARMS:
            runs = frame[frame["arm"] == arm]["seed"].nunique()
            sub = links[(links["arm"] == arm) & (links["supplier"] == link[0])
                        & (links["receiver"] == link[1]) & (links["resource"] == link[2])]
            formed, low, high = share_ci(int(sub["seed"].nunique()), runs)
            active = int(sub[sub["active_end"]]["seed"].nunique()) / max(runs, 1)
            cells += [f"{formed:.2f} [{low:.2f}, {high:.2f}]", f"{active:.2f}"]
        out.append(f"| {_link(link)} | {row.source} | " + " | ".join(cells) + " |")
    return out


def in_short(frame: pd.DataFrame, links: pd.DataFrame, observed: pd.DataFrame, n_cand: int,
             n_obs_cand: int) -> list[str]:
    """The headline in a few generated sentences (numbers read off the results)."""
    out = ["## In short (generated from the results below)", ""]
    for arm, _ in ARMS:
        sub = frame[frame["arm"] == arm]
        f1 = sub["model_f1_ever"].mean()
        du = mean_ci(sub["model_f1_ever"] - sub["rand_f1_ever"])
        dr = mean_ci(sub["model_f1_ever"] - sub["randres_f1_ever"])
        dv = mean_ci(sub["model_f1_ever"] - sub["randviable_f1_ever"])
        clear = "clearly" if dr[1] > 0 else "not clearly"
        out.append(
            f"- **{arm}**: F1 {f1:.2f} (precision {sub['model_precision_ever'].mean():.2f}, "
            f"recall {sub['model_recall_ever'].mean():.2f}, every link that ever formed). "
            f"That is {du[0]:+.2f} [{du[1]:+.2f}, {du[2]:+.2f}] above a random network of "
            f"the same size among the {n_cand} candidate links, {dr[0]:+.2f} "
            f"[{dr[1]:+.2f}, {dr[2]:+.2f}] above one with the same number of links per "
            f"resource and {dv[0]:+.2f} [{dv[1]:+.2f}, {dv[2]:+.2f}] above one drawn among "
            f"the viable candidates: {clear} better than the per-resource chance, but chance "
            "alone is already right "
            f"{n_obs_cand / n_cand:.0%} of the time because the region lists only firms that "
            "have matching streams and needs.")
    paired = frame.pivot(index="seed", columns="arm")
    a, b = ARMS[0][0], ARMS[1][0]
    dr = mean_ci(paired[("model_recall_ever", a)] - paired[("model_recall_ever", b)])
    dp = mean_ci(paired[("model_precision_ever", a)] - paired[("model_precision_ever", b)])
    shares = link_shares(frame, links, observed).pivot_table(
        index=list(LINK_COLUMNS), columns="arm", values="formed")
    needs_fac = [x for x in shares.index if shares.loc[x, a] >= 0.9 and shares.loc[x, b] <= 0.1]
    out.append(f"- **Facilitator**: recall {dr[0]:+.2f} [{dr[1]:+.2f}, {dr[2]:+.2f}], precision "
               f"{dp[0]:+.2f} [{dp[1]:+.2f}, {dp[2]:+.2f}] (paired by seed). "
               f"{len(needs_fac)} observed link(s) formed in at least 90% of runs with it and "
               "at most 10% without: " + (", ".join(f"`{_link(x)}`" for x in needs_fac)
                                          or "none") + ".")
    extra = links[~links["observed"]]
    kinds = [UNDOCUMENTED_NOTES.get(x, ("without a note", ""))[0] for x in
             extra.loc[:, list(LINK_COLUMNS)].itertuples(index=False, name=None)]
    kind_share = pd.Series(kinds).value_counts(normalize=True)
    context = region_context(observed)
    unreliable = [x for x in shares.index if (shares.loc[x] < 0.9).any()]
    short = [x for x in unreliable if np.isfinite(context[x]["stream"])
             and context[x]["all_needs"] > 1.05 * context[x]["stream"]]
    out.append("- **Errors**: of all undocumented links formed (both arms, counted once per "
               "run), " + ", ".join(f"{v:.0%} {KIND_WORDS.get(k, k)}"
                                    for k, v in kind_share.items())
               + " (see the notes under *What the model gets wrong*). Of the "
               f"{len(unreliable)} documented links formed in fewer than 90% of the runs of "
               f"an arm, {len(short)} draw on a stream that the region sizes below the total "
               "need for that resource, so they compete with each other.")
    return [*out, ""]


def _diff(values: pd.Series) -> str:
    m, low, high = mean_ci(values)
    text = f"{_fmt(m)} [{_fmt(low)}, {_fmt(high)}]"
    return f"**{text}**" if np.isfinite(low) and (low > 0 or high < 0) else text


def what_came_out(frame: pd.DataFrame, shares: pd.DataFrame, extra: pd.DataFrame,
                  links: pd.DataFrame, context: dict, opp: pd.DataFrame, n_obs: int,
                  n_obs_cand: int, n_cand: int) -> list[str]:
    """Plain-language findings read off the numbers (generated, not hand-written)."""
    out = ["## What came out", ""]
    for arm, _ in ARMS:
        sub = frame[frame["arm"] == arm]
        p, r, f = (mean_ci(sub[f"model_{k}_ever"])[0] for k in SCORES)
        pa, ra = (mean_ci(sub[f"model_{k}_active"])[0] for k in SCORES[:2])
        bp, br, bf = (mean_ci(sub[f"rand_{k}_ever"])[0] for k in SCORES)
        rp, rr, rf = (mean_ci(sub[f"randres_{k}_ever"])[0] for k in SCORES)
        lo_u = mean_ci(sub["model_f1_ever"] - sub["rand_f1_ever"])[1]
        lo_r, hi_r = mean_ci(sub["model_f1_ever"] - sub["randres_f1_ever"])[1:]
        verdict_u = ("clearly above" if lo_u > 0 else "not clearly above")
        verdict_r = ("clearly above" if lo_r > 0 else
                     "clearly below" if hi_r < 0 else "not clearly different from")
        out.append(
            f"- **{arm}**: about {sub['links_ever'].mean():.1f} links formed per run "
            f"({sub['links_active'].mean():.1f} active at the end). Of the links that ever "
            f"formed, {p:.0%} are documented (precision) and they cover {r:.0%} of the "
            f"{n_obs} documented links (recall), F1 {f:.2f}; counting only links active at "
            f"the end, precision {pa:.0%} and recall {ra:.0%}. A random network of the same "
            f"size scores precision {bp:.0%}, recall {br:.0%}, F1 {bf:.2f} (model F1 "
            f"{verdict_u} it); drawing the same number per resource gives precision "
            f"{rp:.0%}, recall {rr:.0%}, F1 {rf:.2f} (model F1 {verdict_r} that).")
    paired = frame.pivot(index="seed", columns="arm")
    dr, lo, hi = mean_ci(paired[("model_recall_ever", ARMS[0][0])]
                         - paired[("model_recall_ever", ARMS[1][0])])
    dp, plo, phi = mean_ci(paired[("model_precision_ever", ARMS[0][0])]
                           - paired[("model_precision_ever", ARMS[1][0])])
    out.append(f"- **The facilitator** changes recall by {dr:+.3f} [{lo:+.3f}, {hi:+.3f}] and "
               f"precision by {dp:+.3f} [{plo:+.3f}, {phi:+.3f}] (paired by seed; a CI that "
               "includes 0 means no clear difference).")

    pivot = shares.pivot_table(index=list(LINK_COLUMNS), columns="arm", values="formed")
    always = [x for x in pivot.index if (pivot.loc[x] >= 0.95).all()]
    rare = [x for x in pivot.index if (pivot.loc[x] < 0.5).all()]
    out.append(f"- **Reproduced almost always** (formed in at least 95% of runs of both arms): "
               f"{len(always)} of {n_obs} observed links"
               + (": " + ", ".join(f"`{_link(x)}`" for x in always) if always else "") + ".")
    mixed = [x for x in pivot.index if x not in always and x not in rare]
    if mixed:
        out.append("- **Sometimes**: " + "; ".join(
            f"`{_link(x)}` (" + ", ".join(f"{arm} {pivot.loc[x, arm]:.0%}" for arm, _ in ARMS)
            + ")" for x in mixed) + ".")
    out += ["", "### What the model gets wrong, and plausible reasons", "",
            "Observed links formed in fewer than 90% of the runs of at least one arm, with "
            "what the region file, the opportunity map and the runs say about them. The "
            "reasons are the most plausible reading of those facts, not proven:", ""]
    unreliable = [x for x in pivot.index if (pivot.loc[x] < 0.9).any()]
    for link in sorted(unreliable, key=lambda x: pivot.loc[x].min()):
        out.append("- " + link_diagnosis(link, pivot, links, context, opp))
    if not unreliable:
        out.append("- none: every observed link formed in at least 90% of the runs of both "
                   "arms.")
    top = extra[extra["max"] >= 0.25]
    if len(top):
        out += ["", "Links that are not documented but formed in at least a quarter of the "
                "runs of either arm:", ""]
        for _, row in top.iterrows():
            link = tuple(row[list(LINK_COLUMNS)])
            kind, note = UNDOCUMENTED_NOTES.get(link, ("no note", ""))
            out.append(f"- `{_link(link)}` (" + ", ".join(
                f"{arm} {row[arm]:.0%}" for arm, _ in ARMS) + f"): **{kind}**: {note}")
    out += ["", "### Known limits of this comparison", "",
            "- **The region is not independent of the literature.** `kalundborg.toml` was "
            "written from the same kind of sources, and its streams and needs were chosen "
            "because the real firms had them, so part of the pattern is in the input. The "
            f"random baselines measure how much: a random pick among the {n_cand} candidate "
            f"links is right {n_obs_cand / n_cand:.0%} of the time. The model earns credit "
            "only for what it does beyond that.",
            "- **Links the region encodes but 2018 does not have.** The region gives the "
            "refinery a sulphur stream and a sulphuric-acid maker in Fredericia a sulphur "
            "need (nap1994, hutchinson: 1990s); from 2000 the refinery made all its sulphur "
            "into ammonium-thiosulphate fertiliser instead (`equinor2000`), so that link is "
            "not in the 2018 list and counts against precision whenever it forms. Likewise "
            "the farms' needs for yeast slurry and sludge describe the pre-2018 direct "
            "deliveries (pig feed since 1989, NovoGro since 1976, nap1994); by 2018 the "
            "biomass went through the biogas plant (`ks-green`, `sn2017-biogas`). Unibio's "
            "biogas need and the refinery's surplus heat for district heating have no "
            "documented exchange.",
            "- **Exchanges the region cannot represent** (partner or resource missing) are "
            "listed in `docs/validation/README.md`: e.g. industrial wastewater from Novozymes "
            "and Novo Nordisk to the utility's treatment plant and heat pump, upgraded biogas "
            "to the gas grid, the refinery's ATS fertiliser, fly ash to the concrete "
            "industry, recycled gypsum to Gyproc. They affect neither score (not in the "
            "list, cannot form) but they mean the model reproduces only part of the real "
            "network.",
            "- **Dates.** Several links are documented up to the 2000s only (cooling water and "
            "treated effluent from the refinery to Asnæs, Tissø water to Asnæs, fly ash to "
            "Aalborg Portland); whether they still ran in 2018 was not confirmed. A run of "
            f"{int(frame['ticks'].iloc[0])} months starting from no exchanges is compared "
            "with a network that grew over 50 years, so *links that ever formed* is the "
            "fairer count; *active at the end* is shown as a check."]
    return out


#: What the sources read for the observed list say about links that the model forms but
#: that are not in the list (documentary notes, not model output).
KIND_WORDS = {
    "outdated": "outdated (documented before 2018, replaced by 2018)",
    "undocumented": "undocumented (no source read reports them)",
    "plausible but undocumented": "plausible but undocumented (the receiver is documented "
                                  "to take such inputs, the supplier is not named)",
}
UNDOCUMENTED_NOTES: dict[tuple[str, str, str], tuple[str, str]] = {
    ("equinor", "acid_fredericia", "sulphur"): (
        "outdated",
        'documented in the 1990s (nap1994, hutchinson), but from August 2000 the '
        'refinery turned all its sulphur into ammonium-thiosulphate fertiliser '
        '(`equinor2000`); the region still carries the 1990s stream and need.'),
    ("kara_noveren", "bioenergi", "food_residues"): (
        "plausible but undocumented",
        'the biogas plant takes about 50,000 t/yr of other biomass (incl. animal '
        'glycerine) besides the Novo residues (`bigadan`), but no source read names '
        'KARA/NOVEREN (ARGO) as a supplier.'),
    ("equinor", "forsyning", "waste_heat_high"): (
        "undocumented",
        'the region gives the refinery surplus heat for district heating as an assumed '
        'potential; no source read reports such a delivery around 2018.'),
    ("forsyning", "farms", "sludge"): (
        "undocumented",
        "no source read reports it: the municipal sludge documented goes to Soilrem "
        "(`visitdk`), and the farms' sludge need in the region describes Novo's biosludge "
        "of the 1970s-2010s (nap1994, `sn2017-biogas`)."),
    ("forsyning", "asnaes", "treated_wastewater"): (
        "undocumented",
        "the treated water documented at Asnæs is the refinery's effluent (nap1994); "
        "the municipal plant's effluent is used for its heat pump (`ks-green`)."),
    ("novozymes", "soilrem", "sludge"): (
        "undocumented",
        "Novozymes' biomass goes to the biogas plant (`ks-members2020`)."),
    ("forsyning", "bioenergi", "sludge"): (
        "undocumented",
        "the sources name only Novo Nordisk and Novozymes residues as the plant's main "
        'feed (`ks-members2020`, `bigadan`).'),
    ("novo", "farms", "yeast_slurry"): (
        "outdated",
        'yeast slurry went to farms as pig feed from 1989 (saikku2006); by 2018 the '
        'yeast cream went to the biogas plant (`ks-members2020`).'),
    ("novozymes", "farms", "sludge"): (
        "outdated",
        'NovoGro went straight to farms from 1976 (nap1994); from 2018 it passes '
        'through the biogas plant first (`ks-green`, `sn2017-biogas`).'),
    ("asnaes", "aalborg_portland", "fgd_gypsum"): (
        "undocumented",
        "the Asnæs gypsum documented goes to Gyproc (`visitdk`); the cement works' "
        'gypsum need in the region is an assumption.'),
    ("bioenergi", "unibio", "biogas"): (
        "undocumented",
        "Unibio joined the symbiosis as an associate member in 2020 and 'takes a "
        "residual stream' (not named, `sn2020-members`); the region's biogas need is an "
        'assumption.'),
}


def link_diagnosis(link: tuple[str, str, str], pivot: pd.DataFrame, links: pd.DataFrame,
                   context: dict, opp: pd.DataFrame) -> str:
    """Facts about one observed link that formed unreliably, as one markdown bullet."""
    from symbiosis_abm.params import Parameters
    reach = Parameters().discovery_distance_km
    text = f"`{_link(link)}`: formed in " + ", ".join(
        f"{pivot.loc[link, arm]:.0%} ({arm})" for arm, _ in ARMS) + "."
    for arm, _ in ARMS:
        sub = links[(links["arm"] == arm) & (links["supplier"] == link[0])
                    & (links["receiver"] == link[1]) & (links["resource"] == link[2])]
        ended = sub[~sub["active_end"]]
        if len(ended):
            why = ended["last_reason"].value_counts()
            text += (f" {arm}: ended before the end in {len(ended)} of {len(sub)} runs where "
                     f"it formed (mostly `{why.index[0]}`).")
    if link in opp.index:
        row = opp.loc[link]
        text += (f" Surplus rank {int(row['rank'])} of {len(opp)} "
                 f"({row['surplus_full_trust_eur_per_year']:,.0f} EUR/yr at full trust).")
        if row["distance_km"] > 3 * reach:
            text += (f" The firms are {row['distance_km']:.0f} km apart: a firm's own chance "
                     f"of discovering a partner falls as exp(-d / {reach:.0f} km), so the "
                     "link is found almost only through the broker's proposals.")
        elif row["distance_km"] > reach:
            text += (f" The firms are {row['distance_km']:.0f} km apart, so each firm's own "
                     "chance of discovering the other (and of knowing it at the start) is "
                     f"only {np.exp(-row['distance_km'] / reach):.0%} of a next-door "
                     "neighbour's: found later, or not within the run, without the broker.")
        if not row["affordable"]:
            text += (f" The receiver ({row['receiver_size']}) cannot fund the capex "
                     f"({row['capex_eur']:,.0f} EUR) from its own capital; it needs the "
                     "facilitator's expert support and co-funding.")
    ctx = context[link]
    if np.isfinite(ctx["stream"]) and ctx["all_needs"] > 1.05 * ctx["stream"]:
        text += (f" The supplier's stream ({ctx['stream']:,.0f}/yr) covers only "
                 f"{ctx['stream'] / ctx['all_needs']:.0%} of all needs for {link[2]} in the "
                 f"region ({ctx['all_needs']:,.0f}/yr): it cannot serve every documented "
                 "receiver at the volumes the region assumes.")
    if np.isfinite(ctx["need"]) and ctx["all_streams"] > 1.05 * ctx["stream"]:
        text += (f" The receiver's need ({ctx['need']:,.0f}/yr) can also be met by other "
                 f"suppliers of {link[2]} ({ctx['all_streams']:,.0f}/yr on offer in all).")
    worst = min((arm for arm, _ in ARMS), key=lambda a: pivot.loc[link, a])
    comp = competitors(links, link, worst)
    if comp:
        text += (f" In the runs ({worst}) where it did not form, the stream or need went to "
                 + ", ".join(f"`{_link(c)}` ({s:.0%} of those runs)" for c, s in comp) + ".")
    return text


# ---------------------------------------------------------------------- main
def parse(argv: list[str] | None = None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    add_experiment_arguments(parser, ROOT / "runs" / "validation")
    parser.add_argument("--observed", type=Path, default=OBSERVED,
                        help="observed links CSV (supplier, receiver, resource, source, ...)")
    parser.add_argument("--results", type=Path, default=None,
                        help="folder for kalundborg_validation.md (default OUT/report; "
                             "docs/results for the committed report)")
    return parser.parse_args(argv)


def load_observed(path: Path) -> tuple[pd.DataFrame, pd.DataFrame]:
    """The observed links checked against the region (ids) and catalogue (resources), and
    the full table with its source and note columns."""
    from symbiosis_abm import load_region
    firm_ids = [f.id for f in load_region(REGION).firms]
    observed = read_observed(path, firm_ids, list(load_catalogue().names))
    full = pd.read_csv(path, dtype=str, comment="#", skipinitialspace=True)
    return observed, full


def load_non_links(path: Path) -> pd.DataFrame:
    """The documented non-links (supplier, receiver, resource, source, ...)."""
    if not path.is_file():
        return pd.DataFrame(columns=[*LINK_COLUMNS, "source"])
    return pd.read_csv(path, dtype=str, comment="#", skipinitialspace=True)


def main(argv: list[str] | None = None) -> int:
    args = parse(argv)
    observed, full = load_observed(args.observed)
    results, done = run_experiment(SPEC, args)
    if results.summary["replicate"].nunique() < 2:
        raise SystemExit("need at least 2 replicates (confidence intervals)")
    viable = viable_links(REGION)
    frame, links, cands = score_all(results, observed, viable)
    runs_file = args.out / "kalundborg_validation_runs.parquet"
    links_file = args.out / "kalundborg_validation_links.parquet"
    frame.to_parquet(runs_file, index=False)
    links.to_parquet(links_file, index=False)
    args.results = report_folder(args)
    args.results.mkdir(parents=True, exist_ok=True)
    path = args.results / "kalundborg_validation.md"
    text = report(frame, links, cands, full, results.manifest, done.seconds if done else 0.0,
                  n_viable=len(viable), non_links=load_non_links(NON_LINKS))
    path.write_text(with_banner(text, args) + "\n", encoding="utf-8")
    print(f"{len(frame)} runs; wrote {runs_file}, {links_file}, {path}")
    return 1 if len(results.failures) else 0


if __name__ == "__main__":
    sys.exit(main())
