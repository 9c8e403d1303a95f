import subprocess
import sys

import pytest
from click.testing import CliRunner

from hotspots.cli import main
from tests.conftest import policeuk_row


@pytest.mark.parametrize("command", [[], ["ingest"], ["demo-data"], ["demo"]])
def test_cli_help(command):
    result = CliRunner().invoke(main, [*command, "--help"])
    assert result.exit_code == 0
    assert "Usage:" in result.output


def test_cli_ingest_writes_outputs_and_summary(tmp_path, write_csv):
    path = write_csv([policeuk_row("a"), policeuk_row("b", lon="", lat="")])
    out = tmp_path / "processed"
    result = CliRunner().invoke(
        main,
        [
            "--quiet",
            "ingest",
            str(path),
            "--out",
            str(out),
            "--crime-types",
            "serious_violence",
        ],
    )
    assert result.exit_code == 0, result.output
    assert "kept 1, quarantined 1" in result.output
    assert "no_coordinates" in result.output
    assert (out / "crimes.parquet").exists() and (
        out / "crimes_quarantine.csv"
    ).exists()


def test_cli_ingest_bad_file_is_a_clear_error(tmp_path):
    path = tmp_path / "x.csv"
    path.write_text("a,b\n1,2\n")
    result = CliRunner().invoke(main, ["ingest", str(path), "--out", str(tmp_path)])
    assert result.exit_code == 2
    assert "required column(s)" in result.output


def test_cli_entry_point_installed():
    proc = subprocess.run(
        [sys.executable, "-m", "hotspots.cli", "--version"],
        capture_output=True,
        text=True,
    )
    assert proc.returncode == 0 and "hotspots" in proc.stdout
