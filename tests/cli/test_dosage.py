"""``hotspots dosage``: patrol at hot spots from a location export (SYNTHETIC pings).

Three 100 m hot spots in central Leicester, one named with a spreadsheet formula
and a mathtext formula; SYNTHETIC pings of two units on three evenings across
the October 2024 clock change, with two bad rows added.
"""

from __future__ import annotations

import json

import geopandas as gpd
import pandas as pd
import pytest
from click.testing import CliRunner
from shapely.geometry import box

from hotspots.cli import main
from hotspots.exceptions import HotspotsWarning
from hotspots.synthetic import simulate_pings
from hotspots.tracking import PatrolPlan, compliance, dosage, read_pings

HOSTILE = "=1+2 $\\badmath$"
IDS = ["A", "B", HOSTILE]
BAD_ROWS = (
    "SYN-U01,not a time,-1.13,52.63,2,True",
    ",2024-10-26T19:00:00+01:00,-1.13,52.63,2,True",
)
TABLES = ("dosage.csv", "visits.csv", "compliance.csv", "compliance_places.csv")
CHARTS = ("compliance.png", "visit_lengths.png")


@pytest.fixture(scope="module")
def export(tmp_path_factory):
    folder = tmp_path_factory.mktemp("dosage-cli")
    corners = [(458_000, 302_000), (458_600, 302_000), (458_000, 302_600)]
    places = gpd.GeoDataFrame(
        {"place_id": IDS},
        geometry=[box(x, y, x + 100, y + 100) for x, y in corners],
        crs=27700,
    )
    places.to_file(folder / "places.geojson", driver="GeoJSON")
    sim = simulate_pings(
        places,
        start="2024-10-25",
        end="2024-10-27",
        units=2,
        visit_minutes=(8.0, 20.0),
        seed=4,
    )
    clean = sim.write_csv(folder / "clean.csv")
    dirty = folder / "pings.csv"
    dirty.write_text(
        clean.read_text(encoding="utf-8") + "\n".join(BAD_ROWS) + "\n",
        encoding="utf-8",
    )
    return {"folder": folder, "places": places, "clean": clean, "dirty": dirty}


def run(export, pings, out, *extra):
    return CliRunner().invoke(
        main,
        [
            "--quiet",
            "dosage",
            str(pings),
            "--places",
            str(export["folder"] / "places.geojson"),
            "--out",
            str(out),
            *extra,
        ],
    )


@pytest.fixture(scope="module")
def done(export):
    out = export["folder"] / "out"
    with pytest.warns(HotspotsWarning, match="set aside 2 of"):
        result = run(export, export["dirty"], out, "--target-hours", "1.5")
    assert result.exit_code == 0, result.output
    return result, out


@pytest.fixture(scope="module")
def direct(export):
    with pytest.warns(HotspotsWarning, match="set aside 2 of"):
        pings = read_pings(export["dirty"])
    measured = dosage(pings, export["places"])
    return pings, measured, compliance(measured, PatrolPlan(target_hours=1.5))


def test_cli_dosage_has_help():
    result = CliRunner().invoke(main, ["dosage", "--help"])
    assert result.exit_code == 0
    for text in ("PINGS", "--places", "--plan-window", "--target-hours", "--shifts"):
        assert text in result.output


def test_cli_dosage_prints_rows_hours_and_compliance(done, direct):
    result, _ = done
    pings, _, checked = direct
    lines = result.output
    assert "SYNTHETIC DATA: the pings are simulated, not real patrols." in lines
    assert (
        f"Rows: {pings.rows_read:,} read, {pings.rows_kept:,} kept, 2 set aside "
        "(bad_time 1, no_unit 1; each row in quarantine.csv)." in lines
    )
    hours = checked.overall["patrol_hours"]
    assert f"Hours delivered: {hours:,.1f} hours with at least one unit" in lines
    assert "at 3 hot spots, 2024-10-25 to 2024-10-28." in lines
    assert f"Compliance with the plan ({checked.plan.describe()}):" in lines
    for sentence in checked.words:
        assert f"- {sentence}" in lines
    for name in (*TABLES, "quarantine.csv", *CHARTS, "dosage.json"):
        assert name in lines


