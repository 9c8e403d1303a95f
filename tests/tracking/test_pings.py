"""read_pings and Pings: reason codes, clock changes, coordinates, gzip, chunking."""

from __future__ import annotations

import gzip
import zipfile
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
import shapely
from pyproj import Transformer

from hotspots.exceptions import HotspotsWarning, InputFileError, SchemaError
from hotspots.tracking._pings import PING_REASONS, Pings, read_pings

HEADER = "unit,time,longitude,latitude,officers"
GOOD = "A,2024-06-01T10:00:00Z,-1.130000,52.630000,2"
TO_BNG = Transformer.from_crs("EPSG:4326", "EPSG:27700", always_xy=True)


def write(tmp_path: Path, lines: list[str], name="pings.csv", header=HEADER) -> Path:
    path = tmp_path / name
    text = "\n".join([header, *lines]) + "\n"
    if name.endswith(".gz"):
        path.write_bytes(gzip.compress(text.encode()))
    else:
        path.write_bytes(text.encode())
    return path


def read_quiet(path, **kwargs) -> Pings:
    with pytest.warns(HotspotsWarning):
        return read_pings(path, **kwargs)


def test_read_pings_clean_file_keeps_every_row_without_warning(tmp_path):
    rows = [f"A,2024-06-01T10:00:{s:02d}+01:00,-1.13,52.63,2" for s in range(0, 60, 10)]
    pings = read_pings(write(tmp_path, rows))
    assert (pings.rows_read, pings.rows_kept, len(pings.quarantine)) == (6, 6, 0)
    frame = pings.frame()
    assert list(frame.columns) == ["unit", "time", "x", "y", "officers"]
    assert str(frame["time"].dtype) == "datetime64[ns, UTC]"
    assert frame["officers"].dtype == np.int16
    assert frame["time"].iloc[0] == pd.Timestamp("2024-06-01 09:00", tz="UTC")
    assert pings.units == ["A"]
    assert pings.start == pd.Timestamp("2024-06-01 09:00", tz="UTC")
    assert pings.end == pd.Timestamp("2024-06-01 09:00:50", tz="UTC")
    assert len(pings) == 6
    assert pings.rules["max_speed"] == 70.0
    assert pings.rules["coordinates"] == "lonlat"
    (bucket,) = list(pings.iter_buckets())
    assert bucket["time"].dtype == np.int64
    assert "6 kept of 6 rows read" in str(pings)


# one bad row per case: (reason code, row text, extra read_pings arguments)
BOX = shapely.box(450_000, 290_000, 470_000, 310_000)
CASES = [
    ("malformed_row", "B,2024-06-01T10:00:00Z,-1.13,52.63,1,extra", {}),
    ("malformed_row", "B,2024-06-01T10:00:00Z,-1.13", {}),
    ("malformed_row", "B\x00,2024-06-01T10:00:00Z,-1.13,52.63,1", {}),
    ("malformed_row", 'B,"2024-06-01T10:00:00Z,-1.13,52.63,1', {}),
    ("bad_time", "B,garbage,-1.13,52.63,1", {}),
    ("bad_time", "B,,-1.13,52.63,1", {}),
    ("bad_time", "B,2024-13-01T10:00:00Z,-1.13,52.63,1", {}),
    ("ambiguous_local_time", "B,2024-10-27 01:30:00,-1.13,52.63,1", {}),
    ("nonexistent_local_time", "B,2024-03-31T01:30:00,-1.13,52.63,1", {}),
    ("no_unit", ",2024-06-01T10:00:00Z,-1.13,52.63,1", {}),
    ("no_unit", "  ,2024-06-01T10:00:00Z,-1.13,52.63,1", {}),
    ("bad_coordinates", "B,2024-06-01T10:00:00Z,abc,52.63,1", {}),
    ("bad_coordinates", "B,2024-06-01T10:00:00Z,-1.13,,1", {}),
    ("bad_coordinates", "B,2024-06-01T10:00:00Z,-1.13,inf,1", {}),
    ("placeholder_coordinates", "B,2024-06-01T10:00:00Z,0,0,1", {}),
    ("placeholder_coordinates", "B,2024-06-01T10:00:00Z,-1.13,99,1", {}),
    ("outside_uk", "B,2024-06-01T10:00:00Z,10.0,52.63,1", {}),
    ("outside_uk", "B,2024-06-01T10:00:00Z,52.63,-1.13,1", {}),
    ("outside_boundary", "B,2024-06-01T10:00:00Z,-1.5,52.63,1", {"boundary": BOX}),
    ("bad_officers", "B,2024-06-01T10:00:00Z,-1.13,52.63,x", {}),
    ("bad_officers", "B,2024-06-01T10:00:00Z,-1.13,52.63,0", {}),
    ("bad_officers", "B,2024-06-01T10:00:00Z,-1.13,52.63,1.5", {}),
    ("duplicate_ping", "A,2024-06-01T11:00:00+01:00,-1.1301,52.63,2", {}),
    ("impossible_speed", "A,2024-06-01T10:00:10Z,-1.0,52.63,2", {}),
]


