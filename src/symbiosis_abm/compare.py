"""Pattern-oriented validation: do the links that emerged match the links observed?

A *link* is a (supplier, receiver, resource) triple; several exchanges of the same triple
(one ended, a later one renewed) are one link. :func:`compare_links` compares the links of a
run (its exchange log, ``exchanges.parquet``) with an observed list (a CSV with columns
``supplier``, ``receiver``, ``resource``, firm ids as in the region file) and returns
precision (share of emerged links that were observed), recall (share of observed links that
emerged), F1, and the missing and unexpected links.

Used by ``symbiosis-abm compare-links RUN_DIR OBSERVED.csv``. Never tune a region until it
reproduces an observed list: the comparison is only evidence if the list played no part in
building the region.

Examples
--------
>>> import pandas as pd
>>> emerged = pd.DataFrame({"supplier": ["a", "a", "b"], "receiver": ["b", "c", "c"],
...                         "resource": ["steam", "steam", "sludge"],
...                         "status": ["active", "ended", "active"]})
>>> observed = pd.DataFrame({"supplier": ["a", "c"], "receiver": ["b", "a"],
...                          "resource": ["steam", "steam"]})
>>> result = compare_links(emerged, observed)
>>> result.precision, result.recall        # 1 of 3 emerged observed, 1 of 2 observed emerged
(0.3333333333333333, 0.5)
>>> result.missing
(('c', 'a', 'steam'),)
>>> compare_links(emerged, observed, active_only=True).precision   # a->c ended
0.5
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from pathlib import Path

import pandas as pd

from .errors import SymbiosisInputError, did_you_mean

__all__ = ["LinkComparison", "compare_links", "read_observed", "observed_problems",
           "format_comparison", "LINK_COLUMNS"]

LINK_COLUMNS = ("supplier", "receiver", "resource")
Link = tuple[str, str, str]


@dataclass(frozen=True)
class LinkComparison:
    """Emerged versus observed links (each a sorted tuple of (supplier, receiver, resource)).

    ``precision`` is NaN when no link emerged; ``recall`` is NaN when none was observed.
    """

    matched: tuple[Link, ...]
    missing: tuple[Link, ...]      # observed, did not emerge
    unexpected: tuple[Link, ...]   # emerged, not observed
    n_emerged: int
    n_observed: int
    active_only: bool = False
    #: links running at the run's start (exchanges with ``start < 0``, a region's
    #: ``[[initial_exchanges]]``): given, not formed, so left out of both sides
    given: tuple[Link, ...] = ()

    @property
    def precision(self) -> float:
        return len(self.matched) / self.n_emerged if self.n_emerged else math.nan

    @property
    def recall(self) -> float:
        return len(self.matched) / self.n_observed if self.n_observed else math.nan

    @property
    def f1(self) -> float:
        p, r = self.precision, self.recall
        if math.isnan(p) or math.isnan(r) or p + r == 0:
            return math.nan if (math.isnan(p) or math.isnan(r)) else 0.0
        return 2 * p * r / (p + r)

    def table(self) -> pd.DataFrame:
        """All links with a ``status`` column: matched, missing or unexpected."""
        rows = [(*link, status) for status, links in (
            ("matched", self.matched), ("missing", self.missing),
            ("unexpected", self.unexpected)) for link in links]
        return pd.DataFrame(rows, columns=[*LINK_COLUMNS, "status"])


def _links(frame: pd.DataFrame) -> set[Link]:
    cols = frame.loc[:, list(LINK_COLUMNS)].astype(str)
    return set(cols.itertuples(index=False, name=None))


def compare_links(emerged: pd.DataFrame, observed: pd.DataFrame, *,
                  active_only: bool = False) -> LinkComparison:
    """Compare the links of an exchange log with observed links.

    Parameters
    ----------
    emerged : DataFrame
        The run's exchange log (``SymbiosisModel.exchanges_frame()``): columns supplier,
        receiver, resource and, if ``active_only``, status.
    observed : DataFrame
        Columns supplier, receiver, resource (other columns are ignored).
    active_only : bool
        Count only exchanges still active at the end of the run. By default every link that
        ever formed counts: an observed list usually records links that existed at some time.
        Links running at the start (rows with ``start < 0``) count on neither side: they
        are reported as ``given``.
    """
    given: set[Link] = set()
    if "start" in emerged.columns:   # what ran at the start was not formed in the run
        given = _links(emerged[emerged["start"] < 0])
        emerged = emerged[emerged["start"] >= 0]
    if active_only:
        emerged = emerged[emerged["status"] == "active"]
    got, seen = _links(emerged) - given, _links(observed) - given
    return LinkComparison(
        matched=tuple(sorted(got & seen)), missing=tuple(sorted(seen - got)),
        unexpected=tuple(sorted(got - seen)), n_emerged=len(got), n_observed=len(seen),
        active_only=active_only, given=tuple(sorted(given)))


def read_observed(path: Path | str, firm_ids: list[str] | None = None,
                  resources: list[str] | None = None) -> pd.DataFrame:
    """Read an observed-links CSV; every problem is one line naming the file and the fix.

    Parameters
    ----------
    path : path
        CSV with a header line; columns supplier, receiver, resource (others are kept out).
    firm_ids, resources : list of str, optional
        If given, every supplier/receiver must be one of ``firm_ids`` and every resource one
        of ``resources`` (a typo would otherwise silently lower recall).

    Raises
    ------
    SymbiosisInputError
        The file is missing, not a CSV, lacks a column, has no rows, has blank cells or
        unknown names (all problems at once).
    """
    path = Path(path)
    try:
        frame = pd.read_csv(path, dtype=str, skipinitialspace=True, comment="#")
    except FileNotFoundError:
        raise SymbiosisInputError(f"{path}: file not found") from None
    except pd.errors.EmptyDataError:
        raise SymbiosisInputError(f"{path}: empty; expected a header line "
                                  f"'supplier,receiver,resource' and one row per link") from None
    except (pd.errors.ParserError, UnicodeDecodeError, IsADirectoryError) as exc:
        first = str(exc).strip().splitlines()[0] if str(exc).strip() else type(exc).__name__
        raise SymbiosisInputError(f"{path}: not a readable CSV file ({first})") from None
    frame.columns = [str(c).strip().lower() for c in frame.columns]
    problems = observed_problems(frame, str(path), firm_ids, resources)
    if problems:
        raise SymbiosisInputError(problems)
    return frame.loc[:, list(LINK_COLUMNS)].apply(lambda col: col.str.strip())


def observed_problems(frame: pd.DataFrame, origin: str, firm_ids: list[str] | None = None,
                      resources: list[str] | None = None) -> list[str]:
    """Problems of an observed-links table: columns, rows, blank cells, unknown names.

    Examples
    --------
    >>> frame = pd.DataFrame({"supplier": ["asnaes"], "reciever": ["gyproc"]})
    >>> observed_problems(frame, "obs.csv")  # doctest: +NORMALIZE_WHITESPACE
    ["obs.csv: missing column 'receiver' (did you mean 'reciever'?); columns must include
      supplier, receiver, resource", "obs.csv: missing column 'resource'; columns must include
      supplier, receiver, resource"]
    """
    out = []
    for col in LINK_COLUMNS:
        if col not in frame.columns:
            out.append(f"{origin}: missing column {col!r}"
                       f"{did_you_mean(col, [str(c) for c in frame.columns])}; columns must "
                       f"include {', '.join(LINK_COLUMNS)}")
    if out:
        return out
    if frame.empty:
        return [f"{origin}: no links; add one row per observed link "
                f"(supplier,receiver,resource)"]
    known = {"supplier": firm_ids, "receiver": firm_ids, "resource": resources}
    for i, row in enumerate(frame.loc[:, list(LINK_COLUMNS)].itertuples(index=False)):
        for col, value in zip(LINK_COLUMNS, row):
            line = f"{origin}: row {i + 1}, {col}"  # row 1 is the first line after the header
            if not isinstance(value, str) or not value.strip():
                wanted = "resource name" if col == "resource" else "firm id"
                out.append(f"{line}: empty; give a {wanted}")
            elif known[col] is not None and value.strip() not in known[col]:
                what = "resource" if col == "resource" else "firm id of the run's region"
                out.append(f"{line}: {value.strip()!r} is not a {what}"
                           f"{did_you_mean(value.strip(), known[col])}")
    return out


def format_comparison(result: LinkComparison) -> str:
    """The comparison as text: the scores, then the missing and unexpected links."""
    def score(x: float) -> str:
        return "-" if math.isnan(x) else f"{x:.3f}"

    which = "active at the end of the run" if result.active_only else "that ever formed"
    lines = [
        f"links emerged   {result.n_emerged} ({which})",
        f"links observed  {result.n_observed}",
        f"matched         {len(result.matched)}",
        f"precision       {score(result.precision)}  (matched / emerged)",
        f"recall          {score(result.recall)}  (matched / observed)",
        f"F1              {score(result.f1)}",
    ]
    if result.given:
        lines += ["", f"running at the start (given, not scored): {len(result.given)}"]
        lines += [f"  {s} -> {r}  {res}" for s, r, res in result.given]
    for title, links in (("missing (observed, did not emerge)", result.missing),
                         ("unexpected (emerged, not observed)", result.unexpected)):
        lines += ["", f"{title}: {len(links)}"]
        lines += [f"  {s} -> {r}  {res}" for s, r, res in links]
    return "\n".join(lines)
