"""Write the month files of the synthetic national archive, block by block."""

from __future__ import annotations

import zipfile
from pathlib import Path

import numpy as np

from hotspots._atomic import atomic_path
from hotspots.io._schema import CRIME_TYPES, POLICEUK_COLUMNS
from hotspots.synthetic import _national_rows as _rows

__all__ = ["HEADER", "allocate", "write_files", "write_zip"]

HEADER = (",".join(POLICEUK_COLUMNS) + "\n").encode("ascii")
#: Rows of a force in one block, at most: bounds the generator's memory.
_BLOCK_ROWS = 1_000_000


def allocate(total: int, weights: np.ndarray) -> np.ndarray:
    """Split ``total`` into integers proportional to ``weights`` (largest remainder)."""
    exact = total * np.asarray(weights, float) / np.sum(weights)
    counts = np.floor(exact).astype(np.int64)
    short = total - int(counts.sum())
    counts[np.argsort(counts - exact, kind="stable")[:short]] += 1
    return counts


def _blocks(counts) -> list[list[tuple[int, int, bool]]]:
    """Group (month, rows, first piece of the month) so a block holds few rows.

    A month with more than :data:`_BLOCK_ROWS` rows is cut into pieces (its file is
    written piece by piece), which bounds the generator's memory and keeps each
    block's text under the 2 GiB of an Arrow string array.
    """
    blocks: list[list[tuple[int, int, bool]]] = []
    current: list[tuple[int, int, bool]] = []
    size = 0
    for month, rows in enumerate(counts.tolist()):
        for start in range(0, max(rows, 1), _BLOCK_ROWS):
            piece = min(_BLOCK_ROWS, rows - start)
            if current and size + piece > _BLOCK_ROWS:
                blocks.append(current)
                current, size = [], 0
            current.append((month, piece, start == 0))
            size += piece
    if current:
        blocks.append(current)
    return blocks


def write_files(root, chosen, month_list, per_force, rates, base_seed):
    """Write every force's month files; return per-file records, faults, types."""
    calendar = np.array([int(m[5:]) for m in month_list])
    season = 1 + 0.08 * np.cos(2 * np.pi * (calendar - 7) / 12)
    for month in month_list:
        (root / month).mkdir(exist_ok=True)
    files: dict[str, dict] = {}
    built: dict = {}
    faults = dict.fromkeys(("no_coordinates", "duplicate_crime_id", "malformed_row"), 0)
    by_type = np.zeros(len(CRIME_TYPES), dtype=np.int64)
    for f, row in enumerate(chosen.itertuples()):
        pool = _rows.force_pool(row.slug, base_seed, built)
        counts = allocate(int(per_force[f]), season)
        force_rng = np.random.default_rng([base_seed, f + 1, 7])
        for block in _blocks(counts):
            names = [month_list[m] for m, _, _ in block]
            sizes = np.array([n for _, n, _ in block])
            prefixes = [f"{m},{row.name},{row.name}" for m in names]
            lines, planted = _rows.lines_for_block(
                pool, prefixes, sizes, rates, force_rng
            )
            by_type += planted["crime_type"]
            texts = _rows.block_text(lines, sizes)
            for i, (month, text) in enumerate(zip(names, texts, strict=True)):
                name = f"{month}/{month}-{row.slug}-street.csv"
                first = block[i][2]
                with (root / name).open("wb" if first else "ab") as out:
                    if first:
                        out.write(HEADER)
                    out.write(text)
                record = files.setdefault(name, {"force": row.slug, "rows": 0})
                record["rows"] += int(sizes[i])
                for key in faults:
                    record[key] = record.get(key, 0) + int(planted[key][i])
                    faults[key] += int(planted[key][i])

    return files, faults, by_type


def write_zip(root: Path, names: list[str], readme_name: str, readme: str) -> Path:
    """Write ``<root>.zip`` with the README and the month files, as police.uk does."""
    zip_path = root.with_name(root.name + ".zip")
    with (
        atomic_path(zip_path) as tmp,
        zipfile.ZipFile(tmp, "w", zipfile.ZIP_DEFLATED, compresslevel=1) as out,
    ):
        out.writestr(readme_name, readme)
        for name in names:
            out.write(root / name, arcname=name)
    return zip_path
