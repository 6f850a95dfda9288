"""Trust and awareness between firms: sparse, directed pair state and its update rules.

Only pairs that matter are stored: candidate partners found by the KD-tree search, pairs
that met at a facilitator's event, and pre-existing relationships. Everything else has the
initial trust and no awareness. Trust is directed: ``trust(i, j)`` is i's trust in j.

The rules are pure functions (``toward``, ``after_delivery``, ``reputation_pull``); the
:class:`PairStore` only holds arrays and maps pairs to slots; :class:`TrustUpkeep` (a mixin
of :class:`~.model.SymbiosisModel`) applies decay and reputation each tick.
"""

from __future__ import annotations

import numpy as np

from ._arrays import remembered, unique_sorted

try:   # the ufunc behind np.clip (numpy 2: numpy._core; numpy 1.26: numpy.core)
    from numpy._core.umath import clip as _clip
except ImportError:  # pragma: no cover
    from numpy.core.umath import clip as _clip
from .kernels_tick import (
    MEMO_MISSING,
    add_pairs,
    memo_insert,
    memo_lookup,
    memo_update,
    pair_slots,
    reputation_links,
    trust_upkeep,
    upkeep_with_memo,
)
from .state import phase

__all__ = ["PairStore", "SlotMemo", "toward", "after_delivery", "reputation_pull",
           "TrustUpkeep", "SMALL_STORE_SLOTS"]


def toward(value: np.ndarray, target: float | np.ndarray, rate: float | np.ndarray) -> np.ndarray:
    """Move ``value`` a share ``rate`` of the way to ``target`` (stays within [0, 1]).

    Examples
    --------
    >>> toward(np.array([0.2, 0.8]), 0.5, 0.5)
    array([0.35, 0.65])
    """
    return _unit(value + rate * (target - value))


def _unit(x):
    """``np.clip(x, 0, 1)``; for an array by numpy's clip ufunc itself, which skips the
    Python layers of ``np.clip`` and ``ndarray.clip`` (the same ufunc, the same bits;
    trust moves thousands of times a run)."""
    return _clip(x, 0.0, 1.0) if isinstance(x, np.ndarray) else np.clip(x, 0.0, 1.0)


def after_delivery(
    trust: np.ndarray, shortfall: np.ndarray, tolerance: float, gain: float, loss: float
) -> np.ndarray:
    """Receiver's trust in its supplier after a delivery with a given shortfall fraction.

    Reliable deliveries (shortfall within ``tolerance``) close a share ``gain`` of the gap
    to full trust; a larger shortfall costs ``loss`` x (shortfall - tolerance).

    Examples
    --------
    >>> after_delivery(np.array([0.5, 0.5]), np.array([0.0, 0.6]), 0.1, 0.1, 0.5)
    array([0.55, 0.25])
    """
    reliable = shortfall <= tolerance
    better = toward(trust, 1.0, gain)
    worse = _unit(trust - loss * (shortfall - tolerance))
    return np.where(reliable, better, worse)


def reputation_pull(
    trust_ij: np.ndarray, trust_ik: np.ndarray, trust_kj: np.ndarray, weight: float
) -> np.ndarray:
    """Trust of i in j after hearing from a common partner k (Ghali et al. 2017).

    The trust k passes on counts as much as i trusts k: i moves toward
    ``trust_ik * trust_kj`` when that is higher than its own trust, never down.

    Examples
    --------
    >>> reputation_pull(np.array([0.2]), np.array([1.0]), np.array([0.8]), 0.5)
    array([0.5])
    """
    hearsay = trust_ik * trust_kj
    return np.where(hearsay > trust_ij, toward(trust_ij, hearsay, weight), trust_ij)


