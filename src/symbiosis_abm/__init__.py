"""symbiosis-abm: an agent-based model of how industrial symbiosis networks emerge.

The public API is small; everything else is in private-by-convention modules.

Examples
--------
>>> import symbiosis_abm as sa
>>> model = sa.SymbiosisModel("kalundborg", rng=42)
>>> model.run(12)
>>> sorted(model.summary())[:3]
['active_exchanges', 'assets_built', 'candidate_pairs']
"""

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
from ._version import __version__ as __version__  # noqa: E402  (the release number)
