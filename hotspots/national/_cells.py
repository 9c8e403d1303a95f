"""Cells of the national ranking: counts with the artefact rule, and what is in them.

The rows are :attr:`~hotspots.national._artefacts.PointScan.cells` (crimes per map
point, cell and label) joined with the points' flags; only aggregated rows are here.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

__all__ = ["cell_counts", "describe_cells", "flagged_list", "ranked"]

_CELL = ["cell_x", "cell_y"]
_TOP = 3


def _short(label: str) -> str:
    from hotspots.quality import short_label

    return short_label(label)


def cell_counts(rows: pd.DataFrame, action: str) -> pd.DataFrame:
    """Crimes per cell: all, at flagged points, counted by the rule, and the force.

    Parameters
    ----------
    rows : pandas.DataFrame
        ``force_slug``, ``cell_x``, ``cell_y``, ``n``, ``flag`` ("" = not flagged)
        and ``weight`` (down-weight of the point; 1 when not flagged).
    action : str
        One of :data:`hotspots.quality.ARTEFACT_ACTIONS`.

    Returns
    -------
    pandas.DataFrame
        One row per cell with crimes: ``cell_x``, ``cell_y``, ``n_all``,
        ``n_at_flagged_points``, ``n`` (crimes counted: without those at flagged
        points for "exclude", all otherwise), ``weighted_n`` (each crime weighted
        by its point's down-weight), ``score`` (what ranks the cells:
        ``weighted_n`` for "downweight", else ``n``), ``force`` (the slug with
        most of the counted crimes; ties alphabetical) and ``force_share``.
    """
    flagged = (rows["flag"] != "").to_numpy()
    n = rows["n"].to_numpy(dtype=np.int64)
    work = rows[[*_CELL, "force_slug"]].assign(
        n_all=n,
        n_at_flagged_points=np.where(flagged, n, 0),
        n=np.where(flagged, 0, n) if action == "exclude" else n,
        weighted_n=n * rows["weight"].to_numpy(dtype=float),
    )
    cells = work.groupby(_CELL, sort=False)[
        ["n_all", "n_at_flagged_points", "n", "weighted_n"]
    ].sum()
    by_force = work.groupby([*_CELL, "force_slug"], sort=False)["n"].sum()
    best = (
        by_force.reset_index()
        .sort_values(["n", "force_slug"], ascending=[False, True], kind="stable")
        .drop_duplicates(_CELL)
        .set_index(_CELL)
    )
    cells["force"] = best["force_slug"]
    with np.errstate(invalid="ignore", divide="ignore"):
        cells["force_share"] = best["n"] / cells["n"]
    cells["score"] = cells["weighted_n"] if action == "downweight" else cells["n"]
    return cells.reset_index()


def ranked(cells: pd.DataFrame, score: str) -> pd.DataFrame:
    """Cells with a ``score`` above zero, most first; ties south then west first."""
    keep = cells[cells[score] > 0]
    return keep.sort_values(
        [score, "cell_y", "cell_x"], ascending=[False, True, True], kind="stable"
    )


def describe_cells(rows: pd.DataFrame, cells: pd.DataFrame) -> pd.DataFrame:
    """Name what is in each of ``cells``: labels and flagged points, over all crimes.

    Returns ``cells`` with ``location`` (the commonest police.uk label, e.g. "On or
    near Hospital"; ties alphabetical), ``top_locations`` (the three commonest
    labels with counts, as :func:`hotspots.quality.describe_places` writes them),
    ``flagged_share`` (share of the cell's crimes at flagged points) and
    ``quality_flag`` (each flagged point's label and flag with its crimes; "" when
    none).
    """
    keys = cells.set_index(_CELL).index
    mine = rows[pd.MultiIndex.from_frame(rows[_CELL]).isin(keys)]
    labels = mine.groupby([*_CELL, "location"], sort=False)["n"].sum().reset_index()
    top = labels.sort_values(
        [*_CELL, "n", "location"], ascending=[True, True, False, True], kind="stable"
    ).drop_duplicates(_CELL)
    short = labels.assign(label=labels["location"].map(_short))
    short = short.groupby([*_CELL, "label"], sort=False)["n"].sum().reset_index()
    short = short.sort_values(
        [*_CELL, "n", "label"], ascending=[True, True, False, True], kind="stable"
    )
    listed = short.groupby(_CELL, sort=False).head(_TOP)
    pairs = zip(listed["label"], listed["n"], strict=True)
    listed = listed.assign(words=[f"{a} ({k:,})" for a, k in pairs])
    text = listed.groupby(_CELL, sort=False)["words"].agg("; ".join)
    flagged = mine[mine["flag"] != ""]
    flagged = (
        flagged.groupby([*_CELL, "location", "flag"], sort=False)["n"]
        .sum()
        .reset_index()
        .sort_values([*_CELL, "n", "location"], ascending=[True, True, False, True])
    )
    total = cells.set_index(_CELL)["n_all"]
    flagged = flagged.join(total.rename("total"), on=_CELL)
    flagged["words"] = [
        f"{_short(a)}: {f} ({k:,} of {t:,} crimes)"
        for a, f, k, t in zip(
            flagged["location"],
            flagged["flag"],
            flagged["n"],
            flagged["total"],
            strict=True,
        )
    ]
    notes = flagged.groupby(_CELL, sort=False)["words"].agg("; ".join)
    out = cells.copy()
    index = pd.MultiIndex.from_frame(out[_CELL])
    out["location"] = top.set_index(_CELL)["location"].reindex(index).to_numpy()
    out["top_locations"] = pd.Series(text, dtype=object).reindex(index).to_numpy()
    out["quality_flag"] = (
        pd.Series(notes, dtype=object).reindex(index).fillna("").to_numpy()
    )
    out["flagged_share"] = out["n_at_flagged_points"] / out["n_all"]
    return out


def flagged_list(points: pd.DataFrame) -> list[str]:
    """List the flagged map points in words, busiest first (as quality does)."""
    flagged = points[points["flag"] != ""].sort_values(
        ["n", "force_slug", "y", "x"], ascending=[False, True, True, True]
    )
    return [
        f"{_short(row.location)} (E{row.x:.0f} N{row.y:.0f}, {row.n:,} crimes, "
        f"{row.force_slug}: {row.flag})"
        for row in flagged.itertuples()
    ]
