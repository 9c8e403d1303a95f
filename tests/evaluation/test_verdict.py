"""The verdict rule: SMS level, label and sentences follow the numbers (one rule)."""

import math
from types import SimpleNamespace

import pandas as pd
import pytest

from hotspots.evaluation import PRACTICE_BANK_LABELS, Effect, format_p, judge
from hotspots.pack import practice_bank_label


def balance(level=0.1, trend=0.05):
    return pd.DataFrame({"std_diff": [level, trend]}, index=["level", "trend"])


def did(ratio, low, high, pre_trend_p=0.5):
    return Effect(
        "incidence rate ratio",
        ratio,
        low,
        high,
        method="test",
        details={"pre_trend_p": pre_trend_p},
    )


def verdict(ratio=0.8, low=0.7, high=0.9, p=0.01, level=0.1, trend=0.05, **kw):
    return judge(
        balance=balance(level, trend),
        did=did(ratio, low, high, kw.pop("pre_trend_p", 0.5)),
        randomisation_p=p,
        n_treated=kw.pop("n_treated", 18),
        n_comparison=kw.pop("n_comparison", 54),
        **kw,
    )


@pytest.mark.parametrize(
    ("args", "label", "words"),
    [
        ((0.77, 0.65, 0.92, 0.01), "worked", "randomisation test agrees (p = 0.010)"),
        ((0.77, 0.65, 0.92, 0.0002), "worked", "agrees (p < 0.001)"),
        ((0.77, 0.65, 0.92, 0.20), "promising", "does not confirm it (p = 0.200)"),
        ((0.90, 0.75, 1.08, 0.01), "promising", "includes no change"),
        ((0.90, 0.75, 1.08, 0.30), "new or innovative", "cannot yet say"),
        ((1.05, 0.90, 1.22, 0.60), "didn't work", "finds no reduction"),
        ((1.30, 1.10, 1.50, 0.01), "didn't work", "30% more crimes"),
    ],
)
def test_label_rule_with_a_level_4_design(args, label, words):
    ratio, low, high, p = args
    v = verdict(ratio, low, high, p)
    assert v.sms_level == 4
    assert v.label == label and v.label in PRACTICE_BANK_LABELS
    assert words in v.label_reason
    reason = v.label_reason
    assert v.sentences["label"] == (
        f"Suggested label: {label}. {reason[0].upper()}{reason[1:]}"
    )


def test_an_inconclusive_weak_study_is_not_promising():
    # the pack: p = 0.86, 95% CI 0.58 to 1.34, SMS level 2
    v = verdict(0.88, 0.58, 1.34, 0.86, level=2.48)
    assert v.sms_level == 2
    assert v.label == "new or innovative"
    assert "cannot yet say" in v.label_reason
    assert "includes no change" in v.sentences["effect"]


def test_a_level_gap_demotes_to_level_2_and_every_sentence_says_why():
    # the demo pack before the fix: level d = 2.48 against a limit of 0.25
    v = verdict(0.80, 0.70, 0.91, 0.005, level=2.48, trend=0.05)
    assert v.sms_level == 2 and not v.comparable
    assert v.label == "promising"
    assert "only SMS level 2" in v.label_reason
    assert "level standardised difference 2.48, beyond ±0.25" in v.sms_reasons[0]
    assert "but not their level (2.48)" in v.sentences["balance"]
    assert "busier" in v.sentences["balance"]
    assert v.sentences["design"] == (
        "Maryland SMS level 2 of 5: before/after with comparison areas not shown to "
        "be comparable: level standardised difference 2.48, beyond ±0.25."
    )
    checks = v.checks.set_index("check")
    assert not checks.loc["level balance", "passed"]
    assert checks.loc["level balance", "value"] == pytest.approx(2.48)


@pytest.mark.parametrize(
    ("kw", "level", "reason"),
    [
        ({}, 4, "several treated and comparison units"),
        ({"trend": -0.4}, 2, "trend standardised difference -0.40"),
        ({"pre_trend_p": 0.01}, 2, "pre-period trends differ (p = 0.010)"),
        ({"pre_trend_p": math.nan}, 2, "pre-period trend test not run"),
        ({"n_treated": 4}, 3, "(level 3)"),
        ({"n_comparison": 4}, 3, "(level 3)"),
        ({"randomised": True}, 5, "randomly assigned"),
    ],
)
def test_sms_level_follows_the_checks(kw, level, reason):
    v = verdict(**kw)
    assert v.sms_level == level
    assert reason in v.sms_reasons[0]


def test_sentences_follow_the_interval_and_the_randomisation_p():
    clear = verdict(0.80, 0.70, 0.91, 0.001)
    assert clear.sentences["effect"] == (
        "20% fewer crimes than expected (rate ratio 0.80, 95% CI 0.70 to 0.91)."
    )
    assert "confirms the estimate" in clear.sentences["randomisation"]
    null = verdict(1.00, 0.80, 1.25, 0.9)
    assert null.sentences["effect"].startswith("An estimated no change in crime")
    assert "does not confirm" in null.sentences["randomisation"]
    assert verdict(p=None).sentences["randomisation"] == (
        "The randomisation test was not run."
    )


def test_format_p_never_prints_zero():
    assert format_p(0.0) == "< 0.001"
    assert format_p(0.000999) == "< 0.001"
    assert format_p(0.001) == "0.001"
    assert format_p(math.nan) == "not available"


def test_practice_bank_label_is_the_verdicts():
    v = verdict(0.77, 0.65, 0.92, 0.2)
    assert practice_bank_label(SimpleNamespace(verdict=v)) == (v.label, v.label_reason)


def test_a_handful_of_places_cannot_be_worked_or_didnt_work():
    # two places, a large and confirmed fall: level 3 at best, and "promising"
    v = verdict(0.20, 0.07, 0.62, 0.01, n_treated=2, n_comparison=6)
    assert v.sms_level == 3
    assert v.label == "promising"
    assert "only 2 treated places (at least 5 are needed for 'worked')" in (
        v.label_reason
    )
    null = verdict(1.10, 0.60, 2.00, 0.7, n_treated=2, n_comparison=6)
    assert null.label == "new or innovative"
    assert null.label_reason.startswith("only 2 places were treated")