def test_cli_dosage_writes_what_dosage_and_compliance_compute(done, direct):
    _, out = done
    pings, measured, checked = direct
    table = pd.read_csv(out / "dosage.csv", dtype={"place_id": str})
    assert list(table.columns) == list(measured.table.columns)
    assert table["patrol_minutes"].tolist() == pytest.approx(
        measured.table["patrol_minutes"].tolist()
    )
    visits = pd.read_csv(out / "visits.csv")
    assert len(visits) == len(measured.visits)
    weeks = pd.read_csv(out / "compliance.csv")
    assert weeks["days_compliant"].tolist() == checked.table["days_compliant"].tolist()
    quarantine = pd.read_csv(out / "quarantine.csv")
    assert quarantine["reason_code"].tolist() == ["bad_time", "no_unit"]
    for name in CHARTS:
        assert (out / name).read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    record = json.loads((out / "dosage.json").read_text(encoding="utf-8"))
    assert record["synthetic"] is True
    assert record["pings"]["rows_read"] == pings.rows_read
    assert record["pings"]["set_aside_by_reason"] == {"bad_time": 1, "no_unit": 1}
    assert record["dosage"]["buffer"] == 10.0 and record["dosage"]["max_gap"] == 300.0
    assert record["plan"]["target_hours"] == 1.5
    assert record["words"] == list(checked.words)
    assert record["compliance"]["rules"]["timezone"] == "Europe/London"


def test_cli_dosage_defuses_formulas_in_place_ids(done):
    _, out = done
    for name in ("dosage.csv", "compliance_places.csv"):
        text = (out / name).read_text(encoding="utf-8")
        assert f"'{HOSTILE}" in text and f",{HOSTILE}" not in text, name


def test_cli_dosage_without_set_aside_rows_writes_no_quarantine(export):
    clean = export["folder"] / "clean-out"
    clean.mkdir()
    (clean / "quarantine.csv").write_text("left from an earlier run\n")
    result = run(export, export["clean"], clean)
    assert result.exit_code == 0, result.output
    assert ", 0 set aside." in result.output
    assert not (clean / "quarantine.csv").exists()
    assert "Wrote quarantine" not in result.output


def test_cli_dosage_by_shift_and_plan_options(export):
    out = export["folder"] / "shift-out"
    result = run(
        export,
        export["clean"],
        out,
        "--by",
        "shift",
        "--shifts",
        '{"late": ["18:00", "02:00"]}',
        "--plan-minutes",
        "10",
        "--plan-window",
        "all",
        "--plan-days",
        "Fri,Sat",
        "--from",
        "2024-10-25",
        "--to",
        "2024-10-27",
    )
    assert result.exit_code == 0, result.output
    table = pd.read_csv(out / "dosage.csv")
    assert table["shift"].unique().tolist() == ["late"]
    assert table["date"].min() == "2024-10-25" and table["date"].max() == "2024-10-27"
    assert "1 visit of at least 10 minutes, on Fri, Sat" in result.output


@pytest.mark.parametrize(
    ("extra", "message"),
    [
        (["--by", "shift"], "by='shift' needs shifts"),
        (["--shifts", "{late"], "Invalid value for '--shifts'"),
        (["--plan-window", "18:00"], "window must be a pair"),
        (["--plan-days", "Funday"], "days must be weekday names"),
        (["--buffer", "-1"], "buffer must be a number of metres >= 0"),
    ],
    ids=["shift-without-shifts", "bad-json", "bad-window", "bad-day", "bad-buffer"],
)
def test_cli_dosage_errors_say_what_to_do(export, tmp_path, extra, message):
    result = run(export, export["clean"], tmp_path / "out", *extra)
    assert result.exit_code == 2
    assert message in result.output
