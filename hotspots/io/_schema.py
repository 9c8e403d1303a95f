"""Canonical column names, crime types and CRS: one source of truth for all readers.

police.uk street-level CSVs have twelve columns (data.police.uk, "About"); the
readers rename them to snake_case and type them as below.
"""

from __future__ import annotations

__all__ = [
    "BNG",
    "CRIME_TYPES",
    "OUTPUT_COLUMNS",
    "POLICEUK_COLUMNS",
    "POLICEUK_RENAME",
    "REQUIRED_POLICEUK_COLUMNS",
    "UK_BOUNDS",
    "WGS84",
]

#: British National Grid, metres: the CRS of every frame the readers return.
BNG = "EPSG:27700"
#: Longitude/latitude as published by police.uk.
WGS84 = "EPSG:4326"

#: Columns of a police.uk street-level CSV, in file order.
POLICEUK_COLUMNS: tuple[str, ...] = (
    "Crime ID",
    "Month",
    "Reported by",
    "Falls within",
    "Longitude",
    "Latitude",
    "Location",
    "LSOA code",
    "LSOA name",
    "Crime type",
    "Last outcome category",
    "Context",
)

#: Columns without which a street-level file cannot be used.
REQUIRED_POLICEUK_COLUMNS: tuple[str, ...] = (
    "Month",
    "Falls within",
    "Longitude",
    "Latitude",
    "Crime type",
)

#: police.uk column name -> our snake_case name.
POLICEUK_RENAME: dict[str, str] = {
    "Crime ID": "crime_id",
    "Month": "month",
    "Reported by": "reported_by",
    "Falls within": "force",
    "Longitude": "longitude",
    "Latitude": "latitude",
    "Location": "location",
    "LSOA code": "lsoa_code",
    "LSOA name": "lsoa_name",
    "Crime type": "crime_type",
    "Last outcome category": "last_outcome_category",
    "Context": "context",
}

#: The 14 police.uk street-level crime types (police.uk FAQ), in police.uk spelling.
CRIME_TYPES: tuple[str, ...] = (
    "Anti-social behaviour",
    "Bicycle theft",
    "Burglary",
    "Criminal damage and arson",
    "Drugs",
    "Other crime",
    "Other theft",
    "Possession of weapons",
    "Public order",
    "Robbery",
    "Shoplifting",
    "Theft from the person",
    "Vehicle crime",
    "Violence and sexual offences",
)

#: Columns of the kept-crimes GeoDataFrame, in order (``date`` only for force extracts).
OUTPUT_COLUMNS: tuple[str, ...] = (
    "crime_id",
    "month",
    "reported_by",
    "force",
    "longitude",
    "latitude",
    "location",
    "lsoa_code",
    "lsoa_name",
    "crime_type",
    "last_outcome_category",
    "context",
    "source",
    "row",
    "geometry",
)

#: A generous longitude/latitude box around the United Kingdom (incl. Northern
#: Ireland, Scilly and Shetland): (min lon, min lat, max lon, max lat).
UK_BOUNDS: tuple[float, float, float, float] = (-8.75, 49.8, 1.8, 60.95)
