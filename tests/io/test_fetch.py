"""fetch_policeuk against a local imitation of data.police.uk (127.0.0.1 only).

The server (tests/io/policeuk_server.py) holds a bulk-archive ZIP built here from
small police.uk street files (two forces, three months, one month without a file of
Leicestershire) and API crimes; faults are queued per path. No test touches the
outside network.
"""

from __future__ import annotations

import csv
import hashlib
import io
import json
import socket
import time
import zipfile

import geopandas as gpd
import numpy as np
import pytest
import shapely
from click.testing import CliRunner

from hotspots.cli import main
from hotspots.io import (
    FetchError,
    _fetch_archive,
    _fetch_http,
    fetch_policeuk,
    force_area,
    read_policeuk,
)
from tests.conftest import HEADER, policeuk_row
from tests.io.policeuk_server import ARCHIVE_PREFIX, CRIMES_PATH, PoliceUKServer

MONTHS = ("2024-01", "2024-02", "2024-03")
NAMES = {
    "leicestershire": "Leicestershire Police",
    "derbyshire": "Derbyshire Constabulary",
}
ZIP_PATH = f"{ARCHIVE_PREFIX}2024-03.zip"
#: The API test area (lon/lat) and its cut lines, where crimes come back twice.
SQUARE = (-1.20, 52.60, -1.10, 52.68)
MID_LON, MID_LAT = -1.15, 52.64
#: The crime types the API test crimes use, by API slug (police.uk spelling).
SLUG_NAMES = {
    "anti-social-behaviour": "Anti-social behaviour",
    "violent-crime": "Violence and sexual offences",
    "robbery": "Robbery",
    "criminal-damage-arson": "Criminal damage and arson",
}


def _street(slug: str, month: str, n: int) -> bytes:
    lon0, lat0 = (-1.13, 52.63) if slug == "leicestershire" else (-1.47, 52.92)
    rows = [
        policeuk_row(
            crime_id=f"{slug}-{month}-{i:03d}",
            month=month,
            force=NAMES[slug],
            lon=f"{lon0 - i * 0.001:.6f}",
            lat=f"{lat0 + i * 0.001:.6f}",
        )
        for i in range(n)
    ]
    return ("\n".join([HEADER, *rows]) + "\n").encode("utf-8")


def _archive() -> tuple[bytes, dict[str, bytes]]:
    """A 2024-03 bulk archive covering 2024-01..03; Leicestershire lacks 2024-02."""
    members = {}
    for k, month in enumerate(MONTHS):
        for slug in NAMES:
            if (slug, month) != ("leicestershire", "2024-02"):
                members[f"{month}/{month}-{slug}-street.csv"] = _street(
                    slug, month, 5 + k
                )
            members[f"{month}/{month}-{slug}-outcomes.csv"] = b"Crime ID,Month\n"
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        for name, data in members.items():
            archive.writestr(name, data)
    return buffer.getvalue(), members


def _crime(i: int, month: str, lon: float, lat: float) -> dict:
    slug = list(SLUG_NAMES)[i % len(SLUG_NAMES)]
    asb = slug == "anti-social-behaviour"
    return {
        "category": slug,
        "location_type": "BTP" if i == 7 else "Force",
        "location": {
            "latitude": f"{lat:.6f}",
            "longitude": f"{lon:.6f}",
            "street": {"id": 1000 + i, "name": f"On or near Street {i}"},
        },
        "context": "",
        "outcome_status": None
        if asb
        else {"category": "Unable to prosecute suspect", "date": month},
        "persistent_id": ""
        if asb
        else hashlib.sha256(f"{month}/{i}".encode()).hexdigest(),
        "id": 100_000 + i,
        "location_subtype": "",
        "month": month,
    }


def _api_crimes(month: str, n: int, seed: int) -> list[dict]:
    """Crimes in SQUARE: most in one corner (so one quadrant is cut again), and
    four on the cut lines (returned by two pieces: de-duplicated)."""
    rng = np.random.default_rng(seed)
    lon = np.where(
        rng.random(n) < 0.7,
        rng.uniform(-1.195, -1.16, n),
        rng.uniform(SQUARE[0] + 0.001, SQUARE[2] - 0.001, n),
    )
    lat = rng.uniform(SQUARE[1] + 0.001, SQUARE[3] - 0.001, n)
    crimes = [
        _crime(i, month, x, y) for i, (x, y) in enumerate(zip(lon, lat, strict=True))
    ]
    on_lines = [
        (MID_LON, 52.61),
        (MID_LON, 52.67),
        (-1.19, MID_LAT),
        (MID_LON, MID_LAT),
    ]
    crimes += [_crime(n + j, month, x, y) for j, (x, y) in enumerate(on_lines)]
    return crimes


