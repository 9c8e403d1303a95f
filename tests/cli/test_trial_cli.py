"""``hotspots schedule`` and ``hotspots power``: planning a randomised trial."""

import json

import pandas as pd
import pytest
from click.testing import CliRunner

from hotspots.cli import main

START, END = "2025-01-06", "2025-02-02"  # 28 days, Monday to Sunday
POWER_COLUMNS = [
    "irr",
    "reduction",
    "power",
    "mcse",
    "mean_irr",
    "coverage",
    "median_se",
    "n_sims",
]


def write_places(tmp_path, counts=(40, 35, 30, 28, 20, 12), name="places.csv"):
    """A places table as `hotspots select` would give: place_id and n."""
    path = tmp_path / name
    ids = [f"P{i:02d}" for i in range(1, len(counts) + 1)]
    pd.DataFrame({"place_id": ids, "n": list(counts)}).to_csv(path, index=False)
    return path


def run_schedule(places, out, *extra):
    return CliRunner().invoke(
        main,
        [
            "--quiet",
            "schedule",
            str(places),
            "--start",
            START,
            "--end",
            END,
            "--out",
            str(out),
            *extra,
        ],
    )


def run_power(places, *extra):
    return CliRunner().invoke(
        main, ["--quiet", "power", str(places), "--sims", "50", *extra]
    )


@pytest.mark.parametrize("command", ["schedule", "power"])
def test_cli_trial_verbs_have_help(command):
    result = CliRunner().invoke(main, [command, "--help"])
    assert result.exit_code == 0
    assert "Usage:" in result.output and "PLACES" in result.output


def test_cli_schedule_writes_schedule_calendar_and_summary(tmp_path):
    out = tmp_path / "trial"
    result = run_schedule(
        write_places(tmp_path), out, "--design", "crossover", "--seed", "11"
    )
    assert result.exit_code == 0, result.output
    assert "Seed: 11." in result.output
    assert "Design: repeat crossover" in result.output
    assert "Patrolled slots per place: 14 to 14; per day: 3 to 3." in result.output
    for name in ("schedule.csv", "schedule.json", "schedule.ics"):
        assert f"{name}" in result.output
    table = pd.read_csv(out / "schedule.csv")
    assert len(table) == 6 * 28
    assert table.columns.tolist()[:5] == ["place_id", "date", "shift", "period", "arm"]
    assert json.loads((out / "schedule.json").read_text())["rules"]["seed"] == 11
    summary = pd.read_csv(out / "schedule_summary.csv")
    assert summary["place_id"].tolist() == [f"P{i:02d}" for i in range(1, 7)]
    assert summary["treated"].tolist() == [14] * 6
    assert not list(out.glob(".*.tmp"))


def test_cli_schedule_prints_a_drawn_seed_that_redraws_it(tmp_path):
    places = write_places(tmp_path)
    first = run_schedule(places, tmp_path / "a", "--design", "parallel")
    assert first.exit_code == 0, first.output
    seed = json.loads((tmp_path / "a" / "schedule.json").read_text())["rules"]["seed"]
    assert f"Seed: {seed} (drawn at random; --seed {seed}" in first.output
    again = run_schedule(
        places, tmp_path / "b", "--design", "parallel", "--seed", str(seed)
    )
    assert again.exit_code == 0, again.output
    assert (tmp_path / "a" / "schedule.csv").read_bytes() == (
        tmp_path / "b" / "schedule.csv"
    ).read_bytes()


def test_cli_schedule_same_seed_gives_identical_files(tmp_path):
    places = write_places(tmp_path)
    outs = {}
    for run, seed in (("a", "5"), ("b", "5"), ("c", "6")):
        outs[run] = tmp_path / run
        result = run_schedule(
            places, outs[run], "--design", "crossover", "--seed", seed
        )
        assert result.exit_code == 0, result.output

    def contents(out, name):
        lines = (out / name).read_text().splitlines()
        return [line for line in lines if not line.startswith("DTSTAMP")]  # write time

    for name in (
        "schedule.csv",
        "schedule.json",
        "schedule_summary.csv",
        "schedule.ics",
    ):
        assert contents(outs["a"], name) == contents(outs["b"], name), name
    assert contents(outs["a"], "schedule.csv") != contents(outs["c"], "schedule.csv")


