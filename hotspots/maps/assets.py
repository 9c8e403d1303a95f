"""Pinned copies of the scripts, style sheets, fonts and images folium's maps load.

A map saved with ``offline=True`` carries these files inside its one HTML file, so it
opens on a machine with no network (an analyst's laptop in a briefing room, a pack
sent by e-mail). The files are not kept in the repository: ``assets.json`` beside
this module lists each one (npm package, version, path inside the package, SHA-256),
pinned to the versions folium's template references, and::

    python -m hotspots.maps.assets fetch

runs ``npm pack <package>@<version>`` for each package (npm uses its own registry
configuration), extracts the listed files into a cache folder and checks every
checksum, refusing a file that does not match. ``make`` runs this step when it sets
up the environment.

The cache is ``$HOTSPOTS_ASSET_CACHE`` when that is set, otherwise ``hotspots/assets``
in the user's cache folder (``$XDG_CACHE_HOME`` or ``~/.cache`` on Linux,
``~/Library/Caches`` on macOS, ``%LOCALAPPDATA%`` on Windows). A machine without npm
can use a cache folder copied from another machine: point ``HOTSPOTS_ASSET_CACHE`` at
it; the checksums are checked again whenever a file is read.

To pin a new file (for example after a folium upgrade changes a version), add an
entry to ``assets.json`` with the SHA-256 of the file from ``npm pack``, review the
change, then run ``fetch``; ``verify`` checks an existing cache.
"""

from __future__ import annotations

import argparse
import hashlib
import logging
import os
import shutil
import subprocess
import sys
import tarfile
import tempfile
from collections.abc import Sequence
from pathlib import Path

from hotspots.exceptions import HotspotsError
from hotspots.maps._manifest import MANIFEST_PATH, Asset, Manifest, load_manifest

__all__ = [
    "MANIFEST_PATH",
    "Asset",
    "AssetChecksumError",
    "AssetError",
    "Manifest",
    "cache_dir",
    "fetch",
    "load_manifest",
    "read_asset",
    "verify",
]

# Named explicitly: under `python -m` this module runs as __main__.
logger = logging.getLogger("hotspots.maps.assets")

#: Environment variable naming the asset cache folder.
CACHE_ENV = "HOTSPOTS_ASSET_CACHE"
_FETCH_HINT = (
    "Fetch them once with `python -m hotspots.maps.assets fetch` (needs npm, which "
    "comes with Node.js), or point the environment variable HOTSPOTS_ASSET_CACHE at "
    "a cache folder copied from a machine that has them. To save a map that loads "
    "its scripts from the internet instead, pass offline=False."
)
_NPM_TIMEOUT_S = 300


class AssetError(HotspotsError, OSError):
    """A pinned web asset is missing from the cache or cannot be fetched."""


class AssetChecksumError(AssetError):
    """A web asset's SHA-256 differs from the one pinned in ``assets.json``."""


def _user_cache_root() -> Path:
    if sys.platform == "win32":
        base = os.environ.get("LOCALAPPDATA")
        return Path(base) if base else Path.home() / "AppData" / "Local"
    if sys.platform == "darwin":
        return Path.home() / "Library" / "Caches"
    base = os.environ.get("XDG_CACHE_HOME")
    return Path(base) if base else Path.home() / ".cache"


def cache_dir(cache: str | os.PathLike | None = None) -> Path:
    """Return the asset cache folder: ``cache``, ``$HOTSPOTS_ASSET_CACHE`` or default.

    Examples
    --------
    >>> cache_dir("assets-here").name
    'assets-here'
    """
    if cache is not None:
        return Path(cache)
    env = os.environ.get(CACHE_ENV)
    if env:
        return Path(env)
    return _user_cache_root() / "hotspots" / "assets"


def _cached_path(asset: Asset, root: Path) -> Path:
    return root.joinpath(asset.package, asset.version, *asset.path.split("/"))


