"""Infrastructure as sunk assets: one per route, built once, shared, stranded when left.

A connection (pipe, heat exchanger, container park) is built with its capex when the
first exchange over a *route* needs it. A route is the line between two sites for one
resource (:func:`route_keys`): both directions between the two sites and every contract
between them (two streams of one site into one need, two suppliers of one site) use the
same route, so one physical line is one asset, booked and paid once (docs/ODD.md 7.15).

A pipe has a *capacity*: the peak monthly flow of the contract it was built for (its
yearly volume times its supply's largest monthly factor; the assets of other modes --
containers, loading, berths -- carry what their trips carry). A later contract joins it if,
in every calendar month, the flows of all contracts on it (both directions added) and its
own stay within that capacity; otherwise a new asset is built and priced in full
(:meth:`AssetBook.attach`). Its owner is the receiver that built it; its annuity (the
builder's, after any co-funding) is paid by the contracts in service on it, pro rata of
their contracted volume (:meth:`AssetBook.user_annuity`, re-split whenever a contract
joins, leaves or changes volume). A contract that joins an asset pays its share as it
would be after joining (:meth:`AssetBook.reusable`). It outlives the contracts: a renewal
or a later exchange over the route within the asset's lifetime uses it at no new capex
-- unless a partner's site closed: its assets are retired then, and a firm that takes the
site over builds its own connection. When the last contract on an asset ends before its
lifetime is over, the annuity still to come is charged at once, to the receivers of the
contracts that leave it, as a *stranded* cost (reported apart from the exchange's
savings) and the asset is paid off: a later reuse costs nothing.

Examples
--------
>>> book = AssetBook(n_edges=3, lifetime_ticks=240)
>>> ids = book.build(np.array([2]), np.array([0]), np.array([1]), np.array([4]),
...                  np.array([0]), np.array([1e6]), np.array([3e5]), tick=5)
>>> book.live(np.array([2, 1]), tick=100).tolist()
[0, -1]
>>> book.live(np.array([2]), tick=245).tolist()
[-1]
"""

from __future__ import annotations

import operator

import numpy as np

from .catalogue import MODES
from .columns import Columns
from .kernels import (
    asset_state_keys,
    move_on_assets,
    place_on_routes,
    route_asset_use,
    route_state_keys,
    spread_annuity,
)

__all__ = ["AssetBook", "ASSET_COLUMNS", "AssetUse", "route_keys", "sites", "charge_share"]

ASSET_COLUMNS = {
    "edge": np.int64, "supplier": np.int64, "receiver": np.int64, "resource": np.int64,
    "mode": np.int64, "capex": float, "public": float, "owner": np.int64, "built": np.int64,
    "last_used": np.int64, "until": np.int64, "stranded": float, "paid_off": bool,
    "uses": np.int64, "route": np.int64, "annuity": float, "capacity": float,
    "volume": float, "ready": np.int64, "changes": np.int64,
}

#: the asset table's columns in their order (as :func:`.kernels.place_on_routes` takes
#: them), from a ``dict`` of them
_asset_columns = operator.itemgetter(*ASSET_COLUMNS)

#: the mode whose asset is a line with a capacity (a pipe); the assets of other modes
#: (containers, loading, berths) carry what their trips carry
LINE = MODES.index("pipe")

#: slack on the capacity check (rounding of volumes re-split pro rata)
ROUNDING = 1e-9


def route_keys(site_a: np.ndarray, site_b: np.ndarray, resource: np.ndarray) -> np.ndarray:
    """One route id per edge: the unordered pair of its two sites and its resource.

    Examples
    --------
    Edges 0 and 1 are the two directions between sites 3 and 5, edge 2 another resource:

    >>> route_keys(np.array([3, 5, 3]), np.array([5, 3, 5]), np.array([0, 0, 1])).tolist()
    [0, 0, 1]
    """
    if len(resource) == 0:
        return np.zeros(0, dtype=np.int64)
    site_a, site_b = np.asarray(site_a, np.int64), np.asarray(site_b, np.int64)
    n_sites = int(max(site_a.max(), site_b.max())) + 1
    n_res = int(np.max(resource)) + 1
    low, high = np.minimum(site_a, site_b), np.maximum(site_a, site_b)
    key = (low * n_sites + high) * n_res + resource   # one integer per (pair, resource)
    return np.unique(key, return_inverse=True)[1].reshape(-1).astype(np.int64)


