"""The pack's Testing section: a planned trial's power and a run trial (SYNTHETIC).

The trial is a repeat crossover at the SYNTHETIC patrol places with Poisson
counts and a planted 40% fall on treated days (rate ratio 0.6); one place id is
a script payload.
"""

from __future__ import annotations

import html
import re

import numpy as np
import pandas as pd
import pytest

from hotspots.design import (
    REGRESSION_CAVEAT,
    Plan,
    base_rates,
    crossover_schedule,
    estimate_dispersion,
    minimum_detectable_effect,
    read_schedule,
)
from hotspots.evaluation import analyse_experiment, panel
from hotspots.pack import PackRecipe, build_pack, rebuild_pack, sha256_file

START = "2024-01"
PAYLOAD = "<script>document.body.dataset.xss=4</script>"
PLAN = {"design": "crossover", "length": 90}
SIMS = 200
PERMUTATIONS = 49
PLANTED = 0.6
#: Recipe fields of packs built before trials existed (the manifest keeps them only).
FIELDS_BEFORE_TRIALS = {
    "crimes",
    "places",
    "treatment_start",
    "title",
    "area",
    "organisation",
    "definition",
    "id_column",
    "ring_radius",
    "comparisons_k",
    "permutations",
    "seed",
    "cell_size",
    "boundary",
    "boundary_attribution",
    "officer_hours",
    "hourly_cost",
    "hourly_cost_source",
    "price_year",
    "unit_costs",
    "cost_mix",
    "mechanism",
    "moderators",
    "implementation",
    "synthetic",
    "artefacts",
}
BASE = {
    "crimes": "crimes.parquet",
    "places": "places.geojson",
    "treatment_start": START,
    "title": "Hot spot patrols",
    "area": "Leicestershire",
}


def _read(path):
    return pd.read_csv(path, dtype={"place_id": str, "date": str})


@pytest.fixture(scope="module")
def inputs(synthetic_violence, tmp_path_factory):
    """Crimes, places, and a crossover trial's schedule, counts and dosage."""
    from hotspots.synthetic import patrol_places

    truth, violence = synthetic_violence
    folder = tmp_path_factory.mktemp("trial-inputs")
    violence.to_parquet(folder / "crimes.parquet")
    places = patrol_places(truth)
    places.to_file(folder / "places.geojson", driver="GeoJSON")
    ids = [PAYLOAD, *places["place_id"].astype(str).iloc[1:]]
    schedule = crossover_schedule(ids, start="2025-03-03", end="2025-05-31", seed=11)
    schedule.to_csv(folder / "trial.csv")
    rng = np.random.default_rng(5)
    table = schedule.table
    treated = (table["arm"] == "treatment").to_numpy()
    days = table["date"].dt.strftime("%Y-%m-%d")
    pd.DataFrame(
        {
            "place_id": table["place_id"],
            "date": days,
            "count": rng.poisson(0.4 * np.where(treated, PLANTED, 1.0)),
        }
    ).to_csv(folder / "counts.csv", index=False)
    minutes = np.where(treated, rng.choice([0, 20], len(table), p=[0.2, 0.8]), 0)
    pd.DataFrame(
        {"place_id": table["place_id"], "date": days, "minutes": minutes}
    ).to_csv(folder / "dosage.csv", index=False)
    return {
        "folder": folder,
        "crimes": str(folder / "crimes.parquet"),
        "places": str(folder / "places.geojson"),
        "schedule": str(folder / "trial.csv"),
        "counts": str(folder / "counts.csv"),
        "dosage": str(folder / "dosage.csv"),
        "violence": violence,
        "place_frame": places,
    }


@pytest.fixture(scope="module")
def plain_recipe(inputs):
    return PackRecipe(
        crimes=inputs["crimes"],
        places=inputs["places"],
        treatment_start=START,
        title="Hot spot patrols and a crossover trial",
        area="Leicestershire",
        permutations=PERMUTATIONS,
    )


