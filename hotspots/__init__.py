"""hotspots: find and evaluate serious-violence hotspots from police.uk and force data.

The public API is listed in ``__all__``; every verb takes a GeoDataFrame in British
National Grid (metres) and returns a new one.
"""

import logging

from hotspots._log import set_log_level
from hotspots.definitions import DEFINITIONS, select_crimes
from hotspots.exceptions import (
    CRSError,
    HotspotsError,
    HotspotsWarning,
    InputFileError,
    SchemaError,
)
from hotspots.io import IngestResult, Quarantine, read_force_extract, read_policeuk

__version__ = "0.1.0"

__all__ = [
    "DEFINITIONS",
    "CRSError",
    "HotspotsError",
    "HotspotsWarning",
    "IngestResult",
    "InputFileError",
    "Quarantine",
    "SchemaError",
    "__version__",
    "read_force_extract",
    "read_policeuk",
    "select_crimes",
    "set_log_level",
]

logging.getLogger(__name__).addHandler(logging.NullHandler())
