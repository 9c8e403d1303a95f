"""Coordinates read once per distinct text and point equal reading every row."""

from __future__ import annotations

import gzip

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.csv as pacsv
import pytest
from pyproj import Transformer

from hotspots.io._coordinates import (
    parse_numbers,
    project,
    read_coordinates,
    to_text,
)

# the reference: pyproj used directly, in the test's own thread
TO_BNG = Transformer.from_crs(4326, 27700, always_xy=True)
TO_WGS84 = Transformer.from_crs(27700, 4326, always_xy=True)

FIELDS = (
    "a", "b", "a_blank", "b_blank", "a_number", "b_number", "lon", "lat", "x", "y"
)  # fmt: skip


def _row_by_row(first, second, kind):
    """The reader before distinct points: every row trimmed, read and projected."""
    a, a_blank, a_num = parse_numbers(pc.utf8_trim_whitespace(first))
    b, b_blank, b_num = parse_numbers(pc.utf8_trim_whitespace(second))
    p1, p2 = (TO_BNG if kind == "lonlat" else TO_WGS84).transform(a, b)
    p1, p2 = np.asarray(p1, float), np.asarray(p2, float)
    lon, lat, x, y = (a, b, p1, p2) if kind == "lonlat" else (p1, p2, a, b)
    values = (a, b, a_blank, b_blank, a_num, b_num, lon, lat, x, y)
    return dict(zip(FIELDS, values, strict=True))


def _assert_same(got, first, second, kind):
    expected = _row_by_row(first, second, kind)
    for name in FIELDS:
        np.testing.assert_array_equal(getattr(got, name), expected[name], err_msg=name)


MESSY_LON = [
    "-1.1312", " -1.1312", "-1.1312\t", "", "  ", "abc", "0", "-1.1312", "1e-3",
    "\u00a0-1.2", "-1.2", "nan", "-1.1312", "52.63", "-0.5",
]  # fmt: skip
MESSY_LAT = [
    "52.63", "52.63", "52.63 ", "52.6", "", "52.6", "0", "52.64", "52.6", "52.6",
    "52.6", "52.6", "52.63", "-1.13", "",
]  # fmt: skip


@pytest.mark.parametrize("kind", ["lonlat", "bng"])
def test_messy_text_equals_row_by_row(kind):
    first = list(MESSY_LON)
    second = list(MESSY_LAT)
    if kind == "bng":  # eastings and northings in metres, same messiness
        first = [v.replace("-1.", "45").replace("-0.", "46") for v in first]
        second = [v.replace("52.", "3050") for v in second]
    a, b = pa.array(first), pa.array(second)
    _assert_same(read_coordinates(a, b, kind=kind), a, b, kind)


def test_chunked_columns_share_one_dictionary():
    a = pa.chunked_array([MESSY_LON[:6], MESSY_LON[6:], []], type=pa.string())
    b = pa.chunked_array([MESSY_LAT[:6], MESSY_LAT[6:], []], type=pa.string())
    got = read_coordinates(a, b)
    _assert_same(got, a.combine_chunks(), b.combine_chunks(), "lonlat")


def test_null_text_reads_as_blank():
    got = read_coordinates(pa.array(["-1.1", None]), pa.array(["52.6", "52.6"]))
    assert got.a_blank.tolist() == [False, True]
    assert np.isnan(got.a[1]) and got.x[0] == pytest.approx(461_054, abs=1)


def test_empty_columns():
    got = read_coordinates(pa.array([], pa.string()), pa.array([], pa.string()))
    assert all(len(getattr(got, name)) == 0 for name in FIELDS)


def test_to_text_trims_only_when_needed():
    clean = pa.array(["abc", "", "d e"])
    assert to_text(clean) is clean  # nothing to trim: the same array, no copy
    for value in (" abc", "abc\t", "\u00a0abc", "abc\u2003", "\nabc\r"):
        assert to_text(pa.array([value, "x"])).to_pylist() == ["abc", "x"]
    sliced = pa.array(["  a", "b", "c "]).slice(1, 1)
    assert to_text(sliced).to_pylist() == ["b"]


def test_real_files_equal_row_by_row(shared_real):
    # every real police.uk file in the shared data: real map points, real blanks
    for path in sorted(shared_real.glob("policeuk_street_*.csv.gz")):
        with gzip.open(path) as handle:
            table = pacsv.read_csv(
                handle,
                convert_options=pacsv.ConvertOptions(
                    column_types={"Longitude": pa.string(), "Latitude": pa.string()},
                    strings_can_be_null=False,
                ),
            )
        lon, lat = table.column("Longitude"), table.column("Latitude")
        got = read_coordinates(lon, lat)
        _assert_same(got, lon.combine_chunks(), lat.combine_chunks(), "lonlat")
        assert got.a_blank.sum() < len(got.a_blank) and np.isfinite(got.x).sum() > 9_000


def test_a_value_s_verdict_does_not_depend_on_the_values_beside_it():
    # "nan" alone once cast as a number (later: "not a finite number"); beside "x"
    # the regex judged it not a number: a piece of a file could differ from the file
    alone = parse_numbers(pa.array(["nan", "1e400", "-1.5", ""]))
    beside = parse_numbers(pa.array(["nan", "1e400", "-1.5", "", "x"]))
    assert alone[2].tolist() == beside[2][:4].tolist() == [False, True, True, False]
    np.testing.assert_array_equal(alone[0], beside[0][:4])


def test_project_from_many_threads_equals_pyproj():
    """The one projecting thread gives pyproj's own values, whoever asks."""
    from concurrent.futures import ThreadPoolExecutor

    rng = np.random.default_rng(7)
    # Great Britain, Wytch Farm's small area, and points outside any UK operation
    lon = np.concatenate([rng.uniform(-8, 1.9, 500), [-1.9, -1.9, 20.0, -60.0]])
    lat = np.concatenate([rng.uniform(50, 60, 500), [50.6, 50.7, 45.0, -30.0]])
    want = TO_BNG.transform(lon, lat)
    with ThreadPoolExecutor(4) as pool:
        got = list(pool.map(lambda _: project(lon, lat), range(8)))
    for x, y in got:
        np.testing.assert_array_equal(x, want[0])
        np.testing.assert_array_equal(y, want[1])
    back = project(*want, kind="bng")
    np.testing.assert_array_equal(back[0], TO_WGS84.transform(*want)[0])
    x, y = project(-1.13, 52.63)  # scalars: 0-d arrays
    assert np.isclose(float(x), TO_BNG.transform(-1.13, 52.63)[0])