class PairStore:
    """Directed pair state (trust, awareness, met, contact this tick) in growable arrays.

    Parameters
    ----------
    n_firms : int
        Number of firms (pair keys are ``i * n_firms + j``).
    initial_trust : float
        Trust of a pair that has no slot yet.

    Examples
    --------
    >>> store = PairStore(3, initial_trust=0.3)
    >>> s = store.slots(np.array([0, 1]), np.array([1, 0]))
    >>> store.trust[s] = [0.9, 0.1]
    >>> store.trust_of(np.array([0, 2]), np.array([1, 1]))
    array([0.9, 0.3])
    """

    def __init__(self, n_firms: int, initial_trust: float, capacity: int = 1024):
        self.n_firms = n_firms
        self.initial_trust = initial_trust
        # Lookup index: every pair's key, sorted, and its slot. Slots themselves stay in
        # creation order (outputs sum over slots in that order), the index does not. Views
        # of buffers with room to merge new keys in place (at 100,000 firms a copy of the
        # index is 70 MB, on each event that creates pairs)
        self._key_buffer = np.zeros(capacity, dtype=np.int64)
        self._slot_buffer = np.zeros(capacity, dtype=np.int32)
        self._keys, self._key_slot = self._key_buffer[:0], self._slot_buffer[:0]
        self.size = 0
        self.src = np.zeros(capacity, dtype=np.int32)
        self.dst = np.zeros(capacity, dtype=np.int32)
        self._trust = np.full(capacity, initial_trust)
        self._aware = np.zeros(capacity, dtype=bool)
        self._met = np.zeros(capacity, dtype=bool)
        self._contact = np.zeros(capacity, dtype=bool)
        self._renew_views()

    # Views over the used part of the arrays: writes go to the store. Made when the store
    # grows, not on each read (a tick reads them 15-30 times: a slice is 0.1 us)
    @property
    def trust(self) -> np.ndarray:
        return self._views[0]

    @property
    def aware(self) -> np.ndarray:
        return self._views[1]

    @property
    def met(self) -> np.ndarray:
        return self._views[2]

    @property
    def contact(self) -> np.ndarray:
        return self._views[3]

    @property
    def layout(self) -> np.ndarray:
        """The whole trust buffer: replaced, with every other buffer, whenever the store
        grows past its room (what a holder of the buffers watches,
        :class:`.held.HeldArrays`)."""
        return self._trust

    def _renew_views(self) -> None:
        n = self.size
        self._views = (self._trust[:n], self._aware[:n], self._met[:n], self._contact[:n])

    def __getstate__(self) -> dict:   # a copy's views are of its own arrays
        return {k: v for k, v in self.__dict__.items() if k != "_views"}

    def __setstate__(self, state: dict) -> None:
        self.__dict__.update(state)
        self._renew_views()

    def slots(self, i: np.ndarray, j: np.ndarray) -> np.ndarray:
        """Slots of pairs (i, j), created with the initial state where missing.

        New pairs get consecutive slots in the order of their keys.
        """
        keys = self._key(i, j)
        out = np.empty(len(keys), dtype=np.int32)
        # compiled (kernels_tick): a call is a few dozen to a few hundred pairs, each
        # numpy pass of the search and merge a few microseconds; the search and the new
        # pairs in one call where the arrays have room for them
        n = len(self._keys)
        n_new = pair_slots(self._key_buffer, self._slot_buffer, n, keys, out, self.size,
                           self.src, self.dst, self.n_firms)
        if n_new < 0:   # no room: the arrays grow, then the new pairs are added
            n_new = -n_new
            start = self._grow(n_new)
            n = self._room(n_new)
            add_pairs(self._key_buffer, self._slot_buffer, n, keys, out, start, self.src,
                      self.dst, self.n_firms)
            self._keys = self._key_buffer[:n + n_new]
            self._key_slot = self._slot_buffer[:n + n_new]
        else:
            self.taken_in(n_new)
        return out

    def buffers(self) -> tuple:
        """What a compiled pass that finds or adds pairs (:func:`.kernels_tick.pair_slots`)
        and writes their state reads: the index's buffers and its number of keys, the
        next slot, the pairs' firms, ``n_firms``, then the whole buffers of trust,
        awareness, met and contact (a slot added within the room already holds the
        initial state there). After such a pass, :meth:`taken_in`."""
        return (self._key_buffer, self._slot_buffer, len(self._keys), self.size, self.src,
                self.dst, self.n_firms, self._trust, self._aware, self._met, self._contact)

    def taken_in(self, n_new: int) -> None:
        """Take in the ``n_new`` pairs a compiled pass added within the room (merged into
        the index's buffers, their slots next after ``size``): the size, the index's
        length and the views."""
        if n_new:
            n = len(self._keys)
            self._grow(n_new)   # (within the capacity: only the size and the views)
            self._keys = self._key_buffer[:n + n_new]
            self._key_slot = self._slot_buffer[:n + n_new]

    def find(self, i: np.ndarray, j: np.ndarray) -> np.ndarray:
        """Slots of pairs (i, j), -1 where the pair has none (nothing is created)."""
        return self._lookup(self._key(i, j))

    def _key(self, i: np.ndarray, j: np.ndarray) -> np.ndarray:
        return np.asarray(i, dtype=np.int64) * self.n_firms + np.asarray(j, dtype=np.int64)

    def _lookup(self, keys: np.ndarray) -> np.ndarray:
        """Slot of each key, -1 where absent: one vectorised binary search."""
        if len(self._keys) == 0 or len(keys) == 0:
            return np.full(len(keys), -1, dtype=np.int32)
        pos = np.minimum(np.searchsorted(self._keys, keys), len(self._keys) - 1)
        return np.where(self._keys[pos] == keys, self._key_slot[pos], -1)

    def _room(self, extra: int) -> int:
        """Make room in the index for ``extra`` keys; returns how many it holds."""
        n = len(self._keys)
        if n + extra > len(self._key_buffer):   # room for as many again, as the slots
            capacity = max(n + extra, 2 * len(self._key_buffer))
            self._key_buffer = _extended(self._key_buffer, n, capacity)
            self._slot_buffer = _extended(self._slot_buffer, n, capacity)
        return n

    def trust_of(self, i: np.ndarray, j: np.ndarray) -> np.ndarray:
        """Trust of i in j (the initial trust where the pair has no slot)."""
        return self.trust_at(self.find(i, j))

    def trust_at(self, s: np.ndarray) -> np.ndarray:
        """Trust at slots ``s`` (the initial trust where a slot is -1: no pair)."""
        return np.where(s >= 0, self._trust[np.maximum(s, 0)], self.initial_trust)

    def _grow(self, extra: int) -> int:
        start, need = self.size, self.size + extra
        if need > len(self._trust):
            capacity = max(need, 2 * len(self._trust))
            for name, fill in (("src", 0), ("dst", 0), ("_trust", self.initial_trust),
                               ("_aware", False), ("_met", False), ("_contact", False)):
                old = getattr(self, name)
                new = np.full(capacity, fill, dtype=old.dtype)
                new[: len(old)] = old
                setattr(self, name, new)
        self.size = need
        self._renew_views()
        return start


