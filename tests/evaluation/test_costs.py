import math

import pandas as pd
import pytest

from hotspots.evaluation import (
    UNIT_COST_COLUMNS,
    Effect,
    break_even_reduction,
    cost_benefit,
    crimes_prevented,
    home_office_unit_costs,
    unit_cost_table,
)

# METHODS oracle 9.1: 18 hotspots x 3 visits/day x 15 min x 2 officers x 182 days
HOURS_9_1 = 18 * 3 * 0.25 * 2 * 182
VWI = "Violence with injury"


def oracle_kw(**kw):
    return {
        "unit_costs": home_office_unit_costs(),
        "mix": VWI,
        "officer_hours": HOURS_9_1,
        "hourly_cost": 45,
        **kw,
    }


def test_cost_benefit_matches_oracle_9_1():
    assert HOURS_9_1 == 4914
    result = cost_benefit((25, 25, 25), **oracle_kw())
    assert result.cost == pytest.approx(221_130)
    assert result.unit_cost == 14_050
    assert result.break_even_crimes == pytest.approx(15.74, abs=0.005)
    assert result.net_benefit.details["benefit"] == pytest.approx(351_250)
    assert result.net_benefit.estimate == pytest.approx(130_120)
    assert result.benefit_cost_ratio.estimate == pytest.approx(1.588, abs=5e-4)
    assert result.net_benefit.measure == "net benefit (GBP)"
    assert result.benefit_cost_ratio.measure == "benefit-cost ratio"
    assert "2015/16" in result.net_benefit.method
    assert list(result.to_frame()["measure"]) == [
        "net benefit (GBP)",
        "benefit-cost ratio",
    ]


def test_cost_benefit_carries_interval_by_hand():
    # low 10, high 40 prevented: benefit 140,500 and 562,000
    result = cost_benefit((25, 10, 40), **oracle_kw())
    assert result.net_benefit.ci_low == pytest.approx(140_500 - 221_130)
    assert result.net_benefit.ci_high == pytest.approx(562_000 - 221_130)
    assert result.benefit_cost_ratio.ci_low == pytest.approx(140_500 / 221_130)
    assert result.benefit_cost_ratio.ci_high == pytest.approx(562_000 / 221_130)
    assert any("only the uncertainty" in c for c in result.net_benefit.caveats)


def test_cost_benefit_mix_weights_unit_costs_by_hand():
    table = unit_cost_table(
        {"A": 1000, "B": 3000}, price_base="2020/21", year=2022, source="test table"
    )
    result = cost_benefit(
        (10, 10, 10),
        unit_costs=table,
        mix={"A": 0.5, "B": 0.5},
        officer_hours=100,
        hourly_cost=50,
    )
    # unit cost 2000, benefit 20,000, cost 5,000
    assert result.unit_cost == 2000
    assert result.net_benefit.estimate == 15_000
    assert result.benefit_cost_ratio.estimate == 4
    assert result.break_even_crimes == 2.5


def test_cost_benefit_from_did_effect_via_crimes_prevented():
    irr = Effect("incidence rate ratio", 0.8, 0.64, 1.0, n_treated=18, caveats=("x",))
    prevented = crimes_prevented(irr, observed_after=100)
    # counterfactual 100 / 0.8 = 125 -> 25 prevented; bounds 0 and 56.25
    assert prevented.measure == "crimes prevented"
    assert prevented.estimate == pytest.approx(25)
    assert prevented.ci_low == pytest.approx(0)
    assert prevented.ci_high == pytest.approx(56.25)
    assert prevented.caveats == ("x",)
    result = cost_benefit(prevented, **oracle_kw())
    assert result.net_benefit.estimate == pytest.approx(130_120)
    assert result.net_benefit.ci_low == pytest.approx(-221_130)
    assert result.net_benefit.n_treated == 18
    assert "x" in result.benefit_cost_ratio.caveats