@pytest.mark.parametrize(
    ("code", "line", "kwargs"),
    CASES,
    ids=[f"{c}-{i}" for i, (c, *_) in enumerate(CASES)],
)
def test_read_pings_sets_aside_each_reason(tmp_path, code, line, kwargs):
    lines = [GOOD, line, "A,2024-06-01T10:00:20Z,-1.1301,52.63,2"]
    pings = read_quiet(write(tmp_path, lines), **kwargs)
    q = pings.quarantine
    assert list(q.columns) == ["source", "row", "reason_code", "reason", "raw"]
    assert q["reason_code"].tolist() == [code]
    assert q["row"].tolist() == [2]
    assert q["source"].tolist() == ["pings.csv"]
    assert q["reason"].iloc[0].startswith(PING_REASONS[code])
    assert pings.rows_read == 3 == pings.rows_kept + 1
    assert pings.summary()["reason_code"].tolist() == [code]


def test_read_pings_warning_names_counts_and_offsets(tmp_path):
    lines = [GOOD, "B,2024-10-27 01:30:00,-1.13,52.63,1", "B,x,1,1,1"]
    with pytest.warns(HotspotsWarning, match="bad_time 1, ambiguous_local_time 1"):
        read_pings(write(tmp_path, lines))
    with pytest.warns(HotspotsWarning, match="export with UTC offsets"):
        read_pings(write(tmp_path, lines))


def test_read_pings_precedence_first_failing_check(tmp_path):
    # bad time, no unit and placeholder coordinates: bad_time comes first
    pings = read_quiet(write(tmp_path, [GOOD, ",nonsense,0,0,x"]))
    assert pings.quarantine["reason_code"].tolist() == ["bad_time"]
    assert pings.quarantine["raw"].tolist() == [",nonsense,0,0,x"]


def _day(date: str, stamps: list[str], *, offsets: list[str] | None) -> list[str]:
    rows = []
    for i, hm in enumerate(stamps):
        zone = "" if offsets is None else offsets[i]
        lon = -1.13 + i * 1e-4
        rows.append(f"A,{date}T{hm}:00{zone},{lon:.6f},52.63,1")
    return rows


def test_read_pings_clocks_go_forward(tmp_path):
    # 31 March 2024: 01:00 GMT becomes 02:00 BST; 01:xx local does not exist
    stamps = ["00:30", "01:15", "01:45", "02:00", "03:00"]
    naive = read_quiet(write(tmp_path, _day("2024-03-31", stamps, offsets=None)))
    assert naive.quarantine["reason_code"].tolist() == ["nonexistent_local_time"] * 2
    times = naive.frame()["time"]
    assert (times.iloc[1] - times.iloc[0]) == pd.Timedelta(minutes=30)  # 00:30-02:00
    local = ["00:30", "00:45", "02:15", "03:00"]
    zones = ["+00:00", "Z", "+01:00", "+0100"]
    exact = read_pings(write(tmp_path, _day("2024-03-31", local, offsets=zones)))
    t = exact.frame()["time"]
    assert t.diff().dropna().tolist() == [pd.Timedelta(minutes=m) for m in (15, 30, 45)]


