"""``hotspots forces``: the funnel plot of forces' rates, from the command line."""

import csv

import pandas as pd
import pytest
from click.testing import CliRunner

from hotspots.cli import main
from hotspots.exceptions import HotspotsWarning

TABLE_COLUMNS = [
    "force",
    "force_slug",
    "count",
    "population",
    "rate",
    "expected",
    "z",
    "z_adjusted",
    "low_95",
    "high_95",
    "low_998",
    "high_998",
    "position",
    "rank",
]
SIMILAR_COLUMNS = [
    "force",
    "count",
    "population",
    "rate",
    "rank",
    "rest_of_group_rate",
    "ratio",
    "ratio_low",
    "ratio_high",
    "p_value",
    "is_force",
]
OUTPUTS = ("forces.csv", "funnel.png", "funnel.svg", "funnel.html")
EAST_MIDLANDS = "derbyshire,Nottinghamshire Police,northamptonshire,Lincolnshire"

# The published layout of the Home Office police recorded crime open data tables.
PUBLISHED_HEADER = [
    "Financial Year",
    "Financial Quarter",
    "Force Name",
    "Offence Description",
    "Offence Group",
    "Offence Subgroup",
    "Offence Code",
    "Number of Offences",
]
# Offence code, description, group and subgroup; the first four are serious violence.
OFFENCES = [
    ("1", "Murder", "Violence against the person", "Homicide"),
    (
        "8N",
        "Assault with injury",
        "Violence against the person",
        "Violence with injury",
    ),
    ("34B", "Robbery of personal property", "Robbery", "Robbery of personal property"),
    (
        "10C",
        "Possession of article with blade or point",
        "Possession of weapons offences",
        "Possession of weapons offences",
    ),
    (
        "105A",
        "Assault without injury",
        "Violence against the person",
        "Violence without injury",
    ),
    ("19C", "Rape of a female aged 16 and over", "Sexual offences", "Rape offences"),
    ("46", "Shoplifting", "Theft offences", "Shoplifting"),
]
# Force names as the Home Office writes them, and offences per quarter per code.
PUBLISHED_FORCES = {
    "Leicestershire": 200,
    "Derbyshire": 260,
    "Nottinghamshire": 330,
    "London, City of": 9,
    "Metropolitan Police": 2500,
}


def run_forces(out, *extra):
    return CliRunner().invoke(main, ["--quiet", "forces", "--out", str(out), *extra])


def write_published_table(tmp_path):
    """A small table in the Home Office layout, 2018/19, five forces."""
    path = tmp_path / "prc-pfa-2018-19.csv"
    with path.open("w", newline="", encoding="utf-8") as handle:
        writer = csv.writer(handle)
        writer.writerow(PUBLISHED_HEADER)
        for force, per_code in PUBLISHED_FORCES.items():
            for quarter in range(1, 5):
                for code, description, group, subgroup in OFFENCES:
                    count = per_code + quarter if code != "1" else quarter
                    row = ["2018/19", quarter, force, description, group, subgroup]
                    writer.writerow([*row, code, f"{count:,}"])
    return path


def test_cli_forces_has_help():
    result = CliRunner().invoke(main, ["forces", "--help"])
    assert result.exit_code == 0
    assert "Usage:" in result.output and "--highlight" in result.output


def test_cli_forces_writes_ranked_table_plots_and_the_forces_sentence(tmp_path):
    out = tmp_path / "forces"
    result = run_forces(out, "--highlight", "Leicestershire Police")
    assert result.exit_code == 0, result.output
    for name in OUTPUTS:
        assert (out / name).stat().st_size > 0, name
        assert f"{name}" in result.output
    table = pd.read_csv(out / "forces.csv")
    assert table.columns.tolist() == TABLE_COLUMNS
    assert len(table) == 43  # the territorial forces; BTP has no residents
    assert table["rank"].is_monotonic_increasing and table["rank"].iloc[0] == 1
    assert (out / "funnel.png").read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    assert "<svg" in (out / "funnel.svg").read_text(encoding="utf-8")[:500]
    assert not list(out.glob(".*.tmp"))
    sentence = result.output.splitlines()[0]
    row = table.set_index("force_slug").loc["leicestershire"]
    assert sentence.startswith(
        f"Leicestershire Police: {row['rate']:.2f} serious violence offences per "
        f"1,000 residents, rank {row['rank']} of 43;"
    )
    assert "after allowing for overdispersion" in sentence
    assert sentence in (out / "funnel.html").read_text(encoding="utf-8")


