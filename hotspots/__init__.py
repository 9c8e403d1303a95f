"""hotspots: find and evaluate serious-violence hotspots from police.uk and force data.

The public API is listed in ``__all__``; every verb takes a GeoDataFrame in British
National Grid (metres) and returns a new one.
"""

import logging

from hotspots._log import set_log_level
from hotspots._mann_kendall import MannKendall, mann_kendall
from hotspots.accuracy import Accuracy, accuracy, hit_rate, pai, pei, rri
from hotspots.backtest import backtest, backtest_summary, plot_backtest
from hotspots.classify import CLASSIFY_CATEGORIES, classify_hotspots
from hotspots.concentration import Concentration, concentration
from hotspots.cube import space_time_cube
from hotspots.definitions import DEFINITIONS, select_crimes
from hotspots.emerging import EMERGING_PATTERNS, emerging
from hotspots.evaluate import (
    Effect,
    Matched,
    candidate_places,
    choose_comparisons,
    did,
    panel,
    randomisation_test,
    relative_effect_size,
    rings,
    wdq,
)
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
from hotspots.io import (
    IngestResult,
    Quarantine,
    read_boundary,
    read_force_extract,
    read_policeuk,
)
from hotspots.kde import auto_bandwidth, dual_kde, kde
from hotspots.select import select_places

__version__ = "0.1.0"

__all__ = [
    "CLASSIFY_CATEGORIES",
    "DEFINITIONS",
    "EMERGING_PATTERNS",
    "Accuracy",
    "CRSError",
    "Concentration",
    "Effect",
    "HarmTable",
    "HotspotsError",
    "HotspotsWarning",
    "IngestResult",
    "InputFileError",
    "MannKendall",
    "Matched",
    "Quarantine",
    "SchemaError",
    "__version__",
    "accuracy",
    "auto_bandwidth",
    "auto_cell_size",
    "backtest",
    "backtest_summary",
    "candidate_places",
    "choose_comparisons",
    "classify_hotspots",
    "concentration",
    "count_points",
    "did",
    "dual_kde",
    "emerging",
    "find_hotspots",
    "gistar",
    "harm_weights",
    "hit_rate",
    "kde",
    "load_harm_table",
    "make_grid",
    "mann_kendall",
    "pai",
    "panel",
    "pei",
    "plot_backtest",
    "randomisation_test",
    "read_boundary",
    "read_force_extract",
    "read_policeuk",
    "relative_effect_size",
    "rings",
    "rri",
    "select_crimes",
    "select_places",
    "set_log_level",
    "space_time_cube",
    "wdq",
]

logging.getLogger(__name__).addHandler(logging.NullHandler())
