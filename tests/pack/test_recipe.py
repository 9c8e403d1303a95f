import pytest

from hotspots.pack import PackRecipe

BASE = {
    "crimes": "crimes.parquet",
    "places": "places.geojson",
    "treatment_start": "2024-01",
    "title": "Hot spot patrols",
    "area": "Leicestershire",
}


def test_recipe_round_trips_through_a_dict():
    recipe = PackRecipe(**BASE, officer_hours=100.0, hourly_cost=40.0)
    assert PackRecipe.from_dict(recipe.to_dict()) == recipe
    assert set(recipe.input_paths()) == {"crimes", "places"}


def test_recipe_lists_optional_inputs():
    recipe = PackRecipe(**BASE, boundary="area.geojson", unit_costs="costs.csv")
    assert set(recipe.input_paths()) == {"crimes", "places", "boundary", "unit_costs"}


@pytest.mark.parametrize(
    ("change", "message"),
    [
        ({"treatment_start": "2024-13"}, "YYYY-MM"),
        ({"title": " "}, "title must be"),
        ({"ring_radius": 0}, "ring_radius must be"),
        ({"permutations": -1}, "permutations must be"),
        ({"seed": True}, "seed must be"),
        ({"officer_hours": 10.0}, "both officer_hours and hourly_cost"),
        ({"officer_hours": -1.0, "hourly_cost": 40.0}, "officer_hours must be"),
        ({"cost_mix": {"Robbery (personal)": 0.5}}, "sum to 1"),
    ],
)
def test_recipe_rejects_bad_values(change, message):
    with pytest.raises(ValueError, match=message):
        PackRecipe(**{**BASE, **change})


def test_unknown_recipe_field_is_named():
    with pytest.raises(ValueError, match="unknown recipe field"):
        PackRecipe.from_dict({**BASE, "colour": "red"})
