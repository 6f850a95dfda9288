"""The dashboard's interface text in English and Swedish: one table, one lookup.

Add a language by adding a column; a missing Swedish text falls back to English (a test
checks that every key has both).

Examples
--------
>>> tr("step_counter", "sv", n=3)
'Månad 3'
>>> tr("step_counter", "en", n=3)
'Month 3'
"""

from __future__ import annotations

__all__ = ["LANGUAGES", "TEXT", "PARAM_LABELS_SV", "param_label", "tr"]

LANGUAGES = ("en", "sv")

#: key -> (English, Swedish). Texts may hold ``{name}`` fields filled by :func:`tr`.
TEXT: dict[str, tuple[str, str]] = {
    "title": ("Industrial symbiosis: how a network forms",
              "Industriell symbios: så växer ett nätverk fram"),
    "language": ("Svenska", "English"),  # the switch names the other language
    "presenter": ("Presenter mode", "Presentationsläge"),
    "region": ("Region", "Region"),
    "synthetic": ("synthetic region", "syntetisk region"),
    "seed": ("Seed", "Slumpfrö"),
    "speed": ("Playback speed (ms per month)", "Uppspelningshastighet (ms per månad)"),
    "controls": ("Levers", "Spakar"),
    "apply_hint": ("Changes apply on Reset.", "Ändringar gäller efter Reset."),
    "step_counter": ("Month {n}", "Månad {n}"),
    "date_counter": ("{date} (month {n})", "{date} (månad {n})"),
    "with_fac": ("with facilitator", "med facilitator"),
    "without_fac": ("without facilitator", "utan facilitator"),
    "difference": ("difference", "skillnad"),
    "kpi_title": ("Key figures", "Nyckeltal"),
    "kpi_active_exchanges": ("Active exchanges", "Aktiva utbyten"),
    "kpi_participating_firms": ("Participating firms", "Deltagande företag"),
    "kpi_diverted": ("Waste diverted (t/year)", "Avfall som används (t/år)"),
    "kpi_co2e": ("CO2e avoided (t/year)", "Undviken CO2e (t/år)"),
    "kpi_savings": ("Firms' net savings (EUR)", "Företagens nettobesparing (EUR)"),
    "kpi_public_cost": ("Public cost (EUR)", "Offentlig kostnad (EUR)"),
    "kpi_cost_per_tonne": ("Public cost per additional tonne (EUR/t)",
                           "Offentlig kostnad per extra ton (EUR/t)"),
    "not_defined": ("n/a", "ej definierat"),
    "map": ("Map", "Karta"),
    "map_legend_sector": ("Firms by sector", "Företag per bransch"),
    "map_legend_resource": ("Exchanges by resource", "Utbyten per resurs"),
    "map_negotiating": ("negotiating", "förhandling pågår"),
    "map_size_note": ("dot size: yearly volume", "punktstorlek: årlig volym"),
    "plots": ("Over time", "Över tid"),
    "plot_exchanges": ("Active exchanges and participating firms",
                       "Aktiva utbyten och deltagande företag"),
    "plot_diverted": ("Delivered by resource (per month)", "Levererat per resurs (per månad)"),
    "plot_ties": ("Strong and weak ties", "Starka och svaga band"),
    "plot_negotiations": ("Negotiations (cumulative)", "Förhandlingar (kumulativt)"),
    "exchanges": ("exchanges", "utbyten"),
    "firms": ("firms", "företag"),
    "strong_ties": ("strong ties", "starka band"),
    "weak_ties": ("weak ties", "svaga band"),
    "opened": ("opened", "påbörjade"),
    "concluded": ("concluded", "avslutade med avtal"),
    "failed": ("failed", "misslyckade"),
    "failure_reasons": ("Why negotiations failed", "Varför förhandlingar misslyckades"),
    "month_axis": ("month", "månad"),
    "inspector": ("Firm inspector", "Företagsinspektör"),
    "pick_firm": ("Firm", "Företag"),
    "streams": ("Streams (surplus)", "Flöden (överskott)"),
    "needs": ("Needs", "Behov"),
    "partners": ("Partners and trust toward them", "Partner och förtroende för dem"),
    "history": ("Exchange history", "Utbyteshistorik"),
    "none": ("none", "inga"),
    "events": ("Event log", "Händelselogg"),
    "no_events": ("No exchange has formed yet.", "Inget utbyte har bildats ännu."),
    "event_formed": ("{when}: exchange formed, {supplier} → {receiver}, {resource}",
                     "{when}: utbyte bildat, {supplier} → {receiver}, {resource}"),
    "event_ended": ("{when}: exchange ended, {supplier} → {receiver}, {resource} ({reason})",
                    "{when}: utbyte avslutat, {supplier} → {receiver}, {resource} ({reason})"),
    "downloads": ("Downloads", "Nedladdningar"),
    "dl_timeseries": ("Time series (CSV)", "Tidsserier (CSV)"),
    "dl_exchanges": ("Exchange log (CSV)", "Utbyteslogg (CSV)"),
    "dl_graphml": ("Network (GraphML)", "Nätverk (GraphML)"),
    "dl_png": ("Map (PNG)", "Karta (PNG)"),
    "dl_gif": ("Animation (GIF)", "Animation (GIF)"),
    "milestones": ("Milestones", "Milstolpar"),
    "error_title": ("This run cannot start", "Körningen kan inte starta"),
    "error_step": ("The run stopped", "Körningen stoppades"),
    "no_exchange_possible": (
        "No exchange is possible in this region: no firm's surplus is within transport "
        "range of a firm that needs it. Try more firms or a larger area.",
        "Inget utbyte är möjligt i denna region: inget företags överskott ligger inom "
        "transportavstånd från ett företag som behöver det. Prova fler företag eller en "
        "större yta."),
    "fac_never_active": (
        "The facilitator is never active: it starts after the end of the run.",
        "Facilitatorn är aldrig aktiv: den börjar efter körningens slut."),
    "never": ("never", "aldrig"),
    "set_value": ("set", "ange"),
    "twin_note": ("Dashed: the same region and seed without the facilitator.",
                  "Streckad: samma region och slumpfrö utan facilitator."),
    "group_facilitator": ("Facilitator", "Facilitator"),
    "group_trust": ("Trust and signing", "Förtroende och avtal"),
    "group_economics": ("Economics and search", "Ekonomi och sökande"),
    "group_synthetic": ("Synthetic region", "Syntetisk region"),
}


