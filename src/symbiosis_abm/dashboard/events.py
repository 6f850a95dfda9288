"""The event log: exchanges formed and ended, with partners, resource and reason.

Examples
--------
>>> from symbiosis_abm import SymbiosisModel
>>> model = SymbiosisModel("kalundborg", rng=1)
>>> model.run(12)
>>> lines = event_lines(model, "en")
>>> "exchange formed" in lines[0]
True
>>> ticks = [e.tick for e in events(model)]
>>> ticks == sorted(ticks, reverse=True)      # newest first
True
"""

from __future__ import annotations

from dataclasses import dataclass

from ..model import SymbiosisModel
from . import frames
from .i18n import reason_label, resource_label, tr
from .timeline import month_label, region_start

__all__ = ["Event", "events", "event_lines"]


@dataclass(frozen=True)
class Event:
    tick: int
    kind: str            # "formed" or "ended"
    supplier: str
    receiver: str
    resource: str
    reason: str = ""


def events(model: SymbiosisModel, limit: int | None = None) -> list[Event]:
    """Exchanges formed and ended so far, newest first (ties: ended before formed)."""
    names = {f.id: (f.name or f.id) for f in model.world.region.firms}
    out = []
    for row in frames.exchange_rows(model):
        sup, rec = names[row["supplier"]], names[row["receiver"]]
        out.append(Event(int(row["start"]), "formed", sup, rec, row["resource"]))
        if row["status"] == "ended":
            out.append(Event(int(row["end"]), "ended", sup, rec, row["resource"],
                             row["reason"]))
    out.sort(key=lambda e: (e.tick, e.kind == "ended"), reverse=True)
    return out[:limit] if limit else out


def event_lines(model: SymbiosisModel, lang: str = "en", limit: int = 40) -> list[str]:
    """The log as translated sentences, newest first."""
    start, months = region_start(model.world.region), model.params.tick_months
    lines = []
    for e in events(model, limit):
        when = month_label(start, e.tick, months, lang) or tr("step_counter", lang, n=e.tick + 1)
        key = "event_formed" if e.kind == "formed" else "event_ended"
        lines.append(tr(key, lang, when=when, supplier=e.supplier, receiver=e.receiver,
                        resource=resource_label(e.resource, lang),
                        reason=reason_label(e.reason, lang)))
    return lines
