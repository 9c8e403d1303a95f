"""The result of reading crime data: kept crimes, quarantine and a summary."""

from __future__ import annotations

import html
from dataclasses import dataclass, field
from pathlib import Path
from typing import NamedTuple

import geopandas as gpd
import pandas as pd

from hotspots._atomic import atomic_path
from hotspots._safe import spreadsheet_safe
from hotspots.io._areas import FAR_OUTSIDE_KM
from hotspots.io._quarantine import Quarantine

__all__ = ["FAR_COLUMNS", "RESPELLED_COLUMNS", "IngestResult", "SkippedFile"]

#: Columns of :attr:`IngestResult.far_outside`.
FAR_COLUMNS = ("force", "slug", "has_outline", "far_outside_area", "furthest_km")
#: Columns of :attr:`IngestResult.respelled`.
RESPELLED_COLUMNS = ("column", "published", "read_as", "status", "n")


class SkippedFile(NamedTuple):
    """An archive file that was not read: its name, why (``kind``) and in words.

    ``kind`` is ``"month"`` or ``"force"`` (outside the filters asked for),
    ``"not_street"`` (another police.uk file, such as ``-outcomes.csv``) or
    ``"unexpected_name"`` (looks like a street file but is not named
    ``YYYY-MM-<force>-street.csv``; the reader warns).
    """

    source: str
    kind: str
    reason: str


def _empty(columns) -> pd.DataFrame:
    return pd.DataFrame(columns=list(columns))


