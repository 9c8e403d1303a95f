"""The forest plot: one marker per study, the pooled diamond, the local result."""

from __future__ import annotations

import math

import matplotlib

matplotlib.use("Agg")

import matplotlib.pyplot as plt
import numpy as np
import pandas as pd
from matplotlib.colors import to_hex

from hotspots.evaluation import Effect
from hotspots.evidence import forest_plot, meta_analysis, place_result


def studies(k: int = 30, seed: int = 7) -> pd.DataFrame:
    rng = np.random.default_rng(seed)
    designs = rng.choice(["RCT", "quasi-experiment"], size=k)
    return pd.DataFrame(
        {
            "study_id": [f"s{i}" for i in range(k)],
            "authors": [f"Author{i} et al." for i in range(k)],
            "year": rng.integers(1995, 2024, size=k),
            "place": rng.choice(["Minneapolis", "Jersey City", "Peterborough"], k),
            "design": designs,
            "log_res": rng.normal(0.12, 0.15, size=k),
            "se_log_res": rng.uniform(0.05, 0.3, size=k),
        }
    )


def local_effect() -> Effect:
    return Effect(
        "incidence rate ratio",
        0.8,
        0.66,
        0.97,
        method="DiD on SYNTHETIC data",
    )


def _parts(fig):
    ax = fig.axes[0]
    by_gid: dict[str, list] = {}
    for artist in [*ax.collections, *ax.patches]:
        by_gid.setdefault(artist.get_gid(), []).append(artist)
    return ax, by_gid


def test_forest_plot_has_each_study_the_diamond_and_the_local_marker(tmp_path):
    table = studies()
    meta = meta_analysis(table)
    placed = place_result(
        local_effect(), studies=table, label="This evaluation (SYNTHETIC)"
    )
    fig = forest_plot(meta, local=placed, title="SYNTHETIC DATA: forest plot")
    ax, parts = _parts(fig)
    assert len(parts["study"]) == meta.k == 30
    assert len(parts["pooled"]) == 1
    assert len(parts["local"]) == 1
    study_colour = to_hex(parts["study"][0].get_facecolor()[0])
    local_colour = to_hex(parts["local"][0].get_facecolor()[0])
    assert local_colour != study_colour
    assert ax.get_xscale() == "log"
    labels = [t.get_text() for t in ax.get_yticklabels()]
    assert "This evaluation (SYNTHETIC)" in labels
    assert any(label.startswith("Author0 et al.") for label in labels)
    assert "crime fell" in ax.get_xlabel() and "crime rose" in ax.get_xlabel()
    path = tmp_path / "forest.png"
    fig.savefig(path, dpi=80)
    assert path.stat().st_size > 10_000


def test_forest_plot_with_an_effect_subgroups_and_sorting():
    meta = meta_analysis(studies(8))
    fig = forest_plot(meta, local=local_effect(), sort_by="res", subgroups="design")
    ax, parts = _parts(fig)
    assert len(parts["study"]) == 8 and len(parts["local"]) == 1
    labels = [t.get_text() for t in ax.get_yticklabels()]
    assert "RCT" in labels and "quasi-experiment" in labels
    assert any("SYNTHETIC" in label for label in labels)
    fig2, ax2 = plt.subplots()
    assert forest_plot(meta, ax=ax2) is fig2
    plt.close(fig2)
    assert not math.isnan(meta.pi_low)


def test_point_only_rows_no_diamond_below_min_pooled_and_review_rows():
    """Published effects without an SE are hollow circles; 2 pooled: no diamond."""
    table = studies(5)
    table.loc[[0, 1, 2], "se_log_res"] = np.nan  # three point estimates only
    reviews = pd.DataFrame(
        {
            "authors": ["B & W", "B & W"],
            "year": [2020.0, 2020.0],
            "n_studies": [53.0, 53.0],
            "percent_change": [-8.1, -16.0],
        }
    )
    placed = place_result(local_effect(), studies=table, reviews=reviews)
    assert placed.without.k == 2 and placed.k_published == 5
    fig = forest_plot(placed, reviews=reviews)
    ax, parts = _parts(fig)
    assert len(parts["point_only"]) == 3
    assert len(parts["study"]) == 2
    assert "pooled" not in parts  # the rule: at least MIN_POOLED effects
    labels = [t.get_text() for t in ax.get_yticklabels()]
    assert "Not pooled: 2 effects give an interval (5 needed)" in labels
    assert "Review: B & W 2020, 53 studies" in labels
    numbers = [t.get_text() for t in ax.texts]
    assert "8% to 16% fewer (stated)" in numbers
    assert not any(text.endswith("%") and "[" in text for text in numbers)  # no weights
