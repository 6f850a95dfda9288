"""Targeting: which matches a broker with limited staff time proposes first.

Each strategy is a pure ordering of the broker's feasible candidate matches:

``largest_streams``
    Largest stream volume first, in the resource's units (Kalundborg's lesson: focus on
    large, persistent streams). Volumes in different units are compared by their value,
    volume x (virgin price + disposal cost), so a MWh and a tonne are comparable.
``highest_surplus``
    Highest expected joint surplus first.
``smes_first``
    Matches with an SME on either side first (Västernorrland: SMEs need support), then by
    surplus.
``most_isolated``
    Matches whose two firms have the fewest current partners first (spreads the network),
    then by surplus.
``random``
    A random order (the baseline a strategy must beat).
"""

from __future__ import annotations

import numpy as np

from .kernels import lexsort_prefix
from .params import TARGETING_STRATEGIES

__all__ = ["rank_matches", "lexsort_first", "STRATEGY_READS"]

#: what each strategy orders by besides the surplus (:func:`rank_matches` reads no other
#: input of the candidates, so a caller need not compute the others)
STRATEGY_READS: dict[str, tuple[str, ...]] = {
    "largest_streams": ("stream_value",), "highest_surplus": (),
    "smes_first": ("involves_sme",), "most_isolated": ("partner_count",), "random": ()}


def rank_matches(
    strategy: str,
    *,
    stream_value: np.ndarray | None,
    surplus: np.ndarray,
    involves_sme: np.ndarray | None,
    partner_count: np.ndarray | None,
    rng: np.random.Generator,
    first: int | None = None,
) -> np.ndarray:
    """Indices of candidate matches, best first, under ``strategy``.

    With ``first``, only the ``first`` best (the same as the full order's first ones):
    a broker proposes a few of thousands of candidates, and sorting only those that can
    come first costs a fraction of sorting all. ``random`` always gives the full order
    (its draws do not depend on ``first``).

    Parameters
    ----------
    stream_value : yearly value of the supplier's stream (EUR/year)
    surplus : expected joint surplus (EUR/year)
    involves_sme : whether either side is an SME
    partner_count : current partners of both firms together

    An input the strategy does not read (:data:`STRATEGY_READS`) may be None.

    Examples
    --------
    >>> rng = np.random.default_rng(0)
    >>> kw = dict(stream_value=np.array([1.0, 9.0, 5.0]), surplus=np.array([3.0, 1.0, 2.0]),
    ...           involves_sme=np.array([False, False, True]),
    ...           partner_count=np.array([0, 4, 2]), rng=rng)
    >>> rank_matches("largest_streams", **kw).tolist()
    [1, 2, 0]
    >>> rank_matches("highest_surplus", **kw).tolist()
    [0, 2, 1]
    >>> rank_matches("smes_first", **kw).tolist()
    [2, 0, 1]
    >>> rank_matches("most_isolated", **kw).tolist()
    [0, 2, 1]
    >>> rank_matches("largest_streams", first=2, **kw).tolist()
    [1, 2]
    """
    if strategy not in TARGETING_STRATEGIES:
        raise ValueError(f"targeting {strategy!r}: choose one of {', '.join(TARGETING_STRATEGIES)}")
    n = len(surplus)
    if strategy == "random":
        return rng.permutation(n)
    if strategy == "largest_streams":
        keys = (-surplus, -stream_value)
    elif strategy == "highest_surplus":
        keys = (-surplus,)
    elif strategy == "smes_first":
        keys = (-surplus, ~np.asarray(involves_sme, dtype=bool))
    else:  # most_isolated
        keys = (-surplus, partner_count)
    return lexsort_first(keys, n if first is None else first)


def lexsort_first(keys: tuple[np.ndarray, ...], first: int) -> np.ndarray:
    """``np.lexsort(keys)[:first]`` for one or two keys (the last the primary), sorting
    only the items whose primary key is at most the ``first``-th smallest: the others
    cannot come first. Ties keep their order, as in :func:`numpy.lexsort`. One compiled
    pass (:func:`.kernels.lexsort_prefix`, on the keys as floats: a bool or a count is
    the same number there, in the same order).

    Examples
    --------
    >>> keys = (np.array([0.0, 1.0, 2.0, 3.0]), np.array([2.0, 1.0, 1.0, 0.0]))
    >>> lexsort_first(keys, 2).tolist(), np.lexsort(keys)[:2].tolist()
    ([3, 1], [3, 1])
    """
    if not 1 <= len(keys) <= 2:
        raise ValueError(f"lexsort_first: one or two keys, not {len(keys)}")
    primary = np.asarray(keys[-1], dtype=np.float64)
    return lexsort_prefix(primary, np.asarray(keys[0], dtype=np.float64), int(first))
