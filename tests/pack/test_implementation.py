"""The pack's tracked patrol, under I · Implementation (SYNTHETIC pings).

SYNTHETIC location pings of one patrol unit at nine of the SYNTHETIC patrol
places, October and November 2024 (inside the evaluated months, so the pack
also relates crime to patrol hours), with three bad rows and the unit column
renamed. One place id is a script payload with a mathtext formula, another a
spreadsheet formula.
"""

from __future__ import annotations

import html
import re
from types import SimpleNamespace

import numpy as np
import pandas as pd
import pytest

from hotspots.evaluation import panel
from hotspots.exceptions import HotspotsWarning
from hotspots.pack import PackRecipe, build_pack, rebuild_pack, sha256_file
from hotspots.pack._implementation import (
    PackPatrols,
    evaluation_dosage,
    pings_synthetic,
)
from hotspots.pack._implementation_page import _dose, _ratio
from hotspots.tracking import PatrolPlan, compliance, dosage, dose_response, read_pings

PAYLOAD = "<script>document.body.dataset.xss=6</script> $\\notmath$"
FORMULA = '=HYPERLINK("http://x.invalid","y")'
PLAN = {"min_visit_minutes": 10.0, "target_hours": 2.0}
COLUMNS = {"unit": "ISSI"}
BAD_ROWS = (
    "SYN-U01,not a time,-1.13,52.63,2,True",
    ",2024-10-02T19:00:00+01:00,-1.13,52.63,2,True",
    "SYN-U01,2024-10-02T19:00:00+01:00,0,0,2,True",
)
BASE = {
    "crimes": "crimes.parquet",
    "places": "places.geojson",
    "treatment_start": "2024-01",
    "title": "Hot spot patrols",
    "area": "Leicestershire",
}


@pytest.fixture(scope="module")
def inputs(synthetic_violence, tmp_path_factory):
    """Crimes, places (two with payload ids) and a ping export with bad rows."""
    from hotspots.synthetic import patrol_places, simulate_pings

    truth, violence = synthetic_violence
    folder = tmp_path_factory.mktemp("patrol-inputs")
    violence.to_parquet(folder / "crimes.parquet")
    places = patrol_places(truth)
    places.loc[places.index[:2], "place_id"] = [PAYLOAD, FORMULA]
    places.to_file(folder / "places.geojson", driver="GeoJSON")
    tracked = places.iloc[:9]  # the patrol places touch: keep the visits inside
    sim = simulate_pings(
        tracked.assign(geometry=tracked.geometry.buffer(-12)),
        start="2024-10-01",
        end="2024-11-30",
        units=1,
        visit_minutes=(6.0, 22.0),
        ping_seconds=60,
        background=False,
        seed=7,
    )
    path = folder / "pings.csv"
    sim.frame.rename(columns={"unit": "ISSI"}).to_csv(path, index=False)
    with path.open("a", encoding="utf-8") as handle:
        handle.write("\n".join(BAD_ROWS) + "\n")
    return {
        "folder": folder,
        "crimes": str(folder / "crimes.parquet"),
        "places": str(folder / "places.geojson"),
        "pings": str(path),
        "violence": violence,
        "place_frame": places,
    }


@pytest.fixture(scope="module")
def plain_recipe(inputs):
    return PackRecipe(
        crimes=inputs["crimes"],
        places=inputs["places"],
        treatment_start="2024-01",
        title="Hot spot patrols, tracked",
        area="Leicestershire",
        permutations=49,
    )


@pytest.fixture(scope="module")
def recipe(plain_recipe, inputs):
    return PackRecipe(
        **plain_recipe.to_dict(),
        patrol_pings=inputs["pings"],
        patrol_columns=COLUMNS,
        patrol_plan=PLAN,
    )


@pytest.fixture(scope="module")
def pack(recipe, inputs):
    return build_pack(
        inputs["folder"] / "patrol-pack",
        recipe,
        zip_archive=False,
        interactive_map=False,
    )


@pytest.fixture(scope="module")
def plain(plain_recipe, inputs):
    return build_pack(
        inputs["folder"] / "plain-pack",
        plain_recipe,
        zip_archive=False,
        interactive_map=False,
    )


@pytest.fixture(scope="module")
def page(pack):
    return pack.index.read_text(encoding="utf-8")


@pytest.fixture(scope="module")
def direct(inputs):
    """The pings read, measured and checked by the test itself."""
    with pytest.warns(HotspotsWarning, match="set aside 3 of"):
        pings = read_pings(inputs["pings"], columns=COLUMNS)
    places = inputs["place_frame"]
    measured = dosage(pings, places.assign(place_id=places["place_id"].astype(str)))
    return pings, measured, compliance(measured, PatrolPlan(**PLAN))


