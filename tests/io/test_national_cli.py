"""``hotspots ingest --national ARCHIVE --out DATASET``."""

from __future__ import annotations

from click.testing import CliRunner

from hotspots.cli import main
from tests.conftest import HEADER, policeuk_row


def _archive(root):
    for month in ("2024-05", "2024-06"):
        path = root / month / f"{month}-leicestershire-street.csv"
        path.parent.mkdir(parents=True)
        rows = [policeuk_row(f"{month}-a", month), policeuk_row(f"{month}-b", month)]
        path.write_text("\n".join([HEADER, *rows]) + "\n", encoding="utf-8")
    return root


def test_cli_ingest_national_prints_the_summary_and_is_incremental(tmp_path):
    archive, out = _archive(tmp_path / "arch"), tmp_path / "ds"
    args = ["--quiet", "ingest", "--national", str(archive), "--out", str(out)]
    first = CliRunner().invoke(main, [*args, "--no-progress"])
    assert first.exit_code == 0, first.output
    assert "2 file(s) seen, 2 new, 0 already ingested" in first.output
    assert "Rows read 4: kept 4, set aside 0." in first.output
    assert "months 2024-05 to 2024-06" in first.output
    assert (out / "_ledger.json").exists()
    again = CliRunner().invoke(main, [*args, "--no-progress"])
    assert again.exit_code == 0, again.output
    assert "0 new, 2 already ingested" in again.output


def test_cli_ingest_needs_a_source_or_national(tmp_path):
    result = CliRunner().invoke(main, ["ingest", "--out", str(tmp_path)])
    assert result.exit_code == 2
    assert "--national" in result.output


def test_cli_ingest_national_takes_a_boundary_and_keeps_to_it(tmp_path):
    archive, out = _archive(tmp_path / "arch"), tmp_path / "ds"
    args = ["--quiet", "ingest", "--national", str(archive), "--out", str(out)]
    # the rows lie in Leicester: the force's own area keeps all four
    first = CliRunner().invoke(
        main, [*args, "--no-progress", "--boundary", "leicestershire"]
    )
    assert first.exit_code == 0, first.output
    assert "Rows read 4: kept 4, set aside 0." in first.output
    ledger = (out / "_ledger.json").read_text()
    assert "boundary" in ledger
    other = CliRunner().invoke(
        main, [*args, "--no-progress", "--boundary", "derbyshire"]
    )
    assert other.exit_code == 2, other.output
    assert "new output folder" in other.output
