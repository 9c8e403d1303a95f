"""College of Policing knowledge-sharing packs: one folder, one page, rebuildable.

:func:`build_pack` runs an evaluation from a :class:`PackRecipe` and writes a
folder (and zip) with ``index.html``, ``data/``, ``methods.md`` and
``manifest.json``; :func:`rebuild_pack` rebuilds it from the manifest and checks
every output byte for byte.
"""

from hotspots.pack._build import Pack, Rebuild, build_pack, rebuild_pack
from hotspots.pack._label import PRACTICE_BANK_LABELS, practice_bank_label
from hotspots.pack._manifest import read_manifest, sha256_file
from hotspots.pack._recipe import PackRecipe

__all__ = [
    "PRACTICE_BANK_LABELS",
    "Pack",
    "PackRecipe",
    "Rebuild",
    "build_pack",
    "practice_bank_label",
    "read_manifest",
    "rebuild_pack",
    "sha256_file",
]
