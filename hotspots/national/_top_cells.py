"""``top_cells``: the busiest cells nationally, without recording artefacts on top.

The counts are computed in pyarrow over the national dataset (only the counts per
map point, cell and label reach pandas); crimes at map points the data-quality rule
flags (:mod:`hotspots.quality`: a police station, a hospital, a prison, a court, a
point far busier than its neighbourhood month after month) are handled as
``artefacts=`` says, with the same choices as :func:`hotspots.select_places`.
"""

from __future__ import annotations

import logging
import warnings
from collections.abc import Iterable
from pathlib import Path

import numpy as np
import pandas as pd

from hotspots.exceptions import HotspotsWarning
from hotspots.quality import ARTEFACT_ACTIONS, ArtefactAction

__all__ = ["top_cells"]

logger = logging.getLogger(__name__)

#: The cell columns of :func:`top_cells`, in order (``weighted_n`` with
#: ``artefacts="downweight"`` only, after ``n``).
TOP_CELL_COLUMNS = (
    "rank", "cell_x", "cell_y", "n", "force", "force_share", "location",
    "top_locations", "n_at_flagged_points", "flagged_share", "quality_flag",
    "rank_without_rule", "rank_change", "geometry",
)  # fmt: skip
_RULE = (
    "hotspots.quality map-point checks (check_data's defaults), each force judged on "
    "its own selected crimes"
)


def top_cells(
    out: str | Path,
    *,
    cell_size: float = 250,
    n: int = 100,
    definition: str | Iterable[str] | None = "serious_violence",
    start: str | None = None,
    end: str | None = None,
    artefacts: ArtefactAction = "exclude",
    progress: bool = True,
):
    """Return the ``n`` cells with the most crimes nationally, as polygons.

    Parameters
    ----------
    out : str or Path
        The folder written by :func:`hotspots.io.ingest_national`.
    cell_size : float, default 250
        Side of the square cells in metres, on the British National Grid.
    n : int, default 100
        How many cells.
    definition, start, end, progress
        As :func:`monthly_counts`.
    artefacts : {"exclude", "downweight", "flag", "off"}, default "exclude"
        What to do with crimes at map points the data-quality checks flag as likely
        recording artefacts (police stations, custody suites, hospitals, prisons,
        courts, default locations), judged force by force with the rule of
        :func:`hotspots.quality.check_data` (:doc:`/docs/methods/national`), as
        :func:`hotspots.select_places` does: "exclude" leaves them out of the
        counts, "downweight" ranks by ``weighted_n`` (each flagged point brought
        down to its neighbourhood baseline), "flag" keeps them and names them in
        ``quality_flag`` (and warns when a top cell holds them), "off" skips the
        checks.

    Returns
    -------
    GeoDataFrame
        ``rank`` (1 = most), ``cell_x``, ``cell_y`` (south-west corner, metres),
        ``n`` (crimes counted: with "exclude" those at flagged points are left
        out), ``weighted_n`` (with "downweight"), ``force`` (the force's slug with
        most of the cell's counted crimes) and ``force_share``, ``location`` (the
        commonest police.uk label of the cell's crimes, e.g. "On or near
        Hospital"), ``top_locations`` (the three commonest labels with counts),
        ``n_at_flagged_points`` (the cell's crimes at flagged points, left out or
        kept), ``flagged_share`` (their share of all the cell's crimes),
        ``quality_flag`` (the flagged points in words; "" when none),
        ``rank_without_rule`` (the rank with every crime counted),
        ``rank_change`` (``rank_without_rule - rank``: above 0 when the cell
        moved up because cells above it were recording artefacts), ``geometry``;
        EPSG:27700. Ties are broken by position (south then west first).
        ``attrs["hotspots"]`` records the settings, ``artefacts``,
        ``n_flagged_points``, ``n_artefact_crimes``, ``flagged_points`` (in
        words, busiest first), ``left_top`` (cells of the top ``n`` with every
        crime counted that the rule took out of it) and ``n_months`` per force.

    Raises
    ------
    InputFileError
        If ``out`` is not a national dataset.
    ValueError
        If ``n`` is not a whole number >= 1 or ``artefacts`` is unknown.

    Warns
    -----
    HotspotsWarning
        When the rule changed the top ``n`` ("exclude", "downweight") or a top
        cell holds crimes at flagged points ("flag").

    Examples
    --------
    >>> cells = top_cells("national", cell_size=250, n=20)  # doctest: +SKIP
    >>> cells[["rank", "force", "n", "location", "quality_flag"]]  # doctest: +SKIP
    """
    import geopandas as gpd
    import shapely

    from hotspots.national._artefacts import POINT_KEYS, flag_points, scan_points
    from hotspots.national._cells import (
        cell_counts,
        describe_cells,
        flagged_list,
        ranked,
    )

    if int(n) != n or n < 1:
        raise ValueError(f"n must be a whole number >= 1; got {n!r}")
    if artefacts not in ARTEFACT_ACTIONS:
        raise ValueError(
            f"artefacts must be one of {ARTEFACT_ACTIONS}; got {artefacts!r}"
        )
    scan = scan_points(
        out,
        cell_size=cell_size,
        definition=definition,
        start=start,
        end=end,
        progress=progress,
    )
    rows = scan.cells
    points = None
    if artefacts != "off":
        points = flag_points(scan)
        rows = rows.merge(
            points[[*POINT_KEYS, "flag", "weight"]], on=POINT_KEYS, how="left"
        )
    rows = rows.assign(
        flag=rows.get("flag", pd.Series("", index=rows.index)).fillna(""),
        weight=rows.get("weight", pd.Series(1.0, index=rows.index)).fillna(1.0),
    )
    cells = cell_counts(rows, artefacts)
    before = ranked(cells, "n_all")
    cells["rank_without_rule"] = pd.Series(
        np.arange(1, len(before) + 1), index=before.index
    )
    table = ranked(cells, "score").head(int(n))
    table = table.assign(rank=np.arange(1, len(table) + 1))
    table["rank_change"] = table["rank_without_rule"] - table["rank"]
    left = before.head(int(n))
    left = cells.loc[left.index.difference(table.index)]
    described = describe_cells(rows, pd.concat([table, left]))
    table, left = described.iloc[: len(table)], described.iloc[len(table) :]
    x, y = table["cell_x"].to_numpy(float), table["cell_y"].to_numpy(float)
    columns = list(TOP_CELL_COLUMNS[:-1])
    if artefacts == "downweight":
        columns.insert(columns.index("n") + 1, "weighted_n")
    frame = gpd.GeoDataFrame(
        table[columns].reset_index(drop=True),
        geometry=shapely.box(x, y, x + cell_size, y + cell_size),
        crs="EPSG:27700",
    )
    for name in ("rank", "n", "n_at_flagged_points", "rank_without_rule"):
        frame[name] = frame[name].astype(np.int64)
    frame["rank_change"] = frame["rank_change"].astype(np.int64)
    record = _record(artefacts, points, left, flagged_list)
    frame.attrs["hotspots"] = {
        "cell_size": float(cell_size),
        "definition": definition,
        "start": start,
        "end": end,
        "artefact_rule": _RULE,
        **record,
    }
    _tell(frame, record, artefacts, int(n))
    return frame


