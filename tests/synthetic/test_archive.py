from __future__ import annotations

import csv
import hashlib
import io
import json
import re
import zipfile
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from pyproj import Transformer
from shapely import wkt

from hotspots.io._schema import CRIME_TYPES, POLICEUK_COLUMNS, UK_BOUNDS
from hotspots.synthetic import SyntheticArchive, load_truth, make_archive

SMALL = {"start": "2023-01", "end": "2024-12", "scale": 0.25}
TINY = {"start": "2023-01", "end": "2024-01", "scale": 0.05}
VIOLENCE = ("Violence and sexual offences", "Robbery", "Possession of weapons")
LABEL = "SYNTHETIC DATA - not real crime"
TO_BNG = Transformer.from_crs("EPSG:4326", "EPSG:27700", always_xy=True)


@pytest.fixture(scope="module")
def small_archive(tmp_path_factory) -> SyntheticArchive:
    out = tmp_path_factory.mktemp("synthetic") / "archive"
    return make_archive(out, rng=7, zip_archive=True, **SMALL)


def _hashes(root: Path) -> dict[str, str]:
    return {
        p.relative_to(root).as_posix(): hashlib.sha256(p.read_bytes()).hexdigest()
        for p in sorted(root.rglob("*"))
        if p.is_file()
    }


def _raw_rows(archive: SyntheticArchive) -> dict[str, list[list[str]]]:
    """Data rows of each month file as parsed by the csv module (header dropped)."""
    out = {}
    for file in archive.files:
        with file.open(newline="", encoding="utf-8") as handle:
            rows = list(csv.reader(handle))
        assert tuple(rows[0]) == POLICEUK_COLUMNS
        out[file.relative_to(archive.root).as_posix()] = rows[1:]
    return out


def _clean_frame(archive: SyntheticArchive) -> pd.DataFrame:
    """Valid, located, de-duplicated rows with BNG x/y, cleaned by simple rules."""
    frames = []
    for rows in _raw_rows(archive).values():
        good = [r for r in rows if len(r) == len(POLICEUK_COLUMNS)]
        frames.append(pd.DataFrame(good, columns=POLICEUK_COLUMNS))
    frame = pd.concat(frames, ignore_index=True)
    frame = frame[frame["Month"].str.fullmatch(r"\d{4}-(0[1-9]|1[0-2])")]
    frame = frame[frame["Crime type"].isin(CRIME_TYPES)]
    lon = pd.to_numeric(frame["Longitude"], errors="coerce")
    lat = pd.to_numeric(frame["Latitude"], errors="coerce")
    inside = lon.between(UK_BOUNDS[0], UK_BOUNDS[2]) & lat.between(
        UK_BOUNDS[1], UK_BOUNDS[3]
    )
    frame = frame[inside].assign(lon=lon[inside], lat=lat[inside])
    ids = frame["Crime ID"]
    frame = frame[(ids == "") | ~ids.duplicated(keep="first")]
    x, y = TO_BNG.transform(frame["lon"].to_numpy(), frame["lat"].to_numpy())
    return frame.assign(x=x, y=y)


def test_make_archive_same_seed_gives_identical_bytes(tmp_path):
    first = make_archive(tmp_path / "a", rng=11, zip_archive=True, **TINY)
    second = make_archive(tmp_path / "b", rng=11, zip_archive=True, **TINY)
    other = make_archive(tmp_path / "c", rng=12, **TINY)
    assert _hashes(first.root) == _hashes(second.root)
    assert first.zip_path.read_bytes() == second.zip_path.read_bytes()
    differ = _hashes(other.root)
    month_files = [f.relative_to(first.root).as_posix() for f in first.files]
    assert all(_hashes(first.root)[f] != differ[f] for f in month_files)


