"""Save a map as one HTML file that opens without a network.

folium's page loads Leaflet, jQuery, Bootstrap, Font Awesome, Leaflet.awesome-markers
and (for clustered points) Leaflet.markercluster from the internet. The files the
map does not use are left out (the rules are in ``hotspots/maps/_usage.py``). With
``offline=True`` each remaining reference is replaced by the file itself, taken
from the pinned asset cache (:mod:`hotspots.maps.assets`), and each image or font
a style sheet points to becomes a ``data:`` URI. Base-map tiles stay: the browser
fetches them when it has a network (``hotspots/maps/_tiles.py``).
"""

from __future__ import annotations

import base64
import logging
import os
import posixpath
import re
import warnings
from pathlib import Path
from typing import Literal

import folium

from hotspots._atomic import atomic_path
from hotspots.exceptions import HotspotsWarning
from hotspots.maps._base import layer_control_last
from hotspots.maps._tiles import TileFallback
from hotspots.maps._usage import TAGS as _TAGS
from hotspots.maps._usage import drop_unused

__all__ = ["ASSET_CHOICES", "save", "to_html"]

logger = logging.getLogger(__name__)

#: What ``assets=`` accepts: the files the map uses, or all folium loads.
ASSET_CHOICES: tuple[str, ...] = ("used", "all")
_CSS_URL = re.compile(r"""url\(\s*(?P<q>['"]?)(?P<ref>[^'")]+)(?P=q)\s*\)""")
_FONT_FACE = re.compile(r"@font-face\s*\{[^}]*\}", re.IGNORECASE)
_FONT_SRC = re.compile(r"(src\s*:)([^;}]*)", re.IGNORECASE)
_SOURCE_MAP = re.compile(r"(/\*# sourceMappingURL=[^*]*\*/|//# sourceMappingURL=\S*)")
_MIME = {
    ".png": "image/png",
    ".gif": "image/gif",
    ".svg": "image/svg+xml",
    ".woff2": "font/woff2",
    ".woff": "font/woff",
    ".ttf": "font/ttf",
}
#: Glyph rotations Font Awesome 6 provides itself (folium's rotate sheet is dropped).
_FA_ROTATIONS = {0, 90, 180, 270}


def _is_remote(url: str) -> bool:
    return url.lower().startswith(("http://", "https://", "//"))


def _data_uri(path: str, data: bytes) -> str:
    mime = _MIME.get(posixpath.splitext(path)[1].lower(), "application/octet-stream")
    return f"data:{mime};base64,{base64.b64encode(data).decode('ascii')}"


def _woff2_only(css: str) -> str:
    """Keep only the woff2 sources of each ``@font-face`` that has one.

    Every browser that runs Leaflet 1.9 and Bootstrap 5 reads woff2, so the
    truetype fallbacks would only double the size of the page.
    """

    def fix_src(match: re.Match) -> str:
        sources = [s.strip() for s in match.group(2).split(",")]
        woff2 = [s for s in sources if "woff2" in s.lower()]
        return match.group(1) + ",".join(woff2 or sources)

    return _FONT_FACE.sub(lambda face: _FONT_SRC.sub(fix_src, face.group(0)), css)


def _inline_css(css: str, asset, manifest, cache) -> str:
    from hotspots.maps.assets import AssetError, read_asset

    def replace(match: re.Match) -> str:
        ref = match.group("ref").strip()
        if ref.startswith(("data:", "#")):
            return match.group(0)
        if _is_remote(ref):
            raise AssetError(
                f"{asset.spec} {asset.path} loads {ref} from the network; it cannot "
                "be inlined. Save with offline=False."
            )
        clean = ref.split("?")[0].split("#")[0]
        path = posixpath.normpath(posixpath.join(posixpath.dirname(asset.path), clean))
        target = manifest.find(asset.package, asset.version, path)
        if target is None:
            raise AssetError(
                f"{asset.spec} {asset.path} refers to {path}, which assets.json does "
                "not pin; add it (with its SHA-256) to inline it."
            )
        return f'url("{_data_uri(path, read_asset(target, cache))}")'

    css = _SOURCE_MAP.sub("", _woff2_only(css))
    return _CSS_URL.sub(replace, css).replace("</style", "<\\/style")