@pytest.mark.parametrize(
    ("name", "expected"),
    [
        ("derbyshire", "Derbyshire Constabulary:"),
        ("London, City of", "City of London Police:"),
        ("metropolitan police", "Metropolitan Police Service:"),
    ],
    ids=["slug", "area-name", "published-name"],
)
def test_cli_forces_matches_force_names_through_the_force_table(
    tmp_path, name, expected
):
    result = run_forces(tmp_path / "forces", "--highlight", name)
    assert result.exit_code == 0, result.output
    assert result.output.startswith(expected)


def test_cli_forces_reads_a_published_home_office_table(tmp_path):
    out = tmp_path / "forces"
    result = run_forces(
        out, "--data", str(write_published_table(tmp_path)), "--highlight", "Derbyshire"
    )
    assert result.exit_code == 0, result.output
    table = pd.read_csv(out / "forces.csv").set_index("force_slug")
    assert sorted(table.index) == [
        "city-of-london",
        "derbyshire",
        "leicestershire",
        "metropolitan",
        "nottinghamshire",
    ]
    # serious violence: homicide (quarter 1, 2, 3, 4) + three codes of 260 + quarter
    assert table.loc["derbyshire", "count"] == (1 + 2 + 3 + 4) + 3 * (4 * 260 + 10)
    assert result.output.startswith("Derbyshire Constabulary:")
    assert "rank" in result.output and "of 5;" in result.output


def test_cli_forces_reads_one_sheet_of_a_workbook(tmp_path):
    pytest.importorskip("openpyxl")
    table = pd.read_csv(write_published_table(tmp_path), dtype=str)
    path = tmp_path / "prc-pfa-tables.xlsx"
    with pd.ExcelWriter(path, engine="openpyxl") as book:
        pd.DataFrame({"Contents": ["Police recorded crime"]}).to_excel(
            book, sheet_name="Cover", index=False
        )
        table.to_excel(book, sheet_name="2018_19", index=False)
        later = table[table["Force Name"] != "Leicestershire"]  # not in 2019/20
        later.assign(**{"Financial Year": "2019/20"}).to_excel(
            book, sheet_name="2019_20", index=False
        )
    out = tmp_path / "forces"
    result = run_forces(out, "--data", str(path), "--sheet", "2018_19")
    assert result.exit_code == 0, result.output
    assert result.output.startswith("Leicestershire Police:")
    assert "of 5;" in result.output
    # serious violence: homicide (quarter 1, 2, 3, 4) + three codes of 200 + quarter
    counts = pd.read_csv(out / "forces.csv").set_index("force_slug")["count"]
    assert counts["leicestershire"] == (1 + 2 + 3 + 4) + 3 * (4 * 200 + 10)


def test_cli_forces_similar_compares_with_the_group_named(tmp_path):
    out = tmp_path / "forces"
    result = run_forces(out, "--similar", EAST_MIDLANDS)
    assert result.exit_code == 0, result.output
    similar = pd.read_csv(out / "similar.csv")
    assert similar.columns.tolist() == SIMILAR_COLUMNS
    assert sorted(similar["force"]) == [
        "Derbyshire Constabulary",
        "Leicestershire Police",
        "Lincolnshire Police",
        "Northamptonshire Police",
        "Nottinghamshire Police",
    ]
    own = similar[similar["is_force"]].iloc[0]
    assert own["force"] == "Leicestershire Police"
    assert (
        f"Leicestershire Police: {own['rate']:.2f} per 1,000 residents against "
        f"{own['rest_of_group_rate']:.2f} for the rest of the group you named; "
        f"rate ratio {own['ratio']:.2f}"
    ) in result.output
    assert "similar.csv" in result.output


def test_cli_forces_without_overdispersion_warns_and_says_so(tmp_path):
    out = tmp_path / "forces"
    with pytest.warns(HotspotsWarning, match="plain Poisson limits flag forces"):
        result = run_forces(out, "--overdispersion", "none")
    assert result.exit_code == 0, result.output
    assert "with no allowance for overdispersion" in result.output
    outside = pd.read_csv(out / "forces.csv")["position"] != "within limits"
    assert outside.sum() > 30  # most forces, with populations this large


@pytest.mark.parametrize(
    ("extra", "message"),
    [
        (["--highlight", "Gotham City Police"], "is not a force police.uk publishes"),
        (["--highlight", "btp"], "has no rate in these data"),
        (["--similar", "derbyshire,Nowhereshire"], "is not a force police.uk"),
        (["--periods", "2019/20"], "which counts does not hold"),
        (["--group", "burglary"], "no group 'burglary'"),
    ],
    ids=["unknown-force", "no-residents", "unknown-peer", "bad-period", "bad-group"],
)
def test_cli_forces_bad_request_is_a_clear_error(tmp_path, extra, message):
    out = tmp_path / "forces"
    result = run_forces(out, *extra)
    assert result.exit_code == 2
    assert "Error:" in result.output and message in result.output
    assert "Traceback" not in result.output
    assert not (out / "forces.csv").exists()
