"""Packs for a clear, a null, an unmatched and a tiny study (SYNTHETIC data).

The first screen follows the verdict rule, and a reviewer recomputes it from the
pack's own tables.
"""

from __future__ import annotations

import html
import re

import geopandas as gpd
import numpy as np
import pandas as pd
import pytest
import shapely

import hotspots
from hotspots.evaluation import Effect, judge
from hotspots.pack import build_pack

pytestmark = pytest.mark.slow

START = "2024-01"


def _cells(violence):
    selection = violence[violence["month"].dt.year == 2023]
    cells = hotspots.count_points(selection, cell_size=150)
    return cells.sort_values(["n", "cell_id"], ascending=[False, True]).reset_index()


def _places(cells, ranks):
    out = cells.iloc[list(ranks)][["cell_id", "geometry"]]
    out = out.rename(columns={"cell_id": "place_id"}).astype({"place_id": str})
    return gpd.GeoDataFrame(out, geometry="geometry", crs=cells.crs)


def _thin(crimes, places, keep, rng):
    """Remove (1 - keep) of the crimes in ``places`` from the start on."""
    inside = np.zeros(len(crimes), dtype=bool)
    for poly in places.geometry:
        inside |= shapely.contains_xy(
            poly, crimes.geometry.x.to_numpy(), crimes.geometry.y.to_numpy()
        )
    post = (crimes["month"] >= pd.Timestamp(START)).to_numpy()
    drop = inside & post & (rng.random(len(crimes)) > keep)
    return crimes[~drop]


@pytest.fixture(scope="module")
def scenarios(synthetic_violence, tmp_path_factory):
    from hotspots.synthetic import patrol_places

    truth, violence = synthetic_violence
    cells = _cells(violence)
    rng = np.random.default_rng(7)
    middling = _places(cells, rng.choice(np.arange(100, 400), 18, replace=False))
    tiny = _places(cells, [2000, 2400])
    box = shapely.box(*tiny.total_bounds).buffer(1500)
    small = violence[shapely.contains_xy(box, violence.geometry.x, violence.geometry.y)]
    cases = {
        "clear": (_thin(violence, middling, 0.5, rng), middling),
        "null": (violence, middling),
        "unmatched": (violence, patrol_places(truth)),
        "tiny": (small, tiny),
    }
    folder = tmp_path_factory.mktemp("verdict-packs")
    packs = {}
    for name, (crimes, places) in cases.items():
        crimes_path = folder / f"{name}.parquet"
        crimes.to_parquet(crimes_path)
        places_path = folder / f"{name}.geojson"
        places.to_file(places_path, driver="GeoJSON")
        packs[name] = build_pack(
            folder / name,
            crimes=str(crimes_path),
            places=str(places_path),
            treatment_start=START,
            title=f"SYNTHETIC verdict test: {name}",
            area="Leicestershire (SYNTHETIC)",
            permutations=99,
            seed=11,
        )
    return packs


def _first_screen(pack) -> str:
    page = (pack.root / "index.html").read_text(encoding="utf-8")
    glance = page[page.index('id="glance-h"') : page.index('id="steps-h"')]
    return html.unescape(re.sub(r"<[^>]+>", " ", glance))


def _recomputed(pack):
    """The verdict a reviewer gets from the pack's own CSV tables."""
    data = pack.root / "data"
    estimates = pd.read_csv(data / "estimates.csv").set_index("estimator")
    balance = pd.read_csv(data / "balance.csv").set_index("feature")
    checks = pd.read_csv(data / "verdict_checks.csv").set_index("check")
    main = estimates.loc["did_negative_binomial"]
    did = Effect(
        "incidence rate ratio",
        main["estimate"],
        main["ci_low"],
        main["ci_high"],
        details={"pre_trend_p": checks.loc["pre-trend test", "value"]},
    )
    p = estimates.loc["randomisation", "p_value"]
    return judge(
        balance=balance,
        did=did,
        randomisation_p=None if pd.isna(p) else float(p),
        n_treated=int(main["n_treated"]),
        n_comparison=int(main["n_comparison"]),
    )


