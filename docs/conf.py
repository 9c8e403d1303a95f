"""Sphinx configuration for the hotspots documentation site (``make docs``).

The source folder is the repository root, so that the notebooks under
``notebooks/`` and the pages under ``docs/`` link to each other with the same
relative links that work on a code host and in JupyterLab. Only ``docs/`` and
``notebooks/`` are read (``include_patterns``). Warnings are errors (``-W``) and
cross-references to the project's own names are checked (``nitpicky``).
"""

from __future__ import annotations

import logging
import os
from pathlib import Path

import hotspots
from hotspots.maps import assets

ROOT = Path(__file__).resolve().parents[1]

project = "hotspots"
author = "the hotspots authors"
copyright = "the hotspots authors; data under the Open Government Licence v3.0"
version = release = hotspots.__version__

root_doc = "docs/index"
include_patterns = ["docs/**", "notebooks/*.ipynb"]
exclude_patterns = [
    "docs/_build",
    "docs/_templates",
    "docs/_extra",
    "**/.ipynb_checkpoints",
    ".venv",
    "data",
    ".git",
]

extensions = [
    "sphinx.ext.autodoc",
    "sphinx.ext.autosummary",
    "sphinx.ext.mathjax",
    "numpydoc",
    "sphinx_click",
    "myst_nb",
]

# --- API reference: one page per public name, from the numpydoc docstrings ----------
templates_path = [str(ROOT / "docs" / "_templates")]
autosummary_generate = True
autosummary_imported_members = True
autodoc_typehints = "none"  # the numpydoc Parameters section gives types and units
numpydoc_show_class_members = False
numpydoc_class_members_toctree = False
numpydoc_attributes_as_param_list = True
numpydoc_xref_param_type = False

# A broken reference to one of our own names fails the build; names from other
# libraries (pandas, numpy, geopandas...) are not linked, as no inventory is
# fetched (the build runs offline).
nitpicky = True
nitpick_ignore_regex = [
    (r"py:.*", r"(?!hotspots\b).*"),
]

# --- Notebooks: executed once per build (cached), errors fail the build ---------------
nb_execution_mode = os.environ.get("HOTSPOTS_DOCS_EXECUTE", "cache")
nb_execution_cache_path = str(ROOT / "docs" / "_build" / ".jupyter_cache")
nb_execution_timeout = 900
nb_execution_raise_on_error = True
nb_execution_show_tb = True
nb_merge_streams = True
myst_enable_extensions = ["dollarmath", "amsmath", "colon_fence", "deflist"]
myst_heading_anchors = 3
suppress_warnings = ["mystnb.unknown_mime_type"]

# --- Formulas: MathJax served from the site itself (pinned in docs/assets.json) -------
# With the cached copy the pages read the same with no network; without it (npm was
# missing when `make` ran) MathJax comes from Sphinx's default address, and we say so.
_MATHJAX = ROOT / "docs" / "_build" / "static"
_manifest = assets.load_manifest(ROOT / "docs" / "assets.json")
try:
    (_mathjax,) = _manifest.assets
    _data = assets.read_asset(_mathjax)
except assets.AssetError as err:
    logging.getLogger("hotspots.docs").warning(
        "MathJax is not in the asset cache, so formulas need a network: %s", err
    )
    html_static_path: list[str] = []
else:
    _MATHJAX.mkdir(parents=True, exist_ok=True)
    (_MATHJAX / "tex-svg.js").write_bytes(_data)
    html_static_path = [str(_MATHJAX)]
    mathjax_path = "tex-svg.js"

# --- HTML -----------------------------------------------------------------------------
html_theme = "pydata_sphinx_theme"
html_title = f"hotspots {release}"
html_extra_path = ["_extra"]
html_theme_options = {
    "navigation_depth": 2,
    "show_toc_level": 2,
    "navbar_align": "left",
    "footer_start": ["copyright"],
    "footer_end": ["sphinx-version"],
    "secondary_sidebar_items": ["page-toc"],
}
html_sidebars = {"**": ["sidebar-nav-bs"]}
html_show_sourcelink = False
html_copy_source = False
