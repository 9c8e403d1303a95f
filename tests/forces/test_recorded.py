"""read_recorded_crime, the serious-violence groups and the shipped table."""

from __future__ import annotations

import hashlib
import importlib.util
import re
from pathlib import Path

import pandas as pd
import pytest
from pandas.testing import assert_frame_equal

from hotspots.exceptions import HotspotsWarning, SchemaError
from hotspots.forces import (
    SERIOUS_VIOLENCE_GROUPS,
    load_recorded_crime,
    read_recorded_crime,
    serious_violence,
)
from hotspots.forces._groups import COUNT_COLUMNS, RECORDED_CRIME_FILE
from hotspots.forces._population import POPULATION_FILE
from hotspots.forces._recorded import RECORDED_COLUMNS
from hotspots.io import DEFINITIONS, resolve_force

ROOT = Path(__file__).resolve().parents[2]
SOURCE = "prc_force_offence_quarter_2017_18.csv.gz"
# The published column names (Home Office open data tables, police force area).
PUBLISHED = [
    "Financial Year",
    "Financial Quarter",
    "Force Name",
    "Offence Description",
    "Offence Group",
    "Offence Subgroup",
    "Offence Code",
    "Number of Offences",
]
SNAKE = {
    "Financial Year": "financial_year",
    "Financial Quarter": "quarter",
    "Force Name": "force",
    "Offence Description": "offence_description",
    "Offence Group": "offence_group",
    "Offence Subgroup": "offence_subgroup",
    "Offence Code": "offence_code",
    "Number of Offences": "count",
}
VAP = "Violence against the person"
VWI = "Violence with injury"
ROB = "Robbery"
POW = "Possession of weapons offences"
FY = "2017/18"
ROWS = [
    (FY, 1, "Leicestershire", "Homicide", VAP, "Homicide", "1/4.1/4.10/4.2", 5),
    (FY, 1, "Leicestershire", "Assault with injury", VAP, VWI, "8N", 1800),
    (FY, 1, "Leicestershire", "Robbery of personal property", ROB,
     "Robbery of personal property", "34B", 200),
    (FY, 1, "Leicestershire", "Possession of article with blade or point", POW, POW,
     "10D", 60),
    (FY, 1, "Leicestershire", "Common assault", VAP, "Violence without injury", "105A",
     2000),
    (FY, 1, "Leicestershire", "Shoplifting", "Theft offences", "Shoplifting", "46",
     1500),
    (FY, 2, "London, City of", "Assault with injury", VAP, VWI, "8N", 90),
    (FY, 2, "Metropolitan Police", "Robbery of business property", ROB,
     "Robbery of business property", "34A", -2),
    (FY, 2, "British Transport Police", "Assault with injury", VAP, VWI, "8N", 300),
    (FY, 2, "Action Fraud", "Fraud offences recorded by Action Fraud",
     "Fraud offences", "Fraud: action fraud", "AF", 67696),
    (FY, 2, "Atlantis", "Assault with injury", VAP, VWI, "8N", 7),
]  # fmt: skip


def _published() -> pd.DataFrame:
    return pd.DataFrame(ROWS, columns=PUBLISHED)


def _read(path: Path, **kwargs) -> pd.DataFrame:
    with pytest.warns(HotspotsWarning, match="set aside"):
        return read_recorded_crime(path, **kwargs)


def _write(frame: pd.DataFrame, path: Path, title_rows: int = 0) -> Path:
    if path.suffix == ".csv":
        frame.to_csv(path, index=False)
        return path
    engine = "openpyxl" if path.suffix == ".xlsx" else "odf"
    with pd.ExcelWriter(path, engine=engine) as book:
        cover = pd.DataFrame({"Police recorded crime": ["Cover sheet", "See notes"]})
        cover.to_excel(book, sheet_name="Cover", index=False)
        frame.to_excel(book, sheet_name="2017_18", index=False, startrow=title_rows)
        if title_rows:
            title = pd.DataFrame({"Police recorded crime open data": ["2017/18"]})
            title.to_excel(book, sheet_name="2017_18", index=False)
    return path


