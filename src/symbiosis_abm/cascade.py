"""Cascades: streams made from inputs follow them, and firms that lose a key input close.

A stream may be *produced from* one of its firm's needs (``produced_from`` in the region
file): a biogas plant's gas and digestate from its feedstock, a fish farm's output from
warm water. Its available volume follows what the input actually receives through
exchanges:

    level = min(1, yield_per_unit x need volume x received share / stream volume)

where the received share is a running mean (``alpha`` per tick) of delivered over the
need's volume per tick. Without a ``yield_per_unit`` the level is the received share
itself. A firm whose key input has been running (received share at least
``threshold``) and then stays below ``threshold`` for ``patience`` ticks closes: its
process depended on the exchange, and its own partners lose it in turn -- the
second-order endings a closure sets off.

Examples
--------
A biogas plant needs 10,000 t of feedstock and yields 0.1 MWh per t; its gas stream is
declared at 1,000 MWh. Receiving 40 % of its feedstock, it can offer 40 % of its gas:

>>> float(produced_level(np.array([0.4]), np.array([0.1]), np.array([1e4]),
...                      np.array([1e3]))[0])
0.4
"""

from __future__ import annotations

import numpy as np

__all__ = ["received_share", "received_share_of", "received_share_table", "smooth",
           "produced_level", "produced_level_of", "produced_level_table", "starvation",
           "STARVED"]

#: Marker in the starvation counter of a firm whose input never ran (cannot starve).
STARVED = -1


def received_share(delivered: np.ndarray, need_volume_per_tick: np.ndarray) -> np.ndarray:
    """Delivered this tick over the need's volume per tick, in [0, 1].

    Examples
    --------
    >>> received_share(np.array([5.0, 20.0, 1.0]), np.array([10.0, 10.0, 0.0]))
    array([0.5, 1. , 0. ])
    """
    return received_share_of(need_volume_per_tick)(delivered)


def received_share_of(need_volume_per_tick: np.ndarray):
    """:func:`received_share` as a function of what was delivered, the needs' volumes
    (fixed for a run) prepared once: the model asks every tick.

    Examples
    --------
    >>> received_share_of(np.array([10.0, 0.0]))(np.array([5.0, 1.0])).tolist()
    [0.5, 0.0]
    """
    positive, safe = received_share_table(need_volume_per_tick)

    def share(delivered: np.ndarray) -> np.ndarray:
        return np.where(positive, np.clip(np.asarray(delivered) / safe, 0.0, 1.0), 0.0)

    return share


def received_share_table(need_volume_per_tick: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """What :func:`received_share_of` divides by: which needs have a volume, and the
    divisor of each (1 where none).

    Examples
    --------
    >>> [x.tolist() for x in received_share_table(np.array([10.0, 0.0]))]
    [[True, False], [10.0, 1.0]]
    """
    need = np.asarray(need_volume_per_tick, dtype=float)
    positive = need > 0
    return positive, np.where(positive, need, 1.0)


def smooth(previous: np.ndarray, current: np.ndarray, alpha: float) -> np.ndarray:
    """Running mean: move a share ``alpha`` from ``previous`` toward ``current``.

    Examples
    --------
    >>> smooth(np.array([1.0]), np.array([0.0]), 0.25)
    array([0.75])
    """
    return np.asarray(previous) + alpha * (np.asarray(current) - np.asarray(previous))


def produced_level(share: np.ndarray, yield_per_unit: np.ndarray, need_volume: np.ndarray,
                   stream_volume: np.ndarray) -> np.ndarray:
    """Available share of a produced stream's declared volume, given its input's share.

    ``yield_per_unit`` is NaN where the region gives none: then the level is the share.

    Examples
    --------
    >>> produced_level(np.array([0.5, 0.5]), np.array([np.nan, 2.0]), np.array([10.0, 10.0]),
    ...                np.array([5.0, 5.0]))
    array([0.5, 1. ])
    """
    return produced_level_of(yield_per_unit, need_volume, stream_volume)(share)


def produced_level_of(yield_per_unit: np.ndarray, need_volume: np.ndarray,
                      stream_volume: np.ndarray):
    """:func:`produced_level` as a function of the share, its other inputs (fixed for a
    run) prepared once: the model asks every tick.

    Examples
    --------
    >>> level = produced_level_of(np.array([2.0]), np.array([10.0]), np.array([5.0]))
    >>> level(np.array([0.1])).tolist(), level(np.array([0.5])).tolist()
    ([0.4], [1.0])
    """
    follows, scale, divisor = produced_level_table(yield_per_unit, need_volume, stream_volume)

    def level(share: np.ndarray) -> np.ndarray:
        share = np.asarray(share, dtype=float)
        return np.where(follows, share, scale * share / divisor).clip(0.0, 1.0)

    return level


def produced_level_table(yield_per_unit: np.ndarray, need_volume: np.ndarray,
                         stream_volume: np.ndarray) -> tuple[np.ndarray, ...]:
    """What :func:`produced_level_of` computes with: which streams' level is their input's
    share (no yield given), and the ``scale`` and ``divisor`` of the others' level
    ``scale x share / divisor``.

    Examples
    --------
    >>> [x.tolist() for x in produced_level_table(np.array([np.nan, 2.0]),
    ...                                           np.array([10.0, 10.0]), np.array([5.0, 0.0]))]
    [[True, False], [0.0, 20.0], [5.0, 1.0]]
    """
    y = np.asarray(yield_per_unit, dtype=float)
    stream = np.asarray(stream_volume, dtype=float)
    return (np.isnan(y), np.nan_to_num(y) * np.asarray(need_volume, dtype=float),
            np.where(stream > 0, stream, 1.0))


def starvation(counter: np.ndarray, share: np.ndarray, threshold: float) -> np.ndarray:
    """Ticks each key input has been starved since it last ran; ``STARVED`` if it never ran.

    A counter at ``STARVED`` (-1) stays there until the input first reaches ``threshold``;
    from then on it counts consecutive ticks below ``threshold`` and resets to 0 above.
    The firm closes when the counter reaches the patience in ticks.

    Examples
    --------
    >>> c = np.array([STARVED, STARVED, 0, 3])
    >>> starvation(c, np.array([0.1, 0.9, 0.1, 0.8]), 0.5)
    array([-1,  0,  1,  0])
    """
    counter = np.asarray(counter)
    below = np.asarray(share) < threshold
    never = counter == STARVED
    return np.where(never & below, STARVED, np.where(below, counter + 1, 0)).astype(np.int64)
