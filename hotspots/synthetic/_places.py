"""Place names, planted hotspots and crime mix of the synthetic Leicestershire data.

Everything here is a named constant or a loader of package data, so the generator's
assumptions can be read (and changed) in one place.
"""

from __future__ import annotations

import gzip
import io
from dataclasses import dataclass
from importlib import resources

import numpy as np
import pandas as pd
from pyproj import Transformer

from hotspots.io._schema import BNG, CRIME_TYPES, WGS84

__all__ = [
    "CONTEXT_LABEL",
    "FORCE",
    "FORCE_SLUG",
    "HOTSPOTS",
    "PLACES",
    "VIOLENCE_TYPES",
    "Hotspot",
    "load_crime_mix",
    "load_map_points",
    "seasonality",
    "to_bng",
    "to_lonlat",
]

FORCE = "Leicestershire Police"
FORCE_SLUG = "leicestershire"
#: Written in the ``Context`` column of every synthetic row.
CONTEXT_LABEL = "SYNTHETIC DATA - not real crime"
#: The open-data proxy for serious violence (:doc:`/docs/methods/policeuk-data`).
VIOLENCE_TYPES: tuple[str, ...] = (
    "Violence and sexual offences",
    "Robbery",
    "Possession of weapons",
)

_MAP_POINTS = "leicestershire_map_points.csv.gz"
_CRIME_MIX = "leicestershire_crime_mix.csv"

#: Real places of the force area: name, longitude, latitude (approximate centroid),
#: relative weight (about the population in thousands), spread (Gaussian sd, metres)
#: and weight as a shopping / night-time centre.
PLACES: tuple[tuple[str, float, float, float, float, float], ...] = (
    ("Leicester city centre", -1.1340, 52.6355, 40, 900, 70),
    ("Highfields", -1.1150, 52.6290, 30, 500, 8),
    ("Spinney Hills", -1.1060, 52.6320, 25, 500, 5),
    ("Belgrave", -1.1240, 52.6540, 25, 600, 12),
    ("Rushey Mead", -1.1050, 52.6640, 15, 500, 3),
    ("Beaumont Leys", -1.1640, 52.6680, 25, 700, 10),
    ("Abbey and Mowmacre", -1.1450, 52.6620, 15, 500, 3),
    ("New Parks", -1.1820, 52.6420, 20, 600, 4),
    ("Braunstone Park", -1.1800, 52.6240, 20, 600, 4),
    ("Westcotes", -1.1500, 52.6280, 20, 500, 8),
    ("Aylestone", -1.1480, 52.6060, 15, 600, 3),
    ("Saffron", -1.1380, 52.6060, 15, 500, 3),
    ("Eyres Monsell", -1.1560, 52.5960, 15, 500, 3),
    ("Clarendon Park", -1.1180, 52.6160, 15, 500, 5),
    ("Knighton", -1.1080, 52.6090, 15, 600, 3),
    ("Stoneygate", -1.1020, 52.6190, 15, 500, 3),
    ("Evington", -1.0800, 52.6260, 20, 700, 4),
    ("Humberstone and Hamilton", -1.0820, 52.6500, 25, 700, 6),
    ("Thurnby Lodge", -1.0670, 52.6380, 10, 500, 2),
    ("Loughborough", -1.2062, 52.7710, 60, 1500, 40),
    ("Hinckley", -1.3731, 52.5410, 45, 1200, 25),
    ("Coalville", -1.3700, 52.7220, 35, 1200, 18),
    ("Whitwick", -1.3560, 52.7400, 9, 600, 2),
    ("Melton Mowbray", -0.8867, 52.7650, 27, 1100, 18),
    ("Market Harborough", -0.9205, 52.4775, 24, 1100, 16),
    ("Wigston", -1.1025, 52.5830, 32, 1000, 10),
    ("Oadby", -1.0785, 52.6062, 23, 900, 8),
    ("Syston", -1.0759, 52.7000, 13, 700, 5),
    ("Ashby-de-la-Zouch", -1.4760, 52.7460, 13, 800, 8),
    ("Shepshed", -1.2951, 52.7644, 14, 800, 4),
    ("Oakham", -0.7277, 52.6705, 11, 700, 7),
    ("Uppingham", -0.7232, 52.5882, 5, 500, 3),
    ("Lutterworth", -1.2003, 52.4556, 10, 700, 5),
    ("Birstall", -1.1203, 52.6738, 12, 700, 3),
    ("Thurmaston", -1.0880, 52.6740, 9, 600, 4),
    ("Glenfield", -1.2000, 52.6500, 9, 600, 3),
    ("Braunstone Town", -1.1833, 52.6167, 17, 700, 8),
    ("Enderby", -1.2080, 52.5900, 6, 600, 6),
    ("Blaby", -1.1650, 52.5750, 6, 500, 2),
    ("Narborough", -1.2030, 52.5720, 8, 600, 2),
    ("Whetstone", -1.1770, 52.5720, 7, 500, 2),
    ("Countesthorpe", -1.1390, 52.5540, 7, 500, 2),
    ("Broughton Astley", -1.2210, 52.5270, 9, 600, 2),
    ("Earl Shilton", -1.3130, 52.5770, 10, 600, 3),
    ("Barwell", -1.3440, 52.5660, 9, 600, 2),
    ("Burbage", -1.3480, 52.5290, 16, 700, 3),
    ("Ibstock", -1.4000, 52.6870, 7, 500, 2),
    ("Measham", -1.5080, 52.7060, 5, 500, 2),
    ("Castle Donington", -1.3380, 52.8430, 7, 600, 3),
    ("Kegworth", -1.2790, 52.8340, 4, 500, 2),
    ("Mountsorrel", -1.1430, 52.7250, 8, 600, 2),
    ("Sileby", -1.1070, 52.7310, 8, 500, 2),
    ("Quorn", -1.1700, 52.7430, 5, 500, 2),
    ("Anstey", -1.1910, 52.6720, 6, 500, 2),
    ("Groby", -1.2270, 52.6630, 7, 500, 2),
    ("Markfield", -1.2770, 52.6880, 5, 500, 2),
)

