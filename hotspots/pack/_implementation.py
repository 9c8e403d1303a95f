"""Patrol delivered in a pack: dosage and compliance from location pings (tracking).

The College of Policing's hot spots guide asks forces to *track* how much patrol
each hot spot received. A recipe may give a radio or body-worn-camera location
export (``patrol_pings``): the pack reads it (:func:`hotspots.tracking.read_pings`,
every row kept or set aside with a reason), measures patrol at the pack's own
places (:func:`hotspots.tracking.dosage`), checks it against the patrol plan
(:func:`hotspots.tracking.compliance`) and, when the tracked months fall inside
the evaluated ones, relates monthly crimes to patrol hours
(``evaluate(dosage=...)``). Nothing here draws random numbers, so a rebuilt pack
is identical.
"""

from __future__ import annotations

import logging
import warnings
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import geopandas as gpd
import pandas as pd

from hotspots._safe import markdown_safe_text as md
from hotspots.evaluation._evaluate_dosage import tracked_months
from hotspots.exceptions import HotspotsWarning
from hotspots.pack._recipe import PackRecipe
from hotspots.pack._trial import methods_with_trial
from hotspots.tracking import (
    Compliance,
    Dosage,
    PatrolPlan,
    compliance,
    dosage,
    read_pings,
)

__all__ = [
    "PackPatrols",
    "evaluation_dosage",
    "methods_with_patrols",
    "patrol_frames",
    "patrol_plan",
    "pings_synthetic",
    "run_patrols",
]

logger = logging.getLogger(__name__)

#: Data rows of a ping export read to see whether it is SYNTHETIC.
_SNIFF_ROWS = 200
#: Texts of a ``synthetic`` column that mark a row as simulated.
_TRUE = {"true", "1", "yes"}
#: The reader's warning about rows set aside; the page shows them instead.
_SET_ASIDE = r"read_pings: set aside .*"


@dataclass(frozen=True)
class PackPatrols:
    """The tracked patrol of a pack.

    Attributes
    ----------
    dosage : Dosage
        :func:`hotspots.tracking.dosage` at the pack's places (ids as text).
    compliance : Compliance
        :func:`hotspots.tracking.compliance` of ``dosage`` against ``plan``.
    plan : PatrolPlan
        The plan checked (the recipe's ``patrol_plan``).
    rows_read, rows_kept : int
        Rows of the export read and kept (the rest were set aside).
    set_aside : DataFrame
        Rows set aside by reason: ``reason_code``, ``reason``, ``n``.
    pings_rules : dict
        The reader's settings (time zone, maximum speed, column map).
    synthetic : bool
        Whether the export says its rows are SYNTHETIC (a ``synthetic`` column).
    """

    dosage: Dosage
    compliance: Compliance
    plan: PatrolPlan
    rows_read: int
    rows_kept: int
    set_aside: pd.DataFrame
    pings_rules: dict[str, Any]
    synthetic: bool


def pings_synthetic(path: str | Path) -> bool:
    """Whether a ping export marks its rows SYNTHETIC (a true ``synthetic`` column).

    Reads the header and the first rows only; a file that cannot be read as CSV
    is not called synthetic (the reader reports what is wrong with it).
    """
    try:
        head = pd.read_csv(
            path,
            nrows=_SNIFF_ROWS,
            dtype=str,
            keep_default_na=False,
            on_bad_lines="skip",
            encoding_errors="replace",
        )
    except (OSError, ValueError, UnicodeError):
        return False
    columns = [c for c in head.columns if str(c).strip().lower() == "synthetic"]
    return any(
        head[c].astype(str).str.strip().str.lower().isin(_TRUE).any() for c in columns
    )


def patrol_plan(recipe: PackRecipe) -> PatrolPlan:
    """Return the recipe's patrol plan (``patrol_plan``; None = the default plan)."""
    return PatrolPlan(**(recipe.patrol_plan or {}))


