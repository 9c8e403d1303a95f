"""National scale: queries over the police.uk dataset, per-force runs, tiles and Dask.

The national dataset is the folder :func:`hotspots.io.ingest_national` writes (every
force and month, partitioned by force and year). :func:`monthly_counts` and
:func:`top_cells` answer the usual national questions in pyarrow, scanning only the
columns they need; ``top_cells`` and :func:`run_by_force` leave out crimes at map
points flagged as recording artefacts (``artefacts=``, the rule of
:mod:`hotspots.quality`); :func:`run_by_force` runs Gi*, KDE or counts for every force;
:func:`tiled` computes Gi* or KDE on a grid too big for one piece of work, tile by
tile with halos, giving the untiled result. The per-force and per-tile work runs in
this process, or on Dask with ``client="tcp://scheduler:8786"`` or
``local_cluster=True`` (:doc:`/docs/methods/scale`).
"""

from typing import TYPE_CHECKING

from hotspots._lazy import attach

if TYPE_CHECKING:
    from hotspots.national._by_force import force_crimes, forces_in, run_by_force
    from hotspots.national._queries import monthly_counts, open_crimes
    from hotspots.national._tiled import tiled
    from hotspots.national._top_cells import top_cells

#: The private module that holds each public name, imported when first asked for.
_SOURCES = {
    "hotspots.national._by_force": "force_crimes forces_in run_by_force",
    "hotspots.national._queries": "monthly_counts open_crimes",
    "hotspots.national._top_cells": "top_cells",
    "hotspots.national._tiled": "tiled",
}

__getattr__, __dir__ = attach(__name__, _SOURCES)

__all__ = [
    "force_crimes",
    "forces_in",
    "monthly_counts",
    "open_crimes",
    "run_by_force",
    "tiled",
    "top_cells",
]
