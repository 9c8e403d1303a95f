"""The study table: checks, and the conversions to the relative effect size."""

from __future__ import annotations

import math
from importlib import resources

import numpy as np
import pytest

from hotspots.evidence import STUDY_COLUMNS, load_studies
from hotspots.exceptions import SchemaError
from tests.evidence.tables import study_row, write_studies

Z95 = 1.959963984540054


def load(tmp_path, *rows):
    return load_studies(write_studies(tmp_path / "studies.csv", list(rows)))


def test_res_row_keeps_the_published_number_and_its_interval(tmp_path):
    row = load(tmp_path, study_row()).iloc[0]
    assert row["log_res"] == pytest.approx(math.log(1.25), abs=1e-15)
    se = (math.log(1.53) - math.log(1.02)) / (2 * Z95)
    assert row["se_log_res"] == pytest.approx(se, rel=1e-12)
    assert row["se_from"] == "interval"
    assert (row["res"], row["res_ci_low"], row["res_ci_high"]) == pytest.approx(
        (1.25, 1.02, 1.53), rel=1e-12
    )
    assert row["not_pooled_reason"] == ""


def test_irr_is_inverted(tmp_path):
    row = load(
        tmp_path, study_row(measure="IRR", estimate=0.8, ci_low=0.64, ci_high=1.0)
    ).iloc[0]
    assert row["res"] == pytest.approx(1.25, rel=1e-12)
    assert row["se_log_res"] == pytest.approx(-math.log(0.64) / (2 * Z95), rel=1e-12)
    assert row["res_ci_low"] == pytest.approx(1.0)
    assert row["res_ci_high"] == pytest.approx(1 / 0.64)


def test_cohens_d_becomes_a_log_odds_ratio(tmp_path):
    row = load(
        tmp_path, study_row(measure="cohens_d", estimate=0.2, ci_low=0.0, ci_high=0.4)
    ).iloc[0]
    # Borenstein et al. (2009) ch. 7: log OR = d * pi / sqrt(3) = d * 1.813799
    assert row["log_res"] == pytest.approx(0.2 * 1.8137993642342178, rel=1e-12)
    assert row["se_log_res"] == pytest.approx(
        0.4 / (2 * Z95) * 1.8137993642342178, rel=1e-12
    )


def test_percent_change_of_minus_20_is_res_1_25(tmp_path):
    row = load(
        tmp_path,
        study_row(measure="percent_change", estimate=-20, ci_low=-36, ci_high=0),
    ).iloc[0]
    assert row["res"] == pytest.approx(1.25, rel=1e-12)
    assert row["se_log_res"] == pytest.approx(-math.log(0.64) / (2 * Z95), rel=1e-12)


def test_counts_give_the_odds_ratio_and_its_se(tmp_path):
    row = load(
        tmp_path,
        study_row(
            measure="counts",
            estimate="",
            ci_low="",
            ci_high="",
            ci_level="",
            a=100,
            b=70,
            c=200,
            d=190,
        ),
    ).iloc[0]
    assert row["res"] == pytest.approx(100 * 190 / (70 * 200), rel=1e-12)  # 1.357143
    assert row["se_log_res"] == pytest.approx(
        math.sqrt(1 / 100 + 1 / 70 + 1 / 200 + 1 / 190), rel=1e-12
    )
    assert row["se_from"] == "counts"


def test_se_from_a_p_value(tmp_path):
    row = load(
        tmp_path,
        study_row(ci_low="", ci_high="", ci_level="", p_value=0.05),
    ).iloc[0]
    # Altman & Bland (2011): z = 1.96 for p = 0.05, SE = |log 1.25| / 1.96
    assert row["se_log_res"] == pytest.approx(math.log(1.25) / Z95, rel=1e-12)
    assert row["se_from"] == "p-value"
    assert row["res_ci_low"] == pytest.approx(1.0, rel=1e-12)


def test_row_without_interval_or_p_value_is_kept_with_a_reason(tmp_path):
    studies = load(
        tmp_path,
        study_row("ok"),
        study_row("bare", ci_low="", ci_high="", ci_level=""),
        study_row("marked", in_meta_analysis="no"),
    )
    bare = studies.set_index("study_id").loc["bare"]
    assert np.isnan(bare["se_log_res"]) and bare["se_from"] == ""
    assert "no SE" in bare["not_pooled_reason"]
    marked = studies.set_index("study_id").loc["marked"]
    assert "in_meta_analysis" in marked["not_pooled_reason"]
    assert list(studies.columns[: len(STUDY_COLUMNS)]) == list(STUDY_COLUMNS)


def test_missing_source_names_the_study(tmp_path):
    with pytest.raises(SchemaError, match=r"nosource.*source"):
        load(tmp_path, study_row(), study_row("nosource", source=""))
    with pytest.raises(SchemaError, match=r"noloc.*source_location"):
        load(tmp_path, study_row(), study_row("noloc", source_location=" "))


def test_bad_design_value_is_refused(tmp_path):
    with pytest.raises(SchemaError, match=r"design.*'RCT'"):
        load(tmp_path, study_row(design="randomised"))


def test_interval_must_contain_the_estimate(tmp_path):
    with pytest.raises(SchemaError, match="does not contain the estimate"):
        load(tmp_path, study_row(estimate=2.0))


def test_missing_columns_and_repeated_ids_are_refused(tmp_path):
    path = tmp_path / "short.csv"
    path.write_text("study_id,authors\nx,A\n", encoding="utf-8")
    with pytest.raises(SchemaError, match=r"lacks columns.*'year'"):
        load_studies(path)
    with pytest.raises(SchemaError, match="unique"):
        load(tmp_path, study_row("x"), study_row("x"))


def test_numbers_must_be_finite_and_levels_in_range(tmp_path):
    with pytest.raises(SchemaError, match="finite numbers"):
        load(tmp_path, study_row(estimate="inf"))
    with pytest.raises(SchemaError, match="finite numbers"):
        load(tmp_path, study_row(estimate="about 1.2"))
    with pytest.raises(SchemaError, match=r"ci_level must be in \(0, 1\)"):
        load(tmp_path, study_row(ci_level=95))


def test_every_bundled_row_has_a_source():
    bundled = resources.files("hotspots.data").joinpath("evidence_studies.csv")
    if not bundled.is_file():
        pytest.skip("hotspots/data/evidence_studies.csv is not written yet")
    studies = load_studies()
    for column in ("source", "source_location", "source_url"):
        empty = studies.loc[studies[column].str.strip().eq(""), "study_id"]
        assert empty.empty, f"rows without {column}: {list(empty)}"
    pooled = studies[studies["in_meta_analysis"].eq("yes")]
    no_se = pooled.loc[~np.isfinite(pooled["se_log_res"]), "study_id"]
    assert no_se.empty, f"rows marked yes but without an SE: {list(no_se)}"
