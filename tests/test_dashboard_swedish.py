"""Must-show 6: in Swedish mode every interface string comes from the translation table.

The page is rendered in-process, switched to Swedish and stepped until exchanges, events
and negotiations show; then every text the page holds (widget texts, labels, select items,
HTML, and the map's and plots' titles, legends, tooltips and rows) is searched for any
English text of the table that differs from its Swedish one. Data that are names, not
interface (firm names, region identifiers), are removed first.
"""

from __future__ import annotations

import html
import re

import ipyvuetify as v
from dashboard_support import button, click_step, having, render_page, walk

from symbiosis_abm.dashboard import i18n
from symbiosis_abm.dashboard.widgets import VegaView
from symbiosis_abm.region import bundled_regions, load_region


def _english_only() -> list[str]:
    tables = [i18n.TEXT, i18n.PARAM_LABELS, i18n.RESOURCES, i18n.SECTORS, i18n.UNITS,
              i18n.CHOICES, i18n.REASONS]
    out = set()
    for table in tables:
        for en, sv in table.values():
            for part in re.split(r"\{[a-z_]+\}", en):      # the fixed text around fields
                part = part.strip(" :,.()→")
                if len(part) >= 2 and part.lower() != sv.lower() and part.lower() not in \
                        sv.lower():
                    out.add(part.lower())
    return sorted(out, key=len, reverse=True)


def _strings(obj) -> list[str]:
    if isinstance(obj, str):
        return [obj]
    if isinstance(obj, dict):
        return [s for k, x in obj.items() if not str(k).startswith("_") and k not in (
            "$schema", "field", "name", "type", "id", "orient", "direction", "anchor",
            "interpolate", "cursor", "align", "strokeCap", "color", "stroke", "fill",
            "background", "bind", "select", "range") for s in _strings(x)]
    if isinstance(obj, list | tuple):
        return [s for x in obj for s in _strings(x)]
    return []


def _page_texts(box) -> list[str]:
    texts = []
    for x in walk(box):
        texts += [c for c in getattr(x, "children", None) or () if isinstance(c, str)]
        for attr in ("label", "hint", "placeholder"):
            if isinstance(getattr(x, attr, None), str):
                texts.append(getattr(x, attr))
        if isinstance(x, v.Select):
            texts += [i for i in x.items if isinstance(i, str)]
        if getattr(x, "unsafe_innerHTML", None):
            texts.append(html.unescape(re.sub(r"<[^>]+>", " ", x.unsafe_innerHTML)))
        if isinstance(x, VegaView):
            texts += _strings(x.spec) + _strings(x.datasets)
    return texts


def _names() -> list[str]:
    names = {f.name for r in bundled_regions() for f in load_region(r).firms if f.name}
    names |= set(bundled_regions()) | {"synthetic"}
    return sorted(names, key=len, reverse=True)


def test_swedish_mode_shows_no_english_only_string():
    box, rc = render_page()
    button(rc, "Svenska").click()
    click_step(rc, 0)
    for _ in range(14):                     # exchanges, negotiations, events appear
        button(rc, "Steg").click()
    assert _offenders(box) == [], _offenders(box)[:20]
    # the A/B mode and a dated region's guided replay, in Swedish too
    from dashboard_support import labelled

    # (vastra_malardalen and kalundborg_history both have Swedish captions for their milestones)
    labelled(box, v.Select, "Region").v_model = "vastra_malardalen"
    labelled(box, v.Checkbox, "A/B-jämförelse").v_model = True
    labelled(box, v.Checkbox, "Facilitator").v_model = False
    button(rc, "Återställ").click()
    for _ in range(14):
        button(rc, "Steg").click()
    assert having(box, "ab-summary") and having(box, "guided")
    assert _offenders(box) == [], _offenders(box)[:20]
    # kalundborg_history's milestones in Swedish: the first one, January 1961
    labelled(box, v.Checkbox, "A/B-jämförelse").v_model = False
    labelled(box, v.Select, "Region").v_model = "kalundborg_history"
    button(rc, "Återställ").click()
    for _ in range(13):
        button(rc, "Steg").click()
    assert any("Raffinaderiet startar" in t for t in _page_texts(box))
    assert _offenders(box) == [], _offenders(box)[:20]
    # and the test can fail: the English page is full of them
    button(rc, "English").click()
    assert any(re.search(r"\bactive exchanges\b", t.lower()) for t in _page_texts(box))


def _offenders(box) -> list[tuple[str, str]]:
    english, names = _english_only(), _names()
    offenders = []
    for text in _page_texts(box):
        t = text
        for name in names:
            t = t.replace(name, " ")
        low = t.lower()
        for phrase in english:
            if re.search(rf"(?<![\wåäö]){re.escape(phrase)}(?![\wåäö])", low):
                offenders.append((phrase, text[:80]))
                break
    return offenders
