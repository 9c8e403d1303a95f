"""Headless Chromium for the map tests: render a saved page, dump its DOM, screenshot.

Chromium runs with the network cut off (a proxy on a closed loopback port, no
bypass except loopback), so a page that tried to load anything from the internet
would show it in ``performance.getEntriesByType('resource')`` and fail to render.
"""

from __future__ import annotations

import html
import json
import os
import re
import shutil
import subprocess
import tempfile
import time
from pathlib import Path

import pytest

REQUIRE_ENV = "HOTSPOTS_REQUIRE_BROWSER"
BINARY_ENV = "HOTSPOTS_CHROMIUM"
ARTIFACTS = Path(__file__).resolve().parents[1] / "artifacts" / "maps"
_FLAGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--proxy-server=127.0.0.1:9",
    "--proxy-bypass-list=<-loopback>",
    "--hide-scrollbars",
]
_TIMEOUT_S = 120
_PROBE_ID = "hotspots-probe"


def chromium() -> str:
    """Return the Chromium executable, or skip (fail when CI requires it)."""
    names = [os.environ.get(BINARY_ENV, ""), "chromium", "chromium-browser"]
    found = next((shutil.which(n) for n in names if n and shutil.which(n)), None)
    if found:
        return found
    reason = (
        "headless Chromium not found (install Debian's chromium, or set "
        f"{BINARY_ENV} to a Chrome/Chromium binary)"
    )
    if os.environ.get(REQUIRE_ENV):
        pytest.fail(f"{reason}; {REQUIRE_ENV} is set, so browser tests must run.")
    pytest.skip(reason)
    raise AssertionError("unreachable")  # pytest.skip raises


def _run(extra: list[str], page: Path) -> tuple[str, float]:
    exe = chromium()
    with tempfile.TemporaryDirectory(prefix="hotspots-chromium-") as profile:
        start = time.perf_counter()
        done = subprocess.run(
            [exe, *_FLAGS, f"--user-data-dir={profile}", *extra, page.as_uri()],
            capture_output=True,
            text=True,
            timeout=_TIMEOUT_S,
            check=False,
        )
        elapsed = time.perf_counter() - start
    if done.returncode != 0:
        raise AssertionError(
            f"chromium exited {done.returncode}: {done.stderr[-2000:]}"
        )
    return done.stdout, elapsed


#: Headless Chromium lays pages out at least this wide, whatever --window-size says.
_MIN_WINDOW_PX = 500


def dump_dom(
    page: Path, *, budget_ms: int = 5000, size: tuple[int, int] = (1280, 900)
) -> tuple[str, float]:
    """Load ``page`` offline in a ``size`` viewport; return (DOM, seconds taken).

    Viewports narrower than headless Chromium's smallest window (a phone) are
    made by showing the page in an ``<iframe srcdoc>`` of that size, which keeps
    the page's origin, so the probe can report to the outer page.
    """
    if size[0] < _MIN_WINDOW_PX:
        outer = page.with_name(f"{page.stem}_{size[0]}x{size[1]}.html")
        text = html.escape(page.read_text(encoding="utf-8"), quote=True)
        outer.write_text(
            '<!DOCTYPE html><html><body style="margin:0">'
            f'<iframe srcdoc="{text}" width="{size[0]}" height="{size[1]}" '
            'style="border:0;display:block"></iframe></body></html>',
            encoding="utf-8",
        )
        page, size = outer, (1280, 900)
    return _run(
        [
            f"--virtual-time-budget={budget_ms}",
            f"--window-size={size[0]},{size[1]}",
            "--dump-dom",
        ],
        page,
    )


def screenshot(
    page: Path, png: Path, *, budget_ms: int = 5000, size: tuple[int, int] = (1280, 900)
) -> float:
    """Render ``page`` offline to ``png``; return the seconds taken."""
    png.parent.mkdir(parents=True, exist_ok=True)
    _, elapsed = _run(
        [
            f"--virtual-time-budget={budget_ms}",
            f"--window-size={size[0]},{size[1]}",
            f"--screenshot={png}",
        ],
        page,
    )
    assert png.exists() and png.stat().st_size > 0, f"no screenshot at {png}"
    return elapsed


def with_probe(page: str, script: str) -> str:
    """Return ``page`` with a test-only ``<script>`` appended after the map's code."""
    at = page.rfind("</html>")
    assert at > 0, "not an HTML page"
    return f"{page[:at]}<script>\n{script}\n</script>\n{page[at:]}"


def probe_result(dom: str) -> dict:
    """Return the JSON the probe script wrote into ``<pre id="hotspots-probe">``."""
    match = re.search(rf'<pre id="{_PROBE_ID}">(.*?)</pre>', dom, flags=re.DOTALL)
    assert match, "the probe script did not report (did the map script fail?)"
    return json.loads(html.unescape(match.group(1)))


# Shared by the probes: find the Leaflet maps and every layer, recursively (layers
# inside marker clusters and GeoJSON groups included), then report.
PROBE_COMMON = f"""
function hotspotsMaps() {{
  var maps = [];
  Object.keys(window).forEach(function (key) {{
    var value = null;
    try {{ value = window[key]; }} catch (e) {{ return; }}
    if (window.L && value instanceof L.Map) {{ maps.push(value); }}
  }});
  return maps;
}}
function hotspotsLayers(map) {{
  var seen = new Set(), out = [];
  function walk(layer) {{
    if (!layer || seen.has(layer)) {{ return; }}
    seen.add(layer); out.push(layer);
    if (typeof layer.getLayers === "function") {{ layer.getLayers().forEach(walk); }}
  }}
  map.eachLayer(walk);
  return out;
}}
function hotspotsReport(result) {{
  // In a phone-sized frame (see dump_dom), report to the outer page.
  var doc = window.frameElement ? window.parent.document : document;
  var pre = doc.createElement("pre");
  pre.id = "{_PROBE_ID}";
  pre.textContent = JSON.stringify(result);
  doc.body.appendChild(pre);
}}
function hotspotsSetView(lat, lon, zoom) {{
  hotspotsMaps().forEach(function (map) {{
    map.setView([lat, lon], zoom, {{animate: false}});
  }});
}}
function hotspotsRects(selector) {{
  return Array.prototype.map.call(document.querySelectorAll(selector), function (n) {{
    var r = n.getBoundingClientRect();
    return {{left: r.left, top: r.top, right: r.right, bottom: r.bottom,
             width: r.width, height: r.height, text: n.textContent}};
  }});
}}
function hotspotsTexts(selector) {{
  return Array.prototype.map.call(document.querySelectorAll(selector), function (n) {{
    return n.textContent;
  }});
}}
"""
