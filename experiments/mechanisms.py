"""Experiment ``mechanisms``: what each dynamics mechanism does, switched off against on.

Every mechanism of issue 9 (hold-up, trials, introductions, breaches and broken trust,
lead times, process changes, demography, cascades, price moves, fading) is switched off
in turn against the defaults, on the same seeds (common random numbers: each random
process has its own stream, so the arms are paired by seed). The policy levers (landfill
tax, carbon price) and the facilitator (absent; withdrawn after 5 years) are compared the
same way. Regions: a 300-firm synthetic region (seed ``r`` runs on generated region
``region_seeds[r % k]``, so the region is a random factor) and two bundled regions. The report also measures the pace of the default network over 20 years, the
strong and weak ties, endings per year by reason, a facilitator's withdrawal, and the
second-order endings after the largest supplier of Kalundborg closes.

Outputs
-------
``OUT/mechanisms_runs.parquet``, ``OUT/mechanisms_series.parquet``
    One row per run, and the yearly series of the default and withdrawal arms
    (git-ignored).
``RESULTS/mechanisms.md``, ``RESULTS/mechanisms_withdrawal.png``
    The report, generated from the numbers (``--results``; default ``OUT/report``).

Usage::

    python experiments/mechanisms.py --replicates 20 --years 20 --out runs/mechanisms
    python experiments/mechanisms.py --out runs/mechanisms --results docs/results   # committed
    python experiments/mechanisms.py --out runs/mechanisms --report-only
"""

from __future__ import annotations

import argparse
import dataclasses
import sys
import time
from concurrent.futures import as_completed
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
from tqdm.auto import tqdm

from symbiosis_abm import SymbiosisModel
from symbiosis_abm.measures import largest_key_supplier, time_to_first, time_to_share
from symbiosis_abm.region import load_region
from symbiosis_abm.reporting import code_version, mean_ci
from symbiosis_abm.sweep.analyze import adjust_p
from symbiosis_abm.sweep.experiment import process_pool, report_folder
from symbiosis_abm.sweep.findings import paired_effect, verdict

ROOT = Path(__file__).resolve().parents[1]
REGIONS = ("synthetic", "kalundborg", "vastra_malardalen")

#: Arm name -> (parameter overrides, what the arm is, why it may be inert).
ARMS: dict[str, tuple[dict[str, Any], str]] = {
    "defaults": ({}, "all mechanisms at their defaults"),
    "no hold-up": ({"holdup_weight": 0.0}, "signing threshold does not rise with dedicated "
                   "capex"),
    "no trials": ({"trial_volume_share": 0.0}, "strangers cannot start with a small trial"),
    "no introductions": ({"introduction_rate": 0.0}, "partners' partners do not become known"),
    "no breach or broken trust": ({"trust_loss_breach": 0.0, "trust_break": 0.0},
                                  "early exits do not damage trust; low trust never ends "
                                  "an exchange"),
    "no lead times": ({"lead_time_pipe_months": 0.0, "lead_time_truck_months": 0.0,
                       "lead_time_ship_months": 0.0, "lead_time_local_months": 0.0},
                      "deliveries start when the contract is signed"),
    "no process changes": ({"process_change_rate": 0.0, "dormant_share": 0.0},
                           "streams and needs never change; all exist from the start"),
    "no demography": ({"exit_rate_sme": 0.0, "exit_rate_large": 0.0},
                      "no firm exits (and so no newcomers)"),
    "no cascades": ({"cascade": False}, "produced streams do not follow their inputs"),
    "no price moves": ({"price_volatility": 0.0}, "virgin prices stay at catalogue levels"),
    "no fading": ({"registry_lapse_rate": 0.0, "awareness_fade_rate": 0.0},
                  "awareness and registry membership never lapse"),
    "no facilitator": ({"facilitator": False}, "no public facilitator at all"),
    "withdrawal at year 5": ({"facilitator_end_tick": 60}, "the facilitator withdraws after "
                             "5 years"),
    "landfill tax +50 EUR/t": ({"landfill_tax_eur_per_t": 50.0}, "policy: landfill tax on "
                               "landfill-bound materials"),
    "carbon price 100 EUR/t": ({"carbon_price_eur_per_t": 100.0}, "policy: carbon price on "
                               "avoided emissions"),
}
#: Arms whose effect is reported as (defaults - arm): switching the mechanism ON.
MECHANISM_OFF = [a for a in ARMS if a.startswith("no ") and a != "no facilitator"]