#: Share of each crime type's located records drawn around place centres (sd
#: :data:`CENTRE_SPREAD_M`) rather than spread over the place; the rest of the
#: located records go to the places (and :data:`RURAL_SHARE` uniformly to all map
#: points).
CENTRE_SHARE: dict[str, float] = {
    "Anti-social behaviour": 0.25,
    "Bicycle theft": 0.40,
    "Burglary": 0.05,
    "Criminal damage and arson": 0.10,
    "Drugs": 0.35,
    "Other crime": 0.15,
    "Other theft": 0.40,
    "Possession of weapons": 0.30,
    "Public order": 0.35,
    "Robbery": 0.30,
    "Shoplifting": 0.85,
    "Theft from the person": 0.75,
    "Vehicle crime": 0.10,
    "Violence and sexual offences": 0.25,
}
CENTRE_SPREAD_M = 250.0
RURAL_SHARE = 0.12

#: Seasonality by crime type: (summer amplitude, December bump); see
#: :func:`seasonality`.
SEASONALITY: dict[str, tuple[float, float]] = {
    "Anti-social behaviour": (0.20, 0.00),
    "Bicycle theft": (0.30, -0.10),
    "Burglary": (-0.08, 0.05),
    "Criminal damage and arson": (0.06, 0.00),
    "Drugs": (0.05, 0.00),
    "Other crime": (0.03, 0.00),
    "Other theft": (0.06, 0.05),
    "Possession of weapons": (0.08, 0.05),
    "Public order": (0.08, 0.05),
    "Robbery": (0.00, 0.10),
    "Shoplifting": (0.00, 0.15),
    "Theft from the person": (0.00, 0.15),
    "Vehicle crime": (-0.05, 0.05),
    "Violence and sexual offences": (0.08, 0.06),
}
_PEAK_MONTH = 7  # July


def seasonality(months: list[str], summer: float, december: float) -> np.ndarray:
    """Return monthly multipliers with mean 1 over a calendar year.

    ``1 + summer * cos(2 pi (m - 7) / 12)`` plus ``december`` in December, scaled so
    the twelve calendar months average 1. Monthly data cannot show weekday effects.
    """
    calendar = np.arange(1, 13)
    raw = 1 + summer * np.cos(2 * np.pi * (calendar - _PEAK_MONTH) / 12)
    raw = raw + december * (calendar == 12)
    raw = raw / raw.mean()
    return raw[np.array([int(m[5:7]) for m in months]) - 1]