def test_cli_schedule_calendar_has_one_event_per_patrol(tmp_path):
    icalendar = pytest.importorskip("icalendar")
    out = tmp_path / "trial"
    result = run_schedule(
        write_places(tmp_path),
        out,
        "--design",
        "crossover",
        "--unit",
        "shift",
        "--shift",
        "evening=18:00-02:00",
        "--shift",
        "day=10:00-16:00",
        "--seed",
        "3",
    )
    assert result.exit_code == 0, result.output
    table = pd.read_csv(out / "schedule.csv")
    assert len(table) == 6 * 28 * 2
    treated = table[table["arm"] == "treatment"]
    calendar = icalendar.Calendar.from_ical((out / "schedule.ics").read_bytes())
    events = list(calendar.walk("VEVENT"))
    assert len(events) == len(treated) == 6 * 28
    starts = sorted(str(e.decoded("DTSTART").isoformat()) for e in events)
    assert starts == sorted(
        pd.to_datetime(treated["start"]).map(pd.Timestamp.isoformat)
    )


@pytest.mark.parametrize("suffix", [".geojson", ".parquet"])
def test_cli_schedule_reads_places_written_by_select(tmp_path, places, suffix):
    icalendar = pytest.importorskip("icalendar")
    path = tmp_path / f"patrol_places{suffix}"
    if suffix == ".geojson":
        places.to_crs(4326).to_file(path, driver="GeoJSON")
    else:
        places.to_parquet(path)
    out = tmp_path / "trial"
    result = run_schedule(
        path,
        out,
        "--design",
        "parallel",
        "--share",
        "0.34",
        "--shift",
        "late=20:00-02:00",
        "--seed",
        "2",
    )
    assert result.exit_code == 0, result.output
    assert "(1 of 3 places patrolled)" in result.output
    table = pd.read_csv(out / "schedule.csv")
    assert set(table["place_id"]) == set(places["place_id"])
    events = icalendar.Calendar.from_ical((out / "schedule.ics").read_bytes()).walk(
        "VEVENT"
    )
    assert len(events) == 28 and all("GEO" in e for e in events)


def test_cli_schedule_impossible_request_is_a_clear_error(tmp_path):
    out = tmp_path / "trial"
    result = run_schedule(
        write_places(tmp_path, counts=(9, 8, 7, 6, 5)),
        out,
        "--design",
        "parallel",
        "--blocking",
        "pairs",
    )
    assert result.exit_code == 2
    assert "Error: blocking='pairs' needs an even number of places" in result.output
    assert "Traceback" not in result.output
    assert isinstance(result.exception, SystemExit)
    assert not (out / "schedule.csv").exists()


@pytest.mark.parametrize(
    ("extra", "match"),
    [
        (["--blocking", "several"], "give none, pairs or a number of blocks"),
        (["--shift", "evening 18:00"], "give NAME=HH:MM-HH:MM"),
        (["--shift", "evening=18:00-2am"], "times must be 'HH:MM'"),
        (["--start", "2025-02-03"], "end (2025-02-02) is before start"),
        (["--blocking", "2"], "--blocking: for --design parallel only"),
    ],
    ids=[
        "blocking-word",
        "shift-no-equals",
        "shift-bad-time",
        "end-before-start",
        "blocking-crossover",
    ],
)
def test_cli_schedule_bad_options_are_clear_errors(tmp_path, extra, match):
    result = run_schedule(
        write_places(tmp_path), tmp_path / "trial", "--design", "crossover", *extra
    )
    assert result.exit_code == 2
    assert match in result.output
    assert "Traceback" not in result.output