def _expected_rows(crimes: list[dict]) -> list[tuple]:
    """The street-CSV rows the server's crimes should become (worked out here)."""
    rows = []
    for c in crimes:
        force = (
            "British Transport Police"
            if c["location_type"] == "BTP"
            else NAMES["leicestershire"]
        )
        outcome = (c["outcome_status"] or {}).get("category", "")
        rows.append(
            (
                c["persistent_id"],
                c["month"],
                force,
                force,
                c["location"]["longitude"],
                c["location"]["latitude"],
                c["location"]["street"]["name"],
                "",
                "",
                SLUG_NAMES[c["category"]],
                outcome,
                "",
            )
        )
    return sorted(rows)


def _csv_rows(path) -> list[tuple]:
    with path.open(newline="", encoding="utf-8") as file:
        reader = csv.reader(file)
        assert next(reader) == HEADER.split(",")
        return sorted(tuple(r) for r in reader)


def _files(root) -> list[str]:
    return sorted(
        p.relative_to(root).as_posix() for p in root.rglob("*") if p.is_file()
    )


@pytest.fixture(autouse=True)
def _quick_backoff(monkeypatch):
    monkeypatch.setattr(_fetch_http, "_BACKOFF_S", 0.01)


@pytest.fixture
def server():
    srv = PoliceUKServer(cap=50)
    srv.archives["2024-03"], srv.members = _archive()
    srv.crimes = {
        "2024-01": _api_crimes("2024-01", 200, seed=1),
        "2024-02": [],  # a month with no crimes
        "2024-03": _api_crimes("2024-03", 30, seed=3),
    }
    srv.url = srv.start()
    yield srv
    srv.stop()


def _fetch(server, out, **kwargs):
    options = {
        "start": "2024-01",
        "end": "2024-03",
        "out": out,
        "base_url": server.url,
        "retries": 2,
        "timeout": 5,
        "progress": False,
    }
    return fetch_policeuk("leicestershire", **{**options, **kwargs})


def test_fetch_policeuk_archive_files_equal_the_server_and_rows_are_conserved(
    server, tmp_path
):
    result = _fetch(server, tmp_path / "raw")
    assert result.months_fetched == ("2024-01", "2024-03")
    assert result.months_empty == ("2024-02",)
    for month in ("2024-01", "2024-03"):
        name = f"{month}/{month}-leicestershire-street.csv"
        assert (result.out / name).read_bytes() == server.members[name]
    assert not (result.out / "2024-02").exists()
    crimes = read_policeuk(result.out)
    assert crimes.rows_read == result.rows == 5 + 7
    assert crimes.rows_read == len(crimes.crimes) + len(crimes.quarantine)
    manifest = json.loads(result.manifest.read_text())
    entry = manifest["entries"]["leicestershire/2024-01"]
    assert entry["url"] == f"{server.url}{ZIP_PATH}"
    assert entry["sha256"] == hashlib.sha256(result.files[0].read_bytes()).hexdigest()
    assert entry["rows"] == 5 and entry["fetched_at"].endswith("Z")
    assert manifest["entries"]["leicestershire/2024-02"]["status"] == "empty"


def test_fetch_policeuk_second_run_downloads_nothing(server, tmp_path):
    first = _fetch(server, tmp_path / "raw")
    n = server.count()
    again = _fetch(server, tmp_path / "raw")
    assert server.count() == n and again.requests == 0
    assert again.months_cached == ("2024-01", "2024-03")
    assert again.months_empty == ("2024-02",) and again.rows == first.rows


def test_fetch_policeuk_rebuilds_from_the_cached_zip_without_downloading(
    server, tmp_path
):
    first = _fetch(server, tmp_path / "raw")
    first.files[0].write_text("edited by hand\n")  # no longer what was fetched
    n = server.count()
    again = _fetch(server, tmp_path / "raw")
    other = fetch_policeuk(
        "Derbyshire Constabulary",
        start="2024-01",
        end="2024-03",
        out=tmp_path / "derby",
        base_url=server.url,
        cache=first.cache,
        progress=False,
    )
    assert server.count() == n  # both from the ZIP in the cache
    assert again.months_cached == ("2024-01", "2024-03")
    assert (
        again.files[0].read_bytes()
        == server.members["2024-01/2024-01-leicestershire-street.csv"]
    )
    assert other.months_cached == MONTHS and other.rows == 5 + 6 + 7


def test_fetch_policeuk_truncated_zip_is_fetched_again(server, tmp_path):
    server.faults[ZIP_PATH] = ["truncate"]
    result = _fetch(server, tmp_path / "raw")
    assert server.count(ZIP_PATH) == 2
    assert result.months_fetched == ("2024-01", "2024-03")