def test_make_archive_writes_policeuk_layout(small_archive):
    root = small_archive.root
    truth = small_archive.truth
    assert truth["synthetic"] is True
    assert "SYNTHETIC" in (root / "README-SYNTHETIC.txt").read_text(encoding="utf-8")
    assert [f.relative_to(root).as_posix() for f in small_archive.files] == [
        f"{m}/{m}-leicestershire-street.csv" for m in truth["months"]
    ]
    assert truth["months"][0] == "2023-01" and len(truth["months"]) == 24
    for file in small_archive.files:
        data = file.read_bytes()
        assert b"\r" not in data
    frame = _clean_frame(small_archive)
    assert set(frame["Reported by"]) == {"Leicestershire Police"}
    assert set(frame["Falls within"]) == {"Leicestershire Police"}
    assert set(frame["Context"]) == {LABEL}
    assert set(frame["Crime type"]) == set(CRIME_TYPES)
    asb = frame["Crime type"] == "Anti-social behaviour"
    assert (frame.loc[asb, "Crime ID"] == "").all()
    assert (frame.loc[asb, "Last outcome category"] == "").all()
    assert frame.loc[~asb, "Crime ID"].str.fullmatch(r"[0-9a-f]{64}").all()
    assert (frame.loc[~asb, "Last outcome category"] != "").all()
    assert frame["Longitude"].str.fullmatch(r"-?\d+\.\d{6}").all()
    assert frame["Location"].str.startswith("On or near").all()


def test_make_archive_row_counts_match_truth(small_archive):
    truth = small_archive.truth
    rows = _raw_rows(small_archive)
    per_month = {f.split("/")[0]: len(r) for f, r in rows.items()}
    assert per_month == truth["rows_per_month"]
    assert sum(per_month.values()) == truth["n_rows"] == small_archive.n_rows
    types: dict[str, int] = {}
    no_location = 0
    for file_rows in rows.values():
        for row in file_rows:
            types[row[9]] = types.get(row[9], 0) + 1
            no_location += row[6] == "No Location"
    assert types == truth["rows_per_crime_type"]
    assert no_location == truth["n_no_location"]
    assert 0.02 < no_location / truth["n_rows"] < 0.045


def test_make_archive_crime_mix_is_realistic(small_archive):
    counts = small_archive.truth["rows_per_crime_type"]
    total = sum(counts.values())
    assert counts["Violence and sexual offences"] / total == pytest.approx(
        0.37, abs=0.02
    )
    assert counts["Anti-social behaviour"] / total == pytest.approx(0.09, abs=0.02)
    # scale=0.25 of about 40,800 violence and sexual offences a year, over 2 years
    assert counts["Violence and sexual offences"] == pytest.approx(20_400, rel=0.05)