#: Outcome measures: column, label.
MEASURES = (
    ("active_exchanges", "active exchanges at the end"),
    ("diverted_t", "materials diverted, t (whole run)"),
    ("co2e_t", "CO2e avoided, t (whole run)"),
    ("savings_meur", "firms' net savings, MEUR (whole run)"),
)
INTERNAL = ("unprofitable", "partner closed", "process change", "broken trust")


def region_args(region: str, args: argparse.Namespace, seed: int) -> dict[str, Any]:
    """The synthetic region's size and the generated region seed ``seed`` runs on (every
    arm of a seed on the same region, so the pairs hold)."""
    if region != "synthetic":
        return {}
    return {"n_firms": args.firms,
            "region_seed": args.region_seeds[seed % len(args.region_seeds)]}


def _stranded_share(stranded_eur: float, firm_savings: np.ndarray) -> float:
    """Stranded capex as a percentage of the firms' gross gains from exchanges (NaN
    without gains): what hold-up protects against (docs/ODD.md 7.16)."""
    gains = float(np.sum(firm_savings))
    return 100.0 * stranded_eur / gains if gains > 0 else float("nan")


def run_one(region: str, arm: str, params: dict[str, Any], seed: int,
            ticks: int) -> tuple[dict[str, Any], pd.DataFrame | None]:
    """One run: its outcome measures, and its yearly series for the default and withdrawal
    arms (a pure function of its inputs; only ``seconds`` varies)."""
    started = time.perf_counter()
    model = SymbiosisModel(region, rng=seed, **params)
    model.run(ticks)
    s, ts, ex = model.summary(), model.timeseries(), model.exchanges_frame()
    active = ts["active_exchanges"].to_numpy()
    year = ts.index.to_numpy() // 12
    internal = ex[ex["reason"].isin(INTERNAL)]
    row = {
        "region": region, "arm": arm, "seed": seed, "ticks": ticks,
        "firms": model.world.n_firms, "region_seed": params.get("region_seed", -1),
        "active_exchanges": s["active_exchanges"],
        "diverted_t": s["materials_diverted_t_total"],
        "co2e_t": s["co2e_avoided_t_total"],
        "savings_meur": s["firm_net_savings_eur"] / 1e6,
        "exchanges_started": s["exchanges_started"],
        "median_start_year": float(np.median(ex["start"]) / 12) if len(ex) else np.nan,
        "share_started_y10_20": float(((ex["start"] >= 120) & (ex["start"] < 240)).mean())
        if len(ex) else np.nan,
        "started_y10_20": int(((ex["start"] >= 120) & (ex["start"] < 240)).sum()),
        "years_with_internal_endings": int(len(np.unique(internal["end"] // 12))),
        "first_exchange_month": time_to_first(active),
        "half_network_month": time_to_share(active, 0.5),
        "strong_ties": float(ts["strong_ties"].iloc[-1]),
        "weak_ties": float(ts["weak_ties"].iloc[-1]),
        "mean_trust_strong": float(ts["mean_trust_strong"].iloc[-1]),
        "mean_trust_weak": float(ts["mean_trust_weak"].iloc[-1]),
        "active_at_60": float(active[59]) if len(active) >= 60 else np.nan,
        "active_at_120": float(active[119]) if len(active) >= 120 else np.nan,
        "low_trust_failures": s["failure_reasons"].get("low trust", 0),
        "stranded_share_pct": _stranded_share(s["stranded_capex_eur"], model.firm_savings),
        "failures": sum(s["failure_reasons"].values()),
        **{f"ended: {r}": n for r, n in s["end_reasons"].items()},
        "seconds": time.perf_counter() - started,
    }
    series = None
    if arm in ("defaults", "withdrawal at year 5"):
        series = pd.DataFrame({"region": region, "arm": arm, "seed": seed, "tick": ts.index,
                               "year": year, "active_exchanges": active,
                               "ended_internal": ts["exchanges_ended_internal"].to_numpy(),
                               "strong_ties": ts["strong_ties"].to_numpy(),
                               "weak_ties": ts["weak_ties"].to_numpy()})
    return row, series


def closure_pair(seed: int, ticks: int, closed_at: int) -> dict[str, Any]:
    """Kalundborg with and without its largest supplier of a key input closing at
    ``closed_at``: exchanges not involving it that end within 3 years after (paired)."""
    base = load_region("kalundborg")
    largest = largest_key_supplier(base)
    closed = dataclasses.replace(base, firms=tuple(
        dataclasses.replace(f, closes_at_tick=closed_at) if f.id == largest else f
        for f in base.firms))
    out = {"seed": seed, "closed_firm": largest}
    for name, reg in (("stays", base), ("closes", closed)):
        model = SymbiosisModel(reg, rng=seed)
        model.run(min(ticks, closed_at + 36))
        ex = model.exchanges_frame()
        other = ex[(ex["supplier"] != largest) & (ex["receiver"] != largest)]
        out[name] = int(((other["status"] == "ended") & (other["end"] > closed_at)).sum())
    return out


def design(args: argparse.Namespace) -> list[tuple[str, str, dict[str, Any], int]]:
    return [(region, arm, {**region_args(region, args, seed), **ARMS[arm][0]}, seed)
            for region in REGIONS for arm in ARMS for seed in range(args.replicates)]


def run_all(args: argparse.Namespace) -> tuple[pd.DataFrame, pd.DataFrame, pd.DataFrame]:
    rows, series, closures = [], [], []
    ticks = 12 * args.years
    with process_pool(args.workers) as pool:
        futures = {pool.submit(run_one, region, arm, params, seed, ticks): "run"
                   for region, arm, params, seed in design(args)}
        futures.update({pool.submit(closure_pair, seed, ticks, 36): "closure"
                        for seed in range(args.replicates)})
        for future in tqdm(as_completed(futures), total=len(futures), desc="mechanisms",
                           unit="run"):
            if futures[future] == "closure":
                closures.append(future.result())
                continue
            row, ser = future.result()
            rows.append(row)
            if ser is not None:
                series.append(ser)
    frame = pd.DataFrame(rows).sort_values(["region", "arm", "seed"]).reset_index(drop=True)
    return (frame, pd.concat(series, ignore_index=True),
            pd.DataFrame(closures).sort_values("seed").reset_index(drop=True))


def _paired_test(frame: pd.DataFrame, region: str, arm: str, column: str, sign: float):
    """:func:`~symbiosis_abm.sweep.findings.paired_effect` of (arm - defaults) x sign; the
    region seed is a random factor where it varies."""
    sub = frame[frame["region"] == region]
    wide = sub.pivot(index="seed", columns="arm", values=column)
    seeds = sub.groupby("seed")["region_seed"].first() if "region_seed" in sub else None
    clusters = seeds.reindex(wide.index) if seeds is not None and seeds.nunique() > 1 \
        else None
    return paired_effect(sign * (wide[arm] - wide["defaults"]), clusters)


def tests_table(frame: pd.DataFrame) -> pd.DataFrame:
    """Every comparison of the report (region x arm x measure) with its raw p and the p
    adjusted over all of them (Benjamini-Hochberg): the report's family of tests."""
    rows = []
    for region in dict.fromkeys(frame["region"]):
        for arm in ARMS:
            if arm == "defaults":
                continue
            sign = -1.0 if arm in MECHANISM_OFF else 1.0
            for column, _ in MEASURES:
                m, low, high, p, test, n = _paired_test(frame, region, arm, column, sign)
                rows.append({"region": region, "arm": arm, "measure": column, "mean": m,
                             "ci_low": low, "ci_high": high, "p": p, "test": test, "n": n})
    table = pd.DataFrame(rows)
    table["p_adjusted"] = adjust_p(table["p"], "bh")
    table["clear"] = [verdict(r.mean, r.ci_low, r.ci_high, r.p_adjusted) != "no clear effect"
                      for r in table.itertuples()]
    return table.set_index(["region", "arm", "measure"])


def _fmt(value: float) -> str:
    if not np.isfinite(value):
        return "-"
    if abs(value) < 10:
        return f"{value:.2f}"
    return f"{value:,.1f}" if abs(value) < 1000 else f"{value:,.0f}"


def _cell(m: float, low: float, high: float, clear: bool | None = None) -> str:
    """``mean [low, high]``, bold when clear (by default: the CI excludes 0)."""
    text = f"{_fmt(m)} [{_fmt(low)}, {_fmt(high)}]"
    if clear is None:
        clear = bool(np.isfinite(low) and (low > 0 or high < 0))
    return f"**{text}**" if clear else text


def effects_table(tests: pd.DataFrame, region: str) -> tuple[list[str], list[str]]:
    """Markdown rows of effects (from :func:`tests_table`), and the names of the arms
    with no clear effect on any measure."""
    lines = ["| comparison | " + " | ".join(label for _, label in MEASURES) + " |",
             "|---" * (len(MEASURES) + 1) + "|"]
    inert = []
    for arm in ARMS:
        if arm == "defaults":
            continue
        on = arm in MECHANISM_OFF
        label = f"{arm.removeprefix('no ')} (on - off)" if on else f"{arm} (arm - defaults)"
        cells, clear = [], False
        for column, _ in MEASURES:
            row = tests.loc[(region, arm, column)]
            clear |= bool(row["clear"])
            p = "-" if not np.isfinite(row["p_adjusted"]) else f"{row['p_adjusted']:.2g}"
            cells.append(_cell(row["mean"], row["ci_low"], row["ci_high"], bool(row["clear"]))
                         + f" ({p})")
        if not clear:
            inert.append(arm)
        lines.append(f"| {label} | " + " | ".join(cells) + " |")
    return lines, inert


def pace_lines(frame: pd.DataFrame, series: pd.DataFrame) -> list[str]:
    d = frame[(frame["region"] == "synthetic") & (frame["arm"] == "defaults")]
    n = len(d)

    def stat(col: str, scale: float = 1.0) -> str:
        m, low, high = mean_ci(d[col] * scale)
        return f"{_fmt(m)} [{_fmt(low)}, {_fmt(high)}]"

    years = int(d["ticks"].iloc[0] // 12)
    lines = [
        f"On the {int(d['firms'].iloc[0])}-firm synthetic region at the defaults over "
        f"{years} years ({n} seeds; mean [95% CI]):", "",
        f"- median start of an exchange: year {stat('median_start_year')} "
        f"(after year 2 in {int((d['median_start_year'] > 2).sum())} of {n} seeds);",
        f"- exchanges started in years 10-20: {stat('started_y10_20')} per run, "
        f"{stat('share_started_y10_20', 100)} % of all started;",
        f"- years with at least one internal ending ({', '.join(INTERNAL)}): "
        f"{stat('years_with_internal_endings')} of {years};",
        f"- first exchange in month {stat('first_exchange_month')}; half of the final "
        f"network in month {stat('half_network_month')};",
        f"- ties at the end: strong {stat('strong_ties')}, weak {stat('weak_ties')}; mean "
        f"trust on strong ties {stat('mean_trust_strong')}, on weak ties "
        f"{stat('mean_trust_weak')};",
        f"- 'low trust' is {stat('low_trust_failures')} of {stat('failures')} failed "
        "negotiations per run.", "",
        "Exchanges ended per run by reason (mean over seeds):", "",
    ]
    ended = [c for c in frame.columns if c.startswith("ended: ")]
    cells = d[ended].fillna(0).mean()
    lines += ["| " + " | ".join(c.removeprefix("ended: ") for c in ended) + " |",
              "|---" * len(ended) + "|",
              "| " + " | ".join(_fmt(v) for v in cells) + " |", ""]
    per_year = (series[(series["region"] == "synthetic") & (series["arm"] == "defaults")]
                .groupby(["seed", "year"])["ended_internal"].sum().groupby("year").mean())
    lines += ["Internal endings per year (mean over seeds): "
              + ", ".join(f"y{int(y)} {v:.1f}" for y, v in per_year.items()), ""]
    return lines


def stranded_lines(frame: pd.DataFrame) -> list[str]:
    """Stranded capex as a share of gross gains with hold-up on (defaults) and off, per
    region, with the paired difference (issue 18, must-show 4)."""
    out = ["## Stranded capex with hold-up on and off", "",
           "Stranded capex (`stranded_capex_eur`: the annuities still owed on assets whose "
           "exchange ended, undiscounted with interest, so it can exceed the capex) as a "
           "percentage of the firms' gross gains from exchanges over the run; mean over "
           "seeds, and the paired difference off - on [95% CI] (the region seed a random "
           "factor on the synthetic region).", "",
           "| region | hold-up on (defaults) | hold-up off | off - on |", "|---|---|---|---|"]
    for region in REGIONS:
        sub = frame[frame["region"] == region]
        on = sub[sub["arm"] == "defaults"]["stranded_share_pct"]
        off = sub[sub["arm"] == "no hold-up"]["stranded_share_pct"]
        m, low, high, _, _, _ = _paired_test(frame, region, "no hold-up",
                                             "stranded_share_pct", 1.0)
        out.append(f"| {region} | {_fmt(on.mean())} % | {_fmt(off.mean())} % | "
                   f"{_cell(m, low, high)} points |")
    return [*out, ""]


def withdrawal_lines(frame: pd.DataFrame) -> list[str]:
    lines = []
    for region in REGIONS:
        sub = frame[frame["region"] == region].pivot(index="seed", columns="arm",
                                                     values="active_at_120")
        at60 = frame[(frame["region"] == region) & (frame["arm"] == "withdrawal at year 5")]
        at60 = at60.set_index("seed")["active_at_60"]
        wd, stay = sub["withdrawal at year 5"], sub["defaults"]
        m, low, high = mean_ci(wd - stay)
        lines.append(
            f"- {region}: 5 years after withdrawal {_fmt(wd.mean())} active exchanges against "
            f"{_fmt(stay.mean())} when it stays (paired difference {_cell(m, low, high)}); "
            f"fewer than staying in {int((wd < stay).sum())} of {len(wd)} seeds, fewer than at "
            f"the moment of withdrawal ({_fmt(at60.mean())}) in {int((wd < at60).sum())} of "
            f"{len(wd)} seeds.")
    return lines


def figure(series: pd.DataFrame, path: Path) -> None:
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    fig, axes = plt.subplots(1, len(REGIONS), figsize=(4.2 * len(REGIONS), 3.2))
    for ax, region in zip(axes, REGIONS):
        for arm, color in (("defaults", "C0"), ("withdrawal at year 5", "C3")):
            sub = series[(series["region"] == region) & (series["arm"] == arm)]
            wide = sub.pivot(index="tick", columns="seed", values="active_exchanges")
            mean = wide.mean(axis=1)
            sem = wide.std(axis=1, ddof=1) / np.sqrt(wide.shape[1])
            ax.plot(mean.index / 12, mean, color=color, label=arm.replace("defaults",
                                                                          "facilitator stays"))
            ax.fill_between(mean.index / 12, mean - 1.96 * sem, mean + 1.96 * sem,
                            color=color, alpha=0.2)
        ax.axvline(5, color="grey", ls="--", lw=0.8)
        ax.set_title(region, fontsize=9)
        ax.set_xlabel("year")
        ax.tick_params(labelsize=7)
    axes[0].set_ylabel("active exchanges")
    axes[0].legend(fontsize=7)
    fig.suptitle("Facilitator withdrawn after 5 years (dashed) vs staying: mean and 95% CI",
                 fontsize=9)
    fig.tight_layout()
    path.parent.mkdir(parents=True, exist_ok=True)
    fig.savefig(path, dpi=130)
    plt.close(fig)


#: Why a mechanism can be inert (stated only where the numbers show it is); otherwise the
#: report says its effect is within the run-to-run spread.
WHY_INERT = {
    "landfill tax +50 EUR/t": "only streams whose alternative is landfill pay it; in the "
                              "catalogue that is biomass ash alone by default, so few "
                              "candidates are affected",
    "carbon price 100 EUR/t": "100 EUR/t adds 0.1 x 100 = 10 EUR/MWh to waste heat and a few "
                              "EUR per tonne to most materials on the receiver's side; few "
                              "marginal candidates cross zero",
    "no cascades": "cascades act only where a stream is produced from an input "
                   "(`produced_from`) and that input is cut; vastra_malardalen has no such "
                   "stream, the synthetic region has them only at biogas plants",
    "no trials": "a trial must pay at a quarter of the volume by a mode without a fixed line; "
                 "heat, steam and water have no such mode, and few small deals pay",
    "no demography": "the firms of a bundled region close only at their documented dates "
                     "(no random exit: issue 19), so switching random exits off changes "
                     "nothing there",
    "no price moves": "price moves end some exchanges and make others pay; the totals "
                      "barely move",
}
NOISE = "its effect is within the run-to-run spread at this number of seeds"
#: Explanations that hold only for the small bundled regions.
BUNDLED_ONLY = ("no demography",)


def why_inert(arm: str, region: str) -> str:
    if arm in BUNDLED_ONLY and region == "synthetic":
        return NOISE
    return WHY_INERT.get(arm, NOISE)


def report(frame: pd.DataFrame, series: pd.DataFrame, closures: pd.DataFrame,
           args: argparse.Namespace, seconds: float) -> str:
    n_seeds = frame["seed"].nunique()
    tests = tests_table(frame)
    lines = [
        "# Experiment `mechanisms`: each dynamics mechanism off against on",
        "",
        "**Primary outcome:** active exchanges at the end of the run; named before the "
        "runs, the other measures are secondary.",
        "",
        f"Generated by `experiments/mechanisms.py --replicates {n_seeds} --years "
        f"{int(frame['ticks'].iloc[0] // 12)} --firms {args.firms} --region-seeds "
        f"{','.join(map(str, args.region_seeds))}`; {len(frame)} runs ({frame['seconds'].sum() / 60:.1f} min of run "
        "time" + (f", {seconds / 60:.1f} min wall time" if seconds else "") + "), code at "
        f"{code_version(ROOT)}. Every arm ran on the same seeds; each random process draws "
        "from its own stream, so differences are paired by seed (common random numbers). "
        "Effects are mean paired differences with 95% intervals and, in brackets, the p "
        "value adjusted for multiple comparisons (Benjamini-Hochberg over all "
        f"{len(tests)} comparisons of this report); **bold** where the interval excludes 0 "
        "and the adjusted p is below 0.05. On the synthetic region each seed runs on one of "
        f"{len(args.region_seeds)} generated regions (seed r on region seed "
        "`region_seeds[r % k]`, every arm alike), and the effect is the mean of the "
        "per-region means with a t interval and t test over them: the region is a random "
        "factor. For a mechanism the effect is *on - off* (defaults minus the "
        "arm with it switched off); for the facilitator and policy arms it is *arm - "
        "defaults*.",
        "",
        "Arms:", "",
        *[f"- `{arm}`: {what}; overrides `{ARMS[arm][0]}`" for arm, (_, what) in
          ((a, v) for a, v in ARMS.items())],
        "",
        "## Pace, ties and endings at the defaults", "",
        *pace_lines(frame, series),
        "Documented patterns the defaults were set against (docs/ODD.md 7.23): Kalundborg "
        "grew over more than 40 years and keeps changing (seed 004; links ended with process "
        "changes, Jacobsen 2006); Köping's links came in 1982, 2013 and 2017 (seed 000); EU "
        "enterprise death rates are about 9 % a year, far lower for large firms, with births "
        "close to deaths (Eurostat business demography); many negotiations fail "
        "(DESIGN.md). These are qualitative targets (a network that takes years, keeps "
        "forming and keeps losing links), not fitted numbers; the rates themselves are "
        "assumptions listed in docs/parameters.md.", "",
        "## Effects of each mechanism", "",
    ]
    for region in REGIONS:
        rows, inert = effects_table(tests, region)
        sub = frame[frame["region"] == region]
        firms = int(sub["firms"].iloc[0])
        d = sub[sub["arm"] == "defaults"]
        low = d["low_trust_failures"].sum() / max(1, d["failures"].sum())
        lines += [f"### {region} ({firms} firms)", "", *rows, "",
                  f"At the defaults 'low trust' is {100 * low:.0f} % of failed negotiations "
                  "here (hold-up binds where this share is large).", ""]
        if inert:
            lines += ["No clear effect here (no CI excludes 0 with an adjusted p below 0.05): "
                      + "; ".join(f"`{a}` -- {why_inert(a, region)}" for a in inert)
                      + ".", ""]
        else:
            lines += ["Every comparison has a clear effect on at least one measure.", ""]
    lines += [*stranded_lines(frame)]
    lines += ["## Facilitator withdrawal", "", "![withdrawal](mechanisms_withdrawal.png)", "",
              *withdrawal_lines(frame), ""]
    if len(closures):
        m, low, high = mean_ci(closures["closes"] - closures["stays"])
        lines += [
            "## Second-order endings after a closure", "",
            f"Kalundborg, its largest supplier of a key input (a resource another firm's "
            f"streams are produced from: `{closures['closed_firm'].iloc[0]}`) closing in "
            "month 36 against staying "
            f"(paired, {len(closures)} seeds): exchanges *not involving it* that ended within 3 "
            f"years: {_fmt(closures['closes'].mean())} against {_fmt(closures['stays'].mean())}"
            f"; paired difference {_cell(m, low, high)}.", ""]
    lines += ["The CIs are separate 95% intervals, not corrected for multiple comparisons."]
    return "\n".join(lines)


def _seed_list(text: str) -> tuple[int, ...]:
    try:
        seeds = tuple(int(x) for x in text.split(","))
    except ValueError:
        raise argparse.ArgumentTypeError(f"{text!r}: give whole numbers separated by "
                                         "commas, e.g. 1,2,3") from None
    if not seeds or min(seeds) < 0:
        raise argparse.ArgumentTypeError(f"{text!r}: region seeds must be >= 0")
    return seeds


def parse(argv: list[str] | None = None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--replicates", type=int, default=20, help="seeds per arm")
    parser.add_argument("--years", type=int, default=20, help="years per run (monthly ticks)")
    parser.add_argument("--firms", type=int, default=300, help="firms in the synthetic region")
    parser.add_argument("--region-seeds", type=_seed_list, default=tuple(range(1, 11)),
                        help="generated synthetic regions, e.g. 1,2,3 (seed r runs on the "
                             "(r mod k)-th; default 1-10)")
    parser.add_argument("--out", type=Path, default=ROOT / "runs" / "mechanisms",
                        help="folder for the Parquet files (git-ignored)")
    parser.add_argument("--workers", type=int, default=2, help="worker processes")
    parser.add_argument("--results", type=Path, default=None,
                        help="folder for mechanisms.md and its figure (default OUT/report; "
                             "docs/results for the committed report)")
    parser.add_argument("--report-only", action="store_true",
                        help="do not run; remake the report from OUT's Parquet files")
    return parser.parse_args(argv)


def main(argv: list[str] | None = None) -> int:
    args = parse(argv)
    args.results = report_folder(args)
    files = [args.out / f"mechanisms_{k}.parquet" for k in ("runs", "series", "closures")]
    if args.report_only:
        frame, series, closures = (pd.read_parquet(f) for f in files)
        seconds = 0.0
    else:
        started = time.perf_counter()
        frame, series, closures = run_all(args)
        seconds = time.perf_counter() - started
        args.out.mkdir(parents=True, exist_ok=True)
        for data, f in zip((frame, series, closures), files):
            data.to_parquet(f, index=False)
    args.results.mkdir(parents=True, exist_ok=True)
    figure(series, args.results / "mechanisms_withdrawal.png")
    (args.results / "mechanisms.md").write_text(
        report(frame, series, closures, args, seconds) + "\n", encoding="utf-8")
    print(f"{len(frame)} runs in {seconds:.0f} s; wrote {args.results / 'mechanisms.md'}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