class SlotMemo:
    """:meth:`PairStore.find` by key, remembering the slots of the keys asked before.

    A pair's slot never changes, and a pair without one gets one only when the store
    adds pairs (its size grows: the keys added then take their new slots). The reputation
    pass asks each tick for much the same few thousand pairs as the tick before: they
    are looked up among those remembered, in a hash table that stays in cache
    (:func:`.kernels_tick.memo_lookup`), rather than searched in the store's index (at
    10,000 firms half a million keys, mostly out of cache by then).

    Examples
    --------
    >>> store = PairStore(3, initial_trust=0.3)
    >>> store.slots(np.array([0, 2]), np.array([1, 1])).tolist()
    [0, 1]
    >>> memo = SlotMemo(store)
    >>> memo.find(np.array([1, 7, 3])).tolist(), memo.find(np.array([7, 1])).tolist()
    ([0, 1, -1], [1, 0])
    """

    def __init__(self, store: PairStore):
        self.store = store
        self.size = -1
        # keys remembered, in a hash table (kernels_tick.memo_lookup), and how many keys
        # a compiled pass that adds to the table itself asked last (reputation_slots)
        self.count = np.zeros(2, dtype=np.int64)
        self.table = np.full((1024, 2), -1, dtype=np.int64)

    @property
    def held(self) -> int:
        return int(self.count[0])

    @held.setter
    def held(self, value: int) -> None:
        self.count[0] = value

    def find(self, keys: np.ndarray) -> np.ndarray:
        """The slot of each pair key (``i * n_firms + j``), -1 where it has none."""
        store = self.store
        if self.size != store.size:   # pairs added: keys remembered without a slot
            self._added(store)        # may have one now
        keys = np.asarray(keys, dtype=np.int64)
        if self.held > 4 * len(keys):   # mostly keys no longer asked: start again, so
            self.table[:], self.held = -1, 0   # that the table stays small (in cache)
        out = np.empty(len(keys), dtype=np.int32)
        if memo_lookup(self.table, keys, out):   # some not remembered: the store's
            missing = out == MEMO_MISSING
            asked = keys[missing]
            new = unique_sorted(asked)
            new_slots = store._lookup(new)
            out[missing] = new_slots[np.searchsorted(new, asked)]
            self.table = memo_insert(self.table, new, new_slots, self.held)
            self.held += len(new)
        return out

    def ready(self) -> SlotMemo:
        """The memo ready for a compiled pass that looks keys up in :attr:`table` and adds
        those it misses while the table is at most half full, counting them in
        :attr:`count` (:func:`.kernels_tick.reputation_slots`): the keys remembered
        without a slot take theirs if the store added pairs; the table starts again if
        it holds four times the keys asked last, or grows (twice as many rows, or more:
        :func:`.kernels_tick.memo_insert`) once it is a quarter full."""
        store = self.store
        if self.size != store.size:
            self._added(store)
        held, asked = self.count.tolist()
        if held > 4 * asked:
            self.table[:], self.count[0] = -1, 0
        elif 4 * held > len(self.table):
            self.grow()
        return self

    def grow(self) -> None:
        """Re-hash the table into one of at least four times the keys held."""
        self.table = memo_insert(self.table, _NO_KEYS, _NO_KEYS, 2 * self.held)

    def _added(self, store: PairStore) -> None:
        """The pairs the store added since last asked (slots from the size seen then on,
        which never change, :meth:`PairStore.slots`) take their slots here: the keys
        remembered without a slot that are among them."""
        start = max(self.size, 0)
        if self.held:
            added = np.arange(start, store.size)
            memo_update(self.table, store._key(store.src[added], store.dst[added]), added)
        self.size = store.size


