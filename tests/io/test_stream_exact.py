"""The duplicate Crime ID rule across read_policeuk's batches, against brute force."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pyarrow as pa
import pytest

from hotspots.io._checks import RowReasons, read_ids
from hotspots.io._stream_exact import ExactSeen, merge_runs


def _brute(forces: list[np.ndarray], ids: list[list[str]]) -> list[np.ndarray]:
    """Per batch: True where (force, ID) appeared in an earlier row (kept first)."""
    seen, out = set(), []
    for force, batch in zip(forces, ids, strict=True):
        dup = np.zeros(len(batch), dtype=bool)
        for i, (f, text) in enumerate(zip(force, batch, strict=True)):
            key = (f, text.strip())
            if not key[1]:
                continue
            dup[i] = key in seen
            seen.add(key)
        out.append(dup)
    return out


def _run(forces, ids, *, categorical: bool) -> list[np.ndarray]:
    seen, out = ExactSeen(), []
    for force, batch in zip(forces, ids, strict=True):
        reasons = RowReasons(len(batch))
        read = read_ids(pa.array(batch, type=pa.string()))
        given = pd.Categorical(force) if categorical else np.asarray(force, object)
        seen.check(reasons, given, None, read=read)
        out.append(~reasons.ok)  # only the duplicate rule ran
    return out


@pytest.mark.parametrize("categorical", [False, True])
def test_repeats_across_many_batches_equal_brute_force(categorical):
    # 40 batches, 120k IDs from a pool of 150k (many repeats), two forces, blanks:
    # the bitmap widens several times and the sorted runs merge many times
    rng = np.random.default_rng(7)
    pool = np.array([f"{i:064x}" for i in rng.integers(0, 2**62, 150_000)])
    forces, ids = [], []
    for size in rng.integers(500, 6_000, 40):
        texts = pool[rng.integers(0, len(pool), size)].astype(object)
        texts[rng.random(size) < 0.01] = "  "
        forces.append(rng.choice(["Leicestershire Police", "Derbyshire"], size))
        ids.append(list(texts))
    expected = _brute(forces, ids)
    got = _run(forces, ids, categorical=categorical)
    assert sum(e.sum() for e in expected) > 10_000
    for e, g in zip(expected, got, strict=True):
        np.testing.assert_array_equal(g, e)


def test_equal_hashes_are_told_apart_by_their_texts(monkeypatch):
    monkeypatch.setattr(
        "hotspots.io._checks.text_hashes",
        lambda arr: np.zeros(len(arr), dtype=np.uint64),
    )
    forces = [np.array(["A", "A", "B"]), np.array(["A", "B", "B", "A"])]
    ids = [["x", "y", "x"], ["y", "x", "z", "z"]]
    got = _run(forces, ids, categorical=True)
    assert [g.tolist() for g in got] == [
        [False, False, False],
        [True, True, False, False],
    ]


def test_merge_runs_equals_a_stable_sort():
    rng = np.random.default_rng(3)
    h1 = np.sort(rng.integers(0, 50, 1_000).astype(np.uint64))
    h2 = np.sort(rng.integers(0, 50, 700).astype(np.uint64))
    w1, w2 = np.arange(1_000), np.arange(1_000, 1_700)
    hashes, index = merge_runs((h1, w1), (h2, w2))
    both = np.concatenate([h1, h2])
    order = np.argsort(both, kind="stable")
    np.testing.assert_array_equal(hashes, both[order])
    np.testing.assert_array_equal(index, np.concatenate([w1, w2])[order])