@pytest.mark.parametrize(
    ("name", "title_rows"),
    [("prc.csv", 0), ("prc.xlsx", 0), ("prc.ods", 0), ("prc_title.xlsx", 3)],
    ids=["csv", "xlsx", "ods", "xlsx-title-rows"],
)
def test_read_recorded_crime_published_layouts_give_the_same_frame(
    tmp_path, name, title_rows
):
    snake = _published().rename(columns=SNAKE)
    expected = _read(_write(snake, tmp_path / "snake.csv"))
    got = _read(_write(_published(), tmp_path / name, title_rows))
    assert list(got.columns) == list(RECORDED_COLUMNS)
    assert_frame_equal(got, expected)
    record = got.attrs["hotspots"]
    assert record["sheets"] == ([] if name.endswith(".csv") else ["2017_18"])


def test_read_recorded_crime_matches_force_names_through_the_force_table(tmp_path):
    got = _read(_write(_published(), tmp_path / "prc.csv"))
    slugs = dict(zip(got["force_slug"], got["force"], strict=True))
    assert slugs == {
        "leicestershire": "Leicestershire Police",
        "city-of-london": "City of London Police",
        "metropolitan": "Metropolitan Police Service",
        "btp": "British Transport Police",
    }


def test_read_recorded_crime_strips_note_markers(tmp_path):
    frame = (
        _published().iloc[[7]].assign(**{"Force Name": "Metropolitan Police [Note 6]"})
    )
    got = read_recorded_crime(_write(frame, tmp_path / "prc.csv"))
    assert got["force_slug"].tolist() == ["metropolitan"]


def test_read_recorded_crime_sets_aside_non_geographic_and_unknown_rows(tmp_path):
    path = _write(_published(), tmp_path / "prc.csv")
    with pytest.warns(HotspotsWarning, match=r"'Action Fraud': 1, 'Atlantis': 1"):
        got = read_recorded_crime(path)
    record = got.attrs["hotspots"]
    assert (
        record["rows_in"] == len(ROWS) == record["rows_kept"] + record["rows_set_aside"]
    )
    assert record["rows_kept"] == len(got) == 9
    assert record["set_aside_by_reason"] == {"non_geographic": 1, "unknown_force": 1}
    aside = pd.DataFrame(record["set_aside"])
    assert aside[["force_name", "reason", "row"]].values.tolist() == [
        ["Action Fraud", "non_geographic", 10],
        ["Atlantis", "unknown_force", 11],
    ]


def test_read_recorded_crime_keeps_and_counts_negative_counts(tmp_path):
    got = _read(_write(_published(), tmp_path / "prc.csv"))
    assert got["count"].min() == -2
    assert got.attrs["hotspots"]["negative_rows"] == 1
    assert got.attrs["hotspots"]["negative_total"] == -2


def test_read_recorded_crime_sets_aside_bad_periods_and_counts(tmp_path):
    frame = _published().iloc[:4].astype(object)
    frame.loc[0, "Financial Year"] = "2017"
    frame.loc[1, "Financial Quarter"] = 5
    frame.loc[2, "Number of Offences"] = "1.5"
    frame.loc[3, "Number of Offences"] = "1,234"
    with pytest.warns(HotspotsWarning, match="2 bad_period, 1 bad_count"):
        got = read_recorded_crime(_write(frame, tmp_path / "prc.csv"))
    assert got["count"].tolist() == [1234]


def test_read_recorded_crime_reads_chosen_sheets_only(tmp_path):
    path = _write(_published(), tmp_path / "prc.xlsx")
    got = _read(path, sheets="2017_18")
    assert got.attrs["hotspots"]["sheets"] == ["2017_18"]


