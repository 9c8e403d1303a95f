"""Which of the files folium's page loads a map actually uses.

folium's page loads Leaflet, jQuery, Bootstrap (script and style sheet), Font
Awesome, Leaflet.awesome-markers and two small style sheets for every map, whether
it uses them or not; inlined offline, the unused ones are about 1.9 MB of a page.
The maps of this package use only Leaflet (and Leaflet.markercluster for crime
points, which folium loads only when they are drawn). :func:`drop_unused` removes
each optional file whose use leaves no trace in the rest of the page:

- jQuery: ``$(``, ``$.`` or ``jQuery`` (folium's ``keep_in_front`` and ``Popup``
  use it);
- Bootstrap: ``data-bs-`` attributes, ``bootstrap.<Component>`` calls, or a
  ``class`` attribute naming a Bootstrap component (``btn``, ``table``, ``row``,
  ``col-*``, ``card``, ``badge``, ``alert``, ``modal``...);
- Font Awesome: ``L.AwesomeMarkers`` icons, or a ``class`` naming ``fa``,
  ``fa-solid``... (``fa-*``);
- Leaflet.awesome-markers: ``AwesomeMarkers`` or ``awesome-marker``;
- Bootstrap 3 glyphicons and folium's rotation sheet: ``glyphicon`` and
  ``fa-rotate-``.

A sign can only keep a file that is not needed (a place name that happens to
contain ``$(``), never drop one that is. HTML of your own that relies on
Bootstrap or Font Awesome classes not listed here needs ``assets="all"``.
"""

from __future__ import annotations

import re

__all__ = ["TAGS", "drop_unused"]

#: Script and style-sheet tags that load a file (one pass over the page for both).
TAGS = re.compile(
    r"""<script\b[^>]*?\bsrc\s*=\s*["'](?P<script>[^"']+)["'][^>]*>\s*</script>"""
    r"""|<link\b[^>]*?\bhref\s*=\s*["'](?P<link>[^"']+)["'][^>]*?/?>""",
    re.IGNORECASE,
)


def _class_naming(tokens: str) -> str:
    """Pattern of a ``class`` attribute (plain or inside a JS string) with a token."""
    return rf"""class\s*=\s*\\?["'][^"'<>]*?(?<![\w-])(?:{tokens})(?![\w-])"""


_BOOTSTRAP_CLASSES = (
    r"btn|btn-[\w-]+|table|table-[\w-]+|container|container-fluid|row|col|"
    r"col-[\w-]+|card|card-[\w-]+|badge|alert|alert-[\w-]+|modal|modal-[\w-]+|nav|"
    r"navbar|nav-[\w-]+|form-control|form-select|form-check|list-group|dropdown|"
    r"collapse|tooltip|popover|d-flex|d-none|d-block|fw-bold|text-muted"
)
_FA_CLASSES = r"fa|fas|far|fab|fa-solid|fa-regular|fa-brands|fa-[\w-]+"

#: (part of a file's address, pattern whose presence in the page means it is used).
RULES: tuple[tuple[str, re.Pattern], ...] = (
    ("jquery", re.compile(r"\$\(|\$\.|\bjQuery\b")),
    ("bootstrap-glyphicons", re.compile(r"glyphicon")),
    (
        "bootstrap@",
        re.compile(r"data-bs-|\bbootstrap\.[A-Z]|" + _class_naming(_BOOTSTRAP_CLASSES)),
    ),
    ("fontawesome", re.compile(r"AwesomeMarkers|" + _class_naming(_FA_CLASSES))),
    ("awesome-markers", re.compile(r"AwesomeMarkers|awesome-marker")),
    ("awesome.rotate", re.compile(r"fa-rotate-")),
)


def _unused(url: str, rest: str) -> bool:
    lowered = url.lower()
    for part, pattern in RULES:
        if part in lowered:
            return pattern.search(rest) is None
    return False


def drop_unused(page: str) -> tuple[str, list[str]]:
    """Return ``page`` without the optional files it does not use, and their URLs.

    Examples
    --------
    >>> page = ('<script src="https://x/jquery-3.7.1.min.js"></script>'
    ...         '<script>L.map("m");</script>')
    >>> drop_unused(page)
    ('<script>L.map("m");</script>', ['https://x/jquery-3.7.1.min.js'])
    """
    rest = TAGS.sub("", page)
    dropped: list[str] = []

    def keep_or_drop(match: re.Match) -> str:
        url = match.group("script") or match.group("link")
        if _unused(url, rest):
            dropped.append(url)
            return ""
        return match.group(0)

    return TAGS.sub(keep_or_drop, page), dropped
