"""National ingest's batches: files in, checked and written pieces out, one commit.

A batch is filled with files until it holds at least ``batch_rows`` rows, then
checked, written and committed. A large file comes in pieces
(:func:`hotspots.io._csv_chunks.parse_csv_pieces`); once the rows waiting reach
``batch_rows`` in the middle of a file they are checked and written at once (as
parts ``part-<commit>-<n>``), but the ledger, the commit point, is written only
when every file of the batch has been read to its end. So a file is always
committed whole, and memory is bounded by ``batch_rows`` (and the pieces parsed
ahead), not by the size of the largest file.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from hotspots.io._archive import Source
from hotspots.io._csv import RawTable
from hotspots.io._national_ledger import ledger_key
from hotspots.io._national_result import warn_files
from hotspots.io._national_write import BatchWritten
from hotspots.io._stream import check_batch

if TYPE_CHECKING:
    from hotspots.io._national import _Run

__all__ = ["Batch"]


@dataclass
class _File:
    src: Source
    sha: str
    rows_in: int = 0
    kept: int = 0
    aside: int = 0
    by_reason: dict[str, int] = field(default_factory=dict)


@dataclass
class Batch:
    """Files of one commit, and the pieces waiting to be checked and written."""

    run: _Run
    batch_rows: int
    write: Callable[
        ..., BatchWritten
    ]  # :func:`~hotspots.io._national_write.write_batch`
    files: list[_File] = field(default_factory=list)
    waiting: list[tuple[int, RawTable]] = field(default_factory=list)
    rows: int = 0
    parts: list[str] = field(default_factory=list)
    written: int = 0  # sub-batches written in this commit
    last_force: list[str] = field(default_factory=list)

    def add(self, src: Source, sha: str, pieces: Iterable[RawTable]) -> None:
        """Read one file's pieces into the batch; commit when it is full."""
        self.files.append(_File(src, sha))
        i = len(self.files) - 1
        for piece in pieces:
            if any(j == i for j, _ in self.waiting):  # one piece per file per write
                self._write()
            self.waiting.append((i, piece))
            self.rows += piece.table.num_rows
            if self.rows >= self.batch_rows:
                self._write()
        if not self.waiting:  # the rows reached batch_rows at the end of a file
            self.commit()

    def _write(self) -> None:
        """Check and write the waiting pieces (not yet committed)."""
        run = self.run
        commit = run.ledger.commits + 1
        tables = [piece for _, piece in self.waiting]
        checked = check_batch(tables, run.rules, run.seen)
        files = [self.files[i] for i, _ in self.waiting]
        slugs = [f.src.slug or "unknown" for f in files]
        months = [f.src.month or "0000-00" for f in files]
        name = f"{commit:06d}" if not self.written else f"{commit:06d}-{self.written}"
        written = self.write(run.ledger.out, checked, slugs, months, name)
        self.written += 1
        self.parts += written.parts
        for k, (f, piece) in enumerate(zip(files, tables, strict=True)):
            f.rows_in += piece.table.num_rows + len(piece.bad_rows)
            f.kept += int(written.kept[k])
            f.aside += int(written.aside[k])
            for code, n in written.by_reason.get(piece.source, {}).items():
                f.by_reason[code] = f.by_reason.get(code, 0) + n
        warn_files(checked, written)
        old = checked.respelled[checked.respelled["column"] == "Crime type"]
        if len(old):
            run.old_names.append(old)
            for old_name, sources in checked.old_in.items():
                known = run.old_in.setdefault(old_name, [])
                known.extend(s for s in sources if s not in known)
        self.last_force = [str(v) for v in checked.force[-1:]]
        self.waiting, self.rows = [], 0

    def commit(self) -> None:
        """Write what waits, then record every file of the batch in the ledger."""
        if self.waiting:
            self._write()
        if not self.files:
            return
        run, ledger = self.run, self.run.ledger
        commit = ledger.commits + 1
        files, superseded = run.seen.save(commit)
        for f in self.files:
            ledger.files[ledger_key(f.src.name)] = {
                "size": f.src.size,
                "sha256": f.sha,
                "force": f.src.slug or "unknown",
                "month": f.src.month or "0000-00",
                "status": "ok",
                "rows_in": f.rows_in,
                "kept": f.kept,
                "aside": f.aside,
                "by_reason": f.by_reason,
                "parts": self.parts,
                "commit": commit,
            }
            if f.rows_in != f.kept + f.aside:  # pragma: no cover - a bug
                raise RuntimeError(
                    f"row accounting failed for {f.src.name}; please report."
                )
            run.add("rows_read", f.rows_in)
            run.add("rows_kept", f.kept)
            for code, n in f.by_reason.items():
                run.add(f"reason:{code}", n)
            run.forces.add(f.src.slug or "unknown")
            run.months.add(f.src.month or "0000-00")
        ledger.commits, ledger.seen = commit, files
        ledger.save()
        run.seen.committed(files, keep=set(self.last_force))
        for name in superseded:
            (ledger.out / "_seen" / name).unlink(missing_ok=True)
        self.files, self.parts, self.written = [], [], 0