def _extended(buffer: np.ndarray, n: int, capacity: int) -> np.ndarray:
    """A buffer of ``capacity`` holding the first ``n`` of ``buffer``."""
    out = np.zeros(capacity, dtype=buffer.dtype)
    out[:n] = buffer[:n]
    return out


class TrustUpkeep:
    """Phase 8: trust decays without contact; reputation passes via partners.

    A mixin of :class:`~.model.SymbiosisModel`: it works on the model's state.
    """

    @phase(reads=("edge_slot_rs", "edge_slot_sr", "exchanges", "params", "rates"),
           writes=("pairs",),
           draws=())
    def _update_trust(self) -> None:
        """Trust decays toward the baseline without contact; reputation passes via partners:
        i's trust in j moves toward trust(i,k) x trust(k,j) for common partners k (toward
        the baseline, the contacts reset, then reputation: one compiled pass)."""
        store, rates = self.pairs, self.rates
        baseline, initial = self.params.trust_baseline, store.initial_trust
        pulls = _NO_PULLS
        if rates.reputation > 0:
            ex = self.exchanges
            active = ex["active"]
            # who is linked to whom and where their pairs sit change only with the active
            # exchanges or new pair slots: the pulls are remembered (state.MEMO), and only
            # trust is read each tick
            key = (active.tobytes(), store.size)
            last = self.__dict__.get("_reputation_links")
            if last is None or last[0] != key:
                if store.size <= SMALL_STORE_SLOTS:   # memo, links, slots and upkeep in one call
                    memo = self._slot_memo()
                    pulls = self._kernels[upkeep_with_memo](
                        store.trust, store.met, store.contact, baseline, rates.trust_decay,
                        initial, rates.reputation, active, ex["supplier"], ex["receiver"],
                        ex["edge"], self.edge_slot_sr, self.edge_slot_rs, store.n_firms,
                        store._keys, store._key_slot, memo.table, memo.count, store.src,
                        store.dst, memo.size)
                    memo.size = store.size
                    if 4 * memo.count[0] > len(memo.table):   # (ready's growth, after)
                        memo.grow()
                    self._reputation_links = (key, pulls)
                    return
                last = self._reputation_links = (key, self._reputation_pulls(active))
            pulls = last[1]
        self._kernels[trust_upkeep](
            store.trust, store.met, store.contact, baseline, rates.trust_decay, pulls,
            initial, rates.reputation)

    def _slot_memo(self) -> SlotMemo:
        store = self.pairs
        return remembered(self, "_pair_slot_memo", store, lambda: SlotMemo(store))

    def _reputation_pulls(self, active: np.ndarray) -> np.ndarray:
        """The pulls of the links of :func:`_reputation_links` over the ``active``
        exchanges (none below two) of a large store: rows of slots ``(ij, in_hub[ki],
        of_hub[kj])``, as :func:`.kernels_tick.reputation_slots` gives them."""
        ex, store = self.exchanges, self.pairs
        act = active.nonzero()[0]
        if len(act) < 2:
            return _NO_PULLS
        ki, kj, ij, in_hub, of_hub = _reputation_links(
            ex["supplier"][act], ex["receiver"][act], store, self._slot_memo())
        return np.stack((ij, in_hub[ki], of_hub[kj]), axis=1)


