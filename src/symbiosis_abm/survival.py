"""How long exchanges last: which endings count as events, and Kaplan-Meier estimates.

An exchange's lifetime runs from the tick it is signed to the tick it ends. For the
lifetime *of the contract and its economics*, only endings caused by the contract or its
economics are events (:data:`CONTRACT_ENDINGS`); a partner's exit, a completed trial that
continues as a full exchange and the end of the run censor the lifetime
(:data:`CENSORING_ENDINGS`, and an exchange still active). For the all-cause lifetime every
ending is an event. An ending reason in neither set raises :class:`UnknownEndingError`, so
that a reason added to the rules is classified on purpose, never by default.

The estimator is :func:`scipy.stats.ecdf` on :class:`scipy.stats.CensoredData` (the
Kaplan-Meier product-limit estimate, Greenwood confidence intervals).
"""

from __future__ import annotations

import warnings
from dataclasses import dataclass

import numpy as np
import pandas as pd
from scipy import stats

__all__ = ["CONTRACT_ENDINGS", "CENSORING_ENDINGS", "UnknownEndingError", "is_event",
           "lifetimes", "KaplanMeier", "kaplan_meier"]

#: Endings from the contract and its economics: events of the contract lifetime.
CONTRACT_ENDINGS = frozenset({
    "unprofitable",          # a side lost money beyond its patience
    "expired",               # the contract ran out and was not renewed
    "renegotiation failed",  # renewal found no price both sides accept (issue 18)
    "broken trust",          # trust fell below the break level
    "process change",        # the stream or need stopped or fell below what is contracted
    "below minimum volume",  # the stream or need fell below the contract's band (issue 18)
    "asset worn out",        # the worn-out asset did not pay to replace (issue 18)
})
#: Endings that say nothing about the contract: censor the contract lifetime.
CENSORING_ENDINGS = frozenset({
    "partner closed",        # a partner left the region
    "trial completed",       # the trial grows into a full exchange
})


class UnknownEndingError(ValueError):
    """An ending reason that :mod:`symbiosis_abm.survival` does not classify."""


def is_event(reason: pd.Series | np.ndarray, active: pd.Series | np.ndarray,
             all_causes: bool = False) -> np.ndarray:
    """Whether each exchange's observed lifetime ends in an event (else it is censored).

    Parameters
    ----------
    reason : array of str
        The ending reason of each exchange (``exchanges_frame()["reason"]``; ignored
        where ``active``).
    active : array of bool
        Whether the exchange is still active at the end of the run (always censored).
    all_causes : bool
        Count every ending as an event (the all-cause lifetime).

    Returns
    -------
    numpy.ndarray of bool

    Raises
    ------
    UnknownEndingError
        If an ended exchange has a reason in neither :data:`CONTRACT_ENDINGS` nor
        :data:`CENSORING_ENDINGS`.

    Examples
    --------
    >>> is_event(["expired", "partner closed", ""], [False, False, True]).tolist()
    [True, False, False]
    >>> is_event(["expired", "partner closed", ""], [False, False, True],
    ...          all_causes=True).tolist()
    [True, True, False]
    """
    reason = np.asarray(reason, dtype=object)
    ended = ~np.asarray(active, dtype=bool)
    known = CONTRACT_ENDINGS | CENSORING_ENDINGS
    unknown = sorted({str(r) for r in reason[ended] if r not in known})
    if unknown:
        raise UnknownEndingError(
            f"exchange ending reason(s) {', '.join(map(repr, unknown))} not classified: add "
            "each to CONTRACT_ENDINGS (an event of the contract) or CENSORING_ENDINGS in "
            "src/symbiosis_abm/survival.py")
    if all_causes:
        return ended
    return ended & np.isin(reason, sorted(CONTRACT_ENDINGS))


