"""Figures about the bundled regions' data: firms, candidate links, documented links,
links viable at full trust, viable distractors per documented link, numbers resting on
assumptions, and stream/need pairs with equal volumes.

Run from the repository root::

    python docs/validation/region_stats.py            # all bundled regions
    python docs/validation/region_stats.py kalundborg  # one region

A *candidate link* is a (supplier stream, receiver need) pair of the same resource, of
two different firms, whose route (straight line times the detour factor) is within the
longest range of the resource's transport modes: exactly the pairs the model's partner
search can consider (``build_world`` with ``max_candidates=1000``). *Documented links*
are the rows of ``docs/validation/<region>_observed_links.csv``. *Viable* links and
*viable distractors per documented link* are those of ``symbiosis-abm validate REGION
--provenance`` (:func:`symbiosis_abm.opportunities.link_census`): candidates whose firms
coexist and whose joint surplus at full trust is positive; the distractors are the viable
ones that are not documented.

An *equal-volume pair* is a stream and a need of the same resource, of different firms,
with equal yearly volumes where the two numbers do not each carry their own source: the
pattern of a need sized to a partner's stream (or the reverse), which builds the
documented link into the data.
"""

from __future__ import annotations

import csv
import sys
import tomllib
from pathlib import Path

from symbiosis_abm import bundled_regions, load_region
from symbiosis_abm import provenance as _provenance
from symbiosis_abm.catalogue import load_catalogue
from symbiosis_abm.opportunities import link_census
from symbiosis_abm.params import Parameters
from symbiosis_abm.world import build_world

HERE = Path(__file__).resolve().parent


def observed_links(name: str) -> list[dict]:
    """Rows of ``<name>_observed_links.csv`` (comment lines skipped); [] if none."""
    path = HERE / f"{name}_observed_links.csv"
    if not path.exists():
        return []
    lines = [ln for ln in path.read_text(encoding="utf-8").splitlines()
             if ln.strip() and not ln.startswith("#")]
    return list(csv.DictReader(lines))


def candidate_links(name: str) -> set[tuple[str, str, str]]:
    """(supplier, receiver, resource) of every candidate link of a bundled region."""
    region = load_region(name)
    world = build_world(region, load_catalogue(), Parameters(max_candidates=1000))
    return {(world.firm_ids[s], world.firm_ids[r], world.catalogue.names[k])
            for s, r, k in zip(world.edge_supplier, world.edge_receiver,
                               world.edge_resource)}


def _own_source(table: dict, field: str = "volume_per_year") -> bool:
    """True when ``field`` of ``table`` rests on a source, not on an assumption."""
    per_field = table.get("sources") or {}
    if field in per_field:
        return not str(per_field[field]).strip().lower().startswith("assumption")
    return isinstance(table.get("source"), str)


def equal_volume_pairs(path: Path) -> list[tuple[str, str, str, float]]:
    """(supplier, receiver, resource, volume) of stream/need pairs with equal volumes that
    do not both carry their own source."""
    data = tomllib.loads(Path(path).read_text(encoding="utf-8"))
    streams = [(f["id"], s) for f in data.get("firms", []) for s in f.get("streams", [])]
    needs = [(f["id"], n) for f in data.get("firms", []) for n in f.get("needs", [])]
    found = []
    for sf, s in streams:
        for nf, n in needs:
            if (sf != nf and s["resource"] == n["resource"]
                    and float(s["volume_per_year"]) == float(n["volume_per_year"])
                    and not (_own_source(s) and _own_source(n))):
                found.append((sf, nf, s["resource"], float(s["volume_per_year"])))
    return found


def provenance_counts(path: Path) -> tuple[int, int]:
    """(fields resting on an assumption, fields resting on a source) in a region file, as
    ``symbiosis-abm validate --provenance`` counts them (a list of numbers is one field)."""
    data = tomllib.loads(Path(path).read_text(encoding="utf-8"))
    counts = _provenance.provenance_counts(data)
    return counts["assumptions"], counts["sourced"]


def stats(name: str) -> dict:
    path = bundled_regions()[name]
    region = load_region(name)
    cands = candidate_links(name)
    documented = {(r["supplier"], r["receiver"], r["resource"]) for r in observed_links(name)}
    assumed, sourced = provenance_counts(path)
    census = link_census(region, documented or None)
    return {
        "region": name, "firms": len(region.firms), "candidate_links": len(cands),
        "documented_links": len(documented),
        "documented_among_candidates": len(documented & cands),
        "ratio": (len(cands) / len(documented)) if documented else float("nan"),
        "viable_links": census["viable_at_full_trust"],
        "distractors_per_documented": census["viable_distractors_per_documented_link"],
        "assumed_fields": assumed, "sourced_fields": sourced,
        "equal_volume_pairs": len(equal_volume_pairs(path)),
    }


def main(argv: list[str]) -> int:
    names = argv or sorted(bundled_regions())
    unknown = [n for n in names if n not in bundled_regions()]
    if unknown:
        print(f"region_stats.py: {unknown[0]!r} is not a bundled region; allowed: "
              f"{', '.join(sorted(bundled_regions()))} (none: all)", file=sys.stderr)
        return 2
    cols = ["region", "firms", "candidate_links", "documented_links",
            "documented_among_candidates", "ratio", "viable_links",
            "distractors_per_documented", "assumed_fields", "sourced_fields",
            "equal_volume_pairs"]
    print(" | ".join(cols))
    for name in names:
        row = stats(name)
        print(" | ".join(f"{row[c]:.1f}" if c in ("ratio", "distractors_per_documented")
                         else str(row[c]) for c in cols))
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