def test_cli_power_at_given_effects_prints_power_and_writes_table(tmp_path):
    out = tmp_path / "power"
    result = run_power(
        write_places(tmp_path),
        "--design",
        "crossover",
        "--length",
        "28",
        "--effect",
        "0.5",
        "--seed",
        "4",
        "--out",
        str(out),
    )
    assert result.exit_code == 0, result.output
    assert "Power of repeat crossover over 28 days" in result.output
    assert "for a 50% fall." in result.output
    assert "Caveat: The planted effect is the same" in result.output
    table = pd.read_csv(out / "power.csv")
    assert table.columns.tolist() == POWER_COLUMNS
    assert table["irr"].tolist() == [0.5] and table["n_sims"].tolist() == [50]
    record = json.loads((out / "power.json").read_text())
    assert record["seed"] == 4 and record["n_sims"] == 50
    assert record["plan"]["design"] == "crossover" and record["plan"]["length"] == 28
    assert record["mde"] is None
    assert record["sentence"] in result.output
    assert record["caveats"] and all(
        f"Caveat: {c}" in result.output for c in record["caveats"]
    )


def test_cli_power_without_effect_finds_the_minimum_detectable_effect(tmp_path):
    out = tmp_path / "power"
    result = run_power(
        write_places(tmp_path, counts=(900, 800, 700, 650, 600, 500)),
        "--design",
        "before_after",
        "--length",
        "12",
        "--before",
        "12",
        "--months-selected",
        "6",
        "--out",
        str(out),
    )
    assert result.exit_code == 0, result.output
    assert "would detect a fall of" in result.output
    assert "per place per month" in result.output
    record = json.loads((out / "power.json").read_text())
    assert 0 < record["mde"] < 1
    assert record["mde_reduction"] == pytest.approx(1 - record["mde"])
    assert record["seed"] == 20240601
    assert record["base_rate_per"] == "month"
    assert record["base_rate"] == pytest.approx(4150 / 6 / 6)  # n over 6 months
    assert len(pd.read_csv(out / "power.csv")) >= 2  # no effect, then the search


@pytest.mark.parametrize(
    ("extra", "match"),
    [
        (
            ["--design", "stepped_wedge", "--length", "28"],
            "Invalid value for '--design'",
        ),
        (["--design", "before_after", "--length", "12"], "needs months before"),
        (
            ["--design", "crossover", "--length", "28", "--blocking", "pairs"],
            "blocking applies to parallel",
        ),
        (
            ["--design", "crossover", "--length", "28", "--effect", "-1"],
            "effects must be positive",
        ),
    ],
    ids=["unknown-design", "no-before-period", "blocking-crossover", "negative-effect"],
)
def test_cli_power_bad_plans_are_clear_errors(tmp_path, extra, match):
    result = run_power(write_places(tmp_path), *extra)
    assert result.exit_code == 2
    assert match in result.output
    assert "Traceback" not in result.output


def test_cli_power_needs_crime_counts(tmp_path):
    path = tmp_path / "ids.txt"
    path.write_text("place_id\nA\nB\nC\n")
    result = run_power(path, "--design", "crossover", "--length", "28")
    assert result.exit_code == 2
    assert "no 'n' column" in result.output


def test_cli_schedule_rejects_crossover_options_in_a_parallel_design(tmp_path):
    result = run_schedule(
        write_places(tmp_path),
        tmp_path / "trial",
        "--design",
        "parallel",
        "--washout-days",
        "1",
        "--unit",
        "shift",
    )
    assert result.exit_code == 2
    assert "--unit shift, --washout-days: for --design crossover only" in result.output
    assert not (tmp_path / "trial").exists()


def test_cli_schedule_passes_crossover_options_to_the_rules(tmp_path):
    out = tmp_path / "trial"
    result = run_schedule(
        write_places(tmp_path),
        out,
        "--design",
        "crossover",
        "--share",
        "0.25",
        "--period-days",
        "7",
        "--washout-days",
        "2",
        "--no-weekday-balance",
        "--seed",
        "9",
    )
    assert result.exit_code == 0, result.output
    assert "runs of 7 days" in result.output and "2-day washout" in result.output
    rules = json.loads((out / "schedule.json").read_text())["rules"]
    assert rules["share_fraction"] == "1/4" and rules["period_days"] == 7
    assert rules["washout_days"] == 2 and rules["balance_requested"] is None
    summary = pd.read_csv(out / "schedule_summary.csv")
    assert summary["treated"].tolist() == [7] * 6  # one week of four at each place