def test_read_pings_clocks_go_back(tmp_path):
    # 27 October 2024: 02:00 BST becomes 01:00 GMT; 01:xx local happens twice
    stamps = ["00:30", "01:15", "01:45", "02:00", "03:00"]
    naive = read_quiet(write(tmp_path, _day("2024-10-27", stamps, offsets=None)))
    assert naive.quarantine["reason_code"].tolist() == ["ambiguous_local_time"] * 2
    t = naive.frame()["time"]
    # 00:30 BST (23:30 UTC) to 03:00 GMT is three and a half hours
    assert t.iloc[-1] - t.iloc[0] == pd.Timedelta(hours=3, minutes=30)
    zones = ["+01:00", "+01:00", "+00:00", "Z", "+00:00"]
    exact = read_pings(write(tmp_path, _day("2024-10-27", stamps, offsets=zones)))
    t = exact.frame()["time"]
    assert exact.rows_kept == 5
    assert t.diff().dropna().tolist() == [
        pd.Timedelta(minutes=m) for m in (45, 90, 15, 60)
    ]


def test_read_pings_easting_northing_and_lonlat_agree(tmp_path):
    rng = np.random.default_rng(3)
    lon = rng.uniform(-3.0, 0.5, 50)
    lat = rng.uniform(51.0, 54.0, 50)
    east, north = TO_BNG.transform(lon, lat)
    stamps = pd.date_range("2024-06-01", periods=50, freq="10min", tz="UTC")
    iso = stamps.strftime("%Y-%m-%dT%H:%M:%SZ")
    units = [f"U{i % 50}" for i in range(50)]
    lonlat = [
        f"{u},{t},{a:.8f},{b:.8f}"
        for u, t, a, b in zip(units, iso, lon, lat, strict=True)
    ]
    bng = [
        f"{u},{t},{e:.3f},{n:.3f}"
        for u, t, e, n in zip(units, iso, east, north, strict=True)
    ]
    a = read_pings(write(tmp_path, lonlat, "a.csv", "unit,time,longitude,latitude"))
    b = read_pings(write(tmp_path, bng, "b.csv", "unit,time,easting,northing"))
    fa, fb = a.frame(), b.frame()
    assert b.rules["coordinates"] == "bng"
    assert (fa["unit"] == fb["unit"]).all() and (fa["time"] == fb["time"]).all()
    np.testing.assert_allclose(fa["x"], fb["x"], atol=0.01)
    np.testing.assert_allclose(fa["y"], fb["y"], atol=0.01)


def test_read_pings_gzip_same_as_plain(tmp_path):
    lines = [GOOD, "A,2024-06-01T10:00:20Z,-1.1301,52.63,2", "B,bad,1,1,1"]
    plain = read_quiet(write(tmp_path, lines, "p.csv"))
    packed = read_quiet(write(tmp_path, lines, "p.csv.gz"))
    pd.testing.assert_frame_equal(plain.frame(), packed.frame())
    assert packed.quarantine["source"].tolist() == ["p.csv.gz"]
    assert packed.quarantine["row"].tolist() == [3]


def _messy_rows(n_units=9, per_unit=30, seed=5) -> list[str]:
    rng = np.random.default_rng(seed)
    rows = []
    for k in range(per_unit):
        for u in range(n_units):
            t = pd.Timestamp("2024-06-01", tz="UTC") + pd.Timedelta(seconds=30 * k + u)
            lon = -1.13 + u * 0.01 + k * 1e-4
            if rng.random() < 0.05:
                lon += 0.5  # a spike
            rows.append(f"U{u},{t:%Y-%m-%dT%H:%M:%S}Z,{lon:.6f},52.63,1")
            if rng.random() < 0.05:
                rows.append(rows[-1])  # duplicate
            if rng.random() < 0.03:
                rows.append(f"U{u},junk,{lon:.6f},52.63,1")
    return rows


