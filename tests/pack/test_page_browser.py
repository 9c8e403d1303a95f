"""The pack in a browser, a Markdown viewer, a spreadsheet and on paper (SYNTHETIC).

Text from the recipe and the data carries payloads for each output format; none
may run, the page's stylesheet must reach the browser intact, and every printed
page of a SYNTHETIC pack must say so.
"""

from __future__ import annotations

import csv
import re
import subprocess
import tempfile

import pytest

from hotspots._safe import FORMULA_STARTS
from hotspots.pack import build_pack
from tests.maps._browser import (
    _FLAGS,
    chromium,
    dump_dom,
    probe_result,
    with_probe,
)

pytestmark = pytest.mark.slow

HTML_PAYLOAD = '<img src=x onerror="document.body.dataset.xss=1">'
SCRIPT_PAYLOAD = "<script>document.body.dataset.xss=2</script>"
MD_PAYLOAD = "[click](javascript:document.body.dataset.xss=3)"
CSV_PAYLOAD = '=HYPERLINK("http://x.invalid","y")'
LOCATION = f"=1+1 {HTML_PAYLOAD} On or near {MD_PAYLOAD}"


@pytest.fixture(scope="module")
def pack(synthetic_violence, tmp_path_factory):
    from hotspots.synthetic import patrol_places

    truth, violence = synthetic_violence
    violence = violence.copy()
    # the busiest map point's label becomes a payload: the quality checks name it
    xy = violence.geometry.x.round(0).astype(str) + violence.geometry.y.round(0).astype(
        str
    )
    violence.loc[xy == xy.value_counts().index[0], "location"] = LOCATION
    folder = tmp_path_factory.mktemp("payload-pack")
    violence.to_parquet(folder / "crimes.parquet")
    places = patrol_places(truth)
    ids = [HTML_PAYLOAD, CSV_PAYLOAD, MD_PAYLOAD, "+cmd|' /C calc'!A0", "@SUM(1)"]
    places.loc[places.index[: len(ids)], "place_id"] = ids
    places.to_file(folder / "places.geojson", driver="GeoJSON")
    return build_pack(
        folder / "pack",
        crimes=str(folder / "crimes.parquet"),
        places=str(folder / "places.geojson"),
        treatment_start="2024-01",
        title=f"{SCRIPT_PAYLOAD} {MD_PAYLOAD} patrols",
        area="Leicestershire & <b>Rutland</b>",
        organisation=CSV_PAYLOAD,
        mechanism=f"{HTML_PAYLOAD} deterrence",
        moderators=MD_PAYLOAD,
        implementation=SCRIPT_PAYLOAD,
        permutations=49,
        officer_hours=4914.0,
        hourly_cost=45.0,
        hourly_cost_source=CSV_PAYLOAD,
    )


PROBE = """
var style = getComputedStyle(document.body);
var banner = document.querySelector(".synthetic");
var rules = 0, print = false;
Array.prototype.forEach.call(document.styleSheets, function (sheet) {
  Array.prototype.forEach.call(sheet.cssRules, function (rule) {
    rules += 1;
    if (rule.media && rule.media.mediaText === "print") { print = true; }
  });
});
document.body.dataset.probe = "1";
var report = {xss: document.body.dataset.xss || null, title: document.title,
  font: style.fontFamily, bannerBorder: getComputedStyle(banner).borderTopColor,
  rules: rules, print: print,
  links: Array.prototype.map.call(document.querySelectorAll("a[href]"),
    function (a) { return a.getAttribute("href"); })};
var pre = document.createElement("pre"); pre.id = "hotspots-probe";
pre.textContent = JSON.stringify(report); document.body.appendChild(pre);
"""


def test_page_runs_no_payload_and_keeps_its_stylesheet(pack, tmp_path):
    page = tmp_path / "index.html"
    page.write_text(
        with_probe(pack.index.read_text(encoding="utf-8"), PROBE), encoding="utf-8"
    )
    report = probe_result(dump_dom(page, budget_ms=8000)[0])
    assert report["xss"] is None
    assert report["title"].startswith(f"SYNTHETIC DATA: {SCRIPT_PAYLOAD}")
    # the stylesheet is not autoescaped: its fonts, colours and print rules apply
    assert report["font"].startswith('"Segoe UI"')
    assert report["bannerBorder"] == "rgb(176, 0, 32)"
    assert report["print"] and report["rules"] > 30
    assert not [h for h in report["links"] if h.lower().startswith("javascript")]


def test_methods_markdown_renders_as_text(pack, tmp_path):
    from markdown_it import MarkdownIt

    text = (pack.root / "methods.md").read_text(encoding="utf-8")
    # the most permissive common renderer: raw HTML passes through
    rendered = MarkdownIt("commonmark", {"html": True}).render(text)
    assert "<script" not in rendered and "<img" not in rendered
    assert 'href="javascript' not in rendered
    page = tmp_path / "methods.html"
    page.write_text(
        f"<!DOCTYPE html><html><body>{rendered}<script>{PROBE_XSS}</script>"
        "</body></html>",
        encoding="utf-8",
    )
    assert probe_result(dump_dom(page)[0])["xss"] is None
    assert SCRIPT_PAYLOAD in MarkdownIt("commonmark").render(text).replace(
        "&lt;", "<"
    ).replace("&gt;", ">")  # shown as text, not dropped


PROBE_XSS = """
var pre = document.createElement("pre"); pre.id = "hotspots-probe";
pre.textContent = JSON.stringify({xss: document.body.dataset.xss || null});
document.body.appendChild(pre);
"""


def test_csv_files_hold_no_spreadsheet_formula(pack):
    files = sorted((pack.root / "data").glob("*.csv"))
    assert files
    seen = set()
    number = re.compile(r"^[+-]?(\d+\.?\d*|\.\d+)([eE][+-]?\d+)?$")
    for path in files:
        with path.open(encoding="utf-8", newline="") as handle:
            for row in csv.reader(handle):
                for cell in row:
                    if cell.startswith(FORMULA_STARTS):
                        assert number.match(cell), f"{path.name}: {cell!r}"
                    seen.update(p for p in (CSV_PAYLOAD, LOCATION) if p in cell)
    # the payloads did reach the CSVs, defused with a leading apostrophe
    assert seen


def test_every_printed_page_of_a_synthetic_pack_says_so(pack, tmp_path):
    from pypdf import PdfReader

    pdf = tmp_path / "pack.pdf"
    with tempfile.TemporaryDirectory(prefix="hotspots-chromium-") as profile:
        subprocess.run(
            [
                chromium(),
                *_FLAGS,
                f"--user-data-dir={profile}",
                "--no-pdf-header-footer",
                f"--print-to-pdf={pdf}",
                "--virtual-time-budget=8000",
                pack.index.as_uri(),
            ],
            capture_output=True,
            timeout=180,
            check=True,
        )
    pages = PdfReader(pdf).pages
    assert len(pages) >= 3
    for number, page in enumerate(pages, start=1):
        text = " ".join(page.extract_text().split())
        assert "SYNTHETIC DATA" in text, f"printed page {number} is not marked"
