import pytest

from hotspots.evaluation import POLICEUK_CAVEATS, SMS_FLAGS, maryland_sms

FULL = {
    "before_after": True,
    "comparison": True,
    "comparable": True,
    "multiple_units": True,
    "controls": True,
}


@pytest.mark.parametrize(
    ("design", "level"),
    [
        ({}, 1),
        ({"comparison": True}, 2),
        ({"before_after": True}, 2),
        ({"before_after": True, "comparison": True}, 2),
        ({"before_after": True, "comparison": True, "comparable": True}, 3),
        ({**FULL, "controls": False}, 3),
        ({**FULL, "multiple_units": False}, 3),
        (FULL, 4),
        ({**FULL, "randomised": True}, 5),
        (
            {
                "before_after": True,
                "comparison": True,
                "comparable": True,
                "randomised": True,
            },
            5,
        ),
        ({"randomised": True}, 1),
    ],
    ids=[
        "cross-section",
        "comparison-only",
        "before-after",
        "not-comparable",
        "matched",
        "no-controls",
        "one-unit",
        "panel",
        "rct",
        "rct-small",
        "rct-no-measures",
    ],
)
def test_maryland_sms_levels_follow_methods_table(design, level):
    got, reasons = maryland_sms(design)
    assert got == level
    assert f"(level {level})" in reasons[0]
    if level < 5:
        assert reasons[-1].startswith(f"for level {level + 1}")


def test_maryland_sms_keywords_override_mapping():
    assert maryland_sms(FULL, controls=False)[0] == 3
    level, reasons = maryland_sms(before_after=True)
    assert level == 2
    assert "regression to the mean" in reasons[0]
    _, reasons = maryland_sms({**FULL, "controls": False})
    assert "other influences are controlled" in reasons[-1]


def test_maryland_sms_errors():
    with pytest.raises(ValueError, match="known flags: \\['before_after'"):
        maryland_sms({"random": True})
    with pytest.raises(TypeError, match="must be True or False"):
        maryland_sms(before_after=1)


def test_policeuk_caveats_cover_the_known_problems():
    assert set(POLICEUK_CAVEATS) == {
        "monthly_dates",
        "snapped_locations",
        "missing_locations",
        "short_series",
        "recent_revisions",
    }
    assert all(
        text.startswith(("police.uk", "recent police.uk"))
        for text in POLICEUK_CAVEATS.values()
    )
    with pytest.raises(TypeError):
        POLICEUK_CAVEATS["new"] = "x"  # read-only
    assert set(SMS_FLAGS) >= {"before_after", "comparison", "randomised"}
