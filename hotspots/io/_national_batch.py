"""National ingest's batches: files in, checked and written pieces out, one commit.

A batch is filled with files until it holds at least ``batch_rows`` rows, then
checked, written and committed. A large file comes in pieces
(:func:`hotspots.io._csv_chunks.parse_csv_pieces`); once the rows waiting reach
``batch_rows`` in the middle of a file they are checked and written at once (as
parts ``part-<commit>-<n>``), but the ledger, the commit point, is written only
when every file of the batch has been read to its end. So a file is always
committed whole, and memory is bounded by ``batch_rows`` (and the pieces parsed
ahead), not by the size of the largest file.

A piece that cannot be parsed fails the whole file, as a file failing at its first
piece does (:func:`hotspots.io._national._load`): none of its rows is kept or set
aside, and its Crime IDs are not remembered. So that the rest of the batch need not be
undone, a file that comes in more than one piece starts a commit of its own (the
files before it are committed first); if one of its later pieces fails, the parts it
wrote are deleted and the Crime IDs go back to the last commit, while the files
committed before it stay. Whether most of a file's rows failed one check is judged
over all its pieces, once the file is read to its end (:func:`warn_file`).
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from itertools import chain, islice
from typing import TYPE_CHECKING

import pandas as pd

from hotspots.exceptions import InputFileError, SchemaError
from hotspots.io._archive import Source
from hotspots.io._csv import RawTable
from hotspots.io._national_ledger import ledger_key, note_file
from hotspots.io._national_result import first_rows, warn_file
from hotspots.io._national_write import BatchWritten, wait_for_writes
from hotspots.io._stream import check_batch
from hotspots.io._stream_ids import SeenIds

if TYPE_CHECKING:
    from hotspots.io._national import _Run

__all__ = ["READ_ERRORS", "Batch"]

#: Errors of a file that cannot be parsed (at any piece): the file is recorded as
#: failed and the run goes on.
READ_ERRORS = (InputFileError, SchemaError)


@dataclass
class _File:
    src: Source
    sha: str
    rows_in: int = 0
    kept: int = 0
    aside: int = 0
    by_reason: dict[str, int] = field(default_factory=dict)
    # reason code -> the file's first row set aside for it (a data problem), the
    # sample quoted when most of the file's rows failed that check
    samples: dict[str, pd.DataFrame] = field(default_factory=dict)


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
    # old crime-type names met in this commit, reported once it is committed
    old_names: list[pd.DataFrame] = field(default_factory=list)
    old_in: dict[str, list[str]] = field(default_factory=dict)

    def add(
        self, src: Source, sha: str, pieces: Iterable[RawTable], *, stacklevel: int = 2
    ) -> Exception | None:
        """Read one file's pieces into the batch; commit when it is full.

        Returns None, or the error of a piece that could not be parsed: then
        nothing of the file is in the dataset and the caller records it as failed.
        ``stacklevel`` is for warnings, as :func:`warnings.warn` would take it here.
        """
        rest = iter(pieces)
        try:
            head = list(islice(rest, 2))  # does the file come in pieces?
        except READ_ERRORS as err:
            return err
        if len(head) > 1 and self.files:
            self.commit(stacklevel=stacklevel + 1)  # it starts a commit of its own
        self.files.append(_File(src, sha))
        i = len(self.files) - 1
        try:
            for piece in chain(head, rest):
                if any(j == i for j, _ in self.waiting):  # one piece per file a write
                    self._write()
                self.waiting.append((i, piece))
                self.rows += piece.table.num_rows
                if self.rows >= self.batch_rows:
                    self._write()
        except READ_ERRORS as err:
            self._discard()
            return err
        if not self.waiting:  # the rows reached batch_rows at the end of a file
            self.commit(stacklevel=stacklevel + 1)
        return None

    def _discard(self) -> None:
        """Undo the batch, which holds only the file in pieces that just failed."""
        if len(self.files) != 1:  # pragma: no cover - add() commits the others first
            raise RuntimeError("a failed file shares its batch; please report.")
        run = self.run
        wait_for_writes(run.ledger.out)
        for rel in self.parts:
            (run.ledger.out / rel).unlink(missing_ok=True)
        # the Crime IDs as last committed: unsaved additions are dropped, and the
        # arrays are read again from the files the ledger names
        run.seen = SeenIds(run.seen.folder, run.seen.files, run.seen.scheme)
        self.files, self.waiting, self.rows = [], [], 0
        self.parts, self.written, self.old_names, self.old_in = [], 0, [], {}

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
        for source, code, row in first_rows(written.quarantine):
            f = files[[t.source for t in tables].index(source)]
            f.samples.setdefault(code, row)
        old = checked.respelled[checked.respelled["column"] == "Crime type"]
        if len(old):
            self.old_names.append(old)
            for old_name, sources in checked.old_in.items():
                known = self.old_in.setdefault(old_name, [])
                known.extend(s for s in sources if s not in known)
        self.last_force = [str(v) for v in checked.force[-1:]]
        self.waiting, self.rows = [], 0

    def commit(self, *, stacklevel: int = 2) -> None:
        """Write what waits, then record every file of the batch in the ledger.

        Warns about files most of whose rows failed one check, judged over all
        of a file's pieces; ``stacklevel`` is as :func:`warnings.warn` would take
        it here.
        """
        if self.waiting:
            self._write()
        if not self.files:
            return
        run, ledger = self.run, self.run.ledger
        wait_for_writes(ledger.out)  # every part on disk before the ledger names it
        commit = ledger.commits + 1
        files, superseded = run.seen.save(commit)
        for f in self.files:
            ledger.files[key := ledger_key(f.src.name)] = {
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
            note_file(ledger.files[key], f.src)
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
        for f in self.files:
            warn_file(
                f.src.name,
                f.rows_in,
                f.kept,
                f.by_reason,
                f.samples,
                stacklevel=stacklevel + 1,
            )
        run.old_names += self.old_names
        for old_name, sources in self.old_in.items():
            known = run.old_in.setdefault(old_name, [])
            known.extend(s for s in sources if s not in known)
        self.files, self.parts, self.written = [], [], 0
        self.old_names, self.old_in = [], {}
