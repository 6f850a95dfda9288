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

__all__ = ["LANGUAGES", "TEXT", "PARAM_LABELS", "RESOURCES", "SECTORS", "UNITS", "CHOICES",
           "REGION_TITLES_SV", "param_label", "param_description", "resource_label",
           "sector_label", "unit_label", "choice_label", "reason_label", "REASONS", "tr"]

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
    "speed": ("Playback speed (months per second)", "Uppspelningshastighet (månader per sekund)"),
    "render_every": ("Months between redraws while playing",
                     "Månader mellan omritningar under uppspelning"),
    "reset": ("Reset", "Återställ"),
    "playback": ("Playback", "Uppspelning"),
    "step": ("Step", "Steg"),
    "on": ("on", "på"),
    "off": ("off", "av"),
    "pending_title": ("Pending until Reset:", "Väntar på Återställ:"),
    "year": ("year", "år"),
    "open": ("open", "i drift"),
    "closed": ("closed", "stängt"),
    "size_large": ("large firm", "stort företag"),
    "size_sme": ("small or medium firm", "litet eller medelstort företag"),
    "tt_resource": ("Resource", "Resurs"),
    "tt_from": ("From", "Från"),
    "tt_to": ("To", "Till"),
    "tt_volume": ("Volume", "Volym"),
    "tt_price": ("Price", "Pris"),
    "tt_since": ("Since", "Sedan"),
    "tt_firm": ("Firm", "Företag"),
    "tt_sector": ("Sector", "Bransch"),
    "tt_size": ("Size", "Storlek"),
    "tt_partners": ("Exchanges", "Utbyten"),
    "tt_state": ("State", "Status"),
    "map_hint": ("Scroll to zoom, drag to pan, double-click to reset; click a firm to "
                 "inspect it.",
                 "Skrolla för att zooma, dra för att panorera, dubbelklicka för att "
                 "återställa; klicka på ett företag för att granska det."),
    "kpi_energy": ("Energy recovered", "Återvunnen energi"),
    "kpi_water": ("Water reused", "Återanvänt vatten"),
    "per_year": ("per year", "per år"),
    "note_negative": ("Negative: the run with the facilitator has less than the same "
                      "region and seed without it, so far (chance, a different order of "
                      "deals, or firms tied up in negotiations).",
                      "Negativt: körningen med facilitator har hittills mindre än samma "
                      "region och slumpfrö utan den (slump, en annan ordning på avtalen "
                      "eller företag upptagna i förhandlingar)."),
    "note_cost_undefined": ("Not defined: the facilitator has added no tonnes yet (or cost "
                            "nothing), so there is no cost per additional tonne.",
                            "Ej definierat: facilitatorn har ännu inte lagt till några ton "
                            "(eller kostat något), så det finns ingen kostnad per extra ton."),
    "note_no_twin": ("No comparison: the facilitator is off in this run.",
                     "Ingen jämförelse: facilitatorn är avstängd i denna körning."),
    "share_link": ("Link to this run", "Länk till denna körning"),
    "ab_mode": ("A/B comparison", "A/B-jämförelse"),
    "ab_b_settings": ("Setting B", "Inställning B"),
    "ab_title": ("A: the levers above; B: the same region and seed with one lever changed",
                 "A: spakarna ovan; B: samma region och slumpfrö med en spak ändrad"),
    "run_a": ("A", "A"),
    "run_b": ("B", "B"),
    "b_minus_a": ("B − A", "B − A"),
    "edit_side": ("Levers of", "Spakar för"),
    "upload_region": ("Drop a region file (.toml) here to try it",
                      "Släpp en regionfil (.toml) här för att prova den"),
    "ab_note": ("Solid: A; dashed: B (the same region and seed, other levers).",
                "Heldragen: A; streckad: B (samma region och slumpfrö, andra spakar)."),
    "ab_differs": ("B differs from A in", "B skiljer sig från A i"),
    "ab_same": ("B equals A: choose B above and move a lever.",
                "B är lika med A: välj B ovan och flytta en spak."),
    "note_ab_cost": ("Not shown in A/B mode: cost per additional tonne compares a run "
                     "with the facilitator against the same run without it.",
                     "Visas inte i A/B-läge: kostnad per extra ton jämför en körning med "
                     "facilitator mot samma körning utan."),
    "month_word": ("month", "månad"),
    "col_resource": ("Resource", "Resurs"), "col_supplier": ("Supplier", "Leverantör"),
    "col_receiver": ("Receiver", "Mottagare"), "col_volume": ("Volume", "Volym"),
    "col_start": ("Start", "Start"), "col_end": ("End", "Slut"),
    "col_status": ("Status", "Status"), "col_reason": ("Reason", "Orsak"),
    "col_partner": ("Partner", "Partner"), "col_trust": ("Trust", "Förtroende"),
    "col_trust_back": ("Trust back", "Förtroende tillbaka"),
    "col_volume_per_year": ("Volume per year", "Volym per år"),
    "col_free_per_year": ("Free per year", "Ledigt per år"),
    "status_active": ("active", "aktivt"), "status_ended": ("ended", "avslutat"),
    "status_building": ("being built", "byggs"),
    "plot_diverted_t": ("Materials delivered", "Levererat material"),
    "plot_energy": ("Energy delivered", "Levererad energi"),
    "plot_water": ("Water delivered", "Levererat vatten"),
    "guided": ("Guided replay", "Guidad uppspelning"),
    "controls": ("Levers", "Spakar"),
    "apply_hint": ("Changes apply on Reset.", "Ändringar gäller efter Återställ."),
    "step_counter": ("Month {n}", "Månad {n}"),
    "date_counter": ("{date} (month {n})", "{date} (månad {n})"),
    "with_fac": ("with facilitator", "med facilitator"),
    "without_fac": ("without facilitator", "utan facilitator"),
    "difference": ("difference", "skillnad"),
    "kpi_title": ("Key figures", "Nyckeltal"),
    "kpi_active_exchanges": ("Active exchanges", "Aktiva utbyten"),
    "kpi_participating_firms": ("Participating firms", "Deltagande företag"),
    "kpi_diverted": ("Materials diverted", "Material som tas till vara"),
    "kpi_co2e": ("CO2e avoided", "Undviken CO2e"),
    "kpi_savings": ("Firms' net savings", "Företagens nettobesparing"),
    "kpi_public_cost": ("Public cost", "Offentlig kostnad"),
    "kpi_cost_per_tonne": ("Public cost per additional tonne",
                           "Offentlig kostnad per extra ton"),
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