def sites(xy: np.ndarray) -> np.ndarray:
    """Site id of each firm: firms at the same coordinates share a site.

    Examples
    --------
    >>> sites(np.array([[0.0, 1.0], [2.0, 0.0], [0.0, 1.0]])).tolist()
    [0, 1, 0]
    """
    if len(xy) == 0:
        return np.zeros(0, dtype=np.int64)
    return np.unique(xy, axis=0, return_inverse=True)[1].reshape(-1).astype(np.int64)


class AssetBook:
    """All assets of a run and, per route, the asset last built for it (or -1)."""

    def __init__(self, n_edges: int, lifetime_ticks: int | np.ndarray,
                 edge_route: np.ndarray | None = None):
        """``lifetime_ticks``: one life for every asset, or a ``(resource, mode)`` table
        (each mode's asset has its own economic life). ``edge_route``: each candidate
        edge's route (:func:`route_keys`; default: one route per edge)."""
        self.table = Columns(ASSET_COLUMNS)
        self.edge_route = (np.arange(n_edges, dtype=np.int64) if edge_route is None
                           else np.asarray(edge_route, dtype=np.int64))
        n_routes = int(self.edge_route.max()) + 1 if len(self.edge_route) else 0
        self.route_asset = np.full(n_routes, -1, dtype=np.int64)
        self.edge_user = np.full(n_edges, -1, dtype=np.int64)   # asset an edge's contract uses
        self.load = np.zeros((0, 12))   # contracted flow per calendar month (yearly rate)
        self._load_room = None   # load's rows and room for more (see _load_with_room)
        self.lifetime_ticks = np.asarray(lifetime_ticks, dtype=np.int64)

    def life(self, resource: np.ndarray, mode: np.ndarray) -> np.ndarray:
        """Lifetime in ticks of an asset of ``resource`` built for ``mode``.

        Examples
        --------
        >>> AssetBook(1, np.array([[480, 240]])).life(np.array([0, 0]), np.array([0, 1]))
        array([480, 240])
        """
        if self.lifetime_ticks.ndim == 0:
            return np.full(len(resource), int(self.lifetime_ticks), dtype=np.int64)
        return self.lifetime_ticks[resource, mode]

    def __len__(self) -> int:
        return len(self.table)

    def live(self, edges: np.ndarray, tick: int) -> np.ndarray:
        """The asset of each edge's route that is still within its lifetime at ``tick``,
        else -1."""
        until = self.table["until"]
        if len(until) == 0:
            return np.full(len(edges), -1, dtype=np.int64)
        ids = self.route_asset[self.edge_route[edges]]
        alive = (ids >= 0) & (until[np.maximum(ids, 0)] > tick)   # -1 reads a row, unused
        return np.where(alive, ids, -1)

    def state_key(self, edges: np.ndarray, tick: int) -> np.ndarray:
        """A number that changes whenever what a new contract on each edge would pay for
        its route's asset may change (the asset, its users, its load), for caches."""
        t = self.table   # one compiled pass (kernels.asset_state_keys)
        return asset_state_keys(np.asarray(edges, dtype=np.int64), tick, self.edge_route,
                                self.route_asset, t["until"], t["changes"], self.edge_user)

    def route_state(self, tick: int) -> tuple[np.ndarray, np.ndarray]:
        """The routes that have an asset (one entry per asset: repeats), and for each a
        number that changes whenever :meth:`state_key` of one of its edges may: its live
        asset and that asset's count of changes (-1: none live). An edge's own use of the
        live asset changes only as a contract joins it (:meth:`join`: only a route's live
        asset, or one just built, is joined) or leaves it, and both count a change
        (:meth:`_move`). The other routes' edges have the key -1 throughout.

        Examples
        --------
        >>> book = AssetBook(n_edges=3, lifetime_ticks=240)
        >>> ids = book.build(np.array([2]), np.array([0]), np.array([1]), np.array([4]),
        ...                  np.array([0]), np.array([1e6]), np.array([3e5]), tick=5)
        >>> [a.tolist() for a in book.route_state(tick=100)]
        [[2], [0.0]]
        >>> book.route_state(tick=245)[1].tolist()
        [-1.0]
        """
        t = self.table   # one compiled pass (kernels.route_state_keys)
        return t["route"], route_state_keys(t["route"], tick, self.route_asset, t["until"],
                                            t["changes"])

    def reusable(self, edges: np.ndarray, volume: np.ndarray, season: np.ndarray,
                 season_row: np.ndarray, tick: int
                 ) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """The live asset of each edge's route (:meth:`live`, -1: none), whether the
        edge's contract may run over it, and the yearly annuity it would pay for it (one
        compiled pass, :func:`.kernels.route_asset_use`).

        The edge's own contract already runs on it: yes, at no new cost (sunk). Another
        contract joins if its flow (``volume`` x its 12 monthly factors
        ``season[season_row]``) fits the spare capacity in every month, and pays its
        pro-rata share of the annuity as it would be after joining:
        ``annuity x volume / (volume in service + volume)``.

        Examples
        --------
        A pipe built for a summer flow of 100 a year (peak 150) carries a winter flow of 50
        in the other direction (peak 100, when the summer flow runs at 50) and charges it
        50/150 of its annuity; a flat flow of 50 does not fit in summer:

        >>> book = AssetBook(2, 480, edge_route=np.array([0, 0]))
        >>> summer = np.array([0.5] * 3 + [1.5] * 6 + [0.5] * 3)
        >>> ids = book.build(np.array([0]), np.array([0]), np.array([1]), np.array([0]),
        ...                  np.array([0]), np.array([1e6]), np.array([0.0]), tick=0,
        ...                  annuity=np.array([8e4]), profile=100 * summer[None])
        >>> book.join(ids, np.array([0]), np.array([100.0]), 100 * summer[None])
        >>> winter = np.where(summer > 1, 0.0, 2.0)
        >>> ids, ok, share = book.reusable(np.array([1, 1]), np.array([50.0, 50.0]),
        ...     np.stack([winter, np.ones(12)]), np.array([0, 1]), tick=3)
        >>> ids.tolist(), ok.tolist(), share.round().tolist()
        ([0, 0], [True, False], [26667.0, 0.0])
        """
        return route_asset_use(np.asarray(edges, dtype=np.int64),
                               np.asarray(volume, dtype=float), season,
                               np.asarray(season_row, dtype=np.int64),
                               *self.use_inputs(tick)[:-1])

    def use_inputs(self, tick: int) -> tuple:
        """What :func:`.kernels.route_asset_use` reads of the book at ``tick`` after the
        deals (``tick`` ... ``slack``), then each asset's mode (as
        :func:`.kernels.price_deals` reads them)."""
        t = self.table
        return (tick, self.edge_route, self.route_asset, t["until"], self.edge_user,
                self.load, t["capacity"], t["paid_off"], t["annuity"], t["volume"],
                1.0 + ROUNDING, t["mode"])

    def build(self, edges, supplier, receiver, resource, mode, capex, public, *,
              tick: int, annuity=0.0, profile=None, ready=None) -> np.ndarray:
        """Record new assets (owner: the receiver) for the routes of ``edges`` and return
        their ids. ``annuity``: the owner's yearly annuity (after co-funding);
        ``profile``: the flow each is built for per calendar month (yearly rate, its
        peak is the capacity; default: unlimited); ``ready``: first tick it carries
        flow. Contracts use it after :meth:`join`."""
        n = len(edges)
        capacity = np.full(n, np.inf) if profile is None else np.asarray(profile).max(axis=1)
        ids = self.table.append(
            edge=edges, supplier=supplier, receiver=receiver, resource=resource, mode=mode,
            capex=capex, public=public, owner=receiver, built=tick, last_used=tick,
            until=tick + self.life(resource, mode), stranded=0.0, paid_off=False, uses=0,
            route=self.edge_route[edges], annuity=annuity, capacity=capacity, volume=0.0,
            ready=tick if ready is None else ready, changes=0)
        self.route_asset[self.edge_route[edges]] = ids
        grown = np.zeros((len(self.table), 12))
        grown[: len(self.load)] = self.load
        self.load = grown
        return ids

    def place(self, edges, mode, capex, subsidy, annuity, volume, stream, profile, capacity,
              ready, built: int, signed: int, world, costs) -> np.ndarray:
        """New contracts of ``edges`` placed on their routes' assets, joined or built, one
        route's contracts one after another (:meth:`AssetUse._attach_assets`' rule, in one
        compiled pass, :func:`.kernels.place_on_routes`; ``capex``, ``subsidy`` and
        ``annuity`` are updated in place; ``costs``: the run's
        :class:`~.mode_costs.ModeCosts`). Returns each contract's asset (-1: none)."""
        size, columns, load = self.room(len(edges))
        ids, after = place_on_routes(
            np.asarray(edges, dtype=np.int64), np.asarray(mode, dtype=np.int64), capex,
            subsidy, annuity, np.asarray(volume, dtype=float),
            np.asarray(stream, dtype=np.int64), profile, np.asarray(capacity, dtype=float),
            np.asarray(ready, dtype=np.int64), int(built), int(signed),
            *self.placing(world, costs, size, columns, load))
        self.count_in(after, load)
        return ids

    def room(self, n: int) -> tuple:
        """The table's size, its columns (in :data:`ASSET_COLUMNS`' order) with room for
        ``n`` more assets after it, and ``load`` with zero rows for them: where a compiled
        pass writes new assets (:meth:`count_in` counts them in)."""
        return len(self.table), _asset_columns(self.table.spare(n)), self._load_with_room(n)

    def placing(self, world, costs, size: int, columns: tuple, load: np.ndarray) -> tuple:
        """:func:`.kernels.place_on_routes`' arguments after the contracts' own, in its
        order (``size``, ``columns`` and ``load`` from :meth:`room`; ``costs``: the run's
        :class:`~.mode_costs.ModeCosts`)."""
        life = self.lifetime_ticks
        return (self.edge_route, self.route_asset, self.edge_user, load, 1.0 + ROUNDING,
                ROUNDING, size, *columns, world.edge_supplier, world.edge_receiver,
                world.edge_resource, world.stream_season,
                life.reshape(1, 1) if life.ndim == 0 else life, life.ndim == 0,
                *costs.capex_inputs, costs.plain_annuity)

    def count_in(self, after: int, load: np.ndarray) -> None:
        """Count in the assets a compiled pass wrote into :meth:`room`'s columns and
        ``load``, up to row ``after``."""
        size = len(self.table)
        if after > size:
            self.table.extend(after - size)
        self.load = load[:after]

    def _load_with_room(self, n: int) -> np.ndarray:
        """``load``'s rows in an array with (zero) rows for ``n`` more assets after them:
        the one ``load`` is a view of, or a new one twice as long (``load`` may have been
        replaced since, by :meth:`build` or a copy of the book: then it is copied)."""
        size, room = len(self.load), self._load_room
        if room is None or self.load.base is not room or len(room) < size + n:
            room = self._load_room = np.zeros((max(size + n, 2 * size), self.load.shape[1]))
            room[:size] = self.load
        return room

    def join(self, ids: np.ndarray, edges: np.ndarray, volume: np.ndarray,
             profile: np.ndarray) -> None:
        """Contracts of ``edges`` start to use assets ``ids`` with their yearly ``volume``
        and monthly ``profile`` (yearly rate)."""
        t = self.table
        np.add.at(t["uses"], ids, 1)
        self._move(ids, volume, profile, +1.0)
        self.edge_user[edges] = ids

    def leave(self, ids: np.ndarray, edges: np.ndarray, volume: np.ndarray,
              profile: np.ndarray) -> None:
        """Contracts stop using assets ``ids`` (ended, or moved to another asset)."""
        self._move(ids, volume, profile, -1.0)
        mine = self.edge_user[edges] == ids
        self.edge_user[edges[mine]] = -1

    def _move(self, ids, volume, profile, sign: float) -> None:
        """Volume, monthly load and count of changes of assets ``ids`` follow their
        contracts; an asset left with only rounding is emptied (one compiled pass,
        :func:`.kernels.move_on_assets`)."""
        t = self.table
        move_on_assets(np.asarray(ids, dtype=np.int64), np.asarray(volume, dtype=float),
                       np.asarray(profile, dtype=float), float(sign), t["volume"], self.load,
                       t["changes"], ROUNDING)

    def user_annuity(self, ids: np.ndarray, volume: np.ndarray) -> np.ndarray:
        """Yearly annuity each contract in service on assets ``ids`` pays: its asset's
        annuity pro rata of contracted volume (the contracts given must be all of those in
        service on their assets)."""
        t = self.table
        return t["annuity"][ids] * (volume / np.maximum(t["volume"][ids], 1e-300))  # 1: all

    def use(self, ids: np.ndarray, tick: int) -> None:
        """An exchange starts over existing assets."""
        self.table["last_used"][ids] = tick

    def retire(self, ids: np.ndarray, tick: int) -> None:
        """Assets that end their life at ``tick`` (a partner's site was closed: a firm that
        takes the site over builds its own connection at the catalogue's capex)."""
        self.table["until"][ids] = np.minimum(self.table["until"][ids], tick)