#: Swedish labels of controls (English labels come from the parameter name).
PARAM_LABELS_SV: dict[str, str] = {
    "facilitator": "Facilitator", "facilitator_start_tick": "Facilitator börjar",
    "facilitator_end_tick": "Facilitator slutar", "mapper": "Kartläggare",
    "broker": "Mäklare", "broker_capacity": "Mäklarens förslag",
    "targeting": "Mäklarens urval", "convener": "Sammankallare",
    "convener_interval_months": "Tid mellan träffar", "cofunder": "Medfinansiär",
    "cofund_share": "Medfinansierad andel", "cofund_budget_eur": "Medfinansieringsbudget",
    "expert_support": "Expertstöd", "initial_trust": "Förtroende från början",
    "min_trust_sme": "Förtroende SMF behöver", "min_trust_large": "Förtroende stora behöver",
    "search_cost_eur": "Sökkostnad", "landfill_tax_eur_per_t": "Deponiskatt",
    "carbon_price_eur_per_t": "Koldioxidpris", "disposal_cost_multiplier": "Deponikostnad (faktor)",
    "transport_cost_multiplier": "Transportkostnad (faktor)", "detour_factor": "Omvägsfaktor",
    "n_firms": "Antal företag", "area_km": "Områdets sida",
}


def param_label(name: str, lang: str = "en") -> str:
    """The label of a parameter's control.

    >>> param_label("initial_trust", "en"), param_label("initial_trust", "sv")
    ('Initial trust', 'Förtroende från början')
    """
    if lang == "sv" and name in PARAM_LABELS_SV:
        return PARAM_LABELS_SV[name]
    return name.replace("_eur", "").replace("_", " ").capitalize()


def tr(key: str, lang: str = "en", **fields: object) -> str:
    """The text for ``key`` in ``lang`` ("en" or "sv"), with ``fields`` filled in."""
    en, sv = TEXT[key]
    text = sv if lang == "sv" and sv else en
    return text.format(**fields) if fields else text