def _default_icon_script(asset, manifest, cache) -> str:
    """Point Leaflet's default marker icon at inlined images (no image folder)."""
    from hotspots.maps.assets import read_asset

    urls = {}
    for key, file in (
        ("iconUrl", "marker-icon.png"),
        ("iconRetinaUrl", "marker-icon-2x.png"),
        ("shadowUrl", "marker-shadow.png"),
    ):
        path = posixpath.join(posixpath.dirname(asset.path), "images", file)
        target = manifest.find(asset.package, asset.version, path)
        if target is not None:
            urls[key] = _data_uri(path, read_asset(target, cache))
    if not urls:
        return ""
    options = ", ".join(f'{k}: "{v}"' for k, v in urls.items())
    return (
        '<script>L.Icon.Default.imagePath = "";'
        f"L.Icon.Default.mergeOptions({{{options}}});</script>"
    )


def _inline(page: str, cache) -> str:
    from hotspots.maps.assets import AssetError, load_manifest, read_asset

    manifest = load_manifest()
    unknown: list[str] = []

    def script(match: re.Match) -> str:
        url = match.group("script")
        asset = manifest.serving(url)
        if asset is None:
            unknown.append(url)
            return match.group(0)
        code = _SOURCE_MAP.sub("", read_asset(asset, cache).decode("utf-8"))
        code = re.sub(r"</script", r"<\\/script", code, flags=re.IGNORECASE)
        extra = ""
        if asset.package == "leaflet" and asset.path.endswith("leaflet.js"):
            extra = _default_icon_script(asset, manifest, cache)
        return f"<script>/* {asset.spec} {asset.path} */\n{code}\n</script>{extra}"

    def link(match: re.Match) -> str:
        url = match.group("link")
        if manifest.dropped_reason(url) is not None:
            return ""
        asset = manifest.serving(url)
        if asset is None:
            unknown.append(url)
            return match.group(0)
        css = _inline_css(
            read_asset(asset, cache).decode("utf-8"), asset, manifest, cache
        )
        return f"<style>/* {asset.spec} {asset.path} */\n{css}\n</style>"

    def tag(match: re.Match) -> str:
        url = match.group("script") or match.group("link")
        if not _is_remote(url):
            return match.group(0)
        return script(match) if match.group("script") else link(match)

    page = _TAGS.sub(tag, page)
    if unknown:
        raise AssetError(
            f"the map loads {len(unknown)} file(s) that assets.json does not pin: "
            f"{unknown}. A plugin added to the map, or a folium version other than "
            f"{manifest.folium}, needs them. Pin them in assets.json, or save with "
            "offline=False."
        )
    return page


def _warn_dropped_styles(page: str) -> None:
    rotations = {int(a) for a in re.findall(r"fa-rotate-(\d+)", page)}
    if '"prefix": "glyphicon"' in page or rotations - _FA_ROTATIONS:
        warnings.warn(
            "the map has folium.Icon markers with glyphicon icons or rotated glyphs; "
            "their style sheets are not available offline, so those glyphs will "
            "not show. Use folium.Icon(prefix='fa', icon=...) without angle=.",
            HotspotsWarning,
            stacklevel=3,
        )