def _text(fragment: str) -> str:
    """Text as a reader sees it: tags dropped, entities decoded, spaces plain."""
    plain = html.unescape(re.sub(r"<[^>]+>", " ", fragment))
    return " ".join(plain.replace("\u00a0", " ").split())


def _section(page: str) -> str:
    found = re.search(r'<h3 id="patrols-h">.*?</section>', page, flags=re.S)
    assert found, "no tracked patrol under Implementation"
    return found.group(0)


def _read(path):
    return pd.read_csv(path, dtype={"place_id": str}, keep_default_na=False)


@pytest.mark.slow
def test_pack_patrols_show_compliance_words_and_set_aside_rows(page, direct):
    pings, measured, checked = direct
    section = _text(_section(page))
    for sentence in checked.words:
        assert sentence in section
    assert "SYNTHETIC DATA: the patrol below is measured from simulated" in section
    assert f"3 of the export's {pings.rows_read:,} rows" in section
    for code in ("bad_time", "no_unit", "placeholder_coordinates"):
        assert code in section
    assert "buffer round each place (GPS error) 10 m (default)" in section
    assert "column map unit: ISSI" in section
    assert "Pings are where radios or cameras were, not what officers did" in section
    assert "Koper (1995)" in section
    hours = checked.overall["patrol_hours"]
    steps = re.search(r'<table class="steps">.*?</table>', page, flags=re.S)
    assert steps and 'href="#patrols-h"' in steps.group(0)
    assert f"{hours:,.1f} patrol hours at the 18 places" in _text(steps.group(0))
    assert measured.rules["start"] == "2024-10-01"


@pytest.mark.slow
def test_pack_patrols_numbers_equal_dosage_and_compliance_run_directly(
    pack, page, direct
):
    _, measured, checked = direct
    data = pack.root / "data"
    table = _read(data / "patrol_dosage.csv")
    assert list(table.columns) == list(measured.table.columns)
    assert len(table) == len(measured.table) == 18 * 62
    for column in ("patrol_minutes", "person_minutes", "visits", "units", "pings"):
        assert np.allclose(table[column], measured.table[column], rtol=1e-9), column
    places = _read(data / "patrol_places.csv")
    assert places["patrol_hours"].to_numpy() == pytest.approx(
        checked.places["patrol_hours"].to_numpy(), rel=1e-9
    )
    assert (
        places["days_compliant"].tolist() == checked.places["days_compliant"].tolist()
    )
    weeks = _read(data / "patrol_compliance.csv")
    assert weeks["share_compliant"].to_numpy() == pytest.approx(
        checked.table["share_compliant"].to_numpy(), rel=1e-9, nan_ok=True
    )
    lengths = _read(data / "patrol_visit_lengths.csv")
    assert "unit" not in lengths.columns and "start" not in lengths.columns
    assert lengths["minutes"].sum() == pytest.approx(measured.visits["minutes"].sum())
    # one plain place's row of the page's table, as the tables are written
    row = checked.places.iloc[4]
    expected = (
        rf"<td>{row['place_id']}</td>\s*<td>{row['patrol_hours']:,.1f}</td>\s*"
        rf"<td>{row['person_hours']:,.1f}</td>\s*<td>{row['visits']:,.0f}</td>\s*"
        rf"<td>{row['qualifying_visits']:,.0f}</td>\s*<td>{row['days_compliant']:,.0f}"
        rf" of {row['days']:,.0f} \({row['share_compliant']:.0%}\)</td>\s*"
        rf"<td>{row['hours_share']:.0%}</td>"
    )
    assert re.search(expected, _section(page)), expected


@pytest.mark.slow
def test_pack_patrols_dose_response_is_the_evaluation_of_the_tracked_months(
    pack, page, inputs, direct
):
    _, measured, _ = direct
    places = inputs["place_frame"].assign(place_id=lambda f: f["place_id"].astype(str))
    months = pd.date_range("2022-01-01", "2024-12-01", freq="MS")
    counts = panel(inputs["violence"], places, months=months)
    expected = dose_response(counts[["place_id", "month", "count"]], measured)
    saved = pd.read_csv(pack.root / "data" / "patrol_dose_response.csv")
    assert saved.loc[0, "estimate"] == pytest.approx(expected.estimate, rel=1e-6)
    assert expected.rules["months"] == ["2024-10", "2024-11"]
    section = _text(_section(page))
    assert f"{_ratio(expected.estimate)} (95% CI {_ratio(expected.ci_low)}" in section
    assert expected.caveats[0] in section  # patrol hours were not randomised
    assert "Patrol tracking (implementation)" in (pack.root / "methods.md").read_text()


