"""The table of published reviews' pooled estimates."""

from __future__ import annotations

import io

import numpy as np
import pandas as pd
import pytest

from hotspots.evidence import REVIEW_COLUMNS, load_reviews, review_sentence
from hotspots.exceptions import SchemaError


def review_csv(**values) -> io.StringIO:
    row = dict.fromkeys(REVIEW_COLUMNS, "")
    row.update(
        review_id="r1",
        authors="A & B",
        year="2020",
        n_studies="53",
        measure="percent_change",
        estimate="-16",
        percent_change="-16",
        source="A & B (2020). A review. Journal 1, 1-2.",
        source_location="abstract",
    )
    row.update(values)
    return io.StringIO(pd.DataFrame([row]).to_csv(index=False))


def test_a_stated_change_becomes_a_relative_effect_size():
    reviews = load_reviews(review_csv())
    assert reviews["res"].iloc[0] == pytest.approx(1 / 0.84)
    assert reviews["n_studies"].iloc[0] == 53.0
    empty = load_reviews(review_csv(percent_change=""))
    assert np.isnan(empty["res"].iloc[0])
    assert review_sentence(empty) == ""


def test_a_review_without_a_source_is_refused():
    with pytest.raises(SchemaError, match="have no source"):
        load_reviews(review_csv(source=""))
    with pytest.raises(SchemaError, match="holds text"):
        load_reviews(review_csv(n_studies="many"))
    with pytest.raises(SchemaError, match="-100%"):
        load_reviews(review_csv(percent_change="-100"))


def test_the_bundled_reviews_have_sources_and_the_stated_changes():
    """Braga & Weisburd (2020) state about 8.1% (Cohen's d) and 16% (log RIRR)."""
    reviews = load_reviews()
    assert (reviews["source"] != "").all() and (reviews["source_location"] != "").all()
    stated = reviews.dropna(subset=["percent_change"])
    assert sorted(stated["percent_change"]) == [-16.0, -8.1]
    assert set(stated["n_studies"]) == {53.0}
    assert "Braga & Weisburd (2020), pooling 53 studies, found 8% to 16% fewer" in (
        review_sentence(reviews)
    )
