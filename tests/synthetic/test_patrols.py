import numpy as np
import pytest

from hotspots.synthetic import patrol_counterfactual, patrol_places


@pytest.mark.slow
def test_patrol_places_and_counterfactual_follow_the_truth(synthetic_violence):
    truth, violence = synthetic_violence
    places = patrol_places(truth)
    assert len(places) == 18 and places["rank"].tolist() == list(range(1, 19))
    assert np.allclose(places.area, 150.0 * 150.0)
    assert places.crs.to_epsg() == 27700
    # Each place's selection count is its violence in the 12 selection months.
    months = truth["patrol"]["selection_months"]
    chosen = violence[violence["month"].dt.strftime("%Y-%m").isin(months)]
    inside = places.geometry.apply(lambda g: int(chosen.within(g).sum()))
    assert (inside.to_numpy() == places["selection_count"].to_numpy()).all()
    sums = patrol_counterfactual(truth)
    start = list(sums["months"]).index(truth["patrol"]["treatment_start"])
    effect = truth["patrol"]["effect"]
    assert np.allclose(sums["treated"][:start], sums["counterfactual"][:start])
    assert np.allclose(
        sums["treated"][start:],
        sums["counterfactual"][start:] * (1 - effect),
        rtol=1e-3,
    )
