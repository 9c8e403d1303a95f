"""A schedule as CSV with a JSON sidecar, and back (:func:`read_schedule`)."""

from __future__ import annotations

import json
import logging
import warnings
from dataclasses import replace
from pathlib import Path
from typing import Literal

import numpy as np
import pandas as pd

from hotspots._atomic import atomic_path
from hotspots._version import __version__
from hotspots.design._schedule import COLUMNS, Schedule, build, freeze, plain
from hotspots.design._schedule_calendar import DAY_SHIFT, TZ, Calendar
from hotspots.design._schedule_crossover import ARGUMENTS as CROSSOVER_ARGUMENTS
from hotspots.design._schedule_crossover import crossover_rules
from hotspots.design._schedule_parallel import ARGUMENTS as PARALLEL_ARGUMENTS
from hotspots.design._schedule_parallel import parallel_rules
from hotspots.exceptions import HotspotsWarning, SchemaError

__all__ = ["read_schedule", "write_csv"]

logger = logging.getLogger(__name__)

#: Format name and version of the JSON sidecar.
SIDECAR_FORMAT = "hotspots.schedule"
SIDECAR_VERSION = 1
_CODES = {"treatment": 1, "control": 0, "washout": -1}


def _iso(stamps: pd.Series) -> pd.Series:
    return stamps.map(lambda t: t.isoformat())


def write_csv(schedule: Schedule, path: Path) -> Path:
    """Write ``schedule.table`` to ``path`` and its rules to the JSON sidecar."""
    table = schedule.table.copy()
    table["date"] = table["date"].dt.strftime("%Y-%m-%d")
    table["start"] = _iso(table["start"])
    table["end"] = _iso(table["end"])
    sidecar = {
        "format": SIDECAR_FORMAT,
        "version": SIDECAR_VERSION,
        "design": schedule.design,
        "places": list(schedule.places),
        "rules": plain(schedule.rules),
        "locations": plain(schedule._locations),
        "csv": path.name,
        "rows": len(table),
        "hotspots_version": __version__,
        "numpy_version": np.__version__,
    }
    with atomic_path(path) as tmp:
        table.to_csv(tmp, index=False)
    with atomic_path(path.with_suffix(".json")) as tmp:
        tmp.write_text(json.dumps(sidecar, indent=2) + "\n", encoding="utf-8")
    logger.info(
        "Schedule written to %s (%d rows) and its rules to %s.",
        path,
        len(table),
        path.with_suffix(".json").name,
    )
    return path


def _read_table(path: Path) -> pd.DataFrame:
    if not path.is_file():
        raise FileNotFoundError(f"schedule CSV not found: {path}")
    text = {"place_id": str, "shift": str, "arm": str, "block": str}
    table = pd.read_csv(path, dtype=text, keep_default_na=False)
    missing = [c for c in COLUMNS if c not in table.columns]
    if missing:
        raise SchemaError(
            f"{path.name} is not a schedule written by Schedule.to_csv: columns "
            f"{missing} are missing (found {list(table.columns)})."
        )
    unknown = sorted(set(table["arm"]) - set(_CODES))
    if unknown:
        raise SchemaError(
            f"{path.name}: arm must be one of {sorted(_CODES)}; found {unknown}. "
            "Correct the arm column."
        )
    table["date"] = pd.to_datetime(table["date"], format="%Y-%m-%d").dt.as_unit("ns")
    for column in ("start", "end"):
        table[column] = (
            pd.to_datetime(table[column], utc=True).dt.tz_convert(TZ).dt.as_unit("ns")
        )
    table["period"] = table["period"].astype(np.int64)
    return table


def _arms_matrix(table: pd.DataFrame, places, slots: pd.DataFrame, name: str):
    """Arms from the CSV as (places x slots) int8, or raise naming missing rows."""
    keys = pd.MultiIndex.from_frame(slots[["date", "shift"]])
    wide = table.assign(_code=table["arm"].map(_CODES)).pivot_table(
        index="place_id", columns=["date", "shift"], values="_code", aggfunc="first"
    )
    wide = wide.reindex(index=list(places), columns=keys)
    n_missing = int(wide.isna().to_numpy().sum())
    extra = len(table) - (wide.size - n_missing)
    if n_missing or extra:
        raise ValueError(
            f"{name} does not match its schedule: {n_missing} place-slots are "
            f"missing and {extra} rows are extra or repeated. Restore the file "
            "written by to_csv, or remove the JSON sidecar to read the CSV as it is."
        )
    return wide.to_numpy().astype(np.int8)


def _from_rules(sidecar: dict) -> Schedule:
    design, rules = sidecar["design"], sidecar["rules"]
    places = tuple(str(p) for p in sidecar["places"])
    if design == "crossover":
        arguments = {k: rules[k] for k in CROSSOVER_ARGUMENTS}
        checked = crossover_rules(len(places), **arguments, recorded=rules)
    elif design == "parallel":
        arguments = {k: rules[k] for k in PARALLEL_ARGUMENTS}
        checked = parallel_rules(places, None, **arguments, recorded=rules)
    else:
        raise SchemaError(f"unknown design {design!r} in the schedule's sidecar.")
    locations = sidecar.get("locations")
    locations = None if locations is None else freeze(locations)
    return build(design, places, checked, locations)