def run_patrols(
    recipe: PackRecipe, inputs: dict[str, Path], places: gpd.GeoDataFrame
) -> PackPatrols | None:
    """Read the pings, and measure and check the patrol at the pack's places.

    Parameters
    ----------
    recipe : PackRecipe
    inputs : dict of role -> Path
        Resolved input files (``patrol_pings`` when given).
    places : GeoDataFrame
        The pack's places (EPSG:27700) with the recipe's ``id_column``.

    Returns
    -------
    PackPatrols or None
        None when the recipe has no ``patrol_pings``.
    """
    if recipe.patrol_pings is None:
        return None
    path = inputs["patrol_pings"]
    with warnings.catch_warnings():
        # the rows set aside, with their reasons, are on the page
        warnings.filterwarnings("ignore", _SET_ASIDE, HotspotsWarning)
        pings = read_pings(path, columns=recipe.patrol_columns)
    if not pings.rows_kept:
        reasons = ", ".join(
            f"{r.reason_code} {r.n:,}" for r in pings.summary().itertuples()
        )
        raise ValueError(
            f"patrol_pings ({path.name}): none of its {pings.rows_read:,} rows was "
            "kept; check the column map (patrol_columns) and the file's times and "
            f"coordinates. Rows set aside: {reasons}."
        )
    ids = places[recipe.id_column].astype(str)
    spots = gpd.GeoDataFrame(
        {"place_id": ids.to_numpy()}, geometry=places.geometry.to_numpy(), crs=27700
    )
    measured = dosage(
        pings,
        spots,
        by=recipe.patrol_by,  # type: ignore[arg-type]
        shifts=recipe.patrol_shifts,
        buffer=recipe.patrol_buffer,
        max_gap=recipe.patrol_max_gap,
    )
    plan = patrol_plan(recipe)
    return PackPatrols(
        dosage=measured,
        compliance=compliance(measured, plan),
        plan=plan,
        rows_read=pings.rows_read,
        rows_kept=pings.rows_kept,
        set_aside=pings.summary(),
        pings_rules=dict(pings.rules),
        synthetic=pings_synthetic(path),
    )


def evaluation_dosage(patrols: PackPatrols | None, months: pd.Series) -> Dosage | None:
    """Return the dosage for ``evaluate`` when a whole tracked month was evaluated.

    Parameters
    ----------
    patrols : PackPatrols or None
    months : Series
        The crimes' ``month`` column.

    Returns
    -------
    Dosage or None
        None without patrols, or when no calendar month wholly inside the tracked
        dates is among the crimes' months (the page then says so).
    """
    if patrols is None:
        return None
    evaluated = pd.to_datetime(months).dt.to_period("M").dt.to_timestamp().unique()
    tracked = tracked_months(patrols.dosage)
    if not tracked.isin(evaluated).any():
        logger.info(
            "No dose-response: no whole tracked month (%s to %s) is among the "
            "evaluated months.",
            patrols.dosage.rules["start"],
            patrols.dosage.rules["end"],
        )
        return None
    return patrols.dosage


def _rules_frame(patrols: PackPatrols) -> pd.DataFrame:
    rows = [(f"dosage.{k}", v) for k, v in patrols.dosage.rules.items()]
    rows += [(f"compliance.{k}", v) for k, v in patrols.compliance.rules.items()]
    rows += [
        ("pings.rows_read", patrols.rows_read),
        ("pings.rows_kept", patrols.rows_kept),
    ]
    rows += [
        (f"pings.{k}", v) for k, v in patrols.pings_rules.items() if k != "sources"
    ]
    return pd.DataFrame(
        {"rule": [k for k, _ in rows], "value": [_text(v) for _, v in rows]}
    )


def _text(value: Any) -> str:
    """Write a rule as text: mappings and sequences spelt out, None empty."""
    if value is None:
        return ""
    if hasattr(value, "items"):
        return "; ".join(f"{k}: {_text(v)}" for k, v in value.items())
    if isinstance(value, tuple | list):
        return ", ".join(_text(v) for v in value)
    return str(value)


