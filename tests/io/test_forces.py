"""Every police.uk force by slug, published name and area name (case 01)."""

from __future__ import annotations

import hashlib

import pandas as pd
import pytest

from hotspots.io import FORCES, read_policeuk, resolve_force
from tests.conftest import HEADER

RECORDS = list(FORCES.itertuples())


def test_forces_table_lists_every_police_uk_force():
    assert len(FORCES) == 45 and FORCES["slug"].is_unique and FORCES["name"].is_unique
    territorial = FORCES[FORCES["country"].isin(["England", "Wales"])]
    assert len(territorial) == 43 and territorial["outline_shipped"].all()
    assert (territorial["country"] == "Wales").sum() == 4
    btp = FORCES.set_index("slug").loc["btp"]
    assert btp["name"] == "British Transport Police" and not btp["has_area"]
    psni = FORCES.set_index("slug").loc["northern-ireland"]
    assert psni["name"] == "Police Service of Northern Ireland"
    assert psni["has_area"] and not psni["outline_shipped"] and psni["area_name"] == ""


@pytest.mark.parametrize("rec", RECORDS, ids=[r.slug for r in RECORDS])
def test_resolve_force_by_slug_name_and_area_name(rec):
    assert resolve_force(rec.slug) == rec.slug
    assert resolve_force(rec.name) == rec.slug
    assert resolve_force(rec.name.upper()) == rec.slug
    assert resolve_force(rec.slug.replace("-", " ").title()) == rec.slug
    if rec.area_name:
        assert resolve_force(rec.area_name) == rec.slug


@pytest.mark.parametrize(
    ("text", "slug"),
    [
        ("Leicestershire", "leicestershire"),
        ("leicestershire constabulary", "leicestershire"),  # suffix optional
        ("Devon and Cornwall Police", "devon-and-cornwall"),  # '&' or 'and'
        ("Avon & Somerset Constabulary", "avon-and-somerset"),
        ("Dyfed Powys Police", "dyfed-powys"),  # hyphen or space
        ("The Metropolitan Police Service", "metropolitan"),
        ("City of London", "city-of-london"),
        ("London, City of", "city-of-london"),
        ("BTP", "btp"),
        ("PSNI", "northern-ireland"),
        ("Northern Ireland", "northern-ireland"),
    ],
)
def test_resolve_force_spellings(text, slug):
    assert resolve_force(text) == slug


def test_resolve_force_unknown_name_lists_closest():
    with pytest.raises(ValueError, match=r"Closest: 'Lincolnshire Police'") as info:
        resolve_force("Lincolnshir Polce")
    assert "hotspots.io.FORCES" in str(info.value)
    with pytest.raises(ValueError, match="Police Scotland"):
        resolve_force("Police Scotland")


def test_editing_forces_does_not_change_resolve_force():
    saved = FORCES.loc[0, "slug"]
    try:
        FORCES.loc[0, "slug"] = "changed"
        assert resolve_force("Avon and Somerset Constabulary") == "avon-and-somerset"
    finally:
        FORCES.loc[0, "slug"] = saved


# ---------------------------------------------------------------- case 01
def _cid(seed: str) -> str:
    return hashlib.sha256(seed.encode()).hexdigest()


def _rows(force: str, lon: float, lat: float, n: int, tag: str) -> list[str]:
    return [
        f"{_cid(tag + str(i))},2024-01,{force},{force},{lon + i * 1e-4:.6f},"
        f"{lat + i * 1e-4:.6f},On or near Station Approach,E01000001,Invented 001A,"
        "Violence and sexual offences,Under investigation,"
        for i in range(n)
    ]


@pytest.fixture
def btp_psni_archive(tmp_path):
    """A bulk-archive month with Leicestershire, BTP and PSNI street files."""
    folder = tmp_path / "archive" / "2024-01"
    folder.mkdir(parents=True)
    files = {
        "leicestershire": _rows("Leicestershire Police", -1.1253, 52.6314, 5, "L"),
        "btp": _rows("British Transport Police", -0.1246, 51.5308, 4, "B"),
        "northern-ireland": _rows(
            "Police Service of Northern Ireland", -5.9301, 54.5973, 3, "N"
        ),
    }
    for slug, rows in files.items():
        (folder / f"2024-01-{slug}-street.csv").write_text(
            "\n".join([HEADER, *rows, ""])
        )
    (folder / "2024-01-btp-outcomes.csv").write_text("Crime ID,Month\n")
    (folder / "2024-01-leicestershire-stop-and-search.csv").write_text("Type,Date\n")
    return tmp_path / "archive"


@pytest.mark.parametrize(
    ("forces", "force", "n"),
    [
        (["leicestershire"], "Leicestershire Police", 5),
        (["btp"], "British Transport Police", 4),
        (["British Transport Police"], "British Transport Police", 4),
        (["northern-ireland"], "Police Service of Northern Ireland", 3),
        (
            ["Police Service of Northern Ireland"],
            "Police Service of Northern Ireland",
            3,
        ),
        (["PSNI", "btp"], None, 7),
    ],
)
def test_read_policeuk_selects_btp_and_psni(btp_psni_archive, forces, force, n):
    result = read_policeuk(btp_psni_archive, forces=forces)
    assert len(result.crimes) == n and len(result.quarantine) == 0
    assert result.rows_read == n
    if force is not None:
        assert set(result.crimes["force"].astype(str)) == {force}
    kinds = pd.Series([f.kind for f in result.skipped_files]).value_counts()
    assert kinds["not_street"] == 2  # outcomes and stop-and-search, listed


def test_read_policeuk_far_outside_is_unknown_for_btp_and_psni(btp_psni_archive):
    by_force = read_policeuk(btp_psni_archive).by_force().set_index("force")
    assert by_force.loc["Leicestershire Police", "far_outside_area"] == 0
    assert pd.isna(by_force.loc["British Transport Police", "far_outside_area"])
    assert pd.isna(
        by_force.loc["Police Service of Northern Ireland", "far_outside_area"]
    )