#: Labels of controls, (English, Swedish).
PARAM_LABELS: dict[str, tuple[str, str]] = {
    "facilitator": ("Facilitator", "Facilitator"),
    "facilitator_start_tick": ("Facilitator starts", "Facilitatorn börjar"),
    "facilitator_end_tick": ("Facilitator ends", "Facilitatorn slutar"),
    "mapper": ("Mapping of streams", "Kartläggning av flöden"),
    "broker": ("Broker proposes matches", "Mäklare föreslår matchningar"),
    "broker_capacity": ("Broker's proposals", "Mäklarens förslag"),
    "targeting": ("Broker's choice of firms", "Mäklarens urval"),
    "convener": ("Network meetings", "Nätverksträffar"),
    "convener_interval_months": ("Time between meetings", "Tid mellan träffar"),
    "cofunder": ("Public co-funding", "Offentlig medfinansiering"),
    "cofund_share": ("Co-funded share of investment", "Medfinansierad andel av investering"),
    "cofund_budget_eur": ("Co-funding budget", "Medfinansieringsbudget"),
    "expert_support": ("Expert support for small firms", "Expertstöd för små företag"),
    "initial_trust": ("Trust at the start", "Förtroende från början"),
    "min_trust_sme": ("Trust a small firm needs to sign", "Förtroende ett litet företag behöver"),
    "min_trust_large": ("Trust a large firm needs to sign", "Förtroende ett stort företag behöver"),
    "search_cost_eur": ("Cost of searching for a partner", "Kostnad att söka partner"),
    "landfill_tax_eur_per_t": ("Landfill tax", "Deponiskatt"),
    "carbon_price_eur_per_t": ("Carbon price", "Koldioxidpris"),
    "disposal_cost_multiplier": ("Disposal cost (× today's)", "Deponikostnad (× dagens)"),
    "transport_cost_multiplier": ("Transport cost (× today's)", "Transportkostnad (× dagens)"),
    "detour_factor": ("Road distance (× straight line)", "Vägavstånd (× fågelvägen)"),
    "n_firms": ("Number of firms", "Antal företag"),
    "area_km": ("Side of the area", "Områdets sida"),
}
PARAM_LABELS_SV = {k: sv for k, (_, sv) in PARAM_LABELS.items()}   # older name