def test_read_pings_chunk_rows_do_not_change_the_result(tmp_path):
    path = write(tmp_path, _messy_rows())
    big = read_quiet(path)
    small = read_quiet(path, chunk_rows=7)
    assert small.rules["spill_files"] > 1 and small.rules["buckets"] > 1
    assert big.rules["spill_files"] == 0
    pd.testing.assert_frame_equal(big.frame(), small.frame())
    pd.testing.assert_frame_equal(big.quarantine, small.quarantine)
    assert set(big.quarantine["reason_code"]) == {
        "bad_time",
        "duplicate_ping",
        "impossible_speed",
    }
    seen: set[str] = set()
    for bucket in small.iter_buckets():
        units = set(bucket["unit"])
        assert not units & seen  # every unit wholly inside one bucket
        seen |= units
        assert len(bucket) <= 7 or bucket["unit"].nunique() == 1
        key = list(zip(bucket["unit"], bucket["time"], strict=True))
        assert key == sorted(key)
    assert sorted(seen) == small.units


def test_read_pings_workdir_holds_the_buckets_until_released(tmp_path):
    work = tmp_path / "work"
    work.mkdir()
    pings = read_quiet(write(tmp_path, _messy_rows()), chunk_rows=20, workdir=work)
    assert any(work.iterdir())
    assert sum(len(b) for b in pings.iter_buckets()) == pings.rows_kept
    kept = pings.rows_kept
    pings.close()
    assert not any(work.iterdir())
    assert pings.rows_kept == kept  # the counts stay
    with pytest.raises(ValueError, match="closed"):
        pings.frame()
    with read_quiet(
        write(tmp_path, _messy_rows(), "again.csv"), chunk_rows=20, workdir=work
    ) as again:
        assert any(work.iterdir()) and len(again.frame()) == again.rows_kept
    assert not any(work.iterdir())


def test_read_pings_several_files_number_rows_per_file(tmp_path):
    a = write(tmp_path, [GOOD, "A,bad,1,1,1"], "a.csv")
    b = write(tmp_path, ["A,2024-06-01T10:00:00Z,-1.13,52.63,2"], "b.csv")
    pings = read_quiet([a, b])
    assert pings.rows_read == 3 and pings.rows_kept == 1
    q = pings.quarantine
    assert list(zip(q["source"], q["row"], q["reason_code"], strict=True)) == [
        ("a.csv", 2, "bad_time"),
        ("b.csv", 1, "duplicate_ping"),  # the first, in a.csv, is kept
    ]


def test_read_pings_column_map_dict_and_yaml(tmp_path):
    header = "ISSI,Stamp,X,Y"
    lines = ["7001,2024-06-01T10:00:00Z,458000,304000"]
    path = write(tmp_path, lines, header=header)
    mapping = {"unit": "ISSI", "time": "Stamp", "easting": "X", "northing": "Y"}
    pings = read_pings(path, columns=mapping)
    assert pings.units == ["7001"]
    assert pings.frame()["x"].tolist() == [458000.0]
    yaml_path = tmp_path / "map.yaml"
    yaml_path.write_text(
        "columns:\n  unit: ISSI\n  time: Stamp\n  easting: X\n  northing: Y\n"
    )
    assert read_pings(path, columns=yaml_path).units == ["7001"]


def test_read_pings_errors_say_what_to_do(tmp_path):
    path = write(tmp_path, [GOOD])
    with pytest.raises(SchemaError, match=r"'Time' \(for time\) not found.*officers"):
        read_pings(path, columns={"time": "Time"})
    with pytest.raises(SchemaError, match="unknown field"):
        read_pings(path, columns={"speed": "v"})
    with pytest.raises(SchemaError, match="both easting and northing"):
        read_pings(path, columns={"easting": "x"})
    other = write(tmp_path, ["A,2024"], "o.csv", header="unit,time,lon,lat")
    with pytest.raises(SchemaError, match=r"Columns present: \['unit', 'time'"):
        read_pings(other)
    with pytest.raises(ValueError, match="max_speed must be > 0"):
        read_pings(path, max_speed=0)
    with pytest.raises(ValueError, match="chunk_rows"):
        read_pings(path, chunk_rows=0)
    empty = tmp_path / "empty.csv"
    empty.write_bytes(b"")
    with pytest.raises(InputFileError, match="empty"):
        read_pings(empty)
    zipped = tmp_path / "p.zip"
    with zipfile.ZipFile(zipped, "w") as z:
        z.write(path, "p.csv")
    with pytest.raises(InputFileError, match="ZIP"):
        read_pings(zipped)
    with pytest.raises(FileNotFoundError, match=r"nope\.csv"):
        read_pings(tmp_path / "nope.csv")


