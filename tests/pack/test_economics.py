"""The pack's cost texts: one price year, and every interval says what it is of."""

from __future__ import annotations

import math

import pandas as pd
import pytest

from hotspots.evaluation import Effect, unit_cost_table
from hotspots.pack import PackRecipe
from hotspots.pack._economics import costing, costs_frame, economic_texts

VWI = "Violence with injury"
#: GDP deflator factor 2015/16 -> 2024/25 by hand from the cited edition.
FACTOR = 100 / 74.5804
UNIT = 14_050 * FACTOR  # violence with injury in 2024/25 prices
HOURS = 18 * 3 * 15 / 60 * 2 * 366  # 9,882: the SYNTHETIC patrols' dosage
COST = HOURS * 45
OBSERVED = 400
PRICES = (
    "2024/25 prices, uprated from 2015/16 with the GDP deflator "
    "(HM Treasury, March 2026)"
)


def recipe(**kw) -> PackRecipe:
    values = {
        "crimes": "crimes.parquet",
        "places": "places.geojson",
        "treatment_start": "2024-01",
        "title": "Patrols",
        "area": "Somewhere",
        "officer_hours": HOURS,
        "hourly_cost": 45.0,
        "hourly_cost_source": "illustrative",
        "cost_mix": {VWI: 1.0},
    }
    return PackRecipe(**{**values, **kw})


def texts(irr: tuple[float, float, float], table=None, **kw):
    """First screen, Economic paragraph, table HTML and the costs dict."""
    from hotspots.evaluation import home_office_unit_costs

    the_recipe = recipe(**kw)
    crimes = pd.DataFrame({"crime_type": ["Violence and sexual offences"] * 3})
    costs, caveats = costing(
        the_recipe,
        home_office_unit_costs() if table is None else table,
        Effect("incidence rate ratio", *irr),
        crimes,
        OBSERVED,
    )
    first, economic, html = economic_texts(costs, the_recipe, observed_after=OBSERVED)
    return first, economic, html, costs, caveats


def gbp(value: float) -> str:
    return f"£{value:,.0f}"


def prevented(ratio: float) -> float:
    return OBSERVED * (1 / ratio - 1)


def test_first_screen_gives_cost_per_crime_with_its_interval_in_pounds():
    first, *_ = texts((0.8, 0.7, 0.9))
    est, low, high = prevented(0.8), prevented(0.9), prevented(0.7)  # 100, 44, 171
    assert first.startswith(
        f"{gbp(COST / est)} of patrol time per crime prevented "
        f"(95% CI {gbp(COST / high)} to {gbp(COST / low)})"
    )
    assert f"patrols cost {gbp(COST)} for 100 crimes prevented" in first
    assert f"(95% CI {low:,.0f} to {high:,.0f} crimes)" in first
    ratio = (est * UNIT / COST, low * UNIT / COST, high * UNIT / COST)
    assert (
        f"benefit-cost ratio {ratio[0]:.2f} (95% CI {ratio[1]:.2f} to {ratio[2]:.2f})"
    ) in first
    net = [n * UNIT - COST for n in (est, low, high)]
    assert f"net benefit {gbp(net[0])} (95% CI {gbp(net[1])} to {gbp(net[2])})" in first
    assert first.endswith(f"All money in {PRICES}.")
    assert "upper bound" not in first  # an explicit offence mix


def test_first_screen_says_when_the_cost_per_crime_interval_is_not_estimable():
    first, economic, html, costs, _ = texts((0.8, 0.6, 1.05))
    assert "(95% CI not estimable: the 95% CI of crimes prevented" in first
    assert "reaches zero, so the cost per crime has no upper bound" in first
    assert f"{gbp(COST / 100)} of patrol time per crime prevented" in first
    assert "not estimable" in economic
    row = costs_frame(costs, recipe()).set_index("item").loc["cost per crime prevented"]
    assert math.isnan(row["ci_low"]) and math.isnan(row["ci_high"])
    assert "interval not estimable" in row["note"]
    assert "<td>not estimable</td>" in html


def test_first_screen_when_no_crimes_were_prevented():
    first, *_ = texts((1.1, 0.9, 1.3))
    assert first.startswith("none: no crimes prevented on the central estimate")
    assert "(-36; 95% CI -92 to 44 crimes), so there is no cost per crime" in first
    assert f"; patrols cost {gbp(COST)}; benefit-cost ratio" in first
    assert "benefit-cost ratio" in first and "net benefit" in first
    assert first.endswith(f"All money in {PRICES}.")