#: Resource names, (English, Swedish).
RESOURCES: dict[str, tuple[str, str]] = {
    "biogas": ("biogas", "biogas"), "biomass_ash": ("biomass ash", "bioaska"),
    "co2": ("CO2", "koldioxid"), "competence": ("competence", "kompetens"),
    "cooling_water": ("cooling water", "kylvatten"), "digestate": ("digestate", "rötrest"),
    "fermentation_biomass": ("fermentation biomass", "jäsningsbiomassa"),
    "fgd_gypsum": ("FGD gypsum", "rökgasgips"), "fibre_residues": ("fibre residues",
                                                                   "fiberrester"),
    "fish_residues": ("fish residues", "fiskrester"), "fly_ash": ("fly ash", "flygaska"),
    "food_residues": ("food residues", "matrester"),
    "logistics_capacity": ("logistics capacity", "logistikkapacitet"),
    "metal_scrap": ("metal scrap", "metallskrot"), "plastic_scrap": ("plastic scrap",
                                                                     "plastskrot"),
    "process_water": ("process water", "processvatten"),
    "shared_premises": ("shared premises", "delade lokaler"), "sludge": ("sludge", "slam"),
    "steam": ("steam", "ånga"), "sulphur": ("sulphur", "svavel"),
    "treated_wastewater": ("treated wastewater", "renat avloppsvatten"),
    "waste_heat_high": ("waste heat, high temperature", "spillvärme, hög temperatur"),
    "waste_heat_low": ("waste heat, low temperature", "spillvärme, låg temperatur"),
    "wood_residues": ("wood residues", "trärester"), "yeast_slurry": ("yeast slurry",
                                                                     "jästslurry"),
}

#: Sector names, (English, Swedish).
SECTORS: dict[str, tuple[str, str]] = {
    "agriculture": ("agriculture", "jordbruk"), "aquaculture": ("aquaculture", "vattenbruk"),
    "biogas_plant": ("biogas plant", "biogasanläggning"), "brewery": ("brewery", "bryggeri"),
    "chemicals": ("chemicals", "kemi"),
    "construction_materials": ("construction materials", "byggmaterial"),
    "district_heating": ("district heating", "fjärrvärme"),
    "fish_processing": ("fish processing", "fiskberedning"),
    "food_processing": ("food processing", "livsmedelsindustri"),
    "gas_distribution": ("gas distribution", "gasdistribution"),
    "greenhouse_agriculture": ("greenhouse farming", "växthusodling"),
    "logistics_warehousing": ("logistics and warehousing", "logistik och lager"),
    "metal_engineering": ("metal engineering", "verkstadsindustri"),
    "municipality": ("municipality", "kommun"),
    "pharma_biotech": ("pharma and biotech", "läkemedel och bioteknik"),
    "plastics_manufacturing": ("plastics manufacturing", "plasttillverkning"),
    "power": ("power", "kraftverk"), "pulp_paper": ("pulp and paper", "massa och papper"),
    "refinery": ("refinery", "raffinaderi"), "research": ("research", "forskning"),
    "sawmill": ("sawmill", "sågverk"), "waste_management": ("waste management",
                                                           "avfallshantering"),
    "wastewater_utility": ("wastewater utility", "avloppsreningsverk"),
    "water_utility": ("water utility", "vattenverk"),
}

#: Units as shown, (English, Swedish).
UNITS: dict[str, tuple[str, str]] = {
    "t": ("t", "t"), "MWh": ("MWh", "MWh"), "m3": ("m³", "m³"), "EUR": ("EUR", "EUR"),
    "EUR/t": ("EUR/t", "EUR/t"), "EUR/t CO2e": ("EUR/t CO2e", "EUR/t CO2e"),
    "staff_hour": ("staff hours", "arbetstimmar"), "truck_trip": ("truck trips", "lastbilsresor"),
    "m2_year": ("m²·years", "m²·år"), "tick": ("month", "månad"), "months": ("months",
                                                                          "månader"),
    "proposals/month": ("proposals/month", "förslag/månad"), "firms": ("firms", "företag"),
    "km": ("km", "km"), "-": ("", ""), "": ("", ""), "t CO2e": ("t CO2e", "t CO2e"),
}

#: Choices of select levers, (English, Swedish).
CHOICES: dict[str, tuple[str, str]] = {
    "largest_streams": ("largest streams first", "största flödena först"),
    "highest_surplus": ("highest gain first", "största vinsten först"),
    "smes_first": ("small firms first", "små företag först"),
    "most_isolated": ("most isolated first", "mest isolerade först"),
    "random": ("at random", "slumpvis"),
}

