"""Read: police.uk open data and force extracts, with a quarantine, and boundaries.

Every reader accounts for every row: ``rows_read == len(crimes) + len(quarantine)``,
and each row set aside carries a reason code (:data:`REASONS`). Crimes come back in
British National Grid (EPSG:27700, metres) with the columns of
:data:`OUTPUT_COLUMNS`. Named crime selections (:data:`DEFINITIONS`, such as
serious violence) are applied with :func:`select_crimes`.
"""

from hotspots.io._boundary import read_boundary
from hotspots.io._definitions import (
    DEFINITIONS,
    CrimeDefinition,
    offence_codes,
    select_crimes,
)
from hotspots.io._force import read_force_extract
from hotspots.io._policeuk import read_policeuk
from hotspots.io._quarantine import REASONS, Quarantine
from hotspots.io._result import IngestResult
from hotspots.io._schema import BNG, CRIME_TYPES, OUTPUT_COLUMNS, POLICEUK_COLUMNS

__all__ = [
    "BNG",
    "CRIME_TYPES",
    "DEFINITIONS",
    "OUTPUT_COLUMNS",
    "POLICEUK_COLUMNS",
    "REASONS",
    "CrimeDefinition",
    "IngestResult",
    "Quarantine",
    "offence_codes",
    "read_boundary",
    "read_force_extract",
    "read_policeuk",
    "select_crimes",
]