def patrol_frames(
    patrols: PackPatrols | None, evaluation: Any
) -> dict[str, pd.DataFrame]:
    """Return the tracked patrol's data files for the pack's ``data/``, by name.

    Visits are written without their unit ids or times of day (which radio was
    where, and when, is operational detail a shared pack does not need); the
    raw rows set aside stay with the force, their counts by reason are here.
    """
    if patrols is None:
        return {}
    visits = patrols.dosage.visits
    keys = [c for c in ("place_id", "date", "shift") if c in visits.columns]
    frames = {
        "patrol_dosage.csv": patrols.dosage.table,
        "patrol_compliance.csv": patrols.compliance.table,
        "patrol_places.csv": patrols.compliance.places,
        "patrol_visit_lengths.csv": visits[[*keys, "minutes", "pings"]],
        "patrol_set_aside.csv": patrols.set_aside,
        "patrol_rules.csv": _rules_frame(patrols),
    }
    found = getattr(evaluation, "dose_response", None)
    if found is not None:
        frames["patrol_dose_response.csv"] = found.to_frame()
        frames["patrol_dose_response_months.csv"] = found.table.assign(
            month=pd.to_datetime(found.table["month"]).dt.strftime("%Y-%m")
        )
    return frames


def _methods_lines(recipe: PackRecipe, patrols: PackPatrols, evaluation) -> list[str]:
    rules = patrols.dosage.rules
    slot = "local day" if rules["by"] == "day" else "shift"
    lines = [
        "## Patrol tracking (implementation)",
        f"- Location pings: {md(Path(str(recipe.patrol_pings)).name)} read with "
        f"hotspots.tracking.read_pings ({patrols.rows_kept:,} of "
        f"{patrols.rows_read:,} rows kept; the rest set aside with a reason, "
        "counted in data/patrol_set_aside.csv); times without a UTC offset read as "
        f"{md(str(patrols.pings_rules.get('timezone', '')))} local time.",
        f"- Dosage (hotspots.tracking.dosage) at the {len(patrols.dosage.places)} "
        f"places, by {slot}, {rules['start']} to {rules['end']}: places buffered by "
        f"{rules['buffer']:g} m for GPS error; each ping credited with the time to "
        f"the unit's next ping, up to {rules['max_gap']:g} s (else the unit's "
        "median interval); patrol minutes are minutes with at least one unit "
        "present, person minutes add each unit's minutes times its officers.",
        f"- Compliance (hotspots.tracking.compliance) with the plan: "
        f"{md(patrols.plan.describe())}; a visit qualifies when it starts in the "
        "window and lasts long enough; a window across midnight belongs to the "
        "day it opens.",
    ]
    found = getattr(evaluation, "dose_response", None)
    if found is not None:
        lines.append(
            "- Dose-response (hotspots.evaluate(dosage=...), "
            "hotspots.tracking.dose_response): Poisson model of the treated "
            "places' monthly crimes on patrol hours, place and month fixed effects, "
            f"errors clustered by place, months {', '.join(found.rules['months'])}. "
            "Patrol hours were not randomised: an association, not an effect."
        )
    lines += [
        "- The rules and their checks are on the hotspots methods pages 'tracking' "
        "and 'compliance' (docs/methods/tracking.md, docs/methods/compliance.md).",
        "",
    ]
    return lines


def methods_with_patrols(recipe: PackRecipe, analysis: Any) -> str:
    """Return ``methods.md`` with the trial's and the patrol tracking's methods."""
    text = methods_with_trial(recipe, analysis)
    patrols = getattr(analysis, "patrols", None)
    if patrols is None:
        return text
    block = "\n".join(_methods_lines(recipe, patrols, analysis.evaluation)) + "\n"
    head, marker, tail = text.partition("## References\n")
    reference = (
        "- Koper, C. S. (1995). Just enough police presence: reducing crime and "
        "disorderly behavior by optimizing patrol time in crime hot spots. "
        "*Justice Quarterly*, 12(4), 649-672.\n"
    )
    if not marker:
        return text + "\n" + block
    later = tail.find("- Weisburd")  # the references are in alphabetical order
    later = 0 if later < 0 else later
    return head + block + marker + tail[:later] + reference + tail[later:]
