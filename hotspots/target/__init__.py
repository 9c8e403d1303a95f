"""Target: choose patrol places and judge how well hotspots predict crime.

Patrol-place selection (top cells kept apart), crime concentration (top shares,
Lorenz curve, Gini), forecast accuracy (hit rate, PAI, PEI, PEI*, RRI), hotspot
stability between periods (Jaccard, rank-biased overlap) and a rolling-origin
backtest of hotspot methods.
"""

from typing import TYPE_CHECKING

from hotspots._lazy import attach

if TYPE_CHECKING:
    from hotspots.target._accuracy import Accuracy, accuracy, hit_rate, pai, pei, rri
    from hotspots.target._backtest import DEFAULT_METHODS, backtest
    from hotspots.target._backtest_report import backtest_summary, plot_backtest
    from hotspots.target._concentration import Concentration, concentration, gini
    from hotspots.target._pei_star import pei_star
    from hotspots.target._select import SCORES, select_places
    from hotspots.target._stability import (
        Stability,
        jaccard,
        rbo,
        stability,
        top_places,
    )

#: The private module that holds each public name, imported when first asked for.
_SOURCES = {
    "hotspots.target._accuracy": "Accuracy accuracy hit_rate pai pei rri",
    "hotspots.target._backtest": "DEFAULT_METHODS backtest",
    "hotspots.target._backtest_report": "backtest_summary plot_backtest",
    "hotspots.target._concentration": "Concentration concentration gini",
    "hotspots.target._pei_star": "pei_star",
    "hotspots.target._select": "SCORES select_places",
    "hotspots.target._stability": "Stability jaccard rbo stability top_places",
}

__getattr__, __dir__ = attach(__name__, _SOURCES)

__all__ = [
    "DEFAULT_METHODS",
    "SCORES",
    "Accuracy",
    "Concentration",
    "Stability",
    "accuracy",
    "backtest",
    "backtest_summary",
    "concentration",
    "gini",
    "hit_rate",
    "jaccard",
    "pai",
    "pei",
    "pei_star",
    "plot_backtest",
    "rbo",
    "rri",
    "select_places",
    "stability",
    "top_places",
]
