"""What the firm inspector shows: a firm's streams, needs, partners with the trust toward
them, and its exchange history.

Examples
--------
>>> from symbiosis_abm import SymbiosisModel
>>> model = SymbiosisModel("kalundborg", rng=1)
>>> model.run(24)
>>> info = firm_details(model, "asnaes")
>>> sorted(info)
['history', 'needs', 'partners', 'streams', 'title']
>>> all(0.0 <= float(p["Trust"]) <= 1.0 for p in info["partners"])
True
>>> sorted(info["history"][0])[:3]
['End', 'Reason', 'Receiver']
"""

from __future__ import annotations

from html import escape
from typing import Any

from ..model import SymbiosisModel
from . import frames
from .i18n import TEXT, reason_label, resource_label, sector_label, tr, unit_label
from .kpi import format_number
from .timeline import month_label, region_start

__all__ = ["firm_details", "firm_choices", "html_table"]


def firm_choices(model: SymbiosisModel) -> dict[str, str]:
    """Label shown in the picker -> firm id, in region order."""
    return {f"{f.name or f.id} ({f.id})": f.id for f in model.world.region.firms}


def firm_details(model: SymbiosisModel, firm_id: str, lang: str = "en") -> dict[str, Any]:
    """Everything the inspector shows for one firm, as rows with translated headers.
    Months are written as on the counter and in the event log ("month 6" for tick 5)."""
    firm = model.firm(firm_id)
    mine = [r for r in frames.exchange_rows(model)
            if r["supplier"] == firm_id or r["receiver"] == firm_id]
    names = {f.id: (f.name or f.id) for f in model.world.region.firms}
    start = region_start(model.world.region)

    def when(tick: int) -> str:
        if tick < 0:
            return "–"
        date = month_label(start, tick, model.params.tick_months, lang)
        return tr("date_counter", lang, date=date, n=tick + 1) if date else tr(
            "step_counter", lang, n=tick + 1)

    def unit(resource: str) -> str:
        c = model.world.catalogue
        return unit_label(c.units[c.index(resource)], lang)

    def flows(rows: list[dict]) -> list[dict]:
        out = []
        for r in rows:
            row = {tr("col_resource", lang): resource_label(r["resource"], lang)}
            for k, v in r.items():
                if k != "resource" and isinstance(v, int | float):
                    row[tr("col_" + k, lang) if ("col_" + k) in TEXT else k.replace("_", " ")] = \
                        format_number(float(v), unit=unit(r["resource"]), lang=lang)
            out.append(row)
        return out

    history = [{
        tr("col_supplier", lang): names.get(r["supplier"], r["supplier"]),
        tr("col_receiver", lang): names.get(r["receiver"], r["receiver"]),
        tr("col_resource", lang): resource_label(r["resource"], lang),
        tr("col_volume", lang): format_number(float(r["volume_per_year"]),
                                              unit=f"{unit(r['resource'])}/{tr('year', lang)}",
                                              lang=lang),
        tr("col_start", lang): when(int(r["start"])),
        tr("col_end", lang): when(int(r["end"])),
        tr("col_status", lang): tr("status_" + r["status"], lang) if "status_" + r["status"]
        in TEXT else r["status"],
        tr("col_reason", lang): reason_label(r["reason"], lang) or "–",
    } for r in mine]
    state = "" if firm.is_open else f" ({tr('closed', lang)})"
    return {
        "title": f"{firm.name} – {sector_label(firm.sector, lang)}, "
                 f"{tr('size_' + firm.size, lang)}{state}",
        "streams": flows(firm.streams),
        "needs": flows(firm.needs),
        "partners": [{tr("col_partner", lang): names.get(p, p),
                      tr("col_trust", lang): format_number(round(firm.trust_in(p), 2),
                                                           lang=lang),
                      tr("col_trust_back", lang): format_number(
                          round(model.firm(p).trust_in(firm), 2), lang=lang)}
                     for p in firm.partners],
        "history": history,
    }


def html_table(rows: list[dict], empty: str) -> str:
    """Rows of dicts as an HTML table (``empty`` in italics when there are none). Plain
    HTML rather than Markdown: Solara's Markdown loads a maths renderer from a CDN.

    >>> html_table([{"a": 1, "b": "<x>"}], "none")
    '<table class="dash-table"><tr><th>a</th><th>b</th></tr><tr><td>1</td><td>&lt;x&gt;</td></tr></table>'
    >>> html_table([], "none")
    '<i>none</i>'
    """
    if not rows:
        return f"<i>{escape(empty)}</i>"
    cols = list(rows[0])
    head = "".join(f"<th>{escape(str(c))}</th>" for c in cols)
    body = "".join("<tr>" + "".join(f"<td>{escape(_fmt(r[c]))}</td>" for c in cols) + "</tr>"
                   for r in rows)
    return f'<table class="dash-table"><tr>{head}</tr>{body}</table>'


def _fmt(value: Any) -> str:
    if isinstance(value, float):
        return f"{value:,.0f}" if abs(value) >= 100 else f"{value:.3g}"
    return str(value)
