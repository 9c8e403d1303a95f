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
    POLICEUK_CAVEATS,
    CostBenefit,
    Effect,
    Evaluation,
    InterruptedTimeSeries,
    Matched,
    break_even_reduction,
    candidate_places,
    choose_comparisons,
    cost_benefit,
    crimes_prevented,
    did,
    evaluate,
    home_office_unit_costs,
    its,
    maryland_sms,
    panel,
    plot_its,
    randomisation_test,
    relative_effect_size,
    rings,
    simulate_studies,
    summarise_studies,
    unit_cost_table,
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
    "POLICEUK_CAVEATS",
    "Accuracy",
    "CRSError",
    "Concentration",
    "CostBenefit",
    "Effect",
    "Evaluation",
    "HarmTable",
    "HotspotsError",
    "HotspotsWarning",
    "IngestResult",
    "InputFileError",
    "InterruptedTimeSeries",
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
    "break_even_reduction",
    "candidate_places",
    "choose_comparisons",
    "classify_hotspots",
    "concentration",
    "cost_benefit",
    "count_points",
    "crimes_prevented",
    "did",
    "dual_kde",
    "emerging",
    "evaluate",
    "find_hotspots",
    "gistar",
    "harm_weights",
    "hit_rate",
    "home_office_unit_costs",
    "its",
    "kde",
    "load_harm_table",
    "make_grid",
    "mann_kendall",
    "maryland_sms",
    "pai",
    "panel",
    "pei",
    "plot_backtest",
    "plot_its",
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
    "simulate_studies",
    "space_time_cube",
    "summarise_studies",
    "unit_cost_table",
    "wdq",
]

logging.getLogger(__name__).addHandler(logging.NullHandler())
