import logging

import pytest

from hotspots.evaluation import _caveats as caveats_module
from hotspots.evaluation import evaluate, pre_period_advice, pre_period_study
from hotspots.evaluation._caveats import (
    MATERIAL_BIAS,
    NOMINAL_COVERAGE,
    PRE_PERIOD_STUDY,
    SHORTFALL_MCSE,
    PrePeriodRow,
)
from tests.evaluation.test_run import small_design


def test_pre_period_study_rows_cover_the_benchmark_design():
    months = [row.extra_months for row in PRE_PERIOD_STUDY]
    assert months == [0, 6, 12, 24]
    for row in PRE_PERIOD_STUDY:
        assert row.n_studies >= 200
        assert 0 < row.coverage <= 1
        # the Monte Carlo SE is the binomial one of the stored coverage
        expected = (row.coverage * (1 - row.coverage) / row.n_studies) ** 0.5
        assert row.coverage_mcse == pytest.approx(expected, abs=5e-4)
        assert row.bias_log_mcse > 0
    table = pre_period_study()
    assert table["extra_months"].tolist() == months
    assert table["coverage"].tolist() == [row.coverage for row in PRE_PERIOD_STUDY]
    assert table["adequate"].tolist() == [row.adequate for row in PRE_PERIOD_STUDY]


def test_stored_study_finds_no_material_bias_but_less_power_without_a_year():
    # what the docs, notebook 04 and CHANGELOG report of the default run
    by_months = {row.extra_months: row for row in PRE_PERIOD_STUDY}
    assert not any(row.biased or row.short for row in PRE_PERIOD_STUDY)
    # 0 further months: 1.1% low, beyond noise (2 MC SEs) but below 5%
    assert abs(by_months[0].bias_log) > SHORTFALL_MCSE * by_months[0].bias_log_mcse
    assert abs(by_months[0].bias_percent) < 100 * MATERIAL_BIAS
    longest = PRE_PERIOD_STUDY[-1]
    assert by_months[0].less_precise_than(longest)
    assert not by_months[6].less_precise_than(longest)
    assert not by_months[12].less_precise_than(longest)
    _, text = pre_period_advice(0)
    assert "within 1.1% of the truth" in text
    assert "close to the nominal 95%" in text
    assert "found the planted cut in only 54% of them" in text
    assert "against 66% with 24 further months" in text
    assert "add earlier months" not in text
    _, text_12 = pre_period_advice(12)
    assert "only" not in text_12 and "more precise" not in text_12


@pytest.mark.parametrize(
    ("extra", "row_months"),
    [(-3, 0), (0, 0), (5, 0), (6, 6), (11, 6), (12, 12), (23, 12), (24, 24), (60, 24)],
)
def test_pre_period_advice_uses_the_longest_study_row_not_longer(extra, row_months):
    row, text = pre_period_advice(extra)
    assert row.extra_months == row_months
    assert f"with {row_months} further months (benchmarks" in text
    assert f"held the true IRR in {100 * row.coverage:.0f}% of them" in text
    assert ("add earlier months" in text) == (not row.adequate)


ROWS = (
    # extra, n, bias_log, bias_mcse, coverage, coverage_mcse, power, ci_width
    PrePeriodRow(0, 400, -0.10, 0.01, 0.80, 0.02, 0.4, 0.5),  # biased low, short
    PrePeriodRow(6, 400, 0.01, 0.01, 0.90, 0.015, 0.5, 0.45),  # no clear bias, short
    PrePeriodRow(12, 400, 0.05, 0.01, 0.95, 0.011, 0.6, 0.4),  # biased high, close
    PrePeriodRow(24, 400, 0.0, 0.01, 0.99, 0.005, 0.7, 0.35),  # neither: above
)
#: Adequate at 12 months but clearly less precise than at 24.
IMPRECISE = (
    *ROWS[:2],
    PrePeriodRow(12, 400, 0.0, 0.01, 0.95, 0.011, 0.4, 0.5),
    ROWS[3],
)


@pytest.fixture
def made_up_study(monkeypatch):
    monkeypatch.setattr(caveats_module, "PRE_PERIOD_STUDY", ROWS)