def _check(asset: Asset, data: bytes, where: str) -> None:
    digest = hashlib.sha256(data).hexdigest()
    if digest != asset.sha256:
        raise AssetChecksumError(
            f"{asset.spec} {asset.path} from {where} has SHA-256 {digest}, but "
            f"assets.json pins {asset.sha256}. The file was changed or the package "
            "was republished; it is refused. Delete the cached copy and fetch again "
            "(python -m hotspots.maps.assets fetch --force); if it still differs, "
            "review the package before updating assets.json."
        )


def read_asset(asset: Asset, cache: str | os.PathLike | None = None) -> bytes:
    """Return the bytes of a cached asset after checking its SHA-256.

    Raises
    ------
    AssetError
        If the file is not in the cache (the message says how to fetch it).
    AssetChecksumError
        If the cached file does not match the pinned checksum.
    """
    path = _cached_path(asset, cache_dir(cache))
    try:
        data = path.read_bytes()
    except FileNotFoundError as err:
        raise AssetError(
            f"the offline map needs {asset.spec} {asset.path}, which is not in the "
            f"asset cache ({cache_dir(cache)}). {_FETCH_HINT}"
        ) from err
    _check(asset, data, "the asset cache")
    return data


def verify(
    cache: str | os.PathLike | None = None,
    *,
    manifest: str | os.PathLike | None = None,
) -> dict[str, str]:
    """Check every pinned asset in the cache; return ``{name: problem}`` (empty = ok).

    ``manifest`` names another manifest of the same layout (default: the maps'
    ``assets.json``; the documentation pins MathJax in ``docs/assets.json``).

    Examples
    --------
    >>> import tempfile
    >>> problems = verify(tempfile.mkdtemp())
    >>> sorted(set(problems.values()))
    ['missing']
    """
    problems: dict[str, str] = {}
    for asset in load_manifest(manifest).assets:
        try:
            read_asset(asset, cache)
        except AssetChecksumError:
            problems[asset.name] = "checksum mismatch"
        except AssetError:
            problems[asset.name] = "missing"
    return problems


def _npm_pack(npm: str, spec: str, dest: Path) -> Path:
    """Run ``npm pack spec`` into ``dest``; return the tarball's path."""
    try:
        done = subprocess.run(
            [
                npm,
                "pack",
                spec,
                "--json",
                "--ignore-scripts",
                "--pack-destination",
                ".",
            ],
            cwd=dest,
            capture_output=True,
            text=True,
            timeout=_NPM_TIMEOUT_S,
            check=False,
        )
    except (OSError, subprocess.TimeoutExpired) as err:
        raise AssetError(f"`npm pack {spec}` could not run: {err}") from err
    if done.returncode != 0:
        tail = (done.stderr or done.stdout).strip().splitlines()[-5:]
        raise AssetError(
            f"`npm pack {spec}` failed (exit {done.returncode}): "
            + " | ".join(tail)
            + ". Check that npm can reach its package registry (npm config get "
            "registry), then run the fetch again."
        )
    tarballs = sorted(dest.glob("*.tgz"))
    if len(tarballs) != 1:
        raise AssetError(
            f"`npm pack {spec}` should leave one .tgz file; found "
            f"{[t.name for t in tarballs]}."
        )
    return tarballs[0]


def _members(tarball: Path, assets: Sequence[Asset]) -> dict[Asset, bytes]:
    out: dict[Asset, bytes] = {}
    with tarfile.open(tarball, "r:gz") as archive:
        for asset in assets:
            try:
                member = archive.extractfile(f"package/{asset.path}")
            except KeyError:
                member = None
            if member is None:
                raise AssetError(
                    f"{asset.spec} has no file {asset.path}; check assets.json."
                )
            out[asset] = member.read()
    return out


