"""The compliance heat map and the visit-length histogram render with their parts."""

from __future__ import annotations

import matplotlib

matplotlib.use("Agg")

import matplotlib.pyplot as plt
import numpy as np
import pandas as pd
import pytest

from hotspots.tracking._compliance import compliance
from hotspots.tracking._compliance_plan import PatrolPlan
from hotspots.tracking._plots import plot_compliance, plot_visit_lengths
from tests.tracking.test_compliance import make_dosage


def busy_dosage(n_places=18, weeks=8, seed=3):
    """Random evening visits: higher-ranked places are visited more often."""
    rng = np.random.default_rng(seed)
    first = pd.Timestamp("2025-09-01")  # a Monday
    visits = []
    for rank in range(n_places):
        chance = 0.95 - 0.05 * rank
        for day in range(7 * weeks):
            if rng.random() < chance:
                start = first + pd.Timedelta(days=day, hours=18 + 7 * rng.random())
                start = start.tz_localize("Europe/London").tz_convert("UTC")
                minutes = float(np.clip(rng.gamma(6.0, 2.6), 1, 90))
                visits.append((f"HS{rank + 1:02d}", start, minutes))
    last = first + pd.Timedelta(days=7 * weeks - 1)
    places = [f"HS{r + 1:02d}" for r in range(n_places)]
    return make_dosage(visits, places, first, last)


def test_plot_compliance_renders_a_heat_map_in_rank_order(tmp_path):
    result = compliance(busy_dosage(), PatrolPlan())
    ax = plot_compliance(result, title="SYNTHETIC DATA: compliance")
    path = tmp_path / "compliance.png"
    ax.figure.savefig(path, dpi=80)
    assert path.stat().st_size > 10_000
    labels = [t.get_text() for t in ax.get_yticklabels()]
    assert labels == [f"HS{r + 1:02d}" for r in range(18)]
    assert ax.get_xticklabels()[0].get_text() == "01 Sep 2025"
    image = ax.get_images()[0]
    shares = result.table.pivot(
        index="place_id", columns="week", values="share_compliant"
    )
    assert np.allclose(np.ma.filled(image.get_array(), np.nan), shares.to_numpy())
    assert len(ax.figure.axes) == 2  # the heat map and its colour bar
    assert "share of plan days" in ax.figure.axes[1].get_ylabel()
    plt.close(ax.figure)


def test_plot_compliance_draws_place_ids_with_dollars_as_written(tmp_path):
    dosage = busy_dosage(n_places=3, weeks=1)
    hostile = ["$\\badmath$", "$x$", "HS03"]
    renamed = dict(zip(["HS01", "HS02", "HS03"], hostile, strict=True))
    dosage = make_dosage(
        [
            (renamed[p], start, minutes)
            for p, start, minutes in zip(
                dosage.visits["place_id"],
                dosage.visits["start"],
                dosage.visits["minutes"],
                strict=True,
            )
        ],
        hostile,
        pd.Timestamp("2025-09-01"),
        pd.Timestamp("2025-09-07"),
    )
    ax = plot_compliance(compliance(dosage, PatrolPlan()))
    ax.figure.savefig(tmp_path / "hostile.png", dpi=60)  # no maths parse error
    shown = [t.get_text() for t in ax.get_yticklabels()]
    assert shown == hostile
    plt.close(ax.figure)


def test_plot_compliance_draws_on_given_axes_and_refuses_other_input():
    result = compliance(busy_dosage(n_places=3, weeks=2), PatrolPlan(), period="month")
    fig, ax = plt.subplots()
    assert plot_compliance(result, ax=ax) is ax
    assert "month starting" in ax.get_xlabel()
    plt.close(fig)
    with pytest.raises(TypeError, match="Compliance"):
        plot_compliance(result.table)


def test_plot_visit_lengths_marks_the_koper_band_and_plan_minimum(tmp_path):
    dosage = busy_dosage()
    ax = plot_visit_lengths(dosage, plan=PatrolPlan(min_visit_minutes=12))
    path = tmp_path / "visit_lengths.png"
    ax.figure.savefig(path, dpi=80)
    assert path.stat().st_size > 10_000
    legend = [t.get_text() for t in ax.get_legend().get_texts()]
    assert "10–16 min (Koper 1995)" in legend
    assert any(text.startswith("plan minimum 12 min") for text in legend)
    heights = [p.get_height() for p in ax.patches if p.get_width() == 1.0]
    assert sum(heights) == len(dosage.visits)  # every visit is in one bar
    lines = [line.get_xdata()[0] for line in ax.get_lines() if len(line.get_xdata())]
    assert 12 in lines
    plt.close(ax.figure)
    empty = make_dosage([], ["A"], "2025-09-01", "2025-09-07")
    ax = plot_visit_lengths(empty)
    assert ax.get_title() == "Visit lengths (0 visits)"
    plt.close(ax.figure)
