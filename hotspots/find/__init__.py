"""Find: where crime concentrates, on grids of cells.

Counts per cell, kernel density, Getis-Ord Gi* with FDR control, the three on one
grid (:func:`find_hotspots`), optimized hot spot analysis (the distance band chosen by
incremental spatial autocorrelation), Anselin's Local Moran's I for clusters and
outliers, harm weights, the space-time cube, emerging hot spot analysis with the
Mann-Kendall trend test, sfhotspot-style classification of hot spots over periods,
the Knox test for near repeats, and crime rates per resident with empirical Bayes
smoothing. Every verb takes points in a projected CRS in metres and
returns a new GeoDataFrame of cells.
"""

from typing import TYPE_CHECKING

from hotspots._lazy import attach

if TYPE_CHECKING:
    from hotspots.find._cell_size import CELL_SIZE_RULES, PATROL_CELL_SIZE, stray_points
    from hotspots.find._classify import CLASSIFY_CATEGORIES, classify_hotspots
    from hotspots.find._cube import space_time_cube
    from hotspots.find._emerging import EMERGING_PATTERNS, emerging
    from hotspots.find._find_hotspots import find_hotspots
    from hotspots.find._gistar import HOTSPOT_CLASSES, benjamini_hochberg, gistar
    from hotspots.find._grid import auto_cell_size, count_points, make_grid
    from hotspots.find._harm import HarmTable, harm_weights, load_harm_table
    from hotspots.find._incremental import incremental_autocorrelation
    from hotspots.find._kde import auto_bandwidth, dual_kde, kde
    from hotspots.find._local_moran import CLUSTER_CLASSES, local_moran
    from hotspots.find._mann_kendall import MannKendall, mann_kendall
    from hotspots.find._near_repeat import NearRepeat, near_repeat
    from hotspots.find._optimized import optimized_hotspots
    from hotspots.find._rates import rates

#: The private module that holds each public name, imported when first asked for.
_SOURCES = {
    "hotspots.find._cell_size": "CELL_SIZE_RULES PATROL_CELL_SIZE stray_points",
    "hotspots.find._classify": "CLASSIFY_CATEGORIES classify_hotspots",
    "hotspots.find._cube": "space_time_cube",
    "hotspots.find._emerging": "EMERGING_PATTERNS emerging",
    "hotspots.find._find_hotspots": "find_hotspots",
    "hotspots.find._gistar": "HOTSPOT_CLASSES benjamini_hochberg gistar",
    "hotspots.find._grid": "auto_cell_size count_points make_grid",
    "hotspots.find._harm": "HarmTable harm_weights load_harm_table",
    "hotspots.find._incremental": "incremental_autocorrelation",
    "hotspots.find._kde": "auto_bandwidth dual_kde kde",
    "hotspots.find._local_moran": "CLUSTER_CLASSES local_moran",
    "hotspots.find._mann_kendall": "MannKendall mann_kendall",
    "hotspots.find._near_repeat": "NearRepeat near_repeat",
    "hotspots.find._optimized": "optimized_hotspots",
    "hotspots.find._rates": "rates",
}

__getattr__, __dir__ = attach(__name__, _SOURCES)

__all__ = [
    "CELL_SIZE_RULES",
    "CLASSIFY_CATEGORIES",
    "CLUSTER_CLASSES",
    "EMERGING_PATTERNS",
    "HOTSPOT_CLASSES",
    "PATROL_CELL_SIZE",
    "HarmTable",
    "MannKendall",
    "NearRepeat",
    "auto_bandwidth",
    "auto_cell_size",
    "benjamini_hochberg",
    "classify_hotspots",
    "count_points",
    "dual_kde",
    "emerging",
    "find_hotspots",
    "gistar",
    "harm_weights",
    "incremental_autocorrelation",
    "kde",
    "load_harm_table",
    "local_moran",
    "make_grid",
    "mann_kendall",
    "near_repeat",
    "optimized_hotspots",
    "rates",
    "space_time_cube",
    "stray_points",
]