def fetch(
    cache: str | os.PathLike | None = None,
    *,
    npm: str | None = None,
    force: bool = False,
    manifest: str | os.PathLike | None = None,
) -> Path:
    """Download the pinned assets with ``npm pack`` and store the verified files.

    Packages whose files are all present and valid are skipped (no network), unless
    ``force``. Files are written only after every file of their package has passed
    its checksum.

    Parameters
    ----------
    cache : path, optional
        Cache folder; None = ``$HOTSPOTS_ASSET_CACHE`` or the user cache folder.
    npm : str, optional
        The npm executable; None = ``npm`` on the PATH.
    force : bool, default False
        Fetch again even when the cached files are valid.
    manifest : path, optional
        Another manifest of the same layout; None = the maps' ``assets.json``.

    Returns
    -------
    Path
        The cache folder.

    Raises
    ------
    AssetError
        If npm is missing or ``npm pack`` fails.
    AssetChecksumError
        If a fetched file does not match its pinned checksum (nothing is written
        for that package).
    """
    root = cache_dir(cache)
    by_package: dict[str, list[Asset]] = {}
    for asset in load_manifest(manifest).assets:
        by_package.setdefault(asset.spec, []).append(asset)
    todo = {
        spec: assets
        for spec, assets in by_package.items()
        if force or not _all_valid(assets, root)
    }
    if not todo:
        logger.info("Web assets for offline maps are in %s and verified.", root)
        return root
    exe = npm or shutil.which("npm")
    if exe is None:
        raise AssetError(
            "npm was not found, so the web assets for offline maps cannot be "
            f"fetched ({len(todo)} package(s) missing from {root}). Install Node.js "
            "(which includes npm) and run `python -m hotspots.maps.assets fetch`, or "
            "point HOTSPOTS_ASSET_CACHE at a cache folder copied from another machine."
        )
    for spec, assets in todo.items():
        with tempfile.TemporaryDirectory(prefix="hotspots-npm-") as tmp:
            tarball = _npm_pack(exe, spec, Path(tmp))
            files = _members(tarball, assets)
        for asset, data in files.items():
            _check(asset, data, f"`npm pack {spec}`")
        for asset, data in files.items():
            target = _cached_path(asset, root)
            target.parent.mkdir(parents=True, exist_ok=True)
            partial = target.with_name(f".{target.name}.partial")
            partial.write_bytes(data)
            partial.replace(target)
        logger.info("Fetched %s (%d files, checksums match).", spec, len(assets))
    logger.info("Web assets for offline maps are in %s.", root)
    return root


def _all_valid(assets: Sequence[Asset], root: Path) -> bool:
    try:
        for asset in assets:
            read_asset(asset, root)
    except AssetError:
        return False
    return True


def main(argv: Sequence[str] | None = None) -> int:
    """Command line: ``python -m hotspots.maps.assets {fetch,verify}``."""
    from hotspots._log import set_log_level

    parser = argparse.ArgumentParser(
        prog="python -m hotspots.maps.assets",
        description="Fetch or verify the pinned web assets that offline maps embed.",
    )
    parser.add_argument("command", choices=["fetch", "verify"])
    parser.add_argument("--cache", help="cache folder (default: see module docs)")
    parser.add_argument("--force", action="store_true", help="fetch even if valid")
    parser.add_argument(
        "--manifest", help="another manifest (default: the maps' assets.json)"
    )
    parser.add_argument(
        "--skip-without-npm",
        action="store_true",
        help="exit 0 with a warning when npm is not installed",
    )
    args = parser.parse_args(argv)
    set_log_level("INFO")
    if args.command == "verify":
        problems = verify(args.cache, manifest=args.manifest)
        for name, problem in sorted(problems.items()):
            logger.error("%s: %s", name, problem)
        if problems:
            logger.error(_FETCH_HINT)
            return 1
        logger.info("All %d assets verified.", len(load_manifest(args.manifest).assets))
        return 0
    if args.skip_without_npm and shutil.which("npm") is None:
        root = cache_dir(args.cache)
        if not _all_valid(load_manifest(args.manifest).assets, root):
            logger.warning(
                "npm not found: offline maps will not work until the web assets "
                "are fetched. %s",
                _FETCH_HINT,
            )
            return 0
    try:
        fetch(args.cache, force=args.force, manifest=args.manifest)
    except AssetError as err:
        logger.error("%s", err)
        return 1
    return 0


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