def test_fetch_policeuk_always_truncated_zip_fails_and_leaves_no_file(server, tmp_path):
    server.faults[ZIP_PATH] = ["truncate"] * 3
    out = tmp_path / "raw"
    with pytest.raises(FetchError, match=r"not a complete ZIP.*gave up after 3"):
        _fetch(server, out)
    assert _files(tmp_path) == []  # no ZIP, no temporary file, no CSV


def test_fetch_policeuk_interrupted_download_leaves_no_file(
    server, tmp_path, monkeypatch
):
    def _interrupt(*args, **kwargs):
        raise KeyboardInterrupt

    monkeypatch.setattr(_fetch_archive, "_check_zip", _interrupt)
    with pytest.raises(KeyboardInterrupt):
        _fetch(server, tmp_path / "raw")
    assert _files(tmp_path) == []


def test_fetch_policeuk_503_then_success(server, tmp_path):
    server.faults[ZIP_PATH] = ["503"]
    result = _fetch(server, tmp_path / "raw")
    assert [s for _, p, s in server.log if p == ZIP_PATH] == [503, 200]
    assert result.months_fetched == ("2024-01", "2024-03")


def test_fetch_policeuk_slow_answer_past_the_timeout_is_retried(server, tmp_path):
    server.faults[ZIP_PATH] = ["slow"]
    server.slow_s = 1.0
    result = _fetch(server, tmp_path / "raw", timeout=0.3)
    assert server.count(ZIP_PATH) == 2 and result.months_fetched


def test_fetch_policeuk_always_slow_is_a_clear_error(server, tmp_path):
    server.faults[ZIP_PATH] = ["slow"] * 2
    server.slow_s = 0.6
    with pytest.raises(FetchError, match=r"no answer within 0.2 s.*--timeout"):
        _fetch(server, tmp_path / "raw", timeout=0.2, retries=1)
    assert _files(tmp_path) == []


def test_fetch_policeuk_404_and_400_are_clear_errors(server, tmp_path):
    with pytest.raises(FetchError, match=r"2023-12\.zip: HTTP 404.*not be released"):
        _fetch(server, tmp_path / "raw", start="2023-12", end="2023-12")
    server.faults[CRIMES_PATH] = ["400"]
    with pytest.raises(FetchError, match=r"all-crime.*HTTP 400.*refused"):
        _fetch(server, tmp_path / "api", source="api", end="2024-01")
    assert server.count(CRIMES_PATH) == 1  # a 4xx is not retried


def _closed_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def test_fetch_policeuk_offline_is_a_clear_error_and_keeps_what_is_there(
    server, tmp_path
):
    out = tmp_path / "raw"
    area = gpd.GeoSeries([shapely.box(*SQUARE)], crs=4326)
    first = _fetch(server, out, source="api", area=area, start="2024-03")
    before = {p: (out / p).read_bytes() for p in _files(out)}
    offline = f"http://127.0.0.1:{_closed_port()}"
    start = time.monotonic()
    with pytest.raises(FetchError) as info:
        _fetch(server, out, source="api", area=area, base_url=offline)
    message = str(info.value)
    assert message.startswith(f"no network: cannot reach {offline}/api/crimes-street")
    assert f"copy the police.uk files into {out} by hand" in message
    assert time.monotonic() - start < 3  # not retried
    assert {p: (out / p).read_bytes() for p in _files(out)} == before
    assert first.files[0].is_file()


def test_fetch_policeuk_api_cuts_the_area_over_the_cap_and_loses_nothing(
    server, tmp_path
):
    area = gpd.GeoSeries([shapely.box(*SQUARE)], crs=4326)
    result = _fetch(server, tmp_path / "raw", source="api", area=area)
    statuses = [s for _, p, s in server.log if p == CRIMES_PATH]
    assert statuses.count(503) >= 2  # the whole area, then a crowded quadrant
    assert result.months_empty == ("2024-02",)
    for month, path in zip(("2024-01", "2024-03"), result.files, strict=True):
        assert _csv_rows(path) == _expected_rows(server.crimes[month])
    crimes = read_policeuk(result.out)
    assert crimes.rows_read == result.rows == 204 + 34
    assert crimes.rows_read == len(crimes.crimes) + len(crimes.quarantine)
    assert (crimes.crimes["lsoa_code"] == "").all()
    assert any("LSOA" in note for note in result.notes)
    entry = json.loads(result.manifest.read_text())["entries"]["leicestershire/2024-01"]
    assert entry["source"] == "api" and entry["lsoa"].startswith("missing")
    n = server.count()
    assert _fetch(server, tmp_path / "raw", source="api", area=area).requests == 0
    assert server.count() == n