#: No keys (to grow a :class:`SlotMemo`'s table).
_NO_KEYS = np.zeros(0, dtype=np.int64)
#: No reputation pulls (rows ij, ik, kj; int32 as the store's slots, as every pull is:
#: a run binds trust_upkeep to one dtype, entry_points.BoundKernels).
_NO_PULLS = np.zeros((0, 3), dtype=np.int32)
#: Pair stores of up to this many slots look the links' slots up in their sorted index,
#: within the links' compiled pass (through a :class:`SlotMemo`'s table there); larger
#: ones through a :class:`SlotMemo`.
SMALL_STORE_SLOTS = 1 << 16


def _reputation_links(sup: np.ndarray, rec: np.ndarray, store: PairStore,
                      memo: SlotMemo | None = None) -> tuple:
    """For the exchanges' links sorted by hub k: positions ``ki``, ``kj`` of link pairs
    (k, i), (k, j) whose pair (i, j) has a slot ``ij``, and the slots of (i, k) and
    (k, i) of every link (-1 where none): the links in one compiled pass
    (:func:`.kernels_tick.reputation_links`), the slots by the store's lookup (numpy's
    search is the faster one at a national region's millions of pairs), through
    ``memo`` where given (:class:`SlotMemo`: the same slots, mostly found among last
    tick's).

    Examples
    --------
    Firm 0 exchanges with 1 and with 2; the store has slots for (0, 1), (1, 0) and
    (1, 2): 1 hears about 2 from 0 (2 has no slot for 1):

    >>> store = PairStore(3, initial_trust=0.3)
    >>> store.slots(np.array([0, 1, 1]), np.array([1, 0, 2])).tolist()
    [0, 1, 2]
    >>> ki, kj, ij, in_hub, of_hub = _reputation_links(np.array([0, 0]), np.array([1, 2]),
    ...                                                store)
    >>> ki.tolist(), kj.tolist(), ij.tolist(), in_hub.tolist(), of_hub.tolist()
    ([0], [1], [2], [1, -1, 0, -1], [0, -1, 1, -1])
    """
    ki, kj, pair, in_keys, of_keys = reputation_links(
        np.asarray(sup, dtype=np.int64), np.asarray(rec, dtype=np.int64), store.n_firms)
    if len(ki) == 0:
        return ki, kj, ki, ki, ki
    find = store._lookup if memo is None else memo.find
    slots = find(np.concatenate([pair, in_keys, of_keys]))   # one search for all three
    ij, in_hub, of_hub = np.split(slots, [len(pair), len(pair) + len(in_keys)])
    has = ij >= 0
    return ki[has], kj[has], ij[has], in_hub, of_hub
