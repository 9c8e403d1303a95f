"""Benchmark the demo's two offline maps: file size and time to load in Chromium.

Run from the project root::

    python benchmarks/bench_maps.py                # 5 loads of each page
    python benchmarks/bench_maps.py --repeats 9 --keep /tmp/bench-maps

Builds the two maps ``make demo`` writes (``data/processed/maps/``), each in two
versions, in the same run and from the same inputs:

* ``after``: the demo's own calls (``demo_real_map`` and ``demo_synthetic_map`` in
  ``hotspots/cli/_demo_run.py``), saved as the demo saves them
  (``hotspots.maps.save(m, path, offline=True)``);
* ``before``: the old behaviour, as a baseline: every grid cell drawn
  (``show_not_significant=True``), no base map (``tiles=None``), the force outline
  dissolved into one polygon, and every file folium loads inlined
  (``assets="all"``). It is built with today's code, so it shares today's labels
  and legends; the old files were 15.9 MB (real) and 2.2 MB (SYNTHETIC).

Inputs: the real police.uk sample bundled with the package (2024 serious
violence, Gi* on 250 m cells inside the force's 611 LSOAs, with the data-quality
checks), and the SYNTHETIC archive with the demo's seed (generated into a
temporary folder; its 18 patrol places named from its crimes).

For each page it reports the file size; the time from navigation start to the
``load`` event (Navigation Timing ``loadEventStart``, read by a probe added to a
copy of the page), median and best of ``--repeats`` loads, each in a fresh
headless Chromium profile with the network cut off (as in the browser tests:
an offline reader); the JavaScript heap in use at ``load``
(``performance.memory``, precise: the page's memory; Chromium's own processes
take about the same for every page); and, in Python, the time to build and save
the map and the peak of Python allocations while doing so (:mod:`tracemalloc`,
in a separate build). Ratios are before / after of the same run. Load times
depend on the machine and on what else it runs: compare rows of one run.

Results are printed as a table and written to ``benchmarks/results/bench_maps.json``.
"""

from __future__ import annotations

import argparse
import json
import os
import re
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
import tracemalloc
import warnings
from pathlib import Path

from _harness import mb, write_results

RESULTS = Path(__file__).resolve().parent / "results" / "bench_maps.json"
TARGET_BYTES = 3_000_000
TARGET_LOAD_S = 1.0
DEMO_CELL_M = 250  # the demo's settings (hotspots/cli/_demo_run.py)
DEMO_BANDWIDTH_M = 400
RING_RADIUS_M = 250
CHROMIUM_FLAGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--proxy-server=127.0.0.1:9",  # a closed port: no network
    "--proxy-bypass-list=<-loopback>",
    "--hide-scrollbars",
    "--enable-precise-memory-info",
    "--window-size=1280,900",
]
PROBE = """<script>
window.addEventListener("load", function () {
  var nav = performance.getEntriesByType("navigation")[0];
  var pre = document.createElement("pre");
  pre.id = "bench-maps";
  pre.textContent = JSON.stringify({
    load_ms: nav.loadEventStart,
    heap: performance.memory ? performance.memory.usedJSHeapSize : null
  });
  document.body.appendChild(pre);
});
</script>"""
LOAD_TIMEOUT_S = 180


# ---------------------------------------------------------------- inputs
def demo_inputs(tmp: Path) -> dict:
    """The demo's map inputs: real 2024 hot spots, flags, LSOAs; SYNTHETIC places."""

    from hotspots.demo import load_lsoa, load_real_sample
    from hotspots.find import find_hotspots
    from hotspots.io import read_policeuk
    from hotspots.quality import check_data
    from hotspots.synthetic import make_archive, patrol_places

    real = load_real_sample()
    boundary = load_lsoa()
    recent = real.crimes[real.crimes["month"] >= "2024-01-01"]
    report = check_data(recent, quarantine=real)
    cells = find_hotspots(
        recent,
        cell_size=DEMO_CELL_M,
        boundary=boundary,
        bandwidth=DEMO_BANDWIDTH_M,
        progress=False,
        quality=report,
    )
    archive = make_archive(tmp / "synthetic")
    crimes = read_policeuk(archive.root).crimes
    return {
        "cells": cells,
        "flagged": report.flagged_points,
        "boundary": boundary,
        "places": patrol_places(archive.truth),
        "crimes": crimes,
    }


