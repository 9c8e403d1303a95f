"""Building, rebuilding and safety of knowledge-sharing packs (SYNTHETIC data)."""

from __future__ import annotations

import json
import re
import zipfile

import pytest

from hotspots.pack import (
    PackRecipe,
    build_pack,
    read_manifest,
    rebuild_pack,
    sha256_file,
)

pytestmark = pytest.mark.slow

PAYLOAD_TITLE = '<script>document.title="pwned"</script> patrols'
PAYLOAD_ID = '<img src=x onerror="document.body.dataset.xss=1">'


@pytest.fixture(scope="module")
def inputs(synthetic_violence, tmp_path_factory):
    """A crimes GeoParquet and a places GeoJSON whose first id is a payload."""
    from hotspots.synthetic import patrol_places

    truth, violence = synthetic_violence
    folder = tmp_path_factory.mktemp("pack-inputs")
    crimes = folder / "crimes.parquet"
    violence.to_parquet(crimes)
    places = patrol_places(truth)
    places.loc[places.index[0], "place_id"] = PAYLOAD_ID
    places_path = folder / "places.geojson"
    places.to_file(places_path, driver="GeoJSON")
    return {"crimes": str(crimes), "places": str(places_path), "folder": folder}


@pytest.fixture(scope="module")
def recipe(inputs):
    return PackRecipe(
        crimes=inputs["crimes"],
        places=inputs["places"],
        treatment_start="2024-01",
        title=PAYLOAD_TITLE,
        area="Leicestershire & <b>Rutland</b>",
        organisation="Example force",
        permutations=99,
        officer_hours=7000.0,
        hourly_cost=45.0,
        hourly_cost_source="illustrative",
    )


@pytest.fixture(scope="module")
def pack(recipe, inputs):
    return build_pack(inputs["folder"] / "out" / "pack", recipe)


def test_pack_has_the_promised_files(pack):
    names = {o["path"] for o in pack.manifest["outputs"]}
    assert {"index.html", "methods.md"} <= names
    for name in (
        "estimates.csv",
        "balance.csv",
        "its_series.csv",
        "places.csv",
        "places.geojson",
        "rings.geojson",
        "hotspots_selection_period.geojson",
        "costs.csv",
        "unit_costs.csv",
        "evidence_placement.csv",
        "evidence_studies.csv",
    ):
        assert f"data/{name}" in names
    # every output is listed with its true hash, and nothing else is there
    on_disk = {
        p.relative_to(pack.root).as_posix()
        for p in pack.root.rglob("*")
        if p.is_file() and p.name != "manifest.json"
    }
    assert on_disk == names
    for entry in pack.manifest["outputs"]:
        assert sha256_file(pack.root / entry["path"]) == entry["sha256"]
    for entry in pack.manifest["inputs"]:
        assert sha256_file(entry["path"]) == entry["sha256"]
    assert pack.manifest["recipe"]["seed"] == 20240601
    assert read_manifest(pack.root)["packages"]["hotspots"]


def test_page_follows_emmie_and_marks_synthetic(pack):
    page = pack.index.read_text(encoding="utf-8")
    assert "SYNTHETIC DATA: every number" in page
    for heading in ("Effect", "Mechanism", "Moderators", "Implementation"):
        assert heading in page
    assert "Economic cost" in page
    assert "Maryland SMS level" in page and "How the level and the label" in page
    assert "Suggested practice bank label" in page
    assert "Targeting" in page and "Tracking" in page and "Testing" in page
    assert "police.uk gives the month only" in page
    assert "@media print" in page
    assert page.count("<svg") >= 3


def test_page_escapes_text_from_data_and_recipe(pack):
    page = pack.index.read_text(encoding="utf-8")
    outside_map = re.sub(r'srcdoc="[^"]*"', "", page)
    assert PAYLOAD_TITLE not in outside_map
    assert "&lt;script&gt;document.title" in outside_map
    assert "<b>Rutland</b>" not in outside_map
    assert "<img" not in outside_map  # the page itself has no images
    assert "<script" not in outside_map  # nor scripts: only the map has them
    assert "&lt;img src=x onerror=" in outside_map


def test_page_loads_nothing_from_the_network(pack):
    page = pack.index.read_text(encoding="utf-8")
    assert not re.search(r"""(src|href)\s*=\s*["']?(https?:)?//""", page)
    assert "default-src 'none'" in page


