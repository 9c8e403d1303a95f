"""Exceptions and warnings raised by :mod:`hotspots`.

Each exception subclasses the builtin it means (as scikit-learn does), so callers
can catch either the specific type or the builtin one.
"""

from __future__ import annotations

__all__ = [
    "CRSError",
    "FetchError",
    "HotspotsError",
    "HotspotsWarning",
    "InputFileError",
    "SchemaError",
]


class HotspotsError(Exception):
    """Base class for every error raised by :mod:`hotspots`."""


class CRSError(HotspotsError, ValueError):
    """A coordinate reference system is missing, geographic, or mismatched."""


class SchemaError(HotspotsError, ValueError):
    """Input columns or values do not follow the expected layout."""


class InputFileError(HotspotsError, OSError):
    """An input file cannot be read: not a CSV, empty, or in an unknown encoding."""


class FetchError(HotspotsError, OSError):
    """Fetching police.uk data failed: no network, refused, not found, or corrupt.

    The message names the URL that failed and what to do. Files already fetched,
    and the cache, are kept; a re-run continues where this one stopped.
    """


class HotspotsWarning(UserWarning):
    """A result may mislead unless the user acts on this warning."""