def test_read_pings_header_only_and_crlf_and_bom(tmp_path):
    path = tmp_path / "h.csv"
    path.write_bytes(b"unit,time,longitude,latitude\r\n")
    pings = read_pings(path)
    assert (pings.rows_read, pings.rows_kept, pings.units) == (0, 0, [])
    assert pings.start is None and len(pings.frame()) == 0
    path.write_bytes(
        b"\xef\xbb\xbfunit,time,longitude,latitude\r\n"
        b"A,2024-06-01T10:00:00Z,-1.13,52.63\r\n\r\n"
        b"\xe9,2024-06-01T10:00:00Z,-1.13,52.63\r\n"
    )
    pings = read_pings(path)
    assert pings.units == ["A", "\u00e9"]  # a Windows-1252 byte read as such


def test_pings_from_frame_matches_read_pings(tmp_path):
    rows = _messy_rows(n_units=4, per_unit=12, seed=2)
    path = write(tmp_path, rows)
    from_file = read_quiet(path)
    frame = pd.read_csv(path, dtype=str, keep_default_na=False)
    with pytest.warns(HotspotsWarning):
        from_frame = Pings.from_frame(frame)
    pd.testing.assert_frame_equal(from_file.frame(), from_frame.frame())
    a, b = from_file.quarantine, from_frame.quarantine
    assert a["row"].tolist() == b["row"].tolist()
    assert a["reason_code"].tolist() == b["reason_code"].tolist()
    assert set(b["source"]) == {"frame"}


def test_pings_from_frame_time_kinds_and_xy():
    utc = pd.to_datetime(["2024-10-27 00:30", "2024-10-27 01:30"]).tz_localize("UTC")
    base = {"unit": ["A", "A"], "x": [458000.0, 458010.0], "y": [304000.0] * 2}
    aware = Pings.from_frame(pd.DataFrame({**base, "time": utc}))
    ints = Pings.from_frame(pd.DataFrame({**base, "time": utc.as_unit("ns").asi8}))
    local = Pings.from_frame(
        pd.DataFrame({**base, "time": utc.tz_convert("Europe/London")})
    )
    for pings in (ints, local):
        pd.testing.assert_frame_equal(aware.frame(), pings.frame())
    naive = pd.DataFrame({**base, "time": pd.to_datetime(["2024-10-27 00:30"] * 2)})
    naive.loc[1, "time"] = pd.Timestamp("2024-10-27 01:30")
    with pytest.warns(HotspotsWarning, match="ambiguous_local_time 1"):
        flagged = Pings.from_frame(naive)
    assert flagged.frame()["time"].tolist() == [
        pd.Timestamp("2024-10-26 23:30", tz="UTC")
    ]
    assert flagged.rules["naive_times"] == 2


def test_pings_from_frame_errors():
    with pytest.raises(SchemaError, match=r"\['time'\] not found.*Columns present"):
        Pings.from_frame(pd.DataFrame({"unit": ["A"], "x": [1.0], "y": [1.0]}))
    with pytest.raises(TypeError, match="DataFrame"):
        Pings.from_frame([1, 2])
    with pytest.raises(ValueError, match="max_speed"):
        Pings.from_frame(
            pd.DataFrame({"unit": [], "time": [], "x": [], "y": []}), max_speed=-1
        )


def test_read_pings_splits_spill_files_that_grew_too_large(tmp_path, monkeypatch):
    import hotspots.tracking._pings_read as reader

    monkeypatch.setattr(reader, "_MAX_SPILL_FILES", 2)  # far too few files
    path = write(tmp_path, _messy_rows(n_units=20, per_unit=10))
    big = read_quiet(path)
    small = read_quiet(path, chunk_rows=7)
    assert small.rules["spill_files"] == 2 and small.rules["buckets"] > 4
    pd.testing.assert_frame_equal(big.frame(), small.frame())
    pd.testing.assert_frame_equal(big.quarantine, small.quarantine)
    sizes = [len(b) for b in small.iter_buckets()]
    assert max(sizes) <= 2 * 7 + 10  # whole units, about chunk_rows each
