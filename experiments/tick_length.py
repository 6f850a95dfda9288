"""Experiment ``tick_length``: monthly against quarterly ticks (issue 18, must-show 6).

The same 20 seeds run for 10 years with ``tick_months`` 1 and 3 (parameter of
src/symbiosis_abm/params.py), on ``kalundborg`` and the synthetic region at the defaults.
Printed and written to ``OUT/tick_length.md``: active exchanges at the end, tonnes
diverted and firms' net savings over the 10 years, with the mean paired difference
(quarterly - monthly), absolute and relative to the monthly mean, and 95% CIs. Issue 18
asks for the two within 5% of each other (or the tick length refused).

The model now refuses every tick length but one month (``tick_months`` in
src/symbiosis_abm/params.py: quarterly ticks gave outcomes 5-14 % off the monthly ones, so
the rules do not honour them). While it does, the script runs nothing: it prints the
refusal and writes it to ``OUT/tick_length.md``.

Usage::

    python experiments/tick_length.py --out runs/tick_length     # 20 seeds x 120 months
    python experiments/tick_length.py --quick                     # smoke test
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

import paired_runs as pr

from symbiosis_abm.errors import ParameterError
from symbiosis_abm.params import Parameters

REGIONS = ("kalundborg", "synthetic")
ARMS = {"monthly": {"tick_months": 1.0}, "quarterly": {"tick_months": 3.0}}
MEASURES = (("active_exchanges", "active exchanges at the end"),
            ("diverted_t", "materials diverted, t (whole run)"),
            ("savings_meur", "firms' net savings, MEUR (whole run)"),
            ("exchanges_started", "exchanges started (whole run)"))


def parse(argv: list[str] | None = None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    pr.add_arguments(parser, "tick_length", months=120, quick=(2, 24))
    return pr.finish_arguments(parser, parser.parse_args(argv))


def report(frame, args, seconds: float) -> str:
    lines = pr.header("Monthly against quarterly ticks", "tick_length.py", args, seconds)
    lines += ["Each seed runs with monthly and with quarterly ticks (`tick_months` 1 and 3), "
              "the same months; the difference is quarterly - monthly, paired by seed, its "
              "relative value divided by the monthly mean. Issue 18 asks for the outcomes "
              "within 5% of each other.", ""]
    lines += pr.paired_table(frame, REGIONS, "monthly", "quarterly", MEASURES)
    pairs = [pr.paired(frame, r, "monthly", "quarterly", c) for r in REGIONS
             for c, _ in MEASURES[:3]]
    within = sum(abs(p["rel_pct"]) <= 5 for p in pairs)
    inside = sum(-5 <= p["rel_low"] and p["rel_high"] <= 5 for p in pairs)
    lines += ["", f"Of the {len(pairs)} region-measure pairs of issue 18 (the first three "
              f"measures): mean relative difference within 5% in {within}; 95% CI inside "
              f"+-5% in {inside}."]
    return "\n".join(lines)


def refusals() -> dict[str, str]:
    """The arms whose tick length the model refuses, with its message."""
    out = {}
    for arm, params in ARMS.items():
        try:
            Parameters(**params)
        except ParameterError as err:
            out[arm] = str(err)
    return out


def main(argv: list[str] | None = None) -> int:
    args = parse(argv)
    refused = refusals()
    if refused:
        text = "\n".join(["# Monthly against quarterly ticks", "",
                          "Issue 18, must-show 6: the model refuses the tick length, so "
                          "there is nothing to compare:", ""]
                         + [f"- {arm}: {msg}" for arm, msg in refused.items()])
        out = Path(args.out)
        out.mkdir(parents=True, exist_ok=True)
        (out / "tick_length.md").write_text(text + "\n", encoding="utf-8")
        print(text)
        print(f"wrote {out / 'tick_length.md'}")
        return 0
    design = [(region, arm, params, seed) for region in REGIONS for arm, params in ARMS.items()
              for seed in range(args.seeds)]
    return pr.run_and_report("tick_length", design, args, report)


if __name__ == "__main__":
    sys.exit(main())