def test_fetch_policeuk_api_leaves_out_crimes_in_holes_of_the_area(server, tmp_path):
    hole = shapely.box(-1.19, 52.62, -1.165, 52.66)
    area = gpd.GeoSeries([shapely.box(*SQUARE).difference(hole)], crs=4326)
    result = _fetch(server, tmp_path / "raw", source="api", area=area, start="2024-03")
    crimes = server.crimes["2024-03"]
    in_hole = [
        c["id"]
        for c in crimes
        if hole.contains(
            shapely.Point(
                float(c["location"]["longitude"]), float(c["location"]["latitude"])
            )
        )
    ]
    assert len(in_hole) >= 3  # the test needs crimes there
    kept = [c for c in crimes if c["id"] not in in_hole]
    assert _csv_rows(result.files[0]) == _expected_rows(kept)
    manifest = json.loads(result.manifest.read_text())
    assert manifest["entries"]["leicestershire/2024-03"][
        "dropped_in_area_holes"
    ] == len(in_hole)


def test_fetch_policeuk_api_rate_limit_429_honours_retry_after(server, tmp_path):
    server.faults[CRIMES_PATH] = ["429"]
    area = gpd.GeoSeries([shapely.box(*SQUARE)], crs=4326)
    start = time.monotonic()
    result = _fetch(server, tmp_path / "raw", source="api", area=area, start="2024-03")
    assert time.monotonic() - start >= 0.9  # Retry-After: 1
    assert [s for _, p, s in server.log][:2] == [429, 200]
    assert _csv_rows(result.files[0]) == _expected_rows(server.crimes["2024-03"])


def test_fetch_policeuk_api_queries_the_force_outline_by_post(server, tmp_path):
    outline = force_area("leicestershire").geometry.iloc[0].buffer(-2_000)
    rng = np.random.default_rng(7)
    x0, y0, x1, y1 = outline.bounds
    points = shapely.points(rng.uniform(x0, x1, 400), rng.uniform(y0, y1, 400))
    points = points[shapely.contains(outline, points)][:40]
    lonlat = gpd.GeoSeries(points, crs=27700).to_crs(4326)
    server.crimes["2024-03"] = [
        _crime(i, "2024-03", p.x, p.y) for i, p in enumerate(lonlat)
    ]
    result = _fetch(server, tmp_path / "raw", source="api", start="2024-03")
    assert [(m, s) for m, p, s in server.log if p == CRIMES_PATH] == [("POST", 200)]
    assert _csv_rows(result.files[0]) == _expected_rows(server.crimes["2024-03"])


@pytest.mark.parametrize(
    ("kwargs", "match"),
    [
        ({"start": "2024-03", "end": "2024-01"}, "after end"),
        ({"end": "2999-01"}, "in the future"),
        ({"start": "2024-1"}, "YYYY-MM"),
        ({"source": "ftp"}, "source must be one of"),
        ({"retries": -1}, "retries must be"),
        ({"area": "leicestershire"}, "source='api' only"),
    ],
    ids=["reversed", "future", "bad-month", "source", "retries", "area-archive"],
)
def test_fetch_policeuk_bad_arguments_are_clear_errors(server, tmp_path, kwargs, match):
    with pytest.raises(ValueError, match=match):
        _fetch(server, tmp_path / "raw", **kwargs)
    with pytest.raises(ValueError, match="Closest"):
        fetch_policeuk(
            "Leicestershir Constab", start="2024-01", end="2024-01", out=tmp_path
        )
    assert server.count() == 0


def test_cli_fetch_prints_months_rows_and_manifest(server, tmp_path):
    out = tmp_path / "raw"
    args = [
        "fetch",
        "--force",
        "leicestershire",
        "--from",
        "2024-01",
        "--to",
        "2024-03",
    ]
    args += ["--out", str(out), "--base-url", server.url, "--retries", "1"]
    result = CliRunner().invoke(main, [*args, "--timeout", "5", "--no-progress"])
    assert result.exit_code == 0, result.output
    assert "2 fetched" in result.output and "1 with no data (2024-02)" in result.output
    assert "12 in 2 file(s)" in result.output and "manifest.json" in result.output
    offline = ["--base-url", f"http://127.0.0.1:{_closed_port()}", "--to", "2024-03"]
    bad = CliRunner().invoke(
        main,
        [
            "fetch",
            "--force",
            "derbyshire",
            "--from",
            "2024-01",
            *offline,
            "--out",
            str(tmp_path / "derby"),
            "--no-progress",
        ],
    )
    assert bad.exit_code == 2
    assert "Error: no network: cannot reach" in bad.output
