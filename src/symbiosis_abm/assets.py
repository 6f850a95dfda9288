"""Infrastructure as sunk assets: built once, owned, reused, stranded when left early.

A connection (pipe, heat exchanger, container park) is built with its capex when the
first exchange over a candidate link needs it. It belongs to the party that paid it (the
receiver, who funds the capex) and records the public (co-funded) share. It outlives the
contract: a renewal, or a later exchange over the same link and mode within the asset's
lifetime, uses it at no new capex -- unless a partner's site closed: its assets are retired
then, and a firm that takes the site over builds its own connection. The owner pays its
own share as an annuity while exchanges run over it; when an exchange ends before the
asset's lifetime is over, the annuity still to come is charged to the owner at once as a
*stranded* cost (reported apart from the exchange's savings) and the asset is paid off: a
later reuse costs nothing.

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

import numpy as np

from .columns import Columns

__all__ = ["AssetBook", "ASSET_COLUMNS"]

ASSET_COLUMNS = {
    "edge": np.int64, "supplier": np.int64, "receiver": np.int64, "resource": np.int64,
    "mode": np.int64, "capex": float, "public": float, "owner": np.int64, "built": np.int64,
    "last_used": np.int64, "until": np.int64, "stranded": float, "paid_off": bool,
    "uses": np.int64,
}


class AssetBook:
    """All assets of a run and, per candidate edge, the asset built for it (or -1)."""

    def __init__(self, n_edges: int, lifetime_ticks: int | np.ndarray):
        """``lifetime_ticks``: one life for every asset, or a ``(resource, mode)`` table
        (each mode's asset has its own economic life)."""
        self.table = Columns(ASSET_COLUMNS)
        self.edge_asset = np.full(n_edges, -1, dtype=np.int64)
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
        """The asset of each edge that is still within its lifetime at ``tick``, else -1."""
        until = self.table["until"]
        if len(until) == 0:
            return np.full(len(edges), -1, dtype=np.int64)
        ids = self.edge_asset[edges]
        alive = (ids >= 0) & (until[np.maximum(ids, 0)] > tick)   # -1 reads a row, unused
        return np.where(alive, ids, -1)

    def build(self, edges, supplier, receiver, resource, mode, capex, public, *,
              tick: int) -> np.ndarray:
        """Record new assets (owner: the receiver) and return their ids."""
        ids = self.table.append(
            edge=edges, supplier=supplier, receiver=receiver, resource=resource, mode=mode,
            capex=capex, public=public, owner=receiver, built=tick, last_used=tick,
            until=tick + self.life(resource, mode), stranded=0.0, paid_off=False, uses=1)
        self.edge_asset[edges] = ids
        return ids

    def use(self, ids: np.ndarray, tick: int) -> None:
        """An exchange starts over existing assets."""
        self.table["last_used"][ids] = tick
        np.add.at(self.table["uses"], ids, 1)

    def retire(self, ids: np.ndarray, tick: int) -> None:
        """Assets that end their life at ``tick`` (a partner's site was closed: a firm that
        takes the site over builds its own connection at the catalogue's capex)."""
        self.table["until"][ids] = np.minimum(self.table["until"][ids], tick)

    def strand(self, ids: np.ndarray, annuity_per_tick: np.ndarray, tick: int) -> np.ndarray:
        """Charge the annuity still to come on assets left before their lifetime is over.

        Returns the stranded amount per asset (0 for assets already paid off or at the end
        of their life); those assets are paid off afterwards.
        """
        t = self.table
        left = np.maximum(t["until"][ids] - (tick + 1), 0)
        amount = np.where(t["paid_off"][ids], 0.0, annuity_per_tick * left)
        t["stranded"][ids] += amount
        t["paid_off"][ids] = True
        t["last_used"][ids] = tick
        return amount