@pytest.fixture(scope="module")
def recipe(plain_recipe, inputs):
    return PackRecipe(
        **plain_recipe.to_dict(),
        trial_plan=PLAN,
        trial_sims=SIMS,
        trial_schedule=inputs["schedule"],
        trial_counts=inputs["counts"],
        trial_dosage=inputs["dosage"],
    )


@pytest.fixture(scope="module")
def pack(recipe, inputs):
    return build_pack(
        inputs["folder"] / "trial-pack",
        recipe,
        zip_archive=False,
        interactive_map=False,
    )


@pytest.fixture(scope="module")
def plain(plain_recipe, inputs):
    return build_pack(
        inputs["folder"] / "plain-pack",
        plain_recipe,
        zip_archive=False,
        interactive_map=False,
    )


@pytest.fixture(scope="module")
def page(pack):
    return pack.index.read_text(encoding="utf-8")


def _text(page: str) -> str:
    """The page as a reader sees its text: entities decoded, spaces plain."""
    return html.unescape(page).replace("\u00a0", " ")


def _section(page: str) -> str:
    found = re.search(r'<section id="testing".*?</section>', page, flags=re.S)
    assert found, "no Testing section"
    return found.group(0)


@pytest.fixture(scope="module")
def experiment(recipe, inputs):
    """The trial analysed by the test itself, as the recipe asks."""
    return analyse_experiment(
        _read(inputs["counts"]),
        read_schedule(inputs["schedule"]),
        permutations=recipe.permutations,
        dosage=_read(inputs["dosage"]),
        seed=recipe.seed,
    )


@pytest.mark.slow
def test_pack_trial_plan_shows_the_minimum_detectable_effect(pack, page, inputs):
    places = inputs["place_frame"]
    months = [f"2023-{m:02d}" for m in range(1, 13)]  # the 12 months before START
    counts = panel(inputs["violence"], places, months=months)
    wide = counts.pivot_table(
        index="place_id", columns="month", values="count", aggfunc="sum"
    ).reindex(places["place_id"])
    totals = pd.DataFrame({"n": wide.sum(axis=1)})
    plan = Plan(**PLAN, dispersion=estimate_dispersion(wide.to_numpy()))
    expected = minimum_detectable_effect(
        plan,
        base_rates(totals, months=12, per="day"),
        n_sims=SIMS,
        seed=pack.manifest["recipe"]["seed"],
        progress=False,
    )
    section = _text(_section(page))
    assert expected.sentence() in section
    assert f"a fall of {expected.mde_reduction:.0%} or more" in section
    assert REGRESSION_CAVEAT in section
    assert "12 months 2023-01 to 2023-12" in section
    rates = pd.read_csv(pack.root / "data" / "trial_base_rates.csv")
    assert rates["crimes"].tolist() == totals["n"].tolist()
    power = pd.read_csv(pack.root / "data" / "trial_power.csv")
    assert np.allclose(power["power"], expected.table["power"])


@pytest.mark.slow
def test_pack_trial_shows_the_itt_and_the_summary_verbatim(pack, page, experiment):
    section = _text(_section(page))
    itt = experiment.effects().set_index("name").loc["ITT, crimes (Poisson)"]
    row = (
        rf"<td>ITT, crimes \(Poisson\)</td>\s*<td>{itt['estimate']:.2f}</td>\s*"
        rf"<td>{itt['ci_low']:.2f} to {itt['ci_high']:.2f}</td>"
    )
    assert re.search(row, section), row
    assert experiment.summary() in section
    assert itt["ci_high"] < 1  # the planted 40% fall is found
    delivered = experiment.compliance["delivered_share"]
    assert re.search(
        rf"with at least 15 minutes of patrol</td>\s*<td>{delivered:.0%}</td>", section
    )
    saved = pd.read_csv(pack.root / "data" / "trial_effects.csv")
    assert saved.loc[0, "estimate"] == pytest.approx(itt["estimate"], rel=1e-9)


