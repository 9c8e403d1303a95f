"""Map points, crime rows and CSV bytes of the synthetic national archive.

Everything here is vectorised: a force's rows for a block of months are drawn with
numpy and turned into police.uk CSV lines with pyarrow string kernels, so the file
text is one contiguous buffer that is sliced into month files. See
:func:`hotspots.synthetic.make_national_archive`.
"""

from __future__ import annotations

import gzip
import itertools
import json
from dataclasses import dataclass
from functools import cache
from importlib import resources

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc
import shapely

from hotspots.io._schema import CRIME_TYPES
from hotspots.synthetic._places import CONTEXT_LABEL, load_crime_mix, to_lonlat

__all__ = [
    "BTP_SHARE",
    "CRIME_TYPE_SHARES",
    "FAULT_RATES",
    "ForcePool",
    "area_polygon",
    "block_text",
    "force_pool",
    "force_table",
    "lines_for_block",
    "type_outcome_table",
]

#: Approximate, rounded shares of the 14 crime types in police.uk street-level data
#: for England and Wales in recent years (illustrative: the mix, not a statistic).
CRIME_TYPE_SHARES: dict[str, float] = {
    "Anti-social behaviour": 0.180,
    "Bicycle theft": 0.012,
    "Burglary": 0.045,
    "Criminal damage and arson": 0.085,
    "Drugs": 0.030,
    "Other crime": 0.020,
    "Other theft": 0.075,
    "Possession of weapons": 0.008,
    "Public order": 0.085,
    "Robbery": 0.012,
    "Shoplifting": 0.065,
    "Theft from the person": 0.016,
    "Vehicle crime": 0.062,
    "Violence and sexual offences": 0.305,
}
#: Default rates of planted faults, per row: ``no_coordinates`` (police.uk "No
#: Location", blank coordinates and LSOA), ``duplicate_crime_id`` (a row repeating
#: the Crime ID of the row before it in the same file) and ``malformed_row`` (a 13th
#: field after Context). Keys are the reason codes the readers give.
FAULT_RATES: dict[str, float] = {
    "no_coordinates": 0.02,
    "duplicate_crime_id": 2e-5,
    "malformed_row": 5e-6,
}
#: British Transport Police's share of all rows (it records about 1% of the crimes
#: published on police.uk); the territorial forces share the rest by population.
BTP_SHARE = 0.01
NO_LOCATION = "No Location"
#: People per synthetic LSOA (real LSOAs hold about 1,000-3,000 people).
_PEOPLE_PER_LSOA = 1_600
#: People per synthetic map point, and bounds on a force's number of map points.
_PEOPLE_PER_POINT = 150
_POINTS_MIN, _POINTS_MAX = 300, 40_000
_BTP_POINTS_PER_FORCE = 60
_STREETS = (
    "High", "Station", "Church", "Main", "Park", "Victoria", "Green", "Manor",
    "Mill", "School", "Queen", "King", "New", "London", "Chapel", "Albert",
    "Grange", "Springfield", "Windsor", "North", "South", "West", "Castle", "Bridge",
)  # fmt: skip
_SUFFIXES = (
    "Road", "Street", "Lane", "Avenue", "Close", "Drive", "Way", "Crescent",
    "Gardens", "Place", "Terrace", "Court",
)  # fmt: skip
_PLACES = (
    "Parking Area", "Supermarket", "Shopping Area", "Petrol Station", "Nightclub",
    "Sports/Recreation Area", "Further/Higher Educational Building", "Hospital",
    "Police Station", "Theatre/Concert Hall",
)  # fmt: skip
_AREA_LABELS = {"metropolitan": "London", "city-of-london": "City of London"}


@cache
def _areas() -> dict[str, shapely.Geometry]:
    data = resources.files("hotspots.data").joinpath("force_areas.geojson.gz")
    features = json.loads(gzip.decompress(data.read_bytes()))["features"]
    return {
        f["properties"]["slug"]: shapely.from_geojson(json.dumps(f["geometry"]))
        for f in features
    }


@cache
def force_table() -> pd.DataFrame:
    """Return the 44 forces (43 territorial + BTP): slug, name, area label, share."""
    root = resources.files("hotspots.data")
    forces = pd.read_csv(root.joinpath("forces.csv").open(), dtype=str)
    people = pd.read_csv(root.joinpath("force_populations_2011.csv").open())
    population = dict(zip(people["force_slug"], people["population"], strict=True))
    forces = forces[forces["slug"].isin([*population, "btp"])].copy()
    pop = forces["slug"].map(population).fillna(0).astype("int64")
    forces["population"] = pop
    forces["share"] = np.where(
        forces["slug"] == "btp", BTP_SHARE, (1 - BTP_SHARE) * pop / pop.sum()
    )
    forces["country"] = forces["country"].fillna("")
    return forces.reset_index(drop=True)


def area_polygon(slug: str) -> shapely.Geometry:
    """Return the force's area (EPSG:27700); BTP's is every territorial area."""
    areas = _areas()
    if slug == "btp":
        return shapely.GeometryCollection(list(areas.values()))
    return areas[slug]


