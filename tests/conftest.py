"""Shared fixtures: small hand-made police.uk files and the ../shared data."""

from __future__ import annotations

from pathlib import Path

import pytest
from hypothesis import settings

# Property tests draw the same examples on every run, so a local ``make test`` and
# CI agree; explore new examples with ``pytest --hypothesis-profile=explore``.
settings.register_profile("repeatable", derandomize=True, print_blob=True)
settings.register_profile("explore", derandomize=False, print_blob=True)
settings.load_profile("repeatable")

ROOT = Path(__file__).resolve().parents[1]
SHARED_REAL = ROOT.parent / "shared" / "data" / "real"

HEADER = (
    "Crime ID,Month,Reported by,Falls within,Longitude,Latitude,Location,"
    "LSOA code,LSOA name,Crime type,Last outcome category,Context"
)


def policeuk_row(
    crime_id="a1",
    month="2024-06",
    force="Leicestershire Police",
    lon="-1.131000",
    lat="52.634000",
    location="On or near Granby Street",
    crime_type="Violence and sexual offences",
    outcome="Unable to prosecute suspect",
) -> str:
    return (
        f"{crime_id},{month},{force},{force},{lon},{lat},{location},"
        f"E01013636,Leicester 020A,{crime_type},{outcome},"
    )


@pytest.fixture
def write_csv(tmp_path):
    """Write police.uk rows (strings) under a header; return the path."""

    def _write(
        rows, name="2024-06-leicestershire-street.csv", header=HEADER, newline="\n"
    ):
        path = tmp_path / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes((newline.join([header, *rows]) + newline).encode("utf-8"))
        return path

    return _write


@pytest.fixture
def shared_real() -> Path:
    """The shared real-data folder; skip the test where it is absent."""
    if not SHARED_REAL.is_dir():
        pytest.skip("../shared/data/real is not present")
    return SHARED_REAL


@pytest.fixture(scope="session")
def synthetic_violence(tmp_path_factory):
    """The default SYNTHETIC archive (seed 20240601), its truth, and its violence."""
    import hotspots
    from hotspots.synthetic import make_archive

    archive = make_archive(tmp_path_factory.mktemp("synthetic"), rng=20240601)
    result = hotspots.read_policeuk(archive.root)
    violence = hotspots.select_crimes(result.crimes, "serious_violence")
    return archive.truth, violence