@dataclass(frozen=True)
class IngestResult:
    """Crimes kept by a reader, the rows it set aside, and where they came from.

    Attributes
    ----------
    crimes : geopandas.GeoDataFrame
        Kept rows in British National Grid (EPSG:27700, metres). Columns are listed
        in :func:`hotspots.read_policeuk`.
    quarantine : Quarantine
        Every row set aside, with a reason (``quarantine.frame``).
    rows_read : int
        Data rows read from all sources. Always
        ``rows_read == len(crimes) + len(quarantine)``.
    sources : pandas.DataFrame
        One row per file read: ``source``, ``encoding``, ``rows_read``.
    skipped_files : tuple of SkippedFile
        Files in an archive folder or ZIP that were not read, each with its
        ``source``, ``kind`` and ``reason``: outside the months or forces asked for,
        another police.uk file (outcomes, stop and search), or a street-like file
        with an unexpected name.
    far_outside : pandas.DataFrame
        Per force as written in ``force``: ``force``, ``slug``, ``has_outline``
        (False where hotspots ships no force area), ``far_outside_area`` (kept rows
        more than ``far_outside_km`` outside the force's area) and ``furthest_km``.
        These rows are kept; pass ``boundary=`` to set them aside.
    far_outside_km : float
        The distance used for ``far_outside`` (:data:`hotspots.io.FAR_OUTSIDE_KM`).
    respelled : pandas.DataFrame
        Values read although not written the current police.uk way: ``column``
        (``Month`` or ``Crime type``), ``published``, ``read_as``, ``status``
        (``respelled`` for months; ``renamed`` or ``split`` for old crime-type
        names, see :data:`hotspots.io.CRIME_TYPE_HISTORY`) and ``n`` rows.
    """

    crimes: gpd.GeoDataFrame
    quarantine: Quarantine
    rows_read: int
    sources: pd.DataFrame
    skipped_files: tuple[SkippedFile, ...] = ()
    far_outside: pd.DataFrame = field(default_factory=lambda: _empty(FAR_COLUMNS))
    far_outside_km: float = FAR_OUTSIDE_KM
    respelled: pd.DataFrame = field(default_factory=lambda: _empty(RESPELLED_COLUMNS))

    def __post_init__(self) -> None:
        kept, aside = len(self.crimes), len(self.quarantine)
        if kept + aside != self.rows_read:
            raise RuntimeError(  # a bug in a reader, never a user error
                f"row accounting failed: read {self.rows_read}, kept {kept}, "
                f"quarantined {aside}. Please report this."
            )

    # ------------------------------------------------------------------ summaries
    def by_reason(self) -> pd.DataFrame:
        """Count set-aside rows by reason (see :meth:`Quarantine.counts`)."""
        return self.quarantine.counts()

    def _by(self, kept: pd.Series, aside: pd.Series, name: str) -> pd.DataFrame:
        out = pd.concat(
            [
                kept.value_counts(sort=False).rename("kept"),
                aside.value_counts(sort=False).rename("quarantined"),
            ],
            axis=1,
        ).fillna(0)
        out = out.astype("int64").rename_axis(name).sort_index().reset_index()
        out["rows_read"] = out["kept"] + out["quarantined"]
        return out[[name, "rows_read", "kept", "quarantined"]]

    def by_force(self) -> pd.DataFrame:
        """Rows read, kept and quarantined per force (as written in the data).

        Columns ``force``, ``rows_read``, ``kept``, ``quarantined`` and
        ``far_outside_area``: kept rows more than ``far_outside_km`` outside the
        force's area (``<NA>`` where hotspots ships no area for the force).
        """
        kept = self.crimes["force"].astype(str)
        aside = self.quarantine.frame.get("force_text", pd.Series(dtype=str))
        out = self._by(kept, aside.fillna("").astype(str), "force")
        far = self.far_outside
        counts = far.loc[far["has_outline"].astype(bool)].set_index("force")
        out["far_outside_area"] = (
            out["force"].map(counts["far_outside_area"]).astype("Int64")
        )
        return out

    def by_month(self) -> pd.DataFrame:
        """Rows read, kept and quarantined per month (quarantined: month as written)."""
        kept = self.crimes["month"].dt.strftime("%Y-%m")
        aside = self.quarantine.frame.get("month_text", pd.Series(dtype=str))
        return self._by(kept, aside.fillna("").astype(str), "month")

    def __str__(self) -> str:
        lines = [
            f"Read {self.rows_read:,} rows from {len(self.sources)} file(s): "
            f"kept {len(self.crimes):,}, quarantined {len(self.quarantine):,}.",
        ]
        lines += self._skipped_lines()
        lines += self._respelled_lines()
        counts = self.by_reason()
        if len(counts):
            lines.append("Set aside, by reason:")
            for rec in counts.itertuples():
                tag = " (your filter)" if rec.is_filter else ""
                lines.append(f"  {rec.n:>9,}  {rec.reason_code}{tag}: {rec.reason}")
        lines.append("By force (rows read / kept / quarantined):")
        for rec in self.by_force().itertuples():
            name = rec.force or "(blank or unparsed row)"
            lines.append(
                f"  {name}: {rec.rows_read:,} / {rec.kept:,} / {rec.quarantined:,}"
            )
        lines += self._far_lines()
        kept_months = self.crimes["month"]
        if len(kept_months):
            lines.append(
                f"Kept months: {kept_months.min():%Y-%m} to {kept_months.max():%Y-%m} "
                f"({kept_months.nunique()} distinct; counts by month: by_month())."
            )
        return "\n".join(lines)

    def _skipped_lines(self) -> list[str]:
        if not self.skipped_files:
            return []
        kinds = pd.Series([s.kind for s in self.skipped_files]).value_counts()
        words = {
            "month": "outside the months asked for",
            "force": "of forces not asked for",
            "not_street": "not street-level crime (outcomes, stop and search...)",
            "unexpected_name": "named unlike 'YYYY-MM-<force>-street.csv' (not read)",
        }
        parts = [f"{n} {words.get(str(k), k)}" for k, n in kinds.items()]
        return [
            f"Skipped {len(self.skipped_files)} file(s): {'; '.join(parts)} "
            "(list: skipped_files)."
        ]

    def _respelled_lines(self) -> list[str]:
        lines = []
        for column, group in self.respelled.groupby("column", sort=True):
            n = int(group["n"].sum())
            pairs = ", ".join(
                f"{r.published!r} as {r.read_as!r} ({r.n:,})"
                for r in group.head(3).itertuples()
            )
            more = ", ..." if len(group) > 3 else ""
            what = (
                "spelled as a spreadsheet writes it"
                if column == "Month"
                else "an older police.uk name, read as today's category"
            )
            lines.append(f"{column}: {n:,} row(s) {what}: {pairs}{more}.")
        return lines

    def _far_lines(self) -> list[str]:
        lines = []
        far = self.far_outside
        for rec in far[far["far_outside_area"] > 0].itertuples():
            lines.append(
                f"{rec.far_outside_area:,} located row(s) lie more than "
                f"{self.far_outside_km:g} km outside {rec.force}'s force area "
                f"(furthest {rec.furthest_km:,.0f} km); pass boundary='{rec.slug}' to "
                "set them aside."
            )
        return lines

    def __repr__(self) -> str:
        return (
            f"<IngestResult: {self.rows_read:,} read, {len(self.crimes):,} kept, "
            f"{len(self.quarantine):,} quarantined>"
        )

    def _repr_html_(self) -> str:
        head = html.escape(str(self).splitlines()[0])
        parts = [f"<p><b>{head}</b></p>"]
        notes = self._skipped_lines() + self._respelled_lines() + self._far_lines()
        parts += [f"<p>{html.escape(note)}</p>" for note in notes]
        for title, frame in (
            ("Set aside, by reason", self.by_reason()),
            ("By force", self.by_force()),
        ):
            parts.append(f"<p>{title}</p>")
            parts.append(frame.to_html(index=False, escape=True))
        return "\n".join(parts)

    # ------------------------------------------------------------------ writing
    def write(self, out_dir: str | Path, *, name: str = "crimes") -> dict[str, Path]:
        """Write kept rows to GeoParquet and the quarantine to CSV, atomically.

        Parameters
        ----------
        out_dir : str or Path
            Folder to write to (created if needed), e.g. ``data/processed``.
        name : str, default "crimes"
            File stem: writes ``<name>.parquet`` and ``<name>_quarantine.csv``.

        Returns
        -------
        dict
            ``{"crimes": path, "quarantine": path}``.

        Notes
        -----
        Each file is written to a temporary name in ``out_dir`` and then renamed,
        so an interrupted run never leaves half a file.
        """
        out_dir = Path(out_dir)
        paths = {
            "crimes": out_dir / f"{name}.parquet",
            "quarantine": out_dir / f"{name}_quarantine.csv",
        }
        with atomic_path(paths["crimes"]) as tmp:
            self.crimes.to_parquet(tmp, index=False)
        with atomic_path(paths["quarantine"]) as tmp:
            # raw text from the files: never a formula when opened in a spreadsheet
            spreadsheet_safe(self.quarantine.frame).to_csv(tmp, index=False)
        return paths
