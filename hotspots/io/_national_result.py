"""What :func:`hotspots.io.ingest_national` returns, and the warnings it gives."""

from __future__ import annotations

import warnings
from dataclasses import dataclass, field
from pathlib import Path
from types import SimpleNamespace

import pandas as pd

from hotspots.exceptions import HotspotsWarning
from hotspots.io._diagnose import warn_whole_file_failures
from hotspots.io._policeuk import SAMPLE_COLUMNS
from hotspots.io._quarantine import FILTER_REASONS, REASONS, Quarantine
from hotspots.io._result import SkippedFile

__all__ = ["NationalIngest", "summary_warning", "warn_files"]


@dataclass(frozen=True)
class NationalIngest:
    """What one :func:`ingest_national` run did.

    Attributes
    ----------
    dataset : Path
        The dataset folder (open it with :func:`hotspots.io.open_national`).
    files_seen : int
        Street-level files in the archive within the forces and months asked for.
    files_new, files_skipped : int
        Files read in this run; files skipped because the ledger holds them.
    rows_read, rows_kept, rows_set_aside : int
        Rows of the new files; ``rows_read == rows_kept + rows_set_aside``.
    by_reason : dict
        Reason code -> rows set aside in this run.
    forces, months : tuple of str
        Force slugs and ``YYYY-MM`` months of the new files.
    seconds : float
        Wall-clock time of the run.
    files_failed : tuple of str
        New files that could not be read at all (wrong columns, not text); the
        reason is in the ledger and in a warning. They are tried again when changed.
    skipped_files : tuple of SkippedFile
        Archive files not read: other police.uk files (outcomes, stop and search),
        files outside the forces or months asked for, unexpected names.
    """

    dataset: Path
    files_seen: int = 0
    files_new: int = 0
    files_skipped: int = 0
    rows_read: int = 0
    rows_kept: int = 0
    rows_set_aside: int = 0
    by_reason: dict[str, int] = field(default_factory=dict)
    forces: tuple[str, ...] = ()
    months: tuple[str, ...] = ()
    seconds: float = 0.0
    files_failed: tuple[str, ...] = ()
    skipped_files: tuple[SkippedFile, ...] = ()

    def __str__(self) -> str:
        lines = [
            f"National dataset {self.dataset.name}: {self.files_seen:,} file(s) seen, "
            f"{self.files_new:,} new, {self.files_skipped:,} already ingested, "
            f"{len(self.files_failed):,} unreadable.",
            f"Rows read {self.rows_read:,}: kept {self.rows_kept:,}, set aside "
            f"{self.rows_set_aside:,}.",
        ]
        for code, n in sorted(self.by_reason.items(), key=lambda kv: -kv[1]):
            tag = " (your filter)" if code in FILTER_REASONS else ""
            lines.append(f"  {n:>11,}  {code}{tag}")
        if self.months:
            lines.append(
                f"{len(self.forces)} force(s); months {self.months[0]} to "
                f"{self.months[-1]} ({len(self.months)} distinct)."
            )
        lines.append(f"Took {self.seconds:,.1f} s.")
        return "\n".join(lines)


def warn_files(checked, written) -> None:
    """Warn about files most of whose rows failed one check, as read_policeuk does."""
    if not any(written.by_reason.values()):
        return
    tables = checked.tables
    view = SimpleNamespace(
        quarantine=Quarantine(written.quarantine),
        sources=pd.DataFrame(
            {
                "source": [t.source for t in tables],
                "rows_read": [t.table.num_rows + len(t.bad_rows) for t in tables],
            }
        ),
        # kept rows per file matter only for outside_boundary (no boundary here)
        crimes=pd.DataFrame({"source": pd.Series([], dtype=str)}),
    )
    warn_whole_file_failures(view, columns=SAMPLE_COLUMNS, stacklevel=4)  # type: ignore[arg-type]


def summary_warning(result: NationalIngest) -> None:
    """Say how many rows were set aside, by reason, as the reader's summary does."""
    bad = {c: n for c, n in result.by_reason.items() if c not in FILTER_REASONS}
    if not bad:
        return
    parts = ", ".join(
        f"{n:,} {code}" for code, n in sorted(bad.items(), key=lambda kv: -kv[1])
    )
    warnings.warn(
        f"{sum(bad.values()):,} of {result.rows_read:,} rows read were set aside "
        f"({parts}); they are in {result.dataset.name}/quarantine with their reason "
        f"({REASONS[max(bad, key=bad.__getitem__)]}, ...). Open them with "
        "open_national(out, table='quarantine').",
        HotspotsWarning,
        stacklevel=3,
    )