def charge_share(terms, share: np.ndarray, bargaining_power: float) -> None:
    """Add, in place, a yearly ``share`` of a shared asset's annuity to deals' terms as a
    cost of the receiver's: exactly what :func:`~.economics.evaluate` gives with that
    much more annual capex (the surplus falls by it, split by the Nash rule).

    A deal's pricing applies it inside its compiled pass (:func:`.kernels.price_deals`,
    operation for operation; ``tests/test_deal_path.py`` holds the two to the same bits).

    Examples
    --------
    >>> from symbiosis_abm.economics import evaluate
    >>> one = lambda v: np.array([v])
    >>> t = evaluate(one(1e3), one(1.0), one(20.0), one(30.0), one(5e3), one(0.0), 0.1,
    ...              one(1e3), one(1e3), 0.5)
    >>> charge_share(t, one(4e3), 0.5)
    >>> u = evaluate(one(1e3), one(1.0), one(20.0), one(30.0), one(5e3), one(4e4), 0.1,
    ...              one(1e3), one(1e3), 0.5)
    >>> [float(a[0] - b[0]) for a, b in ((t.surplus, u.surplus), (t.payment, u.payment),
    ...                                  (t.annuity, u.annuity))]
    [0.0, 0.0, 0.0]
    """
    terms.surplus[:] -= share
    terms.supplier_gain[:] -= bargaining_power * share
    terms.receiver_gain[:] -= (1.0 - bargaining_power) * share
    terms.payment[:] -= bargaining_power * share
    terms.annuity[:] += share