@pytest.mark.slow
def test_pack_patrols_escape_place_ids_everywhere(pack, page):
    section = _section(page)
    assert PAYLOAD not in page
    assert "<script" not in page  # the static page runs no script at all
    assert html.escape(PAYLOAD, quote=False) in section  # in the table
    # the heat map's label: SVG text, escaped, and drawn as written (no mathtext)
    svg = re.search(r"<svg.*?</svg>", section, flags=re.S)
    assert svg and "&lt;script&gt;" in svg.group(0)
    assert "$\\notmath$" in html.unescape(svg.group(0))
    for name in ("patrol_dosage.csv", "patrol_places.csv", "patrol_compliance.csv"):
        text = (pack.root / "data" / name).read_text(encoding="utf-8")
        assert f"'{FORMULA}".replace('"', '""') in text, name


@pytest.mark.slow
def test_pack_patrols_run_no_payload_in_a_browser(page, tmp_path):
    from tests.maps._browser import dump_dom, probe_result, with_probe

    probe = """
    var pre = document.createElement("pre"); pre.id = "hotspots-probe";
    pre.textContent = JSON.stringify({xss: document.body.dataset.xss || null,
      figures: document.querySelectorAll("#implementation svg").length});
    document.body.appendChild(pre);
    """
    path = tmp_path / "index.html"
    path.write_text(with_probe(page, probe), encoding="utf-8")
    report = probe_result(dump_dom(path, budget_ms=8000)[0])
    assert report == {"xss": None, "figures": 2}


@pytest.mark.slow
def test_pack_patrols_record_the_pings_with_their_checksum(pack, page, inputs):
    records = {r["role"]: r for r in pack.manifest["inputs"]}
    assert records["patrol_pings"]["path"] == inputs["pings"]
    assert records["patrol_pings"]["sha256"] == sha256_file(inputs["pings"])
    assert "<td>pings.csv</td>" in page
    saved = pack.manifest["recipe"]
    assert saved["patrol_columns"] == COLUMNS and saved["patrol_plan"] == PLAN
    assert "patrol_by" not in saved  # left at its default


@pytest.mark.slow
def test_pack_without_pings_has_no_patrol_section(plain, pack):
    page = plain.index.read_text(encoding="utf-8")
    assert 'id="patrols-h"' not in page and "location pings" not in page
    assert not [k for k in plain.manifest["recipe"] if k.startswith("patrol")]
    names = {o["path"] for o in plain.manifest["outputs"]}
    assert not [n for n in names if "patrol_" in n]
    assert "Patrol tracking" not in (plain.root / "methods.md").read_text()
    # the pings add files and a section; they change no other data file
    for entry in pack.manifest["outputs"]:
        path = entry["path"]
        if path.startswith("data/") and "patrol_" not in path:
            assert sha256_file(plain.root / path) == entry["sha256"], path


@pytest.mark.slow
def test_pack_patrols_rebuild_is_byte_identical(pack, tmp_path):
    # no warning about the rows set aside (pytest makes it an error): they are on
    # the page instead
    rebuilt = rebuild_pack(pack.root / "manifest.json", tmp_path / "again")
    assert rebuilt.identical, str(rebuilt)
    assert {"data/patrol_dosage.csv", "index.html"} <= set(rebuilt.compared["path"])


def test_pack_patrol_fields_need_the_pings():
    with pytest.raises(ValueError, match="patrol_plan given without patrol_pings"):
        PackRecipe(**BASE, patrol_plan=PLAN)


@pytest.mark.parametrize(
    ("fields", "match"),
    [
        ({"patrol_plan": {"visits": 2}}, "dict of PatrolPlan fields"),
        ({"patrol_plan": {"min_visit_minutes": -1}}, "min_visit_minutes must be"),
        ({"patrol_columns": {"radio": "ISSI"}}, "patrol_columns must map fields"),
        ({"patrol_by": "shift"}, "needs patrol_shifts"),
        ({"patrol_shifts": {"late": ["18:00", "02:00"]}}, "needs patrol_by='shift'"),
        ({"patrol_buffer": -5}, "patrol_buffer must be a number >= 0 m"),
        ({"patrol_max_gap": 0}, "patrol_max_gap must be a number > 0 s"),
        ({"patrol_pings": " "}, "patrol_pings must be a path"),
    ],
    ids=[
        "plan-field",
        "plan-value",
        "columns",
        "shift-without-shifts",
        "shifts-by-day",
        "buffer",
        "max-gap",
        "blank-path",
    ],
)
def test_pack_patrol_fields_are_checked_when_the_recipe_is_made(fields, match):
    with pytest.raises(ValueError, match=match):
        PackRecipe(**{**BASE, "patrol_pings": "pings.csv", **fields})