#: Reasons a negotiation failed or an exchange ended (the model's REASONS), (en, sv).
REASONS: dict[str, tuple[str, str]] = {
    "low trust": ("low trust", "för lite förtroende"),
    "no surplus": ("no surplus", "inget överskott"), "timeout": ("timeout", "tiden gick ut"),
    "breakdown": ("breakdown", "förhandlingen bröt samman"),
    "partner closed": ("partner closed", "partnern stängde"),
    "no capacity left": ("no capacity left", "ingen kapacitet kvar"),
    "no capital": ("no capital", "inget kapital"), "unprofitable": ("unprofitable",
                                                                    "olönsamt"),
    "expired": ("expired", "avtalet löpte ut"),
    "no co-funding": ("no co-funding", "ingen medfinansiering"),
    "no gain at granted volume": ("no gain at granted volume",
                                  "ingen vinst vid beviljad volym"),
    "process change": ("process change", "processändring"),
    "broken trust": ("broken trust", "brutet förtroende"),
    "trial completed": ("trial completed", "försöket avslutat"),
    "renegotiation failed": ("renegotiation failed", "omförhandlingen misslyckades"),
    "below minimum volume": ("below minimum volume", "under minimivolymen"),
    "asset worn out": ("asset worn out", "anläggningen utsliten"),
}


def reason_label(reason: str, lang: str = "en") -> str:
    """The reason in ``lang``.

    >>> reason_label("low trust", "sv")
    'för lite förtroende'
    """
    return _pick(REASONS, reason, lang) or reason


#: Region titles in Swedish (the region files give English titles).
REGION_TITLES_SV: dict[str, str] = {
    "high_coast": "High Coast Innovation Park och Örnsköldsvik, Sverige",
    "kalundborg": "Kalundborg Symbiosis, Danmark",
    "kalundborg_history": "Kalundborg Symbiosis 1960-2020 (historisk), Danmark",
    "kronoberg_kalmar_water": "Vattensymbios i Kronobergs och Kalmar län, Sverige",
    "sotenas": "Sotenäs Symbioscentrum, Kungshamn, Sverige",
    "vastra_malardalen": "Industriell symbios i Västra Mälardalen (Köping, Arboga, Kungsör), "
                         "Sverige",
}


def _pick(table: dict[str, tuple[str, str]], key: str, lang: str) -> str | None:
    pair = table.get(key)
    if pair is None:
        return None
    return pair[1] if lang == "sv" and pair[1] else pair[0]


def resource_label(name: str, lang: str = "en") -> str:
    """The resource's name in ``lang``.

    >>> resource_label("waste_heat_low", "sv")
    'spillvärme, låg temperatur'
    """
    return _pick(RESOURCES, name, lang) or name.replace("_", " ")


def sector_label(name: str, lang: str = "en") -> str:
    """The sector's name in ``lang``.

    >>> sector_label("pulp_paper", "en")
    'pulp and paper'
    """
    return _pick(SECTORS, name, lang) or name.replace("_", " ")


def unit_label(unit: str, lang: str = "en") -> str:
    """The unit as shown in ``lang``.

    >>> unit_label("m3"), unit_label("tick", "sv")
    ('m³', 'månad')
    """
    found = _pick(UNITS, unit, lang)
    return unit if found is None else found


def choice_label(value: str, lang: str = "en") -> str:
    return _pick(CHOICES, value, lang) or value.replace("_", " ")


def param_description(name: str, english: str, lang: str = "en") -> str:
    """A lever's tooltip: the record's description in English; in Swedish the label (the
    record's descriptions are English only, and the page shows no English in Swedish)."""
    return english if lang != "sv" else param_label(name, "sv")


def param_label(name: str, lang: str = "en") -> str:
    """The label of a parameter's control.

    >>> param_label("initial_trust", "en"), param_label("initial_trust", "sv")
    ('Trust at the start', 'Förtroende från början')
    """
    return _pick(PARAM_LABELS, name, lang) or name.replace("_eur", "").replace(
        "_", " ").capitalize()


def tr(key: str, lang: str = "en", **fields: object) -> str:
    """The text for ``key`` in ``lang`` ("en" or "sv"), with ``fields`` filled in."""
    en, sv = TEXT[key]
    text = sv if lang == "sv" and sv else en
    return text.format(**fields) if fields else text