# ---------------------------------------------------------------- maps
def before_real(d: dict):
    """The real map as the demo drew it before: every cell, no tiles."""
    from hotspots import maps

    m = maps.gistar_map(
        d["cells"],
        show_not_significant=True,
        tiles=None,
        outline=d["boundary"][["geometry"]].dissolve(),
        title="Gi* hot spots of serious violence, Leicestershire, 2024 "
        "(police.uk data, Open Government Licence v3.0)",
        synthetic=False,
    )
    return maps.quality_map(d["flagged"], m=m, synthetic=False)


def after_real(d: dict):
    """The real map as the demo draws it now."""
    from hotspots.cli._demo_run import demo_real_map

    return demo_real_map(d["cells"], d["flagged"], d["boundary"])


def before_synthetic(d: dict):
    """The SYNTHETIC map as the demo drew it before: no names, no tiles."""
    from hotspots import maps
    from hotspots.evaluation import rings

    places = d["places"]
    m = maps.places_map(
        places,
        tiles=None,
        outline=d["boundary"][["geometry"]].dissolve(),
        title="SYNTHETIC patrol places and 250 m displacement rings",
        synthetic=True,
    )
    return maps.rings_map(
        places, rings(places, radius=RING_RADIUS_M), m=m, synthetic=True
    )


def after_synthetic(d: dict):
    """The SYNTHETIC map as the demo draws it now."""
    from hotspots.cli._demo_run import demo_synthetic_map

    return demo_synthetic_map(d["places"], d["crimes"], d["boundary"])


#: (map, version) -> (builder, assets= of save)
VARIANTS = {
    ("real", "before"): (before_real, "all"),
    ("real", "after"): (after_real, "used"),
    ("synthetic", "before"): (before_synthetic, "all"),
    ("synthetic", "after"): (after_synthetic, "used"),
}


def build(d: dict, key: tuple[str, str], out: Path) -> dict:
    """Build and save one map; return its path, size and build time and memory."""
    from hotspots import maps

    builder, assets = VARIANTS[key]
    path = out / f"{key[0]}_{key[1]}.html"
    start = time.perf_counter()
    maps.save(builder(d), path, offline=True, assets=assets)
    seconds = time.perf_counter() - start
    tracemalloc.start()
    maps.save(builder(d), out / "traced.html", offline=True, assets=assets)
    _, peak = tracemalloc.get_traced_memory()
    tracemalloc.stop()
    return {
        "path": str(path),
        "bytes": path.stat().st_size,
        "build_s": seconds,
        "build_py_peak": peak,
    }


# ---------------------------------------------------------------- browser
def chromium() -> str:
    """The Chromium executable ($HOTSPOTS_CHROMIUM, chromium, chromium-browser)."""
    names = (os.environ.get("HOTSPOTS_CHROMIUM", ""), "chromium", "chromium-browser")
    for name in names:
        found = shutil.which(name) if name else None
        if found:
            return found
    sys.exit("headless Chromium not found: install it or set HOTSPOTS_CHROMIUM")


def load_once(exe: str, page: Path) -> dict:
    """Open ``page`` once in a fresh profile; return its load time and JS heap."""
    with tempfile.TemporaryDirectory(prefix="bench-maps-chromium-") as profile:
        flags = [*CHROMIUM_FLAGS, f"--user-data-dir={profile}", "--dump-dom"]
        done = subprocess.run(
            [exe, *flags, page.as_uri()],
            capture_output=True,
            text=True,
            timeout=LOAD_TIMEOUT_S,
            check=False,
        )
    found = re.search(r'<pre id="bench-maps">(.*?)</pre>', done.stdout, re.DOTALL)
    if not found:
        sys.exit(f"the probe did not report for {page} (exit {done.returncode})")
    result = json.loads(found.group(1).replace("&quot;", '"'))
    return {"load_s": result["load_ms"] / 1000, "heap": result["heap"]}


