"""The result of reading crime data: kept crimes, quarantine and a summary."""

from __future__ import annotations

import html
from dataclasses import dataclass
from pathlib import Path

import geopandas as gpd
import pandas as pd

from hotspots._atomic import atomic_path
from hotspots.io._quarantine import Quarantine

__all__ = ["IngestResult"]


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
    skipped_files : tuple of str
        Archive files not opened because their month or force was not asked for.
    """

    crimes: gpd.GeoDataFrame
    quarantine: Quarantine
    rows_read: int
    sources: pd.DataFrame
    skipped_files: tuple[str, ...] = ()

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
        """Rows read, kept and quarantined per force (as written in the data)."""
        kept = self.crimes["force"].astype(str)
        aside = self.quarantine.frame.get("force_text", pd.Series(dtype=str))
        return self._by(kept, aside.fillna("").astype(str), "force")

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
        if self.skipped_files:
            lines.append(
                f"Skipped {len(self.skipped_files)} file(s) outside the months/forces "
                "asked for."
            )
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
        kept_months = self.crimes["month"]
        if len(kept_months):
            lines.append(
                f"Kept months: {kept_months.min():%Y-%m} to {kept_months.max():%Y-%m} "
                f"({kept_months.nunique()} distinct; counts by month: by_month())."
            )
        return "\n".join(lines)

    def __repr__(self) -> str:
        return (
            f"<IngestResult: {self.rows_read:,} read, {len(self.crimes):,} kept, "
            f"{len(self.quarantine):,} quarantined>"
        )

    def _repr_html_(self) -> str:
        head = html.escape(str(self).splitlines()[0])
        parts = [f"<p><b>{head}</b></p>"]
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
            self.quarantine.frame.to_csv(tmp, index=False)
        return paths