@dataclass(frozen=True)
class Hotspot:
    """A planted violence hotspot.

    ``centres`` are (map-point label, longitude, latitude) of real map points;
    ``extra_per_month`` is the added expected violence per month at ``scale=1``
    (before seasonality); ``kind`` is ``persistent``, ``emerging`` (zero until the
    middle month of the series, then rising linearly to full over
    :data:`RAMP_MONTHS`) or ``diminishing`` (full at the start, falling linearly to
    zero at the middle month).
    """

    name: str
    kind: str
    centres: tuple[tuple[str, float, float], ...]
    spread_m: float
    extra_per_month: float
    summer: float
    december: float


RAMP_MONTHS = 12

HOTSPOTS: tuple[Hotspot, ...] = (
    Hotspot(
        "Leicester city centre night-time economy",
        "persistent",
        (
            ("On or near Granby Street", -1.129306, 52.633053),
            ("On or near Market Street", -1.133232, 52.632534),
            ("On or near Church Gate", -1.134563, 52.637740),
        ),
        140.0,
        30.0,
        0.15,
        0.25,
    ),
    Hotspot(
        "Loughborough town centre",
        "persistent",
        (("On or near Market Place", -1.206472, 52.771445),),
        120.0,
        20.0,
        0.12,
        0.20,
    ),
    Hotspot(
        "Melton Mowbray town centre (emerging)",
        "emerging",
        (("On or near Nightclub", -0.885750, 52.765703),),
        200.0,
        40.0,
        0.10,
        0.10,
    ),
    Hotspot(
        "Coalville town centre (diminishing)",
        "diminishing",
        (("On or near Marlborough Square", -1.374963, 52.723611),),
        200.0,
        40.0,
        0.10,
        0.10,
    ),
)

_TO_BNG = Transformer.from_crs(WGS84, BNG, always_xy=True)
_TO_LONLAT = Transformer.from_crs(BNG, WGS84, always_xy=True)


def to_bng(lon, lat) -> tuple[np.ndarray, np.ndarray]:
    """Project longitude/latitude (EPSG:4326) to British National Grid metres."""
    x, y = _TO_BNG.transform(np.asarray(lon, float), np.asarray(lat, float))
    return np.asarray(x), np.asarray(y)


def to_lonlat(x, y) -> tuple[np.ndarray, np.ndarray]:
    """Project British National Grid metres to longitude/latitude (EPSG:4326)."""
    lon, lat = _TO_LONLAT.transform(np.asarray(x, float), np.asarray(y, float))
    return np.asarray(lon), np.asarray(lat)


def _read_package_csv(name: str) -> pd.DataFrame:
    data = resources.files("hotspots").joinpath("data", name).read_bytes()
    if name.endswith(".gz"):
        data = gzip.decompress(data)
    return pd.read_csv(io.BytesIO(data), dtype=str, keep_default_na=False)


def load_map_points() -> pd.DataFrame:
    """Return the real Leicestershire map points with BNG ``x``/``y`` (metres).

    Columns: ``longitude``, ``latitude`` (text, 6 decimals as published),
    ``location``, ``lsoa_code``, ``lsoa_name``, ``x``, ``y``.
    """
    points = _read_package_csv(_MAP_POINTS)
    x, y = to_bng(points["longitude"].astype(float), points["latitude"].astype(float))
    return points.assign(x=x, y=y)


def load_crime_mix() -> pd.DataFrame:
    """Return real 2023-2024 rows per crime type and outcome (police.uk, OGL v3).

    Columns: ``crime_type``, ``last_outcome``, ``n_2023``, ``n_2024``,
    ``n_no_location``.
    """
    mix = _read_package_csv(_CRIME_MIX)
    for column in ("n_2023", "n_2024", "n_no_location"):
        mix[column] = mix[column].astype("int64")
    unknown = sorted(set(mix["crime_type"]) - set(CRIME_TYPES))
    if unknown:
        raise ValueError(f"{_CRIME_MIX} has crime types not in CRIME_TYPES: {unknown}")
    return mix