def probed_copy(path: Path) -> Path:
    """A copy of the page with the timing probe first in its ``<head>``."""
    text = path.read_text(encoding="utf-8")
    at = text.index("<head>") + len("<head>")
    copy = path.with_name(f"{path.stem}_probe.html")
    copy.write_text(text[:at] + PROBE + text[at:], encoding="utf-8")
    return copy


# ---------------------------------------------------------------- report
def summarise(built: dict, loads: dict) -> dict:
    summary = {}
    for key, info in built.items():
        runs = loads[key]
        times = [r["load_s"] for r in runs]
        summary["/".join(key)] = {
            **info,
            "load_median_s": statistics.median(times),
            "load_best_s": min(times),
            "load_all_s": times,
            "heap": statistics.median(r["heap"] for r in runs if r["heap"]),
        }
    for name in ("real", "synthetic"):
        before, after = summary[f"{name}/before"], summary[f"{name}/after"]
        summary[f"{name}/ratio"] = {
            "bytes": before["bytes"] / after["bytes"],
            "load_median_s": before["load_median_s"] / after["load_median_s"],
        }
    return summary


def print_table(summary: dict) -> None:
    header = (
        f"{'map':<10} {'version':<7} {'size MB':>8} {'load med s':>10} "
        f"{'load best s':>11} {'JS heap MiB':>11} "
        f"{'build s':>8} {'build py MiB':>12}"
    )
    print(header)
    print("-" * len(header))
    for name in ("real", "synthetic"):
        for version in ("before", "after"):
            row = summary[f"{name}/{version}"]
            print(
                f"{name:<10} {version:<7} {row['bytes'] / 1e6:>8.2f} "
                f"{row['load_median_s']:>10.3f} {row['load_best_s']:>11.3f} "
                f"{mb(row['heap']):>11} "
                f"{row['build_s']:>8.2f} {mb(row['build_py_peak']):>12}"
            )
        ratio = summary[f"{name}/ratio"]
        print(
            f"{name:<10} {'ratio':<7} {ratio['bytes']:>7.1f}x "
            f"{ratio['load_median_s']:>9.1f}x   (before / after)"
        )


def check_targets(summary: dict) -> dict[str, bool]:
    real = summary["real/after"]
    targets = {
        f"real map < {TARGET_BYTES / 1e6:g} MB ({real['bytes'] / 1e6:.2f} MB)": (
            real["bytes"] < TARGET_BYTES
        ),
        f"real map loads in < {TARGET_LOAD_S:g} s (median "
        f"{real['load_median_s']:.3f} s)": real["load_median_s"] < TARGET_LOAD_S,
    }
    print("\ntargets:")
    for text, met in targets.items():
        print(f"  [{'met' if met else 'MISSED'}] {text}")
    return targets


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeats", type=int, default=5)
    parser.add_argument("--keep", help="folder to keep the built maps in")
    args = parser.parse_args(argv)
    exe = chromium()
    start = time.perf_counter()
    with tempfile.TemporaryDirectory(prefix="bench-maps-") as tmp:
        out = Path(args.keep) if args.keep else Path(tmp) / "maps"
        out.mkdir(parents=True, exist_ok=True)
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")  # the demo's data warnings, shown there
            d = demo_inputs(Path(tmp))
            print(f"inputs ready in {time.perf_counter() - start:.0f} s")
            built = {key: build(d, key, out) for key in VARIANTS}
        pages = {key: probed_copy(Path(info["path"])) for key, info in built.items()}
        loads: dict = {key: [] for key in VARIANTS}
        for repeat in range(args.repeats):  # interleaved, so drift hits all pages
            for key, page in pages.items():
                loads[key].append(load_once(exe, page))
            print(f"repeat {repeat + 1}/{args.repeats} done")
        for page in pages.values():
            page.unlink()
    summary = summarise(built, loads)
    print()
    print_table(summary)
    targets = check_targets(summary)
    print(f"\ntotal run time {time.perf_counter() - start:.0f} s")
    write_results(
        RESULTS,
        {
            "repeats": args.repeats,
            "chromium_flags": CHROMIUM_FLAGS,
            "results": summary,
            "targets": targets,
        },
    )


if __name__ == "__main__":
    main()
