import json

import pytest

from hotspots.pack import read_manifest, sha256_file
from hotspots.pack._manifest import MANIFEST_FORMAT, package_versions


def test_sha256_matches_the_standard_test_vector(tmp_path):
    path = tmp_path / "abc.txt"
    path.write_bytes(b"abc")
    assert sha256_file(path) == (
        "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad"
    )


def test_package_versions_include_python_and_hotspots():
    versions = package_versions()
    assert {"python", "hotspots", "numpy"} <= set(versions)


def test_read_manifest_rejects_what_is_not_a_manifest(tmp_path):
    with pytest.raises(FileNotFoundError, match="no pack manifest"):
        read_manifest(tmp_path)
    (tmp_path / "manifest.json").write_text("{not json")
    with pytest.raises(ValueError, match="not valid JSON"):
        read_manifest(tmp_path)
    (tmp_path / "manifest.json").write_text(json.dumps({"format": "other/9"}))
    with pytest.raises(ValueError, match="is not a hotspots-pack"):
        read_manifest(tmp_path / "manifest.json")
    (tmp_path / "manifest.json").write_text(json.dumps({"format": MANIFEST_FORMAT}))
    with pytest.raises(ValueError, match="incomplete"):
        read_manifest(tmp_path)
