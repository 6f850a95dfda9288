"""symbiosis-abm: an agent-based model of how industrial symbiosis networks emerge.

The public API is small; everything else is in private-by-convention modules. Each name
is imported when first used, so that the command line (``symbiosis-abm --help``, an
input error) answers without loading the model, Mesa and the compiled kernels.

Examples
--------
>>> import symbiosis_abm as sa
>>> model = sa.SymbiosisModel("kalundborg", rng=42)
>>> model.run(12)
>>> sorted(model.summary())[:3]
['active_exchanges', 'assets_built', 'candidate_pairs']
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from ._lazy import lazy_package
from ._version import __version__ as __version__  # (the release number)

if TYPE_CHECKING:   # (what the names are, for type checkers and readers)
    from .agents import Facilitator, Firm
    from .catalogue import ResourceCatalogue, load_catalogue
    from .errors import ParameterError, RegionError, SymbiosisInputError
    from .exchange import Exchange
    from .model import SymbiosisModel
    from .opportunities import opportunities
    from .params import Parameters, parameter_table
    from .region import Region, bundled_regions, load_region
    from .sweep import load_results

__all__ = [
    "SymbiosisModel", "opportunities", "Firm", "Facilitator", "Exchange",
    "Parameters", "parameter_table",
    "Region", "load_region", "bundled_regions", "ResourceCatalogue", "load_catalogue",
    "SymbiosisInputError", "RegionError", "ParameterError", "load_results",
]

#: the module each public name lives in
_HOME = {"Facilitator": "agents", "Firm": "agents", "ResourceCatalogue": "catalogue",
         "load_catalogue": "catalogue", "ParameterError": "errors",
         "RegionError": "errors", "SymbiosisInputError": "errors", "Exchange": "exchange",
         "SymbiosisModel": "model", "opportunities": "opportunities",
         "Parameters": "params", "parameter_table": "params", "Region": "region",
         "bundled_regions": "region", "load_region": "region", "load_results": "sweep"}

lazy_package(__name__, _HOME, __all__)
