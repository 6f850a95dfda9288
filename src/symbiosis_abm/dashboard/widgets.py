"""A Vega-Lite view whose data sets are replaced in place in the browser.

Solara's own ``VegaLite`` widget re-embeds the chart whenever anything changes (losing
zoom and costing a full layout). :class:`VegaView` embeds its ``spec`` once and, when only
``datasets`` change, swaps the rows of those named data sets into the live view. Clicking
a mark whose datum has an ``id`` calls ``on_pick(id)``. ``version`` is echoed into the
element's ``data-version`` attribute once the browser has drawn it (tests and timings wait
for it). The JavaScript comes from the ``solara-assets`` folders: no outside request.
"""

from __future__ import annotations

from pathlib import Path

import ipyvuetify as v
import traitlets

__all__ = ["VegaView"]


class VegaView(v.VuetifyTemplate):
    template_file = str(Path(__file__).parent / "vue" / "vega_view.vue")
    spec = traitlets.Dict().tag(sync=True)
    datasets = traitlets.Dict().tag(sync=True)
    version = traitlets.Int(0).tag(sync=True)
    on_pick = traitlets.Callable(None, allow_none=True)

    def vue_pick(self, firm_id):
        if self.on_pick is not None:
            self.on_pick(firm_id)