@pytest.mark.usefixtures("made_up_study")
@pytest.mark.parametrize(
    ("extra", "words", "absent"),
    [
        (
            0,
            [
                "9.5% too low (the effect overstated)",
                "in 80% of them",
                "short of the nominal 95%",
                "add earlier months: with 24 further months it was within 0.0%",
                "held the true IRR in 99%",
            ],
            ["with 12 further months it"],
        ),
        (
            6,
            ["within 1.0% of the truth", "short of", "with 24 further months it"],
            [],
        ),
        (
            12,
            ["5.1% too high (the effect understated)", "close to the nominal 95%"],
            ["short of"],
        ),
        (30, ["above the nominal 95%"], ["add earlier months"]),
    ],
    ids=["low-short", "short", "high-close", "above"],
)
def test_pre_period_advice_words_follow_one_rule(extra, words, absent):
    row, text = pre_period_advice(extra)
    for word in words:
        assert word in text
    for word in absent:
        assert word not in text
    # the rule itself: short and biased mean beyond the Monte Carlo margin
    assert row.short == (
        row.coverage + SHORTFALL_MCSE * row.coverage_mcse < NOMINAL_COVERAGE
    )
    assert row.biased == (
        abs(row.bias_log) > SHORTFALL_MCSE * row.bias_log_mcse
        and abs(row.bias_percent) >= 100 * MATERIAL_BIAS
    )
    assert ("add earlier months" in text) == (row.biased or row.short)


def test_a_bias_below_the_material_size_is_not_called_a_bias():
    tiny = PrePeriodRow(0, 10_000, -0.03, 0.001, 0.95, 0.002, 0.6, 0.3)
    assert abs(tiny.bias_log) > SHORTFALL_MCSE * tiny.bias_log_mcse  # not noise
    assert not tiny.biased  # but 3% is below MATERIAL_BIAS
    large = PrePeriodRow(0, 10_000, -0.06, 0.001, 0.95, 0.002, 0.6, 0.3)
    assert large.biased


def test_pre_period_advice_when_no_studied_pre_period_is_enough(monkeypatch):
    monkeypatch.setattr(caveats_module, "PRE_PERIOD_STUDY", ROWS[:3])
    _, text = pre_period_advice(12)
    assert text.endswith(
        "add earlier months (no pre-period in the study was long enough)"
    )


KWARGS = {
    "treatment_start": "2024-01",
    "comparisons_k": 2,
    "permutations": 19,
    "rng": 1,
    "progress": False,
}


@pytest.fixture(scope="module")
def short_and_long():
    crimes, places = small_design()
    short = crimes[crimes["month"] >= "2023-01-01"]
    return evaluate(short, places, **KWARGS), evaluate(crimes, places, **KWARGS)


def test_evaluate_quotes_the_study_row_for_its_pre_period(short_and_long):
    short, full = short_and_long
    assert short.settings["extra_pre_months"] == 0
    assert full.settings["extra_pre_months"] == 12
    _, study = pre_period_advice(0)
    caveat = [c for c in short.caveats if "are all selection months" in c]
    assert len(caveat) == 1 and caveat[0].endswith(study)
    assert "earlier months make the estimate more precise" in caveat[0]
    row_12, _ = pre_period_advice(12)
    quoted = any(
        "further months (benchmarks/sim_preperiod.py" in c for c in full.caveats
    )
    assert quoted == (not row_12.adequate)


def test_evaluate_caveats_a_longer_pre_period_the_study_finds_biased(made_up_study):
    crimes, places = small_design()
    result = evaluate(crimes, places, **KWARGS)
    _, study = pre_period_advice(12)
    caveat = [c for c in result.caveats if c.startswith("only 12 of the 24 months")]
    assert len(caveat) == 1 and caveat[0].endswith(study)
    assert "5.1% too high" in caveat[0]


def test_evaluate_caveats_a_pre_period_the_study_finds_less_precise(monkeypatch):
    monkeypatch.setattr(caveats_module, "PRE_PERIOD_STUDY", IMPRECISE)
    row, study = pre_period_advice(12)
    assert row.adequate and "found the planted cut in only 40%" in study
    assert "against 70% with 24 further months" in study
    crimes, places = small_design()
    result = evaluate(crimes, places, **KWARGS)
    caveat = [c for c in result.caveats if c.startswith("only 12 of the 24 months")]
    assert len(caveat) == 1 and caveat[0].endswith(study)


def test_evaluate_logs_the_further_pre_period_months(caplog):
    crimes, places = small_design(seed=6)
    with caplog.at_level(logging.INFO, logger="hotspots.evaluation._caveats"):
        evaluate(crimes[crimes["month"] >= "2022-07-01"], places, **KWARGS)
    line = [r.getMessage() for r in caplog.records if "Pre-period" in r.getMessage()]
    assert len(line) == 1
    assert line[0].startswith("Pre-period: 18 months before the start, 6 of them")
    assert "with 6 further months (benchmarks" in line[0]
