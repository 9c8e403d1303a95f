"""Files of a police.uk download that are not read are listed, and odd names warned."""

from __future__ import annotations

import zipfile

import pytest

from hotspots.exceptions import HotspotsWarning, InputFileError
from hotspots.io import read_policeuk
from tests.conftest import HEADER, policeuk_row

GOOD = "2024-06/2024-06-leicestershire-street.csv"


def _text(crime_id: str) -> str:
    return "\n".join([HEADER, policeuk_row(crime_id), ""])


@pytest.mark.parametrize("container", ["folder", "zip"])
def test_read_policeuk_unexpected_street_file_names_are_listed_and_warned(
    tmp_path, container
):
    members = {
        GOOD: _text("good"),
        "2024-06/2024-06-leicestershire-street (1).csv": _text("copy"),
        "2024-06/2024-06-leicestershire-street_excel.csv": _text("excel"),
        "2024-06/2024-06-leicestershire-outcomes.csv": "Crime ID,Month\n",
        "2024-06/2024-06-leicestershire-stop-and-search.csv": "Type,Date\n",
        "__MACOSX/2024-06/._2024-06-leicestershire-street.csv": "binary",
        "README.txt": "not a CSV",
    }
    if container == "zip":
        path = tmp_path / "download.zip"
        with zipfile.ZipFile(path, "w") as archive:
            for name, text in members.items():
                archive.writestr(name, text)
    else:
        path = tmp_path / "download"
        for name, text in members.items():
            (path / name).parent.mkdir(parents=True, exist_ok=True)
            (path / name).write_text(text)
    with pytest.warns(HotspotsWarning, match=r"2 file\(s\) look like police\.uk") as w:
        result = read_policeuk(path)
    assert "street (1).csv" in str(w[0].message)
    assert result.crimes["crime_id"].tolist() == ["good"]
    kinds = {
        f.source.split("/")[-1].split("!")[-1]: f.kind for f in result.skipped_files
    }
    assert kinds == {
        "2024-06-leicestershire-street (1).csv": "unexpected_name",
        "2024-06-leicestershire-street_excel.csv": "unexpected_name",
        "2024-06-leicestershire-outcomes.csv": "not_street",
        "2024-06-leicestershire-stop-and-search.csv": "not_street",
        "._2024-06-leicestershire-street.csv": "not_street",
    }
    assert "2 named unlike" in str(result)


def test_read_policeuk_folder_of_only_odd_names_says_rename(tmp_path):
    (tmp_path / "2024-06-leicestershire-street (1).csv").write_text(_text("a"))
    with pytest.raises(InputFileError, match=r"named otherwise.*rename them"):
        read_policeuk(tmp_path)


def test_read_policeuk_single_file_with_any_name_is_read(tmp_path):
    path = tmp_path / "my export.csv"
    path.write_text(_text("a"))
    assert len(read_policeuk(path).crimes) == 1