def test_read_recorded_crime_missing_columns_says_what_is_needed(tmp_path):
    path = _write(_published().drop(columns="Number of Offences"), tmp_path / "p.csv")
    with pytest.raises(SchemaError, match=r"Number of Offences.*Columns found"):
        read_recorded_crime(path)


def test_read_recorded_crime_refuses_other_file_types(tmp_path):
    path = tmp_path / "prc.json"
    path.write_text("{}")
    with pytest.raises(ValueError, match="not a CSV, XLSX or ODS"):
        read_recorded_crime(path)
    with pytest.raises(FileNotFoundError, match="no file"):
        read_recorded_crime(tmp_path / "missing.csv")


def test_serious_violence_adds_up_the_groups(tmp_path):
    recorded = read_recorded_crime(_write(_published().iloc[:6], tmp_path / "p.csv"))
    got = serious_violence(recorded)
    assert list(got.columns) == list(COUNT_COLUMNS)
    counts = dict(zip(got["group"], got["count"], strict=True))
    assert counts == {
        "homicide": 5,
        "violence with injury": 1800,
        "robbery": 200,
        "possession of weapons": 60,
        "serious violence": 5 + 1800 + 200 + 60,
        "violence and sexual offences": 5 + 1800 + 2000,
        "all crime excluding fraud": 5 + 1800 + 200 + 60 + 2000 + 1500,
    }


def test_serious_violence_fills_zero_for_empty_groups(tmp_path):
    got = serious_violence(_read(_write(_published(), tmp_path / "prc.csv")))
    met = got[got["force_slug"] == "metropolitan"].set_index("group")["count"]
    assert met["robbery"] == -2 and met["homicide"] == 0
    assert len(got) == 4 * len(SERIOUS_VIOLENCE_GROUPS)  # 4 force-quarters


def test_serious_violence_warns_when_a_group_matches_nothing(tmp_path):
    frame = _published().iloc[[5]]  # shoplifting only
    recorded = read_recorded_crime(_write(frame, tmp_path / "prc.csv"))
    with pytest.warns(HotspotsWarning, match="'homicide'"):
        serious_violence(recorded)


def test_serious_violence_needs_the_reader_columns():
    with pytest.raises(SchemaError, match="read_recorded_crime"):
        serious_violence(pd.DataFrame({"force": ["x"]}))


def test_serious_violence_group_is_the_package_definition():
    group = SERIOUS_VIOLENCE_GROUPS["serious violence"]
    assert set(group.offence_subgroups) == set(
        DEFINITIONS["serious_violence"].offence_subgroups
    )
    parts = ("homicide", "violence with injury", "robbery", "possession of weapons")
    assert sorted(group.offence_subgroups) == sorted(
        s for p in parts for s in SERIOUS_VIOLENCE_GROUPS[p].offence_subgroups
    )


def test_load_recorded_crime_shape():
    table = load_recorded_crime()
    assert list(table.columns) == list(COUNT_COLUMNS)
    assert table["force_slug"].nunique() == 44  # 43 territorial + BTP
    assert "btp" in set(table["force_slug"])
    assert len(table) == 44 * 4 * len(SERIOUS_VIOLENCE_GROUPS)
    wide = table.pivot_table(
        index=["force_slug", "quarter"], columns="group", values="count"
    )
    parts = ["homicide", "violence with injury", "robbery", "possession of weapons"]
    assert (wide[parts].sum(axis=1) == wide["serious violence"]).all()
    leics = table[(table["force_slug"] == "leicestershire")]
    assert leics.groupby("group")["count"].sum()["homicide"] == 18
    assert leics.groupby("group")["count"].sum()["all crime excluding fraud"] == 83793