class AssetUse:
    """Contracts on route assets: which asset a new contract runs on, the annuity split.

    A mixin of :class:`~.model.SymbiosisModel` (it works on the model's exchanges).
    """

    def _attach_assets(self, edges, mode, capex, subsidy, annuity, volume, stream, *,
                       built: int, ready: np.ndarray, capacity: np.ndarray | None = None,
                       signed: int | None = None):
        """The asset each new contract runs on: its route's live asset of its mode where
        the contract fits its spare capacity (no capex, no subsidy), else a new asset
        (capex, subsidy and annuity as priced; ``capacity``: given, else a pipe's is the
        contract's peak flow and other modes' unlimited), or none where the mode has no capex. Contracts on one route are
        placed one after another, so that two signed in one tick share one line where it
        fits. A contract priced as joining an asset that is full by then builds a new
        one at the catalogue's capex (its own annuity, no co-funding).

        ``built``: the tick new assets' lives start; ``signed``: the tick an asset joined
        was last used (default ``built``). Returns the asset ids (-1: none), and the capex, subsidy and yearly annuity booked
        for each contract (re-split by :meth:`_share_annuity` once appended)."""
        book, w = self.assets, self.world
        profile = volume[:, None] * w.stream_season[stream]
        if capacity is None:   # a line is sized for its flow; other modes' assets are not
            capacity = np.where(mode == LINE, profile.max(axis=1), np.inf)
        capex, subsidy, annuity = capex.copy(), subsidy.copy(), annuity.copy()
        ids = book.place(edges, mode, capex, subsidy, annuity, volume, stream, profile,
                         capacity, ready, built, built if signed is None else signed, w,
                         self._edge_costs())
        return ids, capex, subsidy, annuity

    def _share_annuity(self, ids: np.ndarray) -> None:
        """The contracts in service on assets ``ids`` pay their annuity pro rata of their
        contracted volume (docs/ODD.md 7.15)."""
        ex, table = self.exchanges, self.assets.table
        # one compiled pass over the contracts (AssetBook.user_annuity's rule)
        spread_annuity(np.asarray(ids, dtype=np.int64), len(table), ex["active"], ex["asset"],
                       ex["volume"], ex["annuity"], table["annuity"], table["volume"])

    def _asset_users(self) -> np.ndarray:
        """Contracts in service on each asset now."""
        ex = self.exchanges
        on = ex["active"] & (ex["asset"] >= 0)
        return np.bincount(ex["asset"][on], minlength=len(self.assets)).astype(np.int64)

    def _leave_assets(self, rows: np.ndarray) -> None:
        """Contracts ``rows`` stop using their assets."""
        ex = self.exchanges
        rows = rows[ex["asset"][rows] >= 0]
        volume = ex["volume"][rows]
        self.assets.leave(ex["asset"][rows], ex["edge"][rows], volume,
                          volume[:, None] * self.world.stream_season[ex["stream"][rows]])