def _points_in(area: shapely.Geometry, n: int, rng) -> np.ndarray:
    """``n`` uniform random points inside ``area``, (n, 2) metres."""
    shapely.prepare(area)
    xmin, ymin, xmax, ymax = area.bounds
    found, have = [], 0
    while have < n:
        batch = max(2 * (n - have), 256)
        x = rng.uniform(xmin, xmax, batch)
        y = rng.uniform(ymin, ymax, batch)
        inside = shapely.contains_xy(area, x, y)
        found.append(np.c_[x[inside], y[inside]])
        have += int(inside.sum())
    return np.concatenate(found)[:n]


@dataclass(frozen=True)
class ForcePool:
    """A force's synthetic map points: BNG ``xy`` and CSV fragments, with weights.

    ``fragments[i]`` is ``"lon,lat,Location,LSOA code,LSOA name"`` of point ``i``;
    the last fragment is the no-location one. ``cumulative`` are the points' weights
    summed to 1.
    """

    xy: np.ndarray
    fragments: pa.Array
    cumulative: np.ndarray


def _territorial_pool(row, code_offset: int, seed: int) -> ForcePool:
    rng = np.random.default_rng(seed)
    area = area_polygon(row.slug)
    n_points = int(
        np.clip(row.population // _PEOPLE_PER_POINT, _POINTS_MIN, _POINTS_MAX)
    )
    n_lsoa = max(1, int(row.population // _PEOPLE_PER_LSOA))
    xy = _points_in(area, n_points, rng)
    seeds = _points_in(area, n_lsoa, rng)
    from scipy.spatial import cKDTree  # imported where used: start-up stays fast

    lsoa = cKDTree(seeds).query(xy)[1]
    prefix = "W01" if row.country == "Wales" else "E01"
    label = _AREA_LABELS.get(row.slug, row.area_name)
    lsoa_codes = [f"{prefix}{code_offset + j:06d}" for j in range(n_lsoa)]
    lsoa_names = [f"{label} {j // 4 + 1:03d}{'ABCD'[j % 4]}" for j in range(n_lsoa)]
    streets = [f"On or near {s} {x}" for s in _STREETS for x in _SUFFIXES]
    streets += [f"On or near {p}" for p in _PLACES]
    location = pa.array(rng.integers(0, len(streets), n_points))
    weights = rng.lognormal(0.0, 1.0, n_points)
    lsoa_index = pa.array(lsoa)
    lon, lat = to_lonlat(xy[:, 0], xy[:, 1])
    text = [
        _degrees(lon),
        _degrees(lat),
        pa.array(streets).take(location),
        pa.array(lsoa_codes).take(lsoa_index),
        pa.array(lsoa_names).take(lsoa_index),
    ]
    return _pool(xy, pc.binary_join_element_wise(*text, ","), weights)


def _degrees(values: np.ndarray) -> pa.Array:
    """Format degrees with 6 decimals (``-1.181723``), vectorised."""
    micro = np.round(np.asarray(values) * 1e6).astype(np.int64)
    whole = pa.array(np.abs(micro) // 1_000_000).cast(pa.string())
    part = pc.utf8_lpad(pa.array(np.abs(micro) % 1_000_000).cast(pa.string()), 6, "0")
    sign = pa.array(np.where(micro < 0, "-", ""))
    return pc.binary_join_element_wise(sign, whole, ".", part, "")


def _pool(xy, joined, weights) -> ForcePool:
    fragments = pa.concat_arrays([joined, pa.array([f",,{NO_LOCATION},,"])])
    cumulative = np.cumsum(weights) / np.sum(weights)
    return ForcePool(xy=xy, fragments=fragments, cumulative=cumulative)


def _territorial(slug: str, base_seed: int, built: dict) -> ForcePool:
    if slug in built:
        return built[slug]
    table = force_table()
    territorial = table[table["slug"] != "btp"].reset_index(drop=True)
    offsets = np.concatenate(
        [[1], 1 + np.cumsum(territorial["population"] // _PEOPLE_PER_LSOA)]
    )
    i = int(np.flatnonzero(territorial["slug"] == slug)[0])
    row = territorial.iloc[i]
    built[slug] = _territorial_pool(row, int(offsets[i]), base_seed + 1_000 * (i + 1))
    return built[slug]


def force_pool(slug: str, base_seed: int, built: dict) -> ForcePool:
    """Return the map points of ``slug``, the same for the same ``base_seed``.

    ``built`` memoises territorial pools within one archive (BTP reuses them).
    """
    if slug != "btp":
        return _territorial(slug, base_seed, built)
    rng = np.random.default_rng(base_seed + 999)
    parts = []
    for s in force_table()["slug"]:  # railway stations lie in every force's area
        if s == "btp":
            continue
        pool = _territorial(s, base_seed, built)
        pick = rng.choice(len(pool.xy), _BTP_POINTS_PER_FORCE, replace=False)
        parts.append((pool.xy[pick], pool.fragments.take(pa.array(pick))))
    xy = np.concatenate([p[0] for p in parts])
    joined = pa.concat_arrays([p[1] for p in parts])
    return _pool(xy, joined, rng.lognormal(0.0, 1.0, len(xy)))


@cache
def type_outcome_table() -> tuple[pa.Array, np.ndarray, np.ndarray]:
    """Return ("Crime type,Last outcome" fragments, cumulative p, crime-type index).

    Types follow :data:`CRIME_TYPE_SHARES`; outcomes within a type follow the real
    Leicestershire 2023-2024 mix (police.uk, OGL v3).
    """
    mix = load_crime_mix()
    fragments, probability, type_index = [], [], []
    for k, name in enumerate(CRIME_TYPES):
        rows = mix[mix["crime_type"] == name]
        weight = (rows["n_2023"] + rows["n_2024"]).to_numpy(float)
        for outcome, w in zip(rows["last_outcome"], weight, strict=True):
            fragments.append(f"{name},{outcome}")
            probability.append(CRIME_TYPE_SHARES[name] * w / weight.sum())
            type_index.append(k)
    cumulative = np.cumsum(probability) / np.sum(probability)
    return pa.array(fragments), cumulative, np.asarray(type_index)


def _draw(cumulative: np.ndarray, n: int, rng) -> np.ndarray:
    pick = np.searchsorted(cumulative, rng.random(n), side="right")
    return np.minimum(pick, len(cumulative) - 1)


def _crime_ids(n: int, rng) -> np.ndarray:
    return np.frombuffer(rng.bytes(32 * n).hex().encode("ascii"), dtype="S64").copy()


def _plant_duplicates(ids, eligible, month, n_dup, rng) -> np.ndarray:
    """Copy the previous row's Crime ID into ``n_dup`` rows; return their indices."""
    prev_ok = np.zeros_like(eligible)
    prev_ok[1:] = eligible[1:] & eligible[:-1] & (month[1:] == month[:-1])
    candidates = np.flatnonzero(prev_ok)
    n_dup = min(n_dup, len(candidates))
    targets = np.sort(rng.choice(candidates, n_dup, replace=False))
    for i in targets:  # in order, so a run of duplicates repeats one ID
        ids[i] = ids[i - 1]
    return targets


def lines_for_block(pool, prefixes, counts, rates, rng) -> tuple[pa.Array, dict]:
    """Return the CSV lines of one force over a block of months, and the faults.

    ``prefixes[m]`` is ``"Month,Reported by,Falls within"`` of month ``m`` and
    ``counts[m]`` its rows; rows come out month by month. The result is a string
    array whose value buffer is the file text of the block, month files back to back.
    """
    n = int(np.sum(counts))
    month = np.repeat(np.arange(len(counts)), counts)
    fragments, type_cumulative, type_index = type_outcome_table()
    kind = _draw(type_cumulative, n, rng)
    has_id = type_index[kind] != 0  # anti-social behaviour has no Crime ID
    point = _draw(pool.cumulative, n, rng)
    no_location = rng.random(n) < rates["no_coordinates"]
    point[no_location] = len(pool.fragments) - 1
    ids = _crime_ids(n, rng)
    eligible = has_id & ~no_location
    n_dup = int(rng.binomial(n, rates["duplicate_crime_id"]))
    duplicates = _plant_duplicates(ids, eligible, month, n_dup, rng)
    free = eligible.copy()
    free[duplicates] = False
    free[np.maximum(duplicates - 1, 0)] = False
    free_rows = np.flatnonzero(free)
    n_bad = min(int(rng.binomial(n, rates["malformed_row"])), len(free_rows))
    malformed = rng.choice(free_rows, n_bad, replace=False)
    context = np.zeros(n, dtype=np.int8)
    context[malformed] = 1
    offsets = pa.py_buffer(np.arange(0, 64 * (n + 1), 64, dtype=np.int32))
    id_array = pa.StringArray.from_buffers(n, offsets, pa.py_buffer(ids))
    id_array = pc.if_else(pa.array(has_id), id_array, "")
    contexts = pa.array([f"{CONTEXT_LABEL}\n", f"{CONTEXT_LABEL},extra field\n"])
    lines = pc.binary_join_element_wise(
        id_array,
        pa.array(prefixes).take(pa.array(month)),
        pool.fragments.take(pa.array(point)),
        fragments.take(pa.array(kind)),
        contexts.take(pa.array(context)),
        ",",
    )
    faults = {
        "no_coordinates": np.bincount(month[no_location], minlength=len(counts)),
        "duplicate_crime_id": np.bincount(month[duplicates], minlength=len(counts)),
        "malformed_row": np.bincount(month[malformed], minlength=len(counts)),
        "crime_type": np.bincount(type_index[kind], minlength=len(CRIME_TYPES)),
    }
    return lines, faults


def block_text(lines: pa.Array, counts) -> list[memoryview]:
    """Split the lines' value buffer into one byte view per month."""
    offsets = np.frombuffer(lines.buffers()[1], dtype=np.int32)
    offsets = offsets[lines.offset : lines.offset + len(lines) + 1]
    data = memoryview(lines.buffers()[2])
    ends = np.concatenate([[0], np.cumsum(counts)])
    return [data[offsets[a] : offsets[b]] for a, b in itertools.pairwise(ends)]