def test_default_offence_mix_marks_the_ratio_and_net_benefit_as_upper_bounds():
    first, _, _, costs, caveats = texts((0.8, 0.7, 0.9), cost_mix=None)
    assert (
        "; the benefit is an upper bound (all violence priced as violence with "
        "injury). All money in"
    ) in first
    assert costs["mix"] == {VWI: 1.0}
    assert any("upper bound" in c for c in caveats)
    assert any(PRICES in c for c in caveats)


def test_economic_paragraph_states_the_price_year_and_the_uprating():
    _, economic, *_ = texts((0.8, 0.7, 0.9))
    assert "(illustrative; taken to be in 2024/25 prices)" in economic
    assert f"cost {gbp(COST)}" in economic
    assert f"Each is valued at {gbp(UNIT)}" in economic
    assert "published in 2015/16 prices" in economic
    assert f"All money here is in {PRICES}" in economic
    assert f"by a factor of {FACTOR:.3f}" in economic
    assert "Benefit-cost ratio" in economic and "(95% CI" in economic
    assert "from the DiD: 100 (95% CI 44 to 171 crimes)" in economic
    assert f"{gbp(COST / 100)} of patrol time per crime prevented (95% CI" in economic


def test_costs_table_labels_every_interval_and_price_year():
    _, _, html, costs, _ = texts((0.8, 0.7, 0.9))
    frame = costs_frame(costs, recipe()).set_index("item")
    assert list(frame.columns) == ["estimate", "ci_low", "ci_high", "unit", "note"]
    money = [
        "cost of one officer hour",
        "patrol cost",
        "cost per crime prevented",
        "value of one crime prevented (unit cost of crime, mix-weighted)",
        "net benefit",
    ]
    assert set(frame.loc[money, "unit"]) == {"GBP, 2024/25 prices"}
    with_interval = frame.dropna(subset=["ci_low"]).index.tolist()
    assert with_interval == [
        "crimes prevented",
        "cost per crime prevented",
        "net benefit",
        "benefit-cost ratio",
    ]
    per = frame.loc["cost per crime prevented"]
    assert per["ci_low"] == pytest.approx(COST / prevented(0.7))
    assert per["ci_high"] == pytest.approx(COST / prevented(0.9))
    assert frame.loc["officer hours", "estimate"] == 9_882
    assert frame.loc[money[3], "note"] == (
        f"published in 2015/16 prices, x {FACTOR:.4f}: {PRICES}"
    )
    assert "95% CI of the item" in html
    table = costs["unit_costs"].set_index("offence")
    assert table.loc[VWI, "unit_cost"] == pytest.approx(UNIT)
    assert table.loc[VWI, "published_unit_cost"] == 14_050


def test_unit_costs_already_in_the_price_year_are_not_uprated():
    table = unit_cost_table(
        {VWI: 20_000}, price_base="2024/25", year=2025, source="force table"
    )
    first, economic, *_ = texts((0.8, 0.7, 0.9), table=table, unit_costs="mine.csv")
    assert first.endswith(
        "All money in 2024/25 prices (the unit costs' own price year: no uprating)."
    )
    assert "unit cost of crime in mine.csv, published in 2024/25 prices" in economic
    assert "factor" not in economic


def test_not_costed_when_the_recipe_gives_no_hours():
    the_recipe = recipe(officer_hours=None, hourly_cost=None)
    first, economic, html = economic_texts(None, the_recipe, observed_after=OBSERVED)
    assert first.startswith("not costed")
    assert "Record planned and delivered patrol hours" in economic
    assert html == ""
    with pytest.raises(ValueError, match="officer_hours and hourly_cost"):
        costing(the_recipe, None, None, None, OBSERVED)


def test_recipe_price_year_puts_every_figure_in_that_year():
    first, _, _, costs, _ = texts((0.8, 0.7, 0.9), price_year="2015/16")
    result = costs["result"]
    assert result.price_year == "2015/16" and not result.price_year_auto
    table = costs["unit_costs"].set_index("offence")
    assert table.loc[VWI, "unit_cost"] == pytest.approx(14_050)
    assert "2015/16 prices" in first and "uprated" not in first
