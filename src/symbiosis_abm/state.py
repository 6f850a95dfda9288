"""The state of a run, and what each phase of a tick reads and writes of it.

A run is a pure function of (region, parameters, seed). What it changes tick by tick is
the *run state* :data:`STATE`: struct-of-arrays records of the firms, the streams and
needs, the candidate edges, the negotiation book, the exchange log, the asset book, the
directed pair store (trust, awareness), the facilitator's accounts, the prices and the
counters. What it holds fixed is the *context* :data:`CONTEXT`: the static
:class:`~.world.World`, the frozen :class:`~.params.Parameters`, their per-tick rates and
tables derived from them once. Each random process draws from its own stream
(:mod:`.randomness`). Everything else a model keeps is *memo* (:data:`MEMO`): results
remembered from the state (:func:`._arrays.remembered`), never read as state, and the
run's table of its kernels' entry points (:class:`.entry_points.BoundKernels`).

Each phase of the tick declares its effects with :func:`phase`: the state and context it
reads, the state it writes and the random streams it draws. ``tests/test_phases.py`` runs
ticks with every attribute access recorded and checks that each phase touches only what
it declares; ``docs/ODD.md`` (section 3) lists the declarations
(``python -m symbiosis_abm.schedule docs/ODD.md`` regenerates that list).

Examples
--------
>>> @phase(reads=("firm_open",), writes=("counts",), draws=("closures",))
... def close(model, t): ...
>>> sorted(close.effects.reads), close.effects.draws
(['firm_open'], ('closures',))
>>> STATE["firm_open"][0]
'firms'
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

__all__ = ["STATE", "CONTEXT", "MEMO", "Effects", "phase", "effects_of"]

#: The run state: name -> (record, meaning). Phases write only these.
STATE: dict[str, tuple[str, str]] = {
    "tick": ("clock", "the current tick (set by step before the phases)"),
    # firms: one row per firm
    "firm_open": ("firms", "the firm trades (opened, not closed)"),
    "firm_vacant": ("firms", "the site was left by a hazard exit and may be taken over"),
    "firm_member": ("firms", "member of the facilitator's registry"),
    "firm_savings": ("firms", "gains from exchanges so far (EUR)"),
    "firm_costs": ("firms", "search and negotiation costs so far (EUR)"),
    "firm_paid_in": ("firms", "payments received as a supplier (EUR)"),
    "firm_paid_out": ("firms", "payments made as a receiver (EUR)"),
    "firm_stranded": ("firms", "remaining annuity of assets left early (EUR)"),
    "firm_negotiations": ("firms", "open negotiations"),
    "firm_search_budget": ("firms", "search budget this tick (EUR per year)"),
    "_min_trust": ("firms", "trust needed to sign this tick"),
    "_capital": ("firms", "largest investment the firm can fund this tick (EUR)"),
    # streams and needs: one row per stream, one per need
    "stream_committed": ("streams", "volume of each stream under contract"),
    "need_committed": ("needs", "volume of each need under contract"),
    "stream_season_now": ("streams", "seasonal factor of each stream this tick"),
    "need_season_now": ("needs", "seasonal factor of each need this tick"),
    "stream_ratio": ("streams", "realised supply this tick per unit of mean"),
    "need_ratio": ("needs", "realised demand this tick per unit of mean"),
    "stream_level": ("streams", "process level (process changes)"),
    "need_level": ("needs", "process level (process changes)"),
    "stream_made": ("streams", "level of a stream made from an input (cascades)"),
    "need_share": ("needs", "received share of each need, running mean"),
    "need_starved": ("needs", "ticks a key input has been starved"),
    # prices
    "price_log": ("prices", "log price level of each resource (price path)"),
    "virgin_now": ("prices", "avoided virgin cost per unit of each need this tick"),
    "disposal_now": ("prices", "avoided disposal cost per unit of each stream this tick"),
    "price_version": ("prices", "counts price changes (remembered terms go stale)"),
    "_price_key": ("prices", "inputs of the current prices"),
    # candidate edges: one row per edge
    "edge_status": ("edges", "idle, negotiating or exchanging"),
    "edge_retry": ("edges", "first tick the edge may be considered again"),
    "edge_counted": ("edges", "co-funding share a negotiation counted on"),
    "cofund_wait": ("edges", "co-funding budget seen when a deal failed for want of it"),
    # records that grow
    "negotiations": ("negotiations", "the negotiation book (Columns)"),
    "exchanges": ("exchanges", "the exchange log (Columns)"),
    "last_delivery": ("exchanges", "the last tick's deliveries (stream, need, volume)"),
    "delivered_by_resource": ("exchanges", "delivered volume per tick and resource"),
    "assets": ("assets", "the asset book: built infrastructure per edge"),
    "pairs": ("pairs", "directed pair store: trust, awareness, met, contact"),
    "facilitator": ("facilitator", "budget, spending, proposals, events (None if absent)"),
    # counters and outputs
    "counts": ("counters", "event counters (summary)"),
    "closure_log": ("counters", "(tick, firms) of every closure"),
    "_diverted_total": ("counters", "tonnes diverted so far"),
    "stats": ("counters", "the tick's statistics"),
    "datacollector": ("counters", "the statistics of every tick (Mesa DataCollector)"),
}

#: Fixed for a run: the world, the parameters and what is derived from them once.
CONTEXT: dict[str, str] = {
    "world": "the static region: firms, streams, needs, candidate edges, catalogue",
    "params": "the frozen parameters",
    "rates": "the calendar-time parameters per tick",
    "asset_life_years": "economic life per (resource, mode)",
    "mode_annuity": "annuity factor per (resource, mode)",
    "edge_slot_sr": "pair slot of each edge's supplier -> receiver",
    "edge_slot_rs": "pair slot of each edge's receiver -> supplier",
    "edge_discovery": "chance per tick that one side of an edge discovers the other",
    "tie_schedule": "documented ties dated after the start, by the tick they begin",
    "edge_keys_sorted": "edges sorted by (supplier, receiver) key",
    "key_input": "needs whose starvation closes their firm",
    "stream_landfill": "streams whose alternative is landfill",
    "need_energy": "needs of an energy resource",
    "schedules": "policy schedules (landfill tax, carbon price, energy price)",
    "_unit_masks": "resources by unit (t, MWh, m3)",
    "firms": "the Mesa agents (live views of the firm rows)",
    "_firm_by_id": "firm id -> agent",
    "streams": "the random streams (their draws are declared apart)",
}

#: Results remembered from the state (never read as state themselves).
MEMO = frozenset({
    "_traits", "_edge_cost_table", "_exit_hazard", "_input_constants",
    "_input_tables", "_introductions", "_owned_from", "_process_hazard", "_reputation_links",
    "_surplus_caches", "_measure_memo", "_pair_slot_memo",
    "_lead_ticks", "_opening_ticks", "_season_months", "_starving",
    "_deal_inputs_of", "_contract_ticks",
    "_delivery_fixed",
    "_held",      # (the run's arrays held in one record for its compiled calls: held.py)
    "_kernels",   # (not a result: each kernel's entry point, bound at its first call)
})


@dataclass(frozen=True)
class Effects:
    """What a phase reads (state and context), writes (state) and draws (random streams)."""

    reads: frozenset[str]
    writes: frozenset[str]
    draws: tuple[str, ...]

    def __post_init__(self):
        unknown = (self.reads - STATE.keys() - CONTEXT.keys()) | (self.writes - STATE.keys())
        if unknown:
            raise ValueError(f"phase effects name no state or context: {sorted(unknown)}")


def phase(*, reads: tuple[str, ...] = (), writes: tuple[str, ...] = (),
          draws: tuple[str, ...] = ()) -> Callable:
    """Declare a phase's effects on its function (as ``function.effects``); nothing else
    changes, so a declared phase costs nothing at run time."""
    effects = Effects(frozenset(reads), frozenset(writes), tuple(draws))

    def mark(function: Callable) -> Callable:
        function.effects = effects
        return function

    return mark


def effects_of(function: Callable) -> Effects:
    """The declared :class:`Effects` of a phase function or method."""
    return getattr(function, "__func__", function).effects
