"""Module paths of release 0.1, kept working for one release with a warning.

Release 0.2 moved the modules into one subpackage per layer and made them private
(see CHANGELOG.md). Code written against 0.1 imported from module paths such as
``from hotspots.evaluate import panel`` or ``from hotspots.grid import
assign_cells``. Each old path is registered here as a small alias module: importing
a name from it works and raises a :class:`DeprecationWarning` that names the new
place. The aliases are put in ``sys.modules`` directly, so importing one never
replaces a function of the same name on the package (``hotspots.evaluate`` stays the
function).
"""

from __future__ import annotations

import importlib
import sys
import types
import warnings

__all__ = ["OLD_MODULES", "install"]

_F, _T, _E = "hotspots.find", "hotspots.target", "hotspots.evaluation"
_M, _P, _S, _IO = "hotspots.maps", "hotspots.pack", "hotspots.synthetic", "hotspots.io"

#: Old module path (under ``hotspots.``) -> the subpackage that documents its names
#: now, and the modules of that subpackage holding them, searched in order.
_OLD: tuple[tuple[str, str, tuple[str, ...]], ...] = (
    ("grid", _F, ("_grid",)),
    ("kde", _F, ("_kde", "_kde_arrays")),
    ("gistar", _F, ("_gistar",)),
    ("harm", _F, ("_harm",)),
    ("cube", _F, ("_cube",)),
    ("emerging", _F, ("_emerging",)),
    ("classify", _F, ("_classify",)),
    ("_mann_kendall", _F, ("_mann_kendall",)),
    ("_weights", _F, ("_weights",)),
    ("select", _T, ("_select", "_greedy")),
    ("concentration", _T, ("_concentration",)),
    ("accuracy", _T, ("_accuracy",)),
    ("backtest", _T, ("_backtest",)),
    ("definitions", _IO, ("_definitions",)),
    ("io.boundary", _IO, ("_boundary",)),
    ("io.force", _IO, ("_force",)),
    ("io.policeuk", _IO, ("_policeuk",)),
    ("io.quarantine", _IO, ("_quarantine",)),
    ("io.result", _IO, ("_result",)),
    ("io.schema", _IO, ("_schema",)),
    ("evaluate", _E, ("",)),
    ("evaluate.comparison", _E, ("_comparison",)),
    (
        "evaluate.costs",
        _E,
        (
            "_costs",
            "_unit_costs",
        ),
    ),
    ("evaluate.did", _E, ("_did",)),
    ("evaluate.displacement", _E, ("_displacement",)),
    (
        "evaluate.its",
        _E,
        (
            "_its",
            "_its_model",
        ),
    ),
    ("evaluate.quality", _E, ("_sms",)),
    ("evaluate.randomisation", _E, ("_randomisation",)),
    ("evaluate.result", _E, ("_effect",)),
    (
        "evaluate.run",
        _E,
        (
            "_evaluate",
            "_evaluation",
        ),
    ),
    (
        "evaluate.simulate",
        _E,
        (
            "_simulate",
            "_simulate_panel",
        ),
    ),
    ("evaluate._panel", _E, ("_panel",)),
    ("maps.base", _M, ("_base",)),
    ("maps.cells", _M, ("_map_cells",)),
    ("maps.change", _M, ("_map_change",)),
    ("maps.crimes", _M, ("_map_crimes",)),
    ("maps.gistar", _M, ("_map_gistar",)),
    ("maps.offline", _M, ("_offline",)),
    ("maps.places", _M, ("_map_places",)),
    ("maps.rings", _M, ("_map_rings",)),
    ("pack.build", _P, ("_build",)),
    ("pack.label", _P, ("_label",)),
    ("pack.manifest", _P, ("_manifest",)),
    ("pack.recipe", _P, ("_recipe",)),
    ("synthetic.archive", _S, ("_archive",)),
    ("synthetic.places", _S, ("_patrols",)),
)
OLD_MODULES: dict[str, tuple[str, tuple[str, ...]]] = {
    f"hotspots.{old}": (public, tuple(f"{public}.{m}" if m else public for m in mods))
    for old, public, mods in _OLD
}


class _OldModule(types.ModuleType):
    """An alias of a 0.1 module path: forwards names, with a DeprecationWarning."""

    def __init__(self, name: str, public: str, sources: tuple[str, ...]) -> None:
        super().__init__(name, f"Deprecated alias of {public} (hotspots 0.1 path).")
        self._public = public
        self._sources = sources

    def __getattr__(self, attr: str):
        if attr.startswith("__"):
            raise AttributeError(attr)
        for source in self._sources:
            module = importlib.import_module(source)
            if hasattr(module, attr):
                public = importlib.import_module(self._public)
                where = (
                    f"import {attr} from {self._public} instead"
                    if attr in getattr(public, "__all__", ())
                    else f"{attr} is not public any more (it is in {source})"
                )
                warnings.warn(
                    f"{self.__name__} is a module path of hotspots 0.1: {where}. "
                    "Module paths moved in 0.2 (see CHANGELOG.md); the old path will "
                    "be removed in 0.3.",
                    DeprecationWarning,
                    stacklevel=2,
                )
                return getattr(module, attr)
        raise AttributeError(
            f"{self.__name__} (a 0.1 module path, now {self._public}) has no "
            f"attribute {attr!r}"
        )

    def __dir__(self) -> list[str]:
        names: set[str] = set()
        for source in self._sources:
            names |= set(getattr(importlib.import_module(source), "__all__", ()))
        return sorted(names)


def install() -> None:
    """Register every 0.1 module path that no real module now occupies."""
    for name, (public, sources) in OLD_MODULES.items():
        sys.modules.setdefault(name, _OldModule(name, public, sources))
