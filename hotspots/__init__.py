"""hotspots: find and evaluate serious-violence hotspots from police.uk and force data.

The public API is listed in ``__all__``; every verb takes a GeoDataFrame in British
National Grid (metres) and returns a new one.
"""

import logging

from hotspots._log import set_log_level
from hotspots._mann_kendall import MannKendall, mann_kendall
from hotspots.classify import CLASSIFY_CATEGORIES, classify_hotspots
from hotspots.cube import space_time_cube
from hotspots.definitions import DEFINITIONS, select_crimes
from hotspots.emerging import EMERGING_PATTERNS, emerging
from hotspots.exceptions import (
    CRSError,
    HotspotsError,
    HotspotsWarning,
    InputFileError,
    SchemaError,
)
from hotspots.find import find_hotspots
from hotspots.gistar import gistar
from hotspots.grid import auto_cell_size, count_points, make_grid
from hotspots.harm import HarmTable, harm_weights, load_harm_table
from hotspots.io import IngestResult, Quarantine, read_force_extract, read_policeuk
from hotspots.kde import auto_bandwidth, dual_kde, kde

__version__ = "0.1.0"

__all__ = [
    "CLASSIFY_CATEGORIES",
    "DEFINITIONS",
    "EMERGING_PATTERNS",
    "CRSError",
    "HarmTable",
    "HotspotsError",
    "HotspotsWarning",
    "IngestResult",
    "InputFileError",
    "MannKendall",
    "Quarantine",
    "SchemaError",
    "__version__",
    "auto_bandwidth",
    "auto_cell_size",
    "classify_hotspots",
    "count_points",
    "dual_kde",
    "emerging",
    "find_hotspots",
    "gistar",
    "harm_weights",
    "kde",
    "load_harm_table",
    "make_grid",
    "mann_kendall",
    "read_force_extract",
    "read_policeuk",
    "select_crimes",
    "set_log_level",
    "space_time_cube",
]

logging.getLogger(__name__).addHandler(logging.NullHandler())