def test_pack_patrol_fields_survive_the_manifest():
    recipe = PackRecipe(
        **BASE,
        patrol_pings="pings.csv.gz",
        patrol_plan={"window": ["19:00", "03:00"], "days": ["Fri", "Sat"]},
        patrol_by="shift",
        patrol_shifts={"late": ["18:00", "02:00"]},
        patrol_buffer=5.0,
    )
    values = recipe.to_dict()
    assert values["patrol_buffer"] == 5.0 and "patrol_max_gap" not in values
    assert PackRecipe.from_dict(values) == recipe
    assert not [k for k in PackRecipe(**BASE).to_dict() if k.startswith("patrol")]
    assert recipe.input_paths()["patrol_pings"].name == "pings.csv.gz"


def test_pings_synthetic_reads_the_synthetic_column(tmp_path):
    marked = tmp_path / "marked.csv"
    marked.write_text("unit,time,synthetic\nA,2024-10-01T19:00:00Z,True\n")
    unmarked = tmp_path / "unmarked.csv"
    unmarked.write_text("unit,time\nA,2024-10-01T19:00:00Z\n")
    binary = tmp_path / "binary.csv"
    binary.write_bytes(b"\x00\x01\x02")
    assert pings_synthetic(marked)
    assert not pings_synthetic(unmarked)
    assert not pings_synthetic(binary)
    assert not pings_synthetic(tmp_path / "missing.csv")


def test_evaluation_dosage_only_when_a_whole_tracked_month_was_evaluated():
    import geopandas as gpd
    from shapely.geometry import box

    places = gpd.GeoDataFrame(
        {"place_id": ["A"]}, geometry=[box(458000, 302000, 458100, 302100)], crs=27700
    )
    pings = pd.DataFrame(
        {
            "unit": ["U1", "U1"],
            "time": pd.to_datetime(["2024-10-10 19:00", "2024-10-10 19:01"], utc=True),
            "x": [458050.0, 458055.0],
            "y": [302050.0, 302055.0],
        }
    )
    measured = dosage(pings, places, start="2024-10-01", end="2024-11-30")
    patrols = PackPatrols(
        dosage=measured,
        compliance=compliance(measured, PatrolPlan()),
        plan=PatrolPlan(),
        rows_read=2,
        rows_kept=2,
        set_aside=pd.DataFrame(columns=["reason_code", "reason", "n"]),
        pings_rules={},
        synthetic=False,
    )
    evaluated = pd.Series(pd.date_range("2023-01-01", "2024-10-01", freq="MS"))
    assert evaluation_dosage(patrols, evaluated) is measured
    earlier = pd.Series(pd.date_range("2023-01-01", "2024-09-01", freq="MS"))
    assert evaluation_dosage(patrols, earlier) is None
    assert evaluation_dosage(None, evaluated) is None
    # the page then says why there is no dose-response
    evaluation = SimpleNamespace(
        dose_response=None, settings={"months": ("2023-01", "2024-09")}
    )
    shown = _dose(evaluation, patrols)
    assert shown["caveats"] == []
    assert shown["sentence"] == (
        "No dose-response: the pings cover 2024-10-01 to 2024-11-30, and no whole "
        "calendar month of that is among the evaluated months (2023-01 to 2024-09)."
    )


@pytest.mark.slow
def test_cli_pack_with_pings_and_a_plan_shows_the_same_patrols(pack, inputs, tmp_path):
    import json

    from click.testing import CliRunner

    from hotspots.cli import main

    pings = tmp_path / "pings.csv"  # the CLI takes the export's own column names
    frame = pd.read_csv(inputs["pings"], dtype=str, keep_default_na=False)
    frame.rename(columns={"ISSI": "unit"}).to_csv(pings, index=False)
    out = tmp_path / "cli-pack"
    args = [
        "--quiet",
        "pack",
        inputs["crimes"],
        "--places",
        inputs["places"],
        "--treatment-start",
        "2024-01",
        "--title",
        "Hot spot patrols, tracked",
        "--area",
        "Leicestershire",
        "--permutations",
        "49",
        "--pings",
        str(pings),
        "--patrol-plan",
        json.dumps(PLAN),
        "--no-map",
        "--no-zip",
        "--out",
        str(out),
    ]
    result = CliRunner().invoke(main, args)
    assert result.exit_code == 0, result.output
    ours = _read(out / "data" / "patrol_places.csv")
    pd.testing.assert_frame_equal(ours, _read(pack.root / "data" / "patrol_places.csv"))
    broken = [*args[:-1], str(tmp_path / "y")]
    broken[broken.index("--patrol-plan") + 1] = "{not json"
    failed = CliRunner().invoke(main, broken)
    assert failed.exit_code == 2 and "not valid JSON" in failed.output
