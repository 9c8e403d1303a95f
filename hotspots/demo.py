"""Bundled data: the real police.uk sample and its boundaries.

Two data sets come with the project:

- a **real** police.uk sample: Leicestershire Police serious-violence-relevant rows
  (violence and sexual offences, robbery, possession of weapons), 2023-2024, under the
  Open Government Licence (``data/raw/PROVENANCE.md``), with the Leicestershire 2011
  LSOA outlines;
- **SYNTHETIC** Leicestershire data with a planted truth, generated on demand by
  :func:`hotspots.synthetic.make_archive` (never mistaken for real crime: every row,
  file and title says SYNTHETIC).
"""

from __future__ import annotations

import logging
import os
from pathlib import Path

import geopandas as gpd

from hotspots.exceptions import InputFileError
from hotspots.io import IngestResult, read_boundary, read_policeuk

__all__ = [
    "OGL_ATTRIBUTION",
    "data_dir",
    "load_lsoa",
    "load_real_sample",
    "lsoa_path",
    "real_sample_path",
]

logger = logging.getLogger(__name__)

#: Attribution required wherever the real sample is shown (OGL v3.0).
OGL_ATTRIBUTION = (
    "Contains public sector information licensed under the Open Government Licence "
    "v3.0. Street-level crime: police.uk (Home Office / Leicestershire Police). "
    "Boundaries: Office for National Statistics; contains OS data © Crown copyright "
    "and database right."
)
REAL_SAMPLE = "policeuk_leicestershire_serious_violence_2023_2024.zip"
LSOA_FILE = "lsoa_2011_leicestershire.geojson.gz"
_ENV = "HOTSPOTS_DATA"


def data_dir() -> Path:
    """Return the project's ``data/`` folder (or ``$HOTSPOTS_DATA`` if set).

    Raises
    ------
    InputFileError
        If no folder holding ``raw/`` is found.
    """
    candidates = []
    if os.environ.get(_ENV):
        candidates.append(Path(os.environ[_ENV]))
    candidates.append(Path(__file__).resolve().parents[1] / "data")
    candidates.append(Path.cwd() / "data")
    for folder in candidates:
        if (folder / "raw" / REAL_SAMPLE).exists():
            return folder
    raise InputFileError(
        f"cannot find the bundled data ({'raw/' + REAL_SAMPLE}) in {candidates}. "
        f"Run from a clone of the project, or set {_ENV} to its data/ folder."
    )


def real_sample_path() -> Path:
    """Path of the real police.uk sample (a ZIP in the police.uk bulk layout)."""
    return data_dir() / "raw" / REAL_SAMPLE


def lsoa_path() -> Path:
    """Path of the Leicestershire 2011 LSOA outlines (GeoJSON, gzip)."""
    return data_dir() / "raw" / LSOA_FILE


def load_lsoa() -> gpd.GeoDataFrame:
    """Leicestershire 2011 LSOA outlines in British National Grid (EPSG:27700)."""
    return read_boundary(lsoa_path())


def load_real_sample(**kwargs) -> IngestResult:
    """Read the real Leicestershire sample with :func:`hotspots.read_policeuk`.

    Parameters
    ----------
    **kwargs
        Passed to :func:`hotspots.read_policeuk` (``start``, ``end``,
        ``crime_types``, ``boundary``...).

    Examples
    --------
    >>> result = load_real_sample(start="2024-06", end="2024-06")
    >>> int(result.crimes["month"].dt.month.unique()[0])
    6
    """
    return read_policeuk(real_sample_path(), **kwargs)