@pytest.mark.parametrize("name", [RECORDED_CRIME_FILE, POPULATION_FILE])
def test_shipped_tables_are_byte_identical_to_data_raw_and_provenance(name):
    raw = (ROOT / "data" / "raw" / name).read_bytes()
    assert (ROOT / "hotspots" / "data" / name).read_bytes() == raw
    assert len(raw) < 1_000_000
    provenance = (ROOT / "data" / "raw" / "PROVENANCE.md").read_text()
    section = provenance[provenance.index(f"## `{name}`") :]
    sha = re.search(r"sha256:\*\* `([0-9a-f]{64})`", section)
    assert sha is not None and sha.group(1) == hashlib.sha256(raw).hexdigest()


@pytest.mark.shared
def test_read_recorded_crime_reads_the_source_file(shared_real):
    with pytest.warns(HotspotsWarning, match="Action Fraud"):
        recorded = read_recorded_crime(shared_real / SOURCE)
    record = recorded.attrs["hotspots"]
    assert record["rows_in"] == 22540 == record["rows_kept"] + record["rows_set_aside"]
    assert record["set_aside_by_name"] == {
        "Action Fraud": 4,
        "CIFAS": 4,
        "UK Finance": 3,
        "Financial Fraud Action UK": 1,
    }
    assert set(record["set_aside_by_reason"]) == {"non_geographic"}
    assert recorded["force_slug"].nunique() == 44
    assert record["negative_rows"] == 34


@pytest.mark.shared
def test_read_recorded_crime_source_rows_in_published_layout_read_alike(
    shared_real, tmp_path
):
    source = pd.read_csv(shared_real / SOURCE, dtype=str, keep_default_na=False)
    sample = source[source["force"].isin(["Leicestershire", "London, City of"])].head(
        60
    )
    sample.to_csv(tmp_path / "snake.csv", index=False)
    published = sample.rename(columns={v: k for k, v in SNAKE.items()})[PUBLISHED]
    published = published.astype({"Financial Quarter": int, "Number of Offences": int})
    expected = read_recorded_crime(tmp_path / "snake.csv")
    for suffix in (".xlsx", ".ods"):
        got = read_recorded_crime(_write(published, tmp_path / f"prc{suffix}"))
        assert_frame_equal(got, expected)


@pytest.mark.shared
def test_shipped_table_totals_equal_the_source(shared_real):
    source = pd.read_csv(shared_real / SOURCE)
    source = source[~source["force"].isin(
        ["Action Fraud", "CIFAS", "UK Finance", "Financial Fraud Action UK"]
    )]  # fmt: skip
    source["force_slug"] = source["force"].map(resolve_force)
    shipped = load_recorded_crime()
    totals = shipped.groupby(["force_slug", "group"])["count"].sum()
    for name, group in SERIOUS_VIOLENCE_GROUPS.items():
        if group.all_except_groups:
            rows = source[~source["offence_group"].isin(group.all_except_groups)]
        else:
            rows = source[
                source["offence_subgroup"].isin(group.offence_subgroups)
                | source["offence_group"].isin(group.offence_groups)
            ]
        expected = rows.groupby("force_slug")["count"].sum()
        got = totals.xs(name, level="group")
        pd.testing.assert_series_equal(
            got.sort_index(), expected.sort_index(), check_names=False
        )
    vap = source["offence_group"] == VAP
    assert totals.xs("violence and sexual offences", level="group").sum() == (
        source.loc[vap | (source["offence_group"] == "Sexual offences"), "count"].sum()
    )


@pytest.mark.shared
def test_make_forces_tables_reproduces_the_shipped_bytes(shared_real):
    spec = importlib.util.spec_from_file_location(
        "make_forces_tables", ROOT / "data" / "make_forces_tables.py"
    )
    assert spec is not None and spec.loader is not None
    script = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(script)
    recorded = script.to_bytes(script.derive_recorded(shared_real / SOURCE))
    population = script.to_bytes(
        script.derive_populations(shared_real / "lsoa_2011_population_area.csv.gz")
    )
    assert recorded == (ROOT / "data" / "raw" / RECORDED_CRIME_FILE).read_bytes()
    assert population == (ROOT / "data" / "raw" / POPULATION_FILE).read_bytes()
