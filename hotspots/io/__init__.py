"""Read: police.uk open data and force extracts, with a quarantine, and boundaries.

Every reader accounts for every row: ``rows_read == len(crimes) + len(quarantine)``,
and each row set aside carries a reason code (:data:`REASONS`). Crimes come back in
British National Grid (EPSG:27700, metres) with the columns of
:data:`OUTPUT_COLUMNS`. Named crime selections (:data:`DEFINITIONS`, such as
serious violence) are applied with :func:`select_crimes`. Every police.uk force is
known by slug and by name (:data:`FORCES`, :func:`resolve_force`), every crime-type
name police.uk has used is mapped to today's categories
(:data:`CRIME_TYPE_HISTORY`), and the force areas of England and Wales are shipped
(:func:`force_area`, :func:`outside_force_area`). Real police.uk data for any force
and months is downloaded, cached and resumable, by :func:`hotspots.fetch_policeuk`.
A whole bulk archive (every force and month) is ingested into a partitioned
GeoParquet dataset, incrementally and in bounded memory, by :func:`ingest_national`
and queried with :func:`open_national`.
"""

from typing import TYPE_CHECKING

from hotspots._lazy import attach

# The tables below are read when first used; their documentation stays here.
if TYPE_CHECKING:
    from hotspots.io import _areas, _crime_types, _forces
    from hotspots.io._areas import force_area, outside_force_area
    from hotspots.io._boundary import read_boundary
    from hotspots.io._definitions import (
        DEFINITIONS,
        CrimeDefinition,
        offence_codes,
        select_crimes,
    )
    from hotspots.io._fetch import FetchError, FetchResult, fetch_policeuk
    from hotspots.io._force import read_force_extract
    from hotspots.io._forces import resolve_force
    from hotspots.io._national import NationalIngest, ingest_national
    from hotspots.io._national_ledger import open_national
    from hotspots.io._policeuk import read_policeuk
    from hotspots.io._quarantine import REASONS, Quarantine
    from hotspots.io._result import IngestResult, SkippedFile
    from hotspots.io._schema import BNG, CRIME_TYPES, OUTPUT_COLUMNS, POLICEUK_COLUMNS

    #: Every force police.uk publishes street-level crime for (45 rows: the 43
    #: territorial forces of England and Wales, British Transport Police ``btp`` and the
    #: Police Service of Northern Ireland ``northern-ireland``). Columns: ``slug``
    #: (archive file slug and data.police.uk API id), ``name`` (as in ``Reported
    #: by``/``Falls within``), ``area_name`` (Home Office police force area; blank for
    #: BTP and PSNI), ``country``, ``has_area`` (False for BTP), ``outline_shipped``
    #: (:func:`force_area` has it), ``aliases``. Read-only in effect: the readers use
    #: their own copy. Sources: ``hotspots/data/README.md``.
    FORCES = _forces.FORCES

    #: Every crime-type name police.uk has used (today's 14 and the two retired in May
    #: 2013), with the category the readers file it under: ``name``, ``category``,
    #: ``status`` (``current``, ``renamed``, ``split``), ``first_month``,
    #: ``last_month``, ``became``, ``source`` (per row) and ``note``. "Violent crime" is
    #: read as "Violence and sexual offences"; "Public disorder and weapons" (split) as
    #: "Public order", with a warning. Read-only in effect. Sources:
    #: ``hotspots/data/README.md``.
    CRIME_TYPE_HISTORY = _crime_types.CRIME_TYPE_HISTORY

    #: Kilometres: the readers report kept rows lying further than this outside the area
    #: of their force (``IngestResult.far_outside``, ``by_force()``, ``str(result)``).
    FAR_OUTSIDE_KM = _areas.FAR_OUTSIDE_KM

#: The private module that holds each public name, imported when first asked for.
_SOURCES = {
    "hotspots.io._areas": "FAR_OUTSIDE_KM force_area outside_force_area",
    "hotspots.io._boundary": "read_boundary",
    "hotspots.io._crime_types": "CRIME_TYPE_HISTORY",
    "hotspots.io._definitions": (
        "DEFINITIONS CrimeDefinition offence_codes select_crimes"
    ),
    "hotspots.io._fetch": "FetchError FetchResult fetch_policeuk",
    "hotspots.io._force": "read_force_extract",
    "hotspots.io._forces": "FORCES resolve_force",
    "hotspots.io._national": "NationalIngest ingest_national",
    "hotspots.io._national_ledger": "open_national",
    "hotspots.io._policeuk": "read_policeuk",
    "hotspots.io._quarantine": "REASONS Quarantine",
    "hotspots.io._result": "IngestResult SkippedFile",
    "hotspots.io._schema": "BNG CRIME_TYPES OUTPUT_COLUMNS POLICEUK_COLUMNS",
}

__getattr__, __dir__ = attach(__name__, _SOURCES)

__all__ = [
    "BNG",
    "CRIME_TYPES",
    "CRIME_TYPE_HISTORY",
    "DEFINITIONS",
    "FAR_OUTSIDE_KM",
    "FORCES",
    "OUTPUT_COLUMNS",
    "POLICEUK_COLUMNS",
    "REASONS",
    "CrimeDefinition",
    "FetchError",
    "FetchResult",
    "IngestResult",
    "NationalIngest",
    "Quarantine",
    "SkippedFile",
    "fetch_policeuk",
    "force_area",
    "ingest_national",
    "offence_codes",
    "open_national",
    "outside_force_area",
    "read_boundary",
    "read_force_extract",
    "read_policeuk",
    "resolve_force",
    "select_crimes",
]