def to_html(
    m: folium.Map,
    *,
    offline: bool = True,
    drop_tiles: bool = False,
    assets: Literal["used", "all"] = "used",
    cache: str | os.PathLike | None = None,
) -> str:
    """Return the map as one HTML document (string).

    Parameters
    ----------
    m : folium.Map
        A map from :mod:`hotspots.maps` (or any folium map).
    offline : bool, default True
        Inline every script, style sheet, font and image the page needs, so it
        opens with no network. Needs the asset cache (see
        :mod:`hotspots.maps.assets`).
    drop_tiles : bool, default False
        Leave the base-map tiles out (a plain background). By default they stay:
        the browser fetches them while the map is viewed, so a reader with a
        network sees the streets, and a reader without one sees the plain
        background, with a note in the title box saying the base map needs a
        network; the data, outlines and names show either way.
    assets : {"used", "all"}, default "used"
        Which of the files folium's page loads to keep (inline, offline):
        "used" keeps Leaflet and what the page shows signs of using (see
        ``hotspots/maps/_usage.py``); "all" keeps jQuery, Bootstrap, Font Awesome
        and Leaflet.awesome-markers too (about 1.9 MB more offline), for HTML of
        your own that relies on them.
    cache : path, optional
        Asset cache folder; None = ``$HOTSPOTS_ASSET_CACHE`` or the user cache.

    Returns
    -------
    str
        The page. With ``offline=True`` no ``<script src>`` or style sheet
        ``<link>`` points to the network; only base-map tiles (if any) are
        fetched, by the browser, when it can.

    Raises
    ------
    ValueError
        If ``assets`` is not "used" or "all".
    hotspots.maps.assets.AssetError
        If an asset is missing from the cache (the message says how to fetch it)
        or the map uses a file that ``assets.json`` does not pin.
    hotspots.maps.assets.AssetChecksumError
        If a cached asset does not match its pinned SHA-256.

    Warns
    -----
    HotspotsWarning
        When glyphs whose style sheets are dropped offline are used.

    Notes
    -----
    Two style sheets of folium's page are left out offline, because no pinned
    copy exists: Bootstrap 3.0.0's ``bootstrap-glyphicons.css`` (used only by
    ``folium.Icon(prefix="glyphicon")`` glyphs) and folium's
    ``leaflet.awesome.rotate`` sheet (used only by ``folium.Icon(angle=...)``).
    The maps of this package use neither (tested); a warning is given when a
    map does. Font Awesome's truetype fallbacks are left out; its woff2 fonts
    are inlined when the page uses Font Awesome.

    Examples
    --------
    >>> import geopandas as gpd
    >>> from shapely.geometry import Point
    >>> from hotspots.maps import base_map
    >>> pts = gpd.GeoDataFrame(geometry=[Point(458000, 304000)], crs=27700)
    >>> page = to_html(base_map(pts, tiles=None), offline=False)
    >>> page.startswith("<!DOCTYPE html>"), "bootstrap" in page
    (True, False)
    """
    if not isinstance(m, folium.Map):
        raise TypeError(f"m must be a folium.Map; got {type(m).__name__}")
    if assets not in ASSET_CHOICES:
        raise ValueError(
            f"assets must be 'used' (the files the map uses) or 'all' (every file "
            f"folium loads); got {assets!r}"
        )
    layer_control_last(m)
    saved = dict(m._children)
    try:
        if drop_tiles:
            for name, child in saved.items():
                if isinstance(child, folium.TileLayer | TileFallback):
                    del m._children[name]
        page = m.get_root().render()
    finally:
        m._children.clear()
        m._children.update(saved)
    if assets == "used":
        page, dropped = drop_unused(page)
        logger.debug("Left out files the map does not use: %s", dropped)
    if not offline:
        return page
    _warn_dropped_styles(page)
    return _inline(page, cache)


def save(
    m: folium.Map,
    path: str | os.PathLike,
    *,
    offline: bool = True,
    drop_tiles: bool = False,
    assets: Literal["used", "all"] = "used",
    cache: str | os.PathLike | None = None,
) -> Path:
    """Write the map to one HTML file (atomically); return its path.

    Parameters
    ----------
    m : folium.Map
        The map.
    path : str or path-like
        File to write, e.g. ``"hotspots.html"``.
    offline, drop_tiles, assets, cache
        See :func:`to_html`.

    Returns
    -------
    Path
        ``path``.

    Examples
    --------
    >>> import tempfile, pathlib
    >>> import geopandas as gpd
    >>> from shapely.geometry import Point
    >>> from hotspots.maps import base_map
    >>> pts = gpd.GeoDataFrame(geometry=[Point(458000, 304000)], crs=27700)
    >>> out = save(base_map(pts, tiles=None), pathlib.Path(tempfile.mkdtemp()) /
    ...            "map.html", offline=False)
    >>> out.suffix
    '.html'
    """
    page = to_html(
        m, offline=offline, drop_tiles=drop_tiles, assets=assets, cache=cache
    )
    target = Path(path)
    with atomic_path(target) as tmp:
        tmp.write_text(page, encoding="utf-8")
    logger.info(
        "Saved map to %s (%s, %.1f MB).",
        target,
        "offline" if offline else "loads scripts from the internet",
        len(page.encode("utf-8")) / 1e6,
    )
    return target