def lifetimes(frame: pd.DataFrame, horizon: int, tick_months: float = 1.0,
              all_causes: bool = False) -> pd.DataFrame:
    """Observed lifetime (years) and event flag of each exchange of one run.

    Parameters
    ----------
    frame : pandas.DataFrame
        The run's ``exchanges_frame()``: columns ``start``, ``end``, ``status``
        (``"active"`` or ``"ended"``) and ``reason``.
    horizon : int
        Ticks the run lasted: an exchange still active is censored at ``horizon - start``.
    tick_months : float
        Months per tick.
    all_causes : bool
        Every ending is an event.

    Returns
    -------
    pandas.DataFrame
        Columns ``years`` and ``event``, in the order of ``frame``.

    Examples
    --------
    >>> ex = pd.DataFrame({"start": [0, 12, 30], "end": [24, 18, -1],
    ...                    "status": ["ended", "ended", "active"],
    ...                    "reason": ["expired", "partner closed", ""]})
    >>> lifetimes(ex, horizon=60).to_dict("list")
    {'years': [2.0, 0.5, 2.5], 'event': [True, False, False]}
    """
    active = frame["status"].to_numpy() == "active"
    end = np.where(active, horizon, frame["end"].to_numpy())
    ticks = end - frame["start"].to_numpy()
    if (ticks < 0).any():
        raise ValueError("an exchange ends before it starts, or after the horizon: check "
                         "'horizon' against the run's ticks")
    return pd.DataFrame({"years": ticks * tick_months / 12.0,
                         "event": is_event(frame["reason"], active, all_causes)})


@dataclass(frozen=True)
class KaplanMeier:
    """A Kaplan-Meier survival curve with pointwise confidence band.

    ``time`` are the distinct event times; ``survival``, ``low`` and ``high`` the estimate
    and band just after each. ``n`` exchanges, ``events`` of them ended by an event.
    """

    time: np.ndarray
    survival: np.ndarray
    low: np.ndarray
    high: np.ndarray
    n: int
    events: int

    def at(self, t: float) -> float:
        """Survival at time ``t`` (the step function, 1 before the first event).

        Examples
        --------
        >>> km = kaplan_meier([1.0, 2.0, 3.0], [True, True, True])
        >>> km.at(0.5), round(km.at(2.5), 4)
        (1.0, 0.3333)
        """
        i = np.searchsorted(self.time, t, side="right")
        return 1.0 if i == 0 else float(self.survival[i - 1])

    def median(self) -> tuple[float, float, float]:
        """Median lifetime and its confidence interval, read where the curve and its
        band first fall to 0.5 or below (``inf`` where they never do: more than half
        survive the observed span).

        Examples
        --------
        >>> kaplan_meier([1.0, 2.0, 3.0, 4.0], [True] * 4).median()[0]
        2.0
        >>> kaplan_meier([1.0, 2.0], [False, False]).median()
        (inf, inf, inf)
        """
        def first(curve: np.ndarray) -> float:
            below = np.flatnonzero(curve <= 0.5)
            return float(self.time[below[0]]) if len(below) else np.inf
        return first(self.survival), first(self.low), first(self.high)


def kaplan_meier(years: pd.Series | np.ndarray, event: pd.Series | np.ndarray,
                 confidence: float = 0.95) -> KaplanMeier:
    """Kaplan-Meier estimate of the survival function of lifetimes ``years``.

    Parameters
    ----------
    years : array of float
        Observed lifetimes (to the event, or to censoring).
    event : array of bool
        True where the lifetime ends in an event, False where it is censored.
    confidence : float
        Level of the pointwise band (log-log transformed Greenwood intervals).

    Returns
    -------
    KaplanMeier

    Examples
    --------
    Five lifetimes, two censored: S(2) = 4/5; at 5 three are at risk and one ends,
    S(5) = 4/5 x 2/3; at 8 the last one ends.

    >>> km = kaplan_meier([2, 3, 5, 7, 8], [True, False, True, False, True])
    >>> km.time.tolist(), km.survival.round(4).tolist()
    ([2.0, 5.0, 8.0], [0.8, 0.5333, 0.0])
    """
    years = np.asarray(years, dtype=float)
    event = np.asarray(event, dtype=bool)
    if len(years) == 0:
        raise ValueError("kaplan_meier needs at least one lifetime")
    if not event.any():   # scipy needs an event; with none, survival stays at 1
        return KaplanMeier(np.zeros(0), np.zeros(0), np.zeros(0), np.zeros(0),
                           len(years), 0)
    data = stats.CensoredData(uncensored=years[event], right=years[~event])
    sf = stats.ecdf(data).sf
    with warnings.catch_warnings():   # the band is undefined where survival is 0 or 1
        warnings.simplefilter("ignore", RuntimeWarning)
        band = sf.confidence_interval(confidence, method="log-log")
    keep = np.isin(sf.quantiles, years[event])    # the steps: distinct event times
    low = np.nan_to_num(band.low.probabilities[keep], nan=0.0)
    high = np.nan_to_num(band.high.probabilities[keep], nan=1.0)
    return KaplanMeier(sf.quantiles[keep].astype(float), sf.probabilities[keep].astype(float),
                       low, high, len(years), int(event.sum()))
