"""Lazy re-exports for the packages' ``__init__`` modules (PEP 562).

``import hotspots`` must be quick: every command-line call pays for it, and most use
a few verbs only. So a package's ``__init__`` does not import its modules; it lists
which private module holds each public name, and :func:`attach` returns the
module-level ``__getattr__`` and ``__dir__`` that import a module the first time one
of its names is asked for (``hotspots.gistar``, ``from hotspots import gistar``).
The value is then stored on the package, so later look-ups are plain attributes and
``hotspots.gistar is hotspots.find.gistar``. Heavy libraries (geopandas, scipy,
statsmodels, folium...) are imported by the modules that use them, when first used.
"""

from __future__ import annotations

import importlib
import importlib.util
import sys
from collections.abc import Callable, Mapping

__all__ = ["attach"]


def attach(
    package: str, sources: Mapping[str, str | tuple[str, ...]]
) -> tuple[Callable[[str], object], Callable[[], list[str]]]:
    """Return ``__getattr__`` and ``__dir__`` for ``package`` from a table.

    Parameters
    ----------
    package : str
        The package's ``__name__``.
    sources : mapping
        Module (absolute, or relative to ``package`` with a leading dot) -> the
        public names it holds, as a tuple or one space-separated string.

    Examples
    --------
    >>> getattr_, dir_ = attach("json", {"json.decoder": "JSONDecodeError"})
    >>> getattr_("JSONDecodeError").__name__
    'JSONDecodeError'
    """
    where: dict[str, str] = {}
    for module, names in sources.items():
        for name in names.split() if isinstance(names, str) else names:
            if name in where:
                raise ValueError(f"{package}.{name} is listed twice")
            where[name] = module

    def lazy_getattr(name: str) -> object:
        try:
            module = where[name]
        except KeyError:
            # a public subpackage or module (``hotspots.quality`` after a bare
            # ``import hotspots``), imported on first use like the names
            if not name.startswith("_") and importlib.util.find_spec(
                f"{package}.{name}"
            ):
                return importlib.import_module(f"{package}.{name}")
            raise AttributeError(
                f"module {package!r} has no attribute {name!r}"
            ) from None
        value = getattr(importlib.import_module(module, package), name)
        setattr(sys.modules[package], name, value)  # found once, then a plain lookup
        return value

    def lazy_dir() -> list[str]:
        return sorted(set(vars(sys.modules[package])) | set(where))

    return lazy_getattr, lazy_dir