@pytest.mark.parametrize(
    ("name", "level", "labels"),
    [
        ("clear", 4, {"worked"}),
        ("null", 4, {"didn't work", "new or innovative"}),
        ("unmatched", 2, {"promising"}),
        ("tiny", 3, {"promising", "new or innovative"}),
    ],
)
def test_pack_first_screen_follows_the_verdict(scenarios, name, level, labels):
    pack = scenarios[name]
    screen = " ".join(_first_screen(pack).split())
    verdict = _recomputed(pack)
    # the reviewer's recomputation from the pack's tables gives the page's verdict
    assert verdict.sms_level == level
    assert verdict.label in labels
    assert pack.glance["label"] == f"{verdict.label}: {verdict.label_reason}"
    assert pack.glance["study_quality"].startswith(verdict.sentences["design"])
    for key in ("effect", "design", "balance"):
        assert verdict.sentences[key] in screen, key
    assert f"{verdict.label} : {verdict.label_reason}" in screen
    # no sentence claims more than the numbers
    if level < 3:
        assert "not shown to be comparable" in screen
        assert "worked" not in pack.glance["label"].split(":")[0]
    if not verdict.checks.set_index("check").loc["interval below 1", "passed"]:
        assert "includes no change" in screen or "more crimes" in screen
    assert " p = 0.000" not in screen and " p = 0 " not in screen


def test_unmatched_pack_says_why_on_the_first_screen(scenarios):
    screen = " ".join(_first_screen(scenarios["unmatched"]).split())
    assert "level standardised difference" in screen
    assert "beyond ±0.25" in screen
    # the matching was done: the page must not advise doing it
    assert "match comparison areas on pre-period level and trend" not in screen
    assert "choose_comparisons" not in screen


def test_tiny_pack_builds_and_says_what_it_cannot_show(scenarios):
    pack = scenarios["tiny"]
    page = (pack.root / "index.html").read_text(encoding="utf-8")
    # two places: never "worked" or "didn't work", and the reason says why
    assert "only 2 treated places" in pack.glance["label"] or (
        "only 2 places were treated" in pack.glance["label"]
    )
    if "No cell was a significant Gi* hot or cold spot" not in page:
        assert "Gi* hot and cold spots of the selection period" in page


def test_page_tables_use_reader_names_and_p_values(scenarios):
    page = (scenarios["clear"].root / "index.html").read_text(encoding="utf-8")
    effects = page[page.index("All estimates") : page.index("Balance of the")]
    codes = ("did_negative_binomial", "did_poisson", ">res<", ">wdq<", ">wdd<")
    for code in (*codes, "its_level"):
        assert code not in effects
    assert "Relative effect size, inverted (1/RES)" in effects
    assert ">0.000<" not in effects and ">0<" not in effects
    # every ratio row reads "below 1 = fewer crimes": RES is shown inverted
    estimates = pd.read_csv(scenarios["clear"].root / "data" / "estimates.csv")
    res = estimates.set_index("estimator").loc["res", "estimate"]
    assert f"{1 / res:.2f}" in effects


@pytest.mark.parametrize("name", ["clear", "null", "unmatched"])
def test_displacement_row_reports_the_wdd_of_the_estimates_table(scenarios, name):
    pack = scenarios[name]
    row = " ".join(pack.glance["displacement"].split())
    estimates = pd.read_csv(pack.root / "data" / "estimates.csv")
    wdd = estimates.set_index("estimator").loc["wdd"]
    # the page's numbers are the table's: estimate, 95% interval and p-value
    assert (
        f"weighted displacement difference {wdd['estimate']:,.0f} crimes, 95% CI "
        f"{wdd['ci_low']:,.0f} to {wdd['ci_high']:,.0f}, p "
    ) in row
    p_text = hotspots.evaluation.format_p(wdd["p_value"])
    assert f"p {p_text})" in row or f"p = {p_text})" in row
    # ... and the words follow them: "distinguishable" exactly when p < 0.05
    significant = wdd["p_value"] < 0.05
    assert significant == (not wdd["ci_low"] <= 0 <= wdd["ci_high"])
    assert ("is not distinguishable from chance" in row) == (not significant)
    if significant:
        fewer = "fewer" if wdd["estimate"] < 0 else "more"
        assert f"about {abs(wdd['estimate']):,.0f} {fewer} crimes" in row
    assert row in " ".join(_first_screen(pack).split())
