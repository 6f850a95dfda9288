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
>>> all(0.0 <= p["trust"] <= 1.0 for p in info["partners"])
True
"""

from __future__ import annotations

from html import escape
from typing import Any

from ..model import SymbiosisModel

__all__ = ["firm_details", "firm_choices", "html_table"]

_HISTORY = ["supplier", "receiver", "resource", "volume_per_year", "start", "end", "status",
            "reason"]


def firm_choices(model: SymbiosisModel) -> dict[str, str]:
    """Label shown in the picker -> firm id, in region order."""
    return {f"{f.name or f.id} ({f.id})": f.id for f in model.world.region.firms}


def firm_details(model: SymbiosisModel, firm_id: str) -> dict[str, Any]:
    """Everything the inspector shows for one firm (plain values)."""
    firm = model.firm(firm_id)
    log = model.exchanges_frame()
    mine = log[(log["supplier"] == firm_id) | (log["receiver"] == firm_id)]
    return {
        "title": f"{firm.name} - {firm.sector}, {firm.size}"
                 + ("" if firm.is_open else " (closed)"),
        "streams": firm.streams,
        "needs": firm.needs,
        "partners": [{"partner": p, "trust": round(firm.trust_in(p), 3),
                      "trust_back": round(model.firm(p).trust_in(firm), 3)}
                     for p in firm.partners],
        "history": mine[_HISTORY].to_dict("records"),
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
