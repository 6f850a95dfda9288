"""Common random numbers: one random stream per random process of a run.

Every random process draws from its own :class:`numpy.random.Generator`, spawned from the
run's seed with :meth:`numpy.random.SeedSequence.spawn`. Switching a facilitator role off
then changes only what that role does: the other processes see the same draws, so paired
runs (with and without a role) differ by the role alone (common random numbers).

Examples
--------
>>> a, b = random_streams(1), random_streams(1)
>>> float(a.noise.random()) == float(b.noise.random())
True
>>> float(a.noise.random()) == float(a.discovery.random())
False
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np

__all__ = ["STREAM_NAMES", "RandomStreams", "random_streams", "seed_sequence"]

#: The random processes of a run, in the order they are spawned (never reorder: appending
#: a new name keeps the existing streams as they are).
STREAM_NAMES = ("region", "awareness", "noise", "discovery", "search", "breakdowns",
                "closures", "recruitment", "events", "broker", "exits", "process", "prices",
                "fading", "introductions", "levels")


@dataclass(frozen=True)
class RandomStreams:
    """One Generator per random process (see :data:`STREAM_NAMES`)."""

    region: np.random.Generator        # synthetic region when no region_seed is given
    awareness: np.random.Generator     # who knows whom at the start
    noise: np.random.Generator         # stream volume noise
    discovery: np.random.Generator     # discovery of candidates during search
    search: np.random.Generator        # which candidates a firm's budget evaluates
    breakdowns: np.random.Generator    # negotiations breaking down
    closures: np.random.Generator      # firm closure hazard
    recruitment: np.random.Generator   # registry joins
    events: np.random.Generator        # convener's attendee lists
    broker: np.random.Generator        # broker's tie-breaks
    exits: np.random.Generator         # size-class exits and site take-overs
    process: np.random.Generator       # process changes of streams and needs
    prices: np.random.Generator        # virgin price paths
    fading: np.random.Generator        # registry lapses and forgotten candidates
    introductions: np.random.Generator  # partners' partners becoming known
    levels: np.random.Generator        # which streams and needs are dormant at the start


def seed_sequence(rng: Any) -> np.random.SeedSequence:
    """The run's seed sequence from what Mesa was given as ``rng``.

    An int (or None) is the entropy itself; from a Generator one integer is drawn, once.

    Examples
    --------
    >>> seed_sequence(5).entropy
    5
    """
    if isinstance(rng, np.random.Generator):
        return np.random.SeedSequence(int(rng.integers(2**63)))
    if isinstance(rng, np.random.SeedSequence):
        return rng
    if rng is None:
        return np.random.SeedSequence()
    return np.random.SeedSequence(int(rng))


def random_streams(rng: Any) -> RandomStreams:
    """One independent Generator per random process, spawned from ``rng``'s seed."""
    children = seed_sequence(rng).spawn(len(STREAM_NAMES))
    return RandomStreams(**{name: np.random.default_rng(child)
                            for name, child in zip(STREAM_NAMES, children)})
