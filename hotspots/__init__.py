"""hotspots: find and evaluate serious-violence hotspots from police.uk and force data.

The public API is listed in ``__all__``; every verb takes a GeoDataFrame in British
National Grid (metres) and returns a new one. Names are imported when first used
(``hotspots._lazy``), so ``import hotspots`` loads no geospatial or statistics
library.
"""

import logging
from typing import TYPE_CHECKING

from hotspots import _compat
from hotspots._lazy import attach
from hotspots._log import set_log_level
from hotspots._version import __version__
from hotspots.exceptions import (
    CRSError,
    HotspotsError,
    HotspotsWarning,
    InputFileError,
    SchemaError,
)

if TYPE_CHECKING:
    from hotspots.evaluation import (
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
    from hotspots.find import (
        CLASSIFY_CATEGORIES,
        EMERGING_PATTERNS,
        HarmTable,
        MannKendall,
        auto_bandwidth,
        auto_cell_size,
        classify_hotspots,
        count_points,
        dual_kde,
        emerging,
        find_hotspots,
        gistar,
        harm_weights,
        kde,
        load_harm_table,
        local_moran,
        make_grid,
        mann_kendall,
        near_repeat,
        optimized_hotspots,
        space_time_cube,
    )
    from hotspots.io import (
        DEFINITIONS,
        FetchError,
        FetchResult,
        IngestResult,
        Quarantine,
        fetch_policeuk,
        read_boundary,
        read_force_extract,
        read_policeuk,
        select_crimes,
    )
    from hotspots.target import (
        Accuracy,
        Concentration,
        accuracy,
        backtest,
        backtest_summary,
        concentration,
        hit_rate,
        pai,
        pei,
        pei_star,
        plot_backtest,
        rri,
        select_places,
    )

#: Where each public name lives: the subpackage that documents it (which imports
#: it from its private module when first asked for).
_SOURCES = {
    "hotspots.evaluation": (
        "POLICEUK_CAVEATS CostBenefit Effect Evaluation InterruptedTimeSeries Matched "
        "break_even_reduction candidate_places choose_comparisons cost_benefit "
        "crimes_prevented did evaluate home_office_unit_costs its maryland_sms panel "
        "plot_its randomisation_test relative_effect_size rings simulate_studies "
        "summarise_studies unit_cost_table wdq"
    ),
    "hotspots.find": (
        "CLASSIFY_CATEGORIES EMERGING_PATTERNS HarmTable MannKendall auto_bandwidth "
        "auto_cell_size classify_hotspots count_points dual_kde emerging "
        "find_hotspots gistar harm_weights kde load_harm_table local_moran make_grid "
        "mann_kendall near_repeat optimized_hotspots space_time_cube"
    ),
    "hotspots.io": (
        "DEFINITIONS FetchError FetchResult IngestResult Quarantine fetch_policeuk "
        "read_boundary read_force_extract read_policeuk select_crimes"
    ),
    "hotspots.target": (
        "Accuracy Concentration accuracy backtest backtest_summary concentration "
        "hit_rate pai pei pei_star plot_backtest rri select_places"
    ),
    # The other layers (tracking, design, forces, evidence, national, maps, pack)
    # are used through their subpackages: hotspots.evidence.place_result ...
}

__getattr__, __dir__ = attach(__name__, _SOURCES)

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
    "FetchError",
    "FetchResult",
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
    "fetch_policeuk",
    "find_hotspots",
    "gistar",
    "harm_weights",
    "hit_rate",
    "home_office_unit_costs",
    "its",
    "kde",
    "load_harm_table",
    "local_moran",
    "make_grid",
    "mann_kendall",
    "maryland_sms",
    "near_repeat",
    "optimized_hotspots",
    "pai",
    "panel",
    "pei",
    "pei_star",
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

# Module paths of release 0.1 keep importing, with a DeprecationWarning (_compat.py).
_compat.install()