@pytest.mark.slow
def test_pack_trial_escapes_place_ids_and_says_synthetic(page):
    section = _section(page)
    assert PAYLOAD not in page
    assert "<script" not in page  # the static page runs no script at all
    assert html.escape(PAYLOAD, quote=False) in section
    assert "SYNTHETIC DATA" in section
    assert "trials" in section and "docs/methods/trials.md" in section
    steps = re.search(r'<table class="steps">.*?</table>', page, flags=re.S)
    assert steps and 'href="#testing-h"' in steps.group(0)


@pytest.mark.slow
def test_pack_trial_records_its_inputs_with_checksums(pack, inputs):
    records = {r["role"]: r for r in pack.manifest["inputs"]}
    expected = {
        "trial_schedule": inputs["schedule"],
        "trial_schedule_rules": inputs["schedule"].replace(".csv", ".json"),
        "trial_counts": inputs["counts"],
        "trial_dosage": inputs["dosage"],
    }
    for role, path in expected.items():
        assert records[role]["path"] == path
        assert records[role]["sha256"] == sha256_file(path)
    page = pack.index.read_text(encoding="utf-8")
    for name in ("trial.csv", "trial.json", "counts.csv", "dosage.csv"):
        assert f"<td>{name}</td>" in page
    methods = (pack.root / "methods.md").read_text(encoding="utf-8")
    trial_part = methods.split("## Randomised trial")[1].split("## References")[0]
    assert "'trials'" in trial_part and "analyse_experiment" in trial_part


@pytest.mark.slow
def test_pack_without_trial_fields_is_unchanged(plain, pack):
    assert set(plain.manifest["recipe"]) == FIELDS_BEFORE_TRIALS
    names = {o["path"] for o in plain.manifest["outputs"]}
    assert not [n for n in names if "trial" in n]
    assert 'id="testing"' not in plain.index.read_text(encoding="utf-8")
    assert "Randomised trial" not in (plain.root / "methods.md").read_text()
    # the trial adds files and a section; it changes no other data file
    for entry in pack.manifest["outputs"]:
        path = entry["path"]
        if path.startswith("data/") and "trial" not in path:
            assert sha256_file(plain.root / path) == entry["sha256"], path


@pytest.mark.slow
def test_pack_trial_rebuild_is_byte_identical(pack, tmp_path):
    rebuilt = rebuild_pack(pack.root / "manifest.json", tmp_path / "again")
    assert rebuilt.identical, str(rebuilt)
    paths = set(rebuilt.compared["path"])
    assert {"data/trial_effects.csv", "data/trial_power.csv", "index.html"} <= paths


def test_pack_trial_schedule_without_counts_raises():
    with pytest.raises(ValueError, match="given without trial_counts"):
        PackRecipe(**BASE, trial_schedule="trial.csv")
    with pytest.raises(ValueError, match="without trial_schedule"):
        PackRecipe(**BASE, trial_counts="counts.csv")


def test_pack_trial_plan_is_checked_when_the_recipe_is_made():
    with pytest.raises(ValueError, match="unknown field"):
        PackRecipe(**BASE, trial_plan={"design": "crossover", "days": 90})
    with pytest.raises(ValueError, match="design must be one of"):
        PackRecipe(**BASE, trial_plan={"design": "stepped", "length": 90})
    recipe = PackRecipe(**BASE, trial_plan=PLAN, trial_sims=50)
    assert PackRecipe.from_dict(recipe.to_dict()) == recipe


def test_pack_trial_missing_sidecar_is_named(tmp_path):
    for name in ("crimes.parquet", "places.geojson", "trial.csv", "counts.csv"):
        (tmp_path / name).write_text("x")
    files = {"crimes": "crimes.parquet", "places": "places.geojson"}
    recipe = PackRecipe(
        **{**BASE, **{k: str(tmp_path / v) for k, v in files.items()}},
        trial_schedule=str(tmp_path / "trial.csv"),
        trial_counts=str(tmp_path / "counts.csv"),
    )
    with pytest.raises(FileNotFoundError, match="trial_schedule_rules"):
        build_pack(tmp_path / "pack", recipe, interactive_map=False)