def test_make_archive_planted_hotspots_stand_out(small_archive):
    truth = small_archive.truth
    frame = _clean_frame(small_archive)
    frame = frame[frame["Crime type"].isin(VIOLENCE)]
    cell = 250.0
    x0, y0 = frame["x"].min() - cell, frame["y"].min() - cell
    bins = (
        np.arange(x0, frame["x"].max() + 2 * cell, cell),
        np.arange(y0, frame["y"].max() + 2 * cell, cell),
    )

    def grid(part):
        return np.histogram2d(part["x"], part["y"], bins=bins)[0]

    def cell_of(centre):
        return (
            int((centre["x"] - x0) // cell),
            int((centre["y"] - y0) // cell),
        )

    counts = grid(frame)
    top_1pct = np.quantile(counts[counts > 0], 0.99)
    months = truth["months"]
    first = frame[frame["Month"].isin(months[:12])]
    last = frame[frame["Month"].isin(months[-12:])]
    first_grid, last_grid = grid(first), grid(last)

    def block(counts_grid, centre):  # the 3 x 3 cells around the centre's cell
        i, j = cell_of(centre)
        return counts_grid[i - 1 : i + 2, j - 1 : j + 2].sum()

    for spot in truth["hotspots"]:
        centres = spot["centres"]
        if spot["kind"] == "persistent":
            assert max(counts[cell_of(c)] for c in centres) >= top_1pct, spot["name"]
            continue
        first_n = sum(block(first_grid, c) for c in centres)
        last_n = sum(block(last_grid, c) for c in centres)
        if spot["kind"] == "emerging":
            assert last_n > 1.2 * first_n, spot["name"]
        else:
            assert first_n > 1.2 * last_n, spot["name"]


def test_make_archive_patrol_places_are_top_violence_places(small_archive):
    truth = small_archive.truth
    patrol = truth["patrol"]
    frame = _clean_frame(small_archive)
    chosen = frame[
        frame["Crime type"].isin(truth["violence_types"])
        & frame["Month"].isin(patrol["selection_months"])
    ]
    size = truth["places"]["cell_size_m"]
    ids = (
        "E"
        + (np.floor(chosen["x"] / size) * size).astype(int).astype(str)
        + "N"
        + (np.floor(chosen["y"] / size) * size).astype(int).astype(str)
    )
    counts = ids.value_counts().rename("n").reset_index()
    counts.columns = ["place_id", "n"]
    counts = counts.sort_values(["n", "place_id"], ascending=[False, True])
    top = counts.head(truth["parameters"]["n_patrol"])
    assert patrol["selection_months"][-1] < patrol["treatment_start"]
    assert len(patrol["selection_months"]) == 12
    assert [p["place_id"] for p in patrol["places"]] == top["place_id"].tolist()
    assert [p["selection_count"] for p in patrol["places"]] == top["n"].tolist()
    comparison = [p["place_id"] for p in truth["comparison"]["places"]]
    assert comparison == counts["place_id"].iloc[18:118].tolist()


def test_make_archive_truth_holds_consistent_expected_counts(small_archive):
    truth = small_archive.truth
    months = truth["months"]
    t0 = months.index(truth["parameters"]["treatment_start"])
    effect = truth["parameters"]["effect"]
    ring_effect = truth["parameters"]["ring_effect"]
    for place in truth["patrol"]["places"]:
        cf = np.array(place["expected_counterfactual"])
        treated = np.array(place["expected_treated"])
        np.testing.assert_allclose(treated[:t0], cf[:t0], atol=1e-3)
        np.testing.assert_allclose(treated[t0:], cf[t0:] * (1 - effect), atol=1e-3)
        polygon = wkt.loads(place["wkt"])
        assert polygon.area == pytest.approx(150.0**2)
        assert polygon.centroid.x == pytest.approx(place["x"])
        assert place["place_id"] == f"E{polygon.bounds[0]:.0f}N{polygon.bounds[1]:.0f}"
        assert len(place["observed"]) == len(months)
    ring = truth["ring"]
    without = np.array(ring["expected_without_ring_effect"])
    with_ring = np.array(ring["expected_with_ring_effect"])
    np.testing.assert_allclose(
        with_ring[t0:], without[t0:] * (1 + ring_effect), rtol=1e-3
    )
    # observed post-period violence in the patrol places agrees with its expectation
    expected = sum(sum(p["expected_treated"][t0:]) for p in truth["patrol"]["places"])
    observed = sum(sum(p["observed"][t0:]) for p in truth["patrol"]["places"])
    assert abs(observed - expected) < 4 * np.sqrt(expected)
    assert truth["crs"] == "EPSG:27700"
    assert len(truth["comparison"]["places"]) == 100


def test_make_archive_truth_json_is_sorted_and_complete(small_archive):
    text = small_archive.truth_path.read_text(encoding="utf-8")
    assert text == json.dumps(small_archive.truth, indent=2, sort_keys=True) + "\n"
    assert load_truth(small_archive.root) == small_archive.truth
    assert load_truth(small_archive.truth_path) == small_archive.truth
    truth = small_archive.truth
    assert truth["parameters"]["scale"] == 0.25 and truth["seed"] == 7
    assert 8 <= truth["n_bad_rows"] == len(truth["bad_rows"]) <= 12
    assert not re.search(r"\d{4}-\d{2}-\d{2}T", text)  # no timestamps


@pytest.mark.parametrize("seed", [1, 2])
def test_make_archive_regression_to_the_mean_without_treatment(tmp_path, seed):
    archive = make_archive(tmp_path / "rtm", rng=seed, effect=0.0, **SMALL)
    truth = archive.truth
    t0 = truth["months"].index(truth["parameters"]["treatment_start"])
    places = truth["patrol"]["places"]
    before = sum(p["selection_count"] for p in places)
    after = sum(sum(p["observed"][t0 : t0 + 12]) for p in places)
    assert after < 0.92 * before
    # the mechanism: places were chosen in a year when their latent level was high
    chosen_year = sum(sum(p["expected_counterfactual"][t0 - 12 : t0]) for p in places)
    long_run = sum(sum(p["expected_long_run"][t0 - 12 : t0]) for p in places)
    assert chosen_year > long_run


def test_make_archive_naive_before_after_overstates_effect(small_archive):
    truth = small_archive.truth
    t0 = truth["months"].index(truth["parameters"]["treatment_start"])
    places = truth["patrol"]["places"]
    before = sum(p["selection_count"] for p in places)
    after = sum(sum(p["observed"][t0 : t0 + 12]) for p in places)
    assert 1 - after / before > truth["parameters"]["effect"] + 0.05


@pytest.mark.parametrize("use_zip", [False, True], ids=["folder", "zip"])
def test_read_policeuk_quarantines_exactly_the_planted_bad_rows(small_archive, use_zip):
    from hotspots.io import read_policeuk

    truth = small_archive.truth
    result = read_policeuk(small_archive.zip_path if use_zip else small_archive.root)
    frame = result.quarantine.frame
    assert result.rows_read == truth["n_rows"]
    assert result.rows_read == len(result.crimes) + len(frame)
    assert (frame["reason_code"] == "no_coordinates").sum() == truth["n_no_location"]
    bad = frame[frame["reason_code"] != "no_coordinates"]
    found = sorted(
        (re.sub(r"^.*?(\d{4}-\d{2}/)", r"\1", s), int(r), c)
        for s, r, c in zip(bad["source"], bad["row"], bad["reason_code"], strict=True)
    )
    planted = sorted((b["file"], b["row"], b["reason_code"]) for b in truth["bad_rows"])
    assert found == planted
    assert str(result.crimes.crs).upper() == "EPSG:27700"


def test_make_archive_zip_matches_folder(small_archive):
    with zipfile.ZipFile(small_archive.zip_path) as archive:
        names = archive.namelist()
        for file in small_archive.files:
            name = file.relative_to(small_archive.root).as_posix()
            assert archive.read(name) == file.read_bytes()
    assert "README-SYNTHETIC.txt" in names


def test_make_archive_replaces_an_earlier_archive(tmp_path):
    out = tmp_path / "demo"
    make_archive(out, rng=3, start="2022-12", end="2024-01", scale=0.05)
    archive = make_archive(out, rng=3, **TINY)
    months = sorted(p.name for p in out.iterdir() if p.is_dir())
    assert months == archive.truth["months"]


def test_make_archive_refuses_a_folder_that_is_not_an_archive(tmp_path):
    (tmp_path / "notes.txt").write_text("mine")
    with pytest.raises(FileExistsError, match="empty or new folder"):
        make_archive(tmp_path, rng=1, **TINY)


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        ({"treatment_start": "2023-06"}, "12 months before it"),
        ({"start": "2023-1"}, "'YYYY-MM' month"),
        ({"effect": 1.5}, "0 <= effect < 1"),
        ({"scale": 0}, "scale > 0"),
        ({"n_patrol": 0}, "positive integer"),
    ],
    ids=["short-pre-period", "bad-month", "effect", "scale", "n_patrol"],
)
def test_make_archive_rejects_bad_arguments(tmp_path, kwargs, message):
    arguments = {**TINY, **kwargs}
    with pytest.raises(ValueError, match=message):
        make_archive(tmp_path / "x", rng=1, **arguments)


def test_make_archive_rejects_bad_rng(tmp_path):
    with pytest.raises(TypeError, match="rng must be"):
        make_archive(tmp_path / "x", rng="seed", **TINY)


def test_load_truth_explains_a_missing_file(tmp_path):
    with pytest.raises(FileNotFoundError, match="make_archive"):
        load_truth(tmp_path)
    (tmp_path / "truth.json").write_text(json.dumps({"seed": 1}))
    with pytest.raises(ValueError, match="synthetic"):
        load_truth(tmp_path)


def test_make_archive_rows_parse_with_pandas(small_archive):
    data = small_archive.files[0].read_text(encoding="utf-8")
    frame = pd.read_csv(io.StringIO(data), dtype=str, keep_default_na=False)
    assert list(frame.columns) == list(POLICEUK_COLUMNS)