def test_numbers_in_the_page_match_the_data(pack):
    import pandas as pd

    estimates = pd.read_csv(pack.root / "data" / "estimates.csv")
    did = estimates.set_index("estimator").loc["did_negative_binomial"]
    page = pack.index.read_text(encoding="utf-8")
    assert f"rate ratio {did['estimate']:.2f}" in page
    assert f"{did['ci_low']:.2f} to {did['ci_high']:.2f}" in page
    # SYNTHETIC truth: a 20% cut lies inside the DiD interval
    assert did["ci_low"] <= 0.8 <= did["ci_high"]


def test_page_places_the_effect_among_published_studies(pack):
    """The forest plot and the library's sentence, from the pack's own numbers."""
    import html

    import pandas as pd

    from hotspots.evidence import load_studies

    placement = pd.read_csv(pack.root / "data" / "evidence_placement.csv").iloc[0]
    estimates = pd.read_csv(pack.root / "data" / "estimates.csv")
    did = estimates.set_index("estimator").loc["did_negative_binomial"]
    assert placement["res"] == pytest.approx(1 / did["estimate"], rel=1e-6)
    assert placement["label"] == "This evaluation (SYNTHETIC)"
    page = html.unescape(pack.index.read_text(encoding="utf-8"))
    assert "Against published studies" in page
    assert placement["sentence"] in page
    assert "this evaluation among published hot spots policing trials" in page
    studies = pd.read_csv(pack.root / "data" / "evidence_studies.csv")
    assert len(studies) == len(load_studies())
    assert studies["source"].notna().all() and studies["source_location"].notna().all()


def test_rebuild_from_manifest_is_byte_identical(pack, tmp_path):
    rebuilt = rebuild_pack(pack.root / "manifest.json", tmp_path / "again")
    assert rebuilt.identical, str(rebuilt)
    assert len(rebuilt.compared) == len(pack.manifest["outputs"])


def test_zip_is_reproducible(pack, recipe, tmp_path):
    again = build_pack(tmp_path / "pack", recipe)
    assert again.zip_path.read_bytes() == pack.zip_path.read_bytes()
    with zipfile.ZipFile(again.zip_path) as archive:
        names = archive.namelist()
    assert "pack/index.html" in names and "pack/manifest.json" in names


def test_rebuild_refuses_changed_inputs(pack, tmp_path):
    manifest = json.loads((pack.root / "manifest.json").read_text())
    manifest["inputs"][0]["sha256"] = "0" * 64
    (tmp_path / "manifest.json").write_text(json.dumps(manifest))
    with pytest.raises(ValueError, match="differ from the manifest"):
        rebuild_pack(tmp_path / "manifest.json", tmp_path / "x")


def test_interrupted_build_leaves_the_previous_pack(pack, recipe, tmp_path):
    target = tmp_path / "pack"
    first = build_pack(target, recipe, zip_archive=False)
    before = (target / "manifest.json").read_bytes()

    def crash(_):
        raise KeyboardInterrupt

    changed = PackRecipe(**{**recipe.to_dict(), "title": "another title"})
    with pytest.raises(KeyboardInterrupt):
        build_pack(target, changed, zip_archive=False, _after_write=crash)
    assert (target / "manifest.json").read_bytes() == before
    assert first.index.is_file()
    assert [p.name for p in tmp_path.iterdir()] == ["pack"]  # no leftovers


def test_a_folder_that_is_not_a_pack_is_never_overwritten(recipe, tmp_path):
    (tmp_path / "notes.txt").write_text("mine")
    with pytest.raises(FileExistsError, match="not a pack"):
        build_pack(tmp_path, recipe)
    assert (tmp_path / "notes.txt").read_text() == "mine"


def test_missing_input_is_named(recipe, tmp_path):
    bad = PackRecipe(**{**recipe.to_dict(), "places": str(tmp_path / "nope.geojson")})
    with pytest.raises(FileNotFoundError, match="places"):
        build_pack(tmp_path / "p", bad)


def test_cli_rebuilds_a_pack_and_reports_identical(pack, tmp_path):
    from click.testing import CliRunner

    from hotspots.cli import main

    result = CliRunner().invoke(
        main,
        ["--quiet", "pack", "--rebuild", str(pack.root), "--out", str(tmp_path / "r")],
    )
    assert result.exit_code == 0, result.output
    assert "identical" in result.output


def test_cli_pack_names_missing_options():
    from click.testing import CliRunner

    from hotspots.cli import main

    result = CliRunner().invoke(main, ["pack"])
    assert result.exit_code != 0
    assert "missing CRIMES" in result.output