def test_break_even_reduction_by_hand():
    result = break_even_reduction(expected_crimes=100, **oracle_kw())
    assert result.estimate == pytest.approx(100 * 221_130 / 14_050 / 100)
    assert result.estimate == pytest.approx(15.74, abs=0.005)
    assert not result.has_ci
    impossible = break_even_reduction(expected_crimes=10, **oracle_kw())
    assert impossible.estimate == pytest.approx(157.39, abs=0.01)
    assert any("cannot pay for itself" in c for c in impossible.caveats)


def test_home_office_unit_costs_ships_only_verified_rows():
    table = home_office_unit_costs()
    assert list(table.columns) == list(UNIT_COST_COLUMNS)
    costs = table.set_index("offence")["unit_cost"].to_dict()
    assert costs == {
        "Violence with injury": 14_050,
        "Rape": 39_360,
        "Other sexual offences": 6_520,
        "Robbery (personal)": 11_320,
        "Theft of vehicle": 10_290,
        "Theft from vehicle": 870,
        "Arson": 8_420,
        "Criminal damage (other)": 1_350,
    }
    for unverified in ("Homicide", "Violence without injury", "Domestic burglary"):
        assert unverified not in costs
    assert set(table["price_base"]) == {"2015/16"}
    assert set(table["year"]) == {2018}
    assert table["source"].str.contains("Heeks").all()
    table.loc[0, "unit_cost"] = 1  # a new frame each call
    assert home_office_unit_costs()["unit_cost"].iloc[0] == 14_050


@pytest.mark.parametrize(
    ("prevented", "kw", "exc", "match"),
    [
        (
            Effect("incidence rate ratio", 0.8, 0.7, 0.9),
            {},
            ValueError,
            "crimes_prevented\\(effect",
        ),
        ("many", {}, TypeError, "estimate, low, high"),
        ((25, 30, 40), {}, ValueError, "low <= estimate <= high"),
        ((25, 10, 40), {"mix": "Homicide"}, ValueError, "not in unit_costs"),
        ((25, 10, 40), {"mix": {VWI: 0.5}}, ValueError, "sum to 1"),
        ((25, 10, 40), {"hourly_cost": 0}, ValueError, "hourly_cost must be > 0"),
        (
            (25, 10, 40),
            {"unit_costs": pd.Series({VWI: 1.0})},
            TypeError,
            "unit_cost_table",
        ),
        (
            (25, 10, 40),
            {"unit_costs": home_office_unit_costs().drop(columns="price_base")},
            ValueError,
            "missing column",
        ),
        (
            (25, 10, 40),
            {
                "unit_costs": home_office_unit_costs().assign(
                    price_base=["2015/16"] * 7 + ["2022/23"]
                )
            },
            ValueError,
            "uprate",
        ),
    ],
    ids=[
        "not-prevented",
        "bad-type",
        "bad-order",
        "unknown-offence",
        "mix-sum",
        "hourly",
        "series",
        "no-price-base",
        "mixed-prices",
    ],
)
def test_cost_benefit_errors(prevented, kw, exc, match):
    with pytest.raises(exc, match=match):
        cost_benefit(prevented, **oracle_kw(**kw))


def test_unit_cost_table_and_crimes_prevented_errors():
    with pytest.raises(ValueError, match="must be > 0"):
        unit_cost_table({"A": -1}, price_base="2020", year=2020, source="s")
    with pytest.raises(ValueError, match="price_base must be"):
        unit_cost_table({"A": 1}, price_base="", year=2020, source="s")
    with pytest.raises(ValueError, match="expected_crimes must be > 0"):
        break_even_reduction(expected_crimes=0, **oracle_kw())
    no_ci = Effect("WDQ", 0.1, math.nan, math.nan)
    with pytest.raises(ValueError, match="finite positive CI"):
        crimes_prevented(no_ci, observed_after=10)
    with pytest.raises(ValueError, match="observed_after"):
        crimes_prevented(Effect("irr", 0.8, 0.7, 0.9), observed_after=-1)
