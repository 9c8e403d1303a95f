"""Reading crime data: police.uk open data and force extracts, with a quarantine."""

from hotspots.io.boundary import read_boundary
from hotspots.io.force import read_force_extract
from hotspots.io.policeuk import read_policeuk
from hotspots.io.quarantine import REASONS, Quarantine
from hotspots.io.result import IngestResult

__all__ = [
    "REASONS",
    "IngestResult",
    "Quarantine",
    "read_boundary",
    "read_force_extract",
    "read_policeuk",
]