def _from_table(table: pd.DataFrame, name: str) -> Schedule:
    """Read a schedule from the CSV alone: no rules, so it cannot be re-drawn."""
    places = tuple(dict.fromkeys(table["place_id"]))
    slots = table.drop_duplicates(["date", "shift"])[
        ["date", "shift", "period", "start", "end"]
    ].reset_index(drop=True)
    days = np.unique(slots["date"].to_numpy())
    shift_names = tuple(dict.fromkeys(slots["shift"]))
    calendar = Calendar(
        days=days,
        slot_day=np.searchsorted(days, slots["date"].to_numpy()),
        slot_shift=np.array([shift_names.index(s) for s in slots["shift"]]),
        shift_names=shift_names,
        starts=pd.DatetimeIndex(slots["start"]),
        ends=pd.DatetimeIndex(slots["end"]),
        all_day=shift_names == (DAY_SHIFT,),
    )
    arms = _arms_matrix(table, places, slots, name)
    single = bool((arms == arms[:, :1]).all())
    design: Literal["crossover", "parallel"] = "parallel" if single else "crossover"
    blocks = table.drop_duplicates("place_id").set_index("place_id")["block"]
    logger.info(
        "No JSON sidecar next to %s: read as written, design taken to be %r "
        "(every place keeps one arm: %s). It cannot be re-drawn.",
        name,
        design,
        single,
    )
    arms.flags.writeable = False
    return Schedule(
        design=design,
        places=places,
        rules=freeze({}),
        _arms=arms,
        _calendar=calendar,
        _periods=slots["period"].to_numpy(dtype=np.int64),
        _blocks=tuple(str(blocks[p]) for p in places),
    )


def read_schedule(path) -> Schedule:
    """Read a schedule written by :meth:`Schedule.to_csv`.

    Parameters
    ----------
    path : str or Path
        The CSV file; its sidecar ``path.with_suffix(".json")`` holds the design,
        places and rules.

    Returns
    -------
    Schedule
        Rebuilt from the rules and seed, with the arms as written in the CSV
        (the trial ran as written). Without the sidecar the schedule is read as
        it is, with empty rules: :meth:`Schedule.redraw` then raises.

    Raises
    ------
    FileNotFoundError
        If the CSV does not exist.
    SchemaError
        If columns are missing or an arm is not treatment, control or washout.
    ValueError
        If the CSV's place-slots differ from those of its rules (rows added or
        removed), or the rules were drawn by another version's mechanism.

    Warns
    -----
    HotspotsWarning
        When arms in the CSV differ from those regenerated from the rules and
        seed (the file was edited): how many rows differ. The CSV's arms are
        kept; re-draws follow the rules.

    Examples
    --------
    >>> import tempfile, pathlib
    >>> from hotspots.design import crossover_schedule, read_schedule
    >>> schedule = crossover_schedule(
    ...     ["A", "B"], start="2025-01-06", end="2025-01-19", seed=4
    ... )
    >>> path = schedule.to_csv(pathlib.Path(tempfile.mkdtemp()) / "trial.csv")
    >>> read_schedule(path).rules["seed"]
    4
    """
    path = Path(path)
    table = _read_table(path)
    sidecar_path = path.with_suffix(".json")
    if not sidecar_path.is_file():
        return _from_table(table, path.name)
    sidecar = json.loads(sidecar_path.read_text(encoding="utf-8"))
    if sidecar.get("format") != SIDECAR_FORMAT:
        raise SchemaError(
            f"{sidecar_path.name} is not a schedule sidecar (format "
            f"{sidecar.get('format')!r}); it should be the JSON to_csv wrote."
        )
    schedule = _from_rules(sidecar)
    written = _arms_matrix(table, schedule.places, schedule.slots(), path.name)
    differ = int((written != schedule.assignment()).sum())
    if not differ:
        return schedule
    versions = ""
    if sidecar.get("numpy_version") != np.__version__:
        versions = (
            f" (it was written with numpy {sidecar.get('numpy_version')}, this is "
            f"{np.__version__}: a different random stream also changes arms)"
        )
    warnings.warn(
        f"{differ} of {written.size} rows of {path.name} have arms that differ "
        f"from the schedule regenerated from its rules and seed "
        f"{schedule.rules['seed']}: the file was edited{versions}. Keeping the "
        "CSV's arms, as the trial ran as written; re-draws for randomisation "
        "inference follow the rules, so report the edits.",
        HotspotsWarning,
        stacklevel=2,
    )
    written.flags.writeable = False
    return replace(schedule, _arms=written)
