"""What :func:`hotspots.io.ingest_national` returns, and the warnings it gives."""

from __future__ import annotations

import warnings
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from types import SimpleNamespace

import numpy as np
import pandas as pd

from hotspots.exceptions import HotspotsWarning
from hotspots.io._diagnose import MOST_ROWS, warn_whole_file_failures
from hotspots.io._policeuk import SAMPLE_COLUMNS
from hotspots.io._quarantine import FILTER_REASONS, REASONS, Quarantine
from hotspots.io._result import SkippedFile

__all__ = ["NationalIngest", "first_rows", "summary_warning", "warn_file"]


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


def first_rows(quarantine: pd.DataFrame) -> Iterator[tuple[str, str, pd.DataFrame]]:
    """Yield (source, reason code, first row) of rows set aside for data problems."""
    if quarantine.empty:
        return
    bad = quarantine[~quarantine["is_filter"].astype(bool)]
    firsts = bad.drop_duplicates(["source", "reason_code"])
    for j in range(len(firsts)):
        row = firsts.iloc[[j]]
        yield str(row["source"].iloc[0]), str(row["reason_code"].iloc[0]), row


def warn_file(
    source: str,
    rows_in: int,
    kept: int,
    by_reason: dict[str, int],
    samples: dict[str, pd.DataFrame],
    *,
    stacklevel: int,
) -> None:
    """Warn if most rows of one file (all its pieces) failed one check.

    As :func:`hotspots.read_policeuk` does, through the same function
    (:func:`~hotspots.io._diagnose.warn_whole_file_failures`), given the file's
    rows read and kept, its rows set aside by reason and, per reason, its first
    row set aside (``samples``, the value quoted).
    """
    counts = {
        code: by_reason[code]
        for code in sorted(samples)
        if by_reason.get(code, 0) > MOST_ROWS * rows_in
    }
    if not counts:  # the common case: nothing to build
        return
    # The warning counts a reason's rows and quotes the first. Rather than keep a
    # file's rows set aside, give it each reason's first row repeated to the
    # reason's count, as categoricals: about a byte a row and column.
    first = pd.concat([samples[code] for code in counts], ignore_index=True)
    wanted = {"source", "reason_code", "reason", "is_filter", "month_text"}
    wanted.update(c for code in counts for c in SAMPLE_COLUMNS.get(code, ("raw_text",)))
    first = first[[c for c in first.columns if c in wanted]].astype("category")
    repeat = np.repeat(np.arange(len(counts)), list(counts.values()))
    view = SimpleNamespace(
        quarantine=Quarantine(first.iloc[repeat]),
        sources=pd.DataFrame({"source": [source], "rows_read": [rows_in]}),
        # warn_whole_file_failures asks only whether the file kept any row
        crimes=pd.DataFrame({"source": [source] if kept else []}, dtype=str),
    )
    warn_whole_file_failures(
        view,  # type: ignore[arg-type]
        columns=SAMPLE_COLUMNS,
        stacklevel=stacklevel + 1,
    )


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
