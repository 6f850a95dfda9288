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
from numpy.random.bit_generator import ISpawnableSeedSequence

from .kernels import spawned_seed_states

__all__ = ["STREAM_NAMES", "RandomStreams", "random_streams", "seed_sequence", "SpawnedSeed"]

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
    """One independent Generator per random process, spawned from ``rng``'s seed.

    A seed sequence given as ``rng`` spawns the streams itself (it counts its children);
    otherwise the run's own sequence's children are seeded from states computed all at
    once (:class:`SpawnedSeed`): the same generators, bit for bit, a fifth of the cost.
    """
    seq = seed_sequence(rng)
    if isinstance(rng, np.random.SeedSequence):
        children = seq.spawn(len(STREAM_NAMES))
        return RandomStreams(**{name: np.random.default_rng(child)
                                for name, child in zip(STREAM_NAMES, children)})
    states = spawned_seed_states(_assembled(seq), len(STREAM_NAMES), seq.pool_size)
    key = tuple(seq.spawn_key)
    return RandomStreams(**{
        name: np.random.Generator(np.random.PCG64(
            SpawnedSeed(seq.entropy, (*key, k), seq.pool_size, states[k])))
        for k, name in enumerate(STREAM_NAMES)})


class SpawnedSeed(ISpawnableSeedSequence):
    """Child ``spawn_key[-1]`` of a seed sequence as its ``spawn`` makes it, with the
    state a PCG64 seeds from (``generate_state(4, np.uint64)``) given: numpy hashes each
    child's entropy in loops of Python objects, :func:`.kernels.spawned_seed_states` all
    the children of a run in one compiled pass. Anything else asked of it is answered by
    the equal :class:`numpy.random.SeedSequence`, made then.

    Examples
    --------
    >>> child = np.random.SeedSequence(7).spawn(2)[1]
    >>> seed = SpawnedSeed(7, (1,), 4, child.generate_state(4, np.uint64))
    >>> bool((seed.generate_state(3) == child.generate_state(3)).all())
    True
    """

    def __init__(self, entropy: int, spawn_key: tuple[int, ...], pool_size: int,
                 state: np.ndarray):
        self.entropy, self.spawn_key, self.pool_size = entropy, spawn_key, pool_size
        self._state = state
        self._sequence: np.random.SeedSequence | None = None

    @property
    def sequence(self) -> np.random.SeedSequence:
        """The equal numpy seed sequence (made once, when first asked for)."""
        if self._sequence is None:
            self._sequence = np.random.SeedSequence(self.entropy, spawn_key=self.spawn_key,
                                                    pool_size=self.pool_size)
        return self._sequence

    @property
    def n_children_spawned(self) -> int:
        return self.sequence.n_children_spawned

    def generate_state(self, n_words: int, dtype: Any = np.uint32) -> np.ndarray:
        if n_words == 4 and np.dtype(dtype) == np.uint64:   # (what a PCG64 seeds from)
            return self._state.copy()
        return self.sequence.generate_state(n_words, dtype)

    def spawn(self, n_children: int) -> list[np.random.SeedSequence]:
        return self.sequence.spawn(n_children)


def _assembled(seq: np.random.SeedSequence) -> np.ndarray:
    """The entropy words of ``seq``'s children before their own number, as numpy
    assembles them: the run's entropy padded to the pool size (a child has a spawn key),
    then the parent's spawn key; each integer as 32-bit words, lowest first."""
    run = _words(seq.entropy)
    run += [0] * (seq.pool_size - len(run))
    return np.array([*run, *(w for k in seq.spawn_key for w in _words(k))], dtype=np.uint32)


def _words(value: int) -> list[int]:
    """A non-negative integer as 32-bit words, lowest first (0: one word)."""
    words = [value & 0xFFFFFFFF]
    value >>= 32
    while value:
        words.append(value & 0xFFFFFFFF)
        value >>= 32
    return words
