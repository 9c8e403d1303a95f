"""National ingest's saved Crime-ID hashes: pinned values, and old datasets go on."""

from __future__ import annotations

import json

import numpy as np
import pandas as pd
import pyarrow as pa
import pytest

from hotspots.io import ingest_national, open_national
from hotspots.io._hashing import text_hashes
from hotspots.io._stream_ids import SeenIds, fx_id_hashes, id_hashes
from tests.conftest import HEADER, policeuk_row

pytestmark = pytest.mark.filterwarnings("ignore::hotspots.exceptions.HotspotsWarning")


def _write(root, name, rows):
    path = root / name[:7] / name
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text("\n".join([HEADER, *rows]) + "\n", encoding="utf-8")


def test_fx64_hashes_never_change():
    # Saved in every dataset made since: a change here would let a repeated
    # Crime ID through on the next incremental run. Values computed once, pinned.
    ids = pa.array(["a1", "x" * 64, ""])
    force = np.array(
        ["Leicestershire Police", "Leicestershire Police", "Derbyshire Constabulary"],
        dtype=object,
    )
    got = fx_id_hashes(force, text_hashes(ids))
    assert [int(v) for v in got] == [
        0x1644F02A7A8ED305,
        0x95BD5DC08B60FF8A,
        0x3B4C91D6FEEAC447,
    ]


def test_fx64_hash_depends_on_force_and_id_only():
    ids = pa.array(["a", "b", "a", "a"])
    force = np.array(["F", "F", "F", "G"], dtype=object)
    h = fx_id_hashes(force, text_hashes(ids))
    assert h[0] == h[2] and len({h[0], h[1], h[3]}) == 3
    # the same pair in another batch, with other forces around it
    again = fx_id_hashes(
        np.array(["G", "F"], dtype=object), text_hashes(pa.array(["x", "a"]))
    )
    assert again[1] == h[0]


def test_dataset_made_with_siphash_goes_on_with_siphash(tmp_path):
    root, out = tmp_path / "arch", tmp_path / "ds"
    _write(root, "2024-05-leicestershire-street.csv", [policeuk_row("x", "2024-05")])
    ingest_national(root, out, progress=False)
    ledger_path = out / "_ledger.json"
    ledger = json.loads(ledger_path.read_text())
    assert ledger["id_hash"] == "fx64-1"
    # make it a dataset of the earlier version: no id_hash field, SipHash arrays
    del ledger["id_hash"]
    ledger_path.write_text(json.dumps(ledger))
    kept = open_national(out, columns=["force", "crime_id"]).to_table().to_pandas()
    for force, name in ledger["seen"].items():
        ids = kept.loc[kept["force"].astype(str) == force, "crime_id"]
        force_col = np.full(len(ids), force, dtype=object)
        np.save(
            out / "_seen" / name,
            np.sort(id_hashes(force_col, pa.array(list(ids), type=pa.string()))),
        )
    _write(
        root,
        "2024-06-leicestershire-street.csv",
        [policeuk_row("x"), policeuk_row("y")],  # x repeats May's
    )
    done = ingest_national(root, out, progress=False)
    assert done.by_reason == {"duplicate_crime_id": 1}
    assert json.loads(ledger_path.read_text())["id_hash"] == "siphash-2-4"
    ids = open_national(out, columns=["crime_id"]).to_table().to_pandas()
    assert sorted(ids["crime_id"]) == ["x", "y"]
    assert not pd.Series(ids["crime_id"]).duplicated().any()


def test_unknown_hash_scheme_is_refused_with_what_to_do(tmp_path):
    with pytest.raises(ValueError, match="new output folder"):
        SeenIds(tmp_path, {}, "md5-9")