def _record(action: str, points, left: pd.DataFrame, flagged_list) -> dict:
    """Say what the rule did, for ``attrs["hotspots"]`` (as handle_artefacts)."""
    record: dict = {"artefacts": action}
    if points is None:
        return record
    flagged = points["flag"] != ""
    record.update(
        n_flagged_points=int(flagged.sum()),
        n_artefact_crimes=int(points.loc[flagged, "n"].sum()),
        flagged_points=flagged_list(points),
        left_top=[
            f"E{row.cell_x} N{row.cell_y} ({row.force}, was rank "
            f"{row.rank_without_rule}, {row.n_all:,} crimes, "
            f"{row.n_at_flagged_points:,} at flagged points: {row.quality_flag})"
            for row in left.sort_values("rank_without_rule").itertuples()
        ],
        n_months=dict(points.attrs.get("n_months", {})),
    )
    return record


def _tell(frame, record: dict, action: str, n: int) -> None:
    """Log what the rule did; warn when it changed the cells shown."""
    from hotspots.quality import warn_flagged

    if action == "off":
        logger.info("top_cells: artefacts='off': map points were not checked.")
        return
    left = record["left_top"]
    held = int(frame["n_at_flagged_points"].sum())
    logger.info(
        "top_cells: artefacts=%r: %d map point(s) flagged as likely recording "
        "artefacts (%s crimes); the top %d cells hold %s of those crimes; %d cell(s) "
        "of the top %d with every crime counted left it.",
        action,
        record["n_flagged_points"],
        f"{record['n_artefact_crimes']:,}",
        len(frame),
        f"{held:,}",
        len(left),
        n,
    )
    if action == "flag":
        warn_flagged(frame, "top cells", verb="top_cells")
    elif left or held:
        done = "left out" if action == "exclude" else "weighted down"
        warnings.warn(
            f"top_cells: crimes at map points flagged as likely recording artefacts "
            f"were {done} ({record['n_artefact_crimes']:,} crimes at "
            f"{record['n_flagged_points']} points); {len(left)} cell(s) left the top "
            f"{n} (e.g. {'; '.join(left[:2]) or 'none'}). Check what is at these "
            "points; pass artefacts='flag' to keep them.",
            HotspotsWarning,
            stacklevel=3,
        )
