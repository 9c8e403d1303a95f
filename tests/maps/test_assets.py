import json
import sys
import tarfile

import folium
import pytest
from folium.plugins import FastMarkerCluster, MarkerCluster

from hotspots.maps import assets
from hotspots.maps.assets import (
    AssetChecksumError,
    AssetError,
    cache_dir,
    fetch,
    load_manifest,
    read_asset,
    verify,
)


def _fake_npm(tmp_path, contents: dict[str, dict[str, bytes]]):
    """An `npm` that packs ``contents[spec]`` ({path: bytes}) for `npm pack spec`."""
    data = tmp_path / "npm-packages.json"
    data.write_text(
        json.dumps(
            {
                spec: {path: body.decode("latin-1") for path, body in files.items()}
                for spec, files in contents.items()
            }
        )
    )
    script = tmp_path / "npm"
    script.write_text(
        f"#!{sys.executable}\n"
        "import io, json, sys, tarfile\n"
        f"packages = json.load(open({str(data)!r}))\n"
        "spec = sys.argv[2]\n"
        "name = spec.replace('@', '-').replace('/', '-').strip('-') + '.tgz'\n"
        "with tarfile.open(name, 'w:gz') as tar:\n"
        "    for path, text in packages[spec].items():\n"
        "        body = text.encode('latin-1')\n"
        "        info = tarfile.TarInfo('package/' + path)\n"
        "        info.size = len(body)\n"
        "        tar.addfile(info, io.BytesIO(body))\n"
        "print(json.dumps([{'filename': name}]))\n"
    )
    script.chmod(0o755)
    return str(script)


def _real_contents(cache):
    contents: dict[str, dict[str, bytes]] = {}
    for asset in load_manifest().assets:
        contents.setdefault(asset.spec, {})[asset.path] = read_asset(asset, cache)
    return contents


def test_manifest_covers_every_file_folium_loads():
    manifest = load_manifest()
    urls = [url for _, url in folium.folium._default_js + folium.folium._default_css]
    for plugin in (MarkerCluster, FastMarkerCluster):
        urls += [url for _, url in plugin.default_js + plugin.default_css]

    uncovered = [
        u for u in urls if not manifest.serving(u) and not manifest.dropped_reason(u)
    ]
    assert uncovered == [], (
        f"folium {folium.__version__} loads files assets.json does not pin"
    )
    assert manifest.folium == folium.__version__


def test_manifest_entries_are_well_formed():
    manifest = load_manifest()
    names = [a.name for a in manifest.assets]
    assert len(names) == len(set(names))
    for asset in manifest.assets:
        assert len(asset.sha256) == 64 and int(asset.sha256, 16) >= 0
        assert not asset.path.startswith("/") and ".." not in asset.path
    text = assets.MANIFEST_PATH.read_text()
    assert "://" not in text  # no addresses: npm uses its own registry setting


def test_fetch_refuses_a_tampered_package(tmp_path):
    contents: dict[str, dict[str, bytes]] = {}
    for asset in load_manifest().assets:
        contents.setdefault(asset.spec, {})[asset.path] = b"not the pinned file"
    npm = _fake_npm(tmp_path, contents)
    cache = tmp_path / "cache"

    with pytest.raises(AssetChecksumError, match="SHA-256"):
        fetch(cache, npm=npm)
    assert not any(p.is_file() for p in cache.rglob("*"))  # nothing was written


def test_fetch_stores_verified_files_then_skips(asset_cache, tmp_path):
    npm = _fake_npm(tmp_path, _real_contents(asset_cache))
    cache = tmp_path / "cache"

    assert fetch(cache, npm=npm) == cache
    assert verify(cache) == {}
    (tmp_path / "npm").unlink()  # a second fetch must not need npm
    assert fetch(cache, npm=str(tmp_path / "npm")) == cache


def test_fetch_reports_npm_failure(tmp_path):
    npm = tmp_path / "npm"
    npm.write_text(f"#!{sys.executable}\nimport sys\nsys.exit('E404 not found')\n")
    npm.chmod(0o755)

    with pytest.raises(AssetError, match=r"npm pack .* failed"):
        fetch(tmp_path / "cache", npm=str(npm))


def test_fetch_without_npm_explains(tmp_path, monkeypatch):
    monkeypatch.setattr(assets.shutil, "which", lambda _: None)

    with pytest.raises(AssetError, match=r"Install Node\.js"):
        fetch(tmp_path / "cache")


def test_read_asset_missing_says_how_to_fetch(tmp_path):
    asset = load_manifest().assets[0]

    with pytest.raises(AssetError, match="HOTSPOTS_ASSET_CACHE"):
        read_asset(asset, tmp_path)


def test_read_asset_rejects_a_tampered_file(tmp_path):
    asset = load_manifest().assets[0]
    target = tmp_path.joinpath(asset.package, asset.version, *asset.path.split("/"))
    target.parent.mkdir(parents=True)
    target.write_bytes(b"console.log('changed')")

    with pytest.raises(AssetChecksumError, match=asset.sha256):
        read_asset(asset, tmp_path)
    assert verify(tmp_path)[asset.name] == "checksum mismatch"


def test_cache_dir_from_environment(tmp_path, monkeypatch):
    monkeypatch.setenv("HOTSPOTS_ASSET_CACHE", str(tmp_path))
    assert cache_dir() == tmp_path
    assert cache_dir(tmp_path / "other") == tmp_path / "other"


def test_command_line_verify_and_skip_without_npm(tmp_path, monkeypatch):
    assert assets.main(["verify", "--cache", str(tmp_path)]) == 1
    monkeypatch.setattr(assets.shutil, "which", lambda _: None)
    assert assets.main(["fetch", "--cache", str(tmp_path), "--skip-without-npm"]) == 0
    assert assets.main(["fetch", "--cache", str(tmp_path)]) == 1


def test_fake_npm_tarball_layout(tmp_path):
    # The stand-in packs like npm: files under package/ in a .tgz.
    npm = _fake_npm(tmp_path, {"x@1.0.0": {"dist/a.js": b"1"}})
    tgz = assets._npm_pack(npm, "x@1.0.0", tmp_path)
    with tarfile.open(tgz) as tar:
        assert tar.getnames() == ["package/dist/a.js"]
        assert tar.extractfile("package/dist/a.js").read() == b"1"


def test_another_manifest_is_fetched_and_verified_on_its_own(tmp_path):
    """The documentation pins MathJax in docs/assets.json, checked the same way."""
    from pathlib import Path

    from hotspots.maps import assets

    docs_manifest = Path(__file__).resolve().parents[2] / "docs" / "assets.json"
    assert assets.verify(tmp_path, manifest=docs_manifest) == {
        "mathjax_tex_svg": "missing"
    }
    (asset,) = assets.load_manifest(docs_manifest).assets
    target = tmp_path / asset.package / asset.version / "es5" / "tex-svg.js"
    target.parent.mkdir(parents=True)
    target.write_bytes(b"not mathjax")
    assert assets.verify(tmp_path, manifest=docs_manifest) == {
        "mathjax_tex_svg": "checksum mismatch"
    }
