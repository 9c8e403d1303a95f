import dataclasses
import math

import pandas as pd
import pytest

from hotspots.evaluation import Effect
from hotspots.evaluation._effect import FRAME_COLUMNS


def make(**kw):
    base = {
        "measure": "incidence rate ratio",
        "estimate": 0.78,
        "ci_low": 0.64,
        "ci_high": 0.95,
        "p_value": 0.014,
        "method": "DiD, Poisson GLM",
        "n_treated": 18,
        "n_comparison": 54,
        "caveats": ("only 6 pre-period months", "pre-trends differ (p=0.03)"),
    }
    base.update(kw)
    return Effect(**base)


def test_effect_is_frozen():
    with pytest.raises(dataclasses.FrozenInstanceError):
        make().estimate = 1.0  # type: ignore[misc]


def test_effect_to_frame_has_fixed_columns():
    frame = make().to_frame()
    assert list(frame.columns) == list(FRAME_COLUMNS)
    assert len(frame) == 1
    row = frame.iloc[0]
    assert row["estimate"] == 0.78
    assert row["n_caveats"] == 2
    assert row["caveats"] == "only 6 pre-period months; pre-trends differ (p=0.03)"
    assert str(frame["n_treated"].dtype) == "Int64"


def test_effect_frames_stack():
    stacked = pd.concat([make().to_frame(), make(p_value=None).to_frame()])
    assert len(stacked) == 2
    assert math.isnan(stacked["p_value"].iloc[1])


def test_effect_str_reads_like_a_sentence():
    text = str(make())
    assert text.startswith(
        "incidence rate ratio 0.78 (95% CI 0.64 to 0.95), p=0.014; 2 caveats"
    )
    assert "- only 6 pre-period months" in text


def test_effect_str_without_ci():
    text = str(make(ci_low=math.nan, ci_high=math.nan, p_value=None, caveats=()))
    assert "(no CI)" in text
    assert "0 caveats" in text
    assert not make(ci_low=math.nan).has_ci


def test_effect_model_not_compared_and_details_read_only():
    a, b = make(model=object()), make(model=object())
    assert a == b
    e = make(details={"beta": -0.25})
    with pytest.raises(TypeError):
        e.details["beta"] = 0.0  # type: ignore[index]


@pytest.mark.parametrize(
    ("kw", "match"),
    [
        ({"ci_level": 95}, "ci_level must be in"),
        ({"p_value": 1.5}, "p_value must be in"),
        ({"measure": ""}, "measure must be"),
    ],
    ids=["ci_level", "p_value", "measure"],
)
def test_effect_rejects_bad_values(kw, match):
    with pytest.raises(ValueError, match=match):
        make(**kw)


def test_effect_rejects_caveats_string():
    with pytest.raises(TypeError, match="wrap it"):
        make(caveats="one caveat")
