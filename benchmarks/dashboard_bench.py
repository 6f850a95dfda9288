"""Dashboard speed: one Step (model and twin advance, every panel redraws) on a bundled
region and on a synthetic region, against the two model steps alone in the same run.

    python benchmarks/dashboard_bench.py [--steps 10] [--firms 500]

Prints per region: the model and twin step alone (the reference), step plus render of
the whole page in-process (solara.render: what the server computes per click, without the
browser's transfer and paint), and their ratio; and the data a step sends the browser
(the map's and plots' changed rows, JSON) against the full data sets. Not a test: figures
depend on the machine (the byte counts do not).
"""

from __future__ import annotations

import argparse
import json
import statistics
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "tests"))

import ipyvuetify as v  # noqa: E402
from dashboard_support import button, having, labelled, render_page, walk  # noqa: E402

from symbiosis_abm.dashboard.run import DashboardRun  # noqa: E402
from symbiosis_abm.dashboard.widgets import VegaView  # noqa: E402


def _median_ms(action, repeats: int) -> float:
    times = []
    for _ in range(repeats):
        t0 = time.perf_counter()
        action()
        times.append(time.perf_counter() - t0)
    return 1000 * statistics.median(times)


def bench(region: str, steps: int, firms: int) -> None:
    settings = {"n_firms": firms} if region == "synthetic" else {}
    run = DashboardRun(region, rng=1, **settings)
    model_ms = _median_ms(run.step, steps)
    box, rc = render_page()
    if region != "kalundborg":
        labelled(box, v.Select, "Region").v_model = region
        if region == "synthetic":
            lever = having(box, "control-n_firms")[0]
            [slider] = [x for x in walk(lever) if isinstance(x, v.Slider)]
            slider.v_model = firms
        button(rc, "Reset").click()
    step = button(rc, "Step")
    page_ms = _median_ms(step.click, steps)
    views = [x for x in walk(box) if isinstance(x, VegaView)]
    sent = full = 0
    for _ in range(steps):
        step.click()
        sent += sum(len(json.dumps(x.changes)) for x in views)
        full += sum(len(json.dumps(x.datasets)) for x in views)
    name = f"{region} ({run.main.world.n_firms} firms)"
    print(f"{name:28s} model+twin step {model_ms:7.1f} ms | step + page render "
          f"{page_ms:7.1f} ms | ratio {page_ms / model_ms:5.1f} | sent per step "
          f"{sent / steps / 1024:5.1f} KiB of {full / steps / 1024:5.1f} KiB")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--steps", type=int, default=10)
    parser.add_argument("--firms", type=int, default=500)
    args = parser.parse_args()
    for region in ("kalundborg", "synthetic"):
        bench(region, args.steps, args.firms)


if __name__ == "__main__":
    main()
