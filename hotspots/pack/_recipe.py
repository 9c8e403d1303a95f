"""What a pack is built from: the inputs and every parameter, in one record."""

from __future__ import annotations

import math
import re
from dataclasses import asdict, dataclass, field, fields
from pathlib import Path
from typing import Any

from hotspots.design import Plan
from hotspots.design._schedule_calendar import check_shifts
from hotspots.tracking import PatrolPlan

__all__ = ["BOUNDARY_ATTRIBUTION", "PackRecipe"]

#: Attribution of boundaries from the ONS Open Geography Portal (Open Government
#: Licence v3.0), the usual source of LSOA, ward and force outlines.
BOUNDARY_ATTRIBUTION = (
    "Boundaries: Office for National Statistics licensed under the Open Government "
    "Licence v3.0; contains OS data © Crown copyright and database right."
)

_MONTH = re.compile(r"^\d{4}-(0[1-9]|1[0-2])$")
#: Input files of a randomised trial, in the order the manifest lists them.
_TRIAL_FILES = ("trial_schedule", "trial_counts", "trial_dosage")
#: Fields of a ping export's column map (``patrol_columns``).
_PING_FIELDS = (
    "unit",
    "time",
    "longitude",
    "latitude",
    "easting",
    "northing",
    "officers",
)


@dataclass(frozen=True)
class PackRecipe:
    """Inputs and parameters of a knowledge-sharing pack.

    The recipe is written into the pack's manifest; :func:`rebuild_pack` reads it
    back and builds the same pack again.

    Parameters
    ----------
    crimes : str
        GeoParquet of crimes written by ``hotspots ingest`` (or
        :meth:`hotspots.IngestResult.write`), covering months before and
        after ``treatment_start``.
    places : str
        Polygon file (GeoJSON, GeoPackage...) of the treated (patrolled) places.
    treatment_start : str
        First treated month, ``"YYYY-MM"``.
    title : str
        Title of the pack, e.g. ``"Hot spot patrols in Leicester city centre"``.
    area : str
        Where, e.g. ``"Leicestershire"``.
    organisation : str, default ""
        Who ran the intervention (force, VRN), shown on the cover.
    definition : str, default "serious_violence"
        Crimes evaluated (:func:`hotspots.select_crimes`), or ``"all"``.
    id_column : str, default "place_id"
        Column of ``places`` naming each place.
    ring_radius : float, default 250
        Displacement ring width, metres.
    comparisons_k : int, default 3
        Comparison places matched to each treated place.
    permutations : int, default 999
        Placebo sets of the randomisation test.
    seed : int, default 20240601
        Random seed of every random step.
    cell_size : float, default 250
        Cell side of the hotspot map of the selection period, metres.
    boundary : str, optional
        Polygon file of the study area; the hotspot grid covers it (needed when
        stray far-away points would make the grid huge). None = the crimes'
        extent.
    boundary_attribution : str, optional
        Attribution of the boundary data, shown under the maps and in the
        provenance. None with a ``boundary`` = the Office for National Statistics
        and Ordnance Survey statement that ONS boundaries require
        (:data:`BOUNDARY_ATTRIBUTION`); give your own for other sources.
    officer_hours, hourly_cost : float, optional
        Patrol officer hours over the post period and the fully loaded cost of
        one officer hour (GBP). Both or neither; without them the economic
        section says the intervention was not costed.
    hourly_cost_source : str, default ""
        Where the hourly cost comes from (shown beside it).
    price_year : str, optional
        Financial year whose prices the hourly cost is in, e.g. ``"2024/25"``;
        every money figure of the pack is put in it (unit costs are uprated with
        the GDP deflator, :func:`hotspots.evaluation.uprate`). None = the latest
        year of the shipped deflator series (logged and stated on the page).
    unit_costs : str, default "home_office"
        ``"home_office"`` for :func:`hotspots.home_office_unit_costs`
        or a CSV path in the :func:`hotspots.unit_cost_table` layout.
    cost_mix : dict, optional
        Offence mix of the prevented crimes (offence -> share of 1). None =
        robbery's share of the treated places' crimes as "Robbery (personal)"
        and the rest as "Violence with injury" (an upper bound: police.uk does
        not separate violence with and without injury; a caveat says so).
    mechanism, moderators, implementation : str, optional
        The authors' own account for the EMMIE headings; None = a standard text
        saying what the analysis can and cannot tell.
    artefacts : {"flag", "exclude", "downweight", "off"}, default "flag"
        What the evaluation and the hotspot map do with crimes at map points the
        data-quality checks flag (see :func:`hotspots.evaluate`); the checks'
        findings are on the page and in ``data/quality_findings.csv``.
    synthetic : bool, optional
        Mark the pack SYNTHETIC. None = detect from a ``context`` column saying
        "SYNTHETIC".
    trial_plan : dict, optional
        Fields of a :class:`hotspots.design.Plan` (e.g. ``{"design":
        "crossover", "length": 90}``): the pack simulates that trial at the
        recipe's places, with base rates (and, when the plan gives no
        ``dispersion``, the dispersion) from their crimes in the 12 months
        before ``treatment_start``, and reports its minimum detectable effect.
    trial_sims : int, default 1000
        Simulated trials per effect size for ``trial_plan`` (seed ``seed``).
    trial_schedule, trial_counts : str, optional
        A randomised trial's schedule CSV (written by
        :meth:`hotspots.design.Schedule.to_csv`, with its JSON sidecar beside
        it) and its counts CSV (``place_id``, ``date``, optional ``shift``,
        ``count``): the pack analyses the trial
        (:func:`hotspots.evaluation.analyse_experiment`). Both or neither.
    trial_dosage : str, optional
        The trial's patrol received (``place_id``, ``date``, optional ``shift``,
        ``minutes``): adds the per-protocol contrast and compliance.
    patrol_pings : str, optional
        A radio or body-worn-camera location export (CSV, optionally gzip; see
        :func:`hotspots.tracking.read_pings`): the pack measures the patrol at
        its places (:func:`hotspots.tracking.dosage`), checks it against
        ``patrol_plan`` and shows it under Implementation; when a whole tracked
        month is among the evaluated months it adds the dose-response.
    patrol_columns : dict, optional
        Column map of the export (our field -> its column: ``unit``, ``time``,
        ``longitude``/``latitude`` or ``easting``/``northing``, ``officers``).
        None = the fields' own names.
    patrol_plan : dict, optional
        Fields of a :class:`hotspots.tracking.PatrolPlan` (e.g.
        ``{"visits_per_day": 1, "min_visit_minutes": 15, "window": ["18:00",
        "02:00"], "target_hours": 3}``). None = the default plan: one visit of
        at least 15 minutes starting 18:00-02:00 every day.
    patrol_by : {"day", "shift"}, default "day"
        Count the patrol per local day, or per shift of ``patrol_shifts``.
    patrol_shifts : dict, optional
        Shift name -> ``["HH:MM", "HH:MM"]`` (local), with ``patrol_by="shift"``.
    patrol_buffer, patrol_max_gap : float, default 10 and 300
        Metres added round each place for GPS error; longest interval between
        a unit's pings credited as presence, seconds (``dosage``'s ``buffer``
        and ``max_gap``).
    """

    crimes: str
    places: str
    treatment_start: str
    title: str
    area: str
    organisation: str = ""
    definition: str = "serious_violence"
    id_column: str = "place_id"
    ring_radius: float = 250.0
    comparisons_k: int = 3
    permutations: int = 999
    seed: int = 20240601
    cell_size: float = 250.0
    boundary: str | None = None
    boundary_attribution: str | None = None
    officer_hours: float | None = None
    hourly_cost: float | None = None
    hourly_cost_source: str = ""
    price_year: str | None = None
    unit_costs: str = "home_office"
    cost_mix: dict[str, float] | None = field(default=None)
    mechanism: str | None = None
    moderators: str | None = None
    implementation: str | None = None
    synthetic: bool | None = None
    artefacts: str = "flag"
    trial_plan: dict[str, Any] | None = field(default=None)
    trial_sims: int = 1000
    trial_schedule: str | None = None
    trial_counts: str | None = None
    trial_dosage: str | None = None
    patrol_pings: str | None = None
    patrol_columns: dict[str, str] | None = field(default=None)
    patrol_plan: dict[str, Any] | None = field(default=None)
    patrol_by: str = "day"
    patrol_shifts: dict[str, Any] | None = field(default=None)
    patrol_buffer: float = 10.0
    patrol_max_gap: float = 300.0

    def __post_init__(self) -> None:
        for name in ("crimes", "places", "title", "area", "treatment_start"):
            value = getattr(self, name)
            if not isinstance(value, str) or not value.strip():
                raise ValueError(f"{name} must be a non-empty string; got {value!r}")
        if not _MONTH.match(self.treatment_start):
            raise ValueError(
                "treatment_start must look like 'YYYY-MM'; got "
                f"{self.treatment_start!r}"
            )
        for name in ("ring_radius", "cell_size"):
            value = getattr(self, name)
            if (
                not isinstance(value, int | float)
                or not math.isfinite(value)
                or value <= 0
            ):
                raise ValueError(
                    f"{name} must be a positive number of metres; got {value!r}"
                )
        if self.artefacts not in ("flag", "exclude", "downweight", "off"):
            raise ValueError(
                "artefacts must be 'flag', 'exclude', 'downweight' or 'off'; got "
                f"{self.artefacts!r}"
            )
        for name in ("comparisons_k", "permutations", "seed"):
            value = getattr(self, name)
            if isinstance(value, bool) or not isinstance(value, int) or value < 0:
                raise ValueError(
                    f"{name} must be a non-negative integer; got {value!r}"
                )
        if (self.officer_hours is None) != (self.hourly_cost is None):
            raise ValueError(
                "give both officer_hours and hourly_cost (to cost the patrols) or "
                "neither."
            )
        for name in ("officer_hours", "hourly_cost"):
            value = getattr(self, name)
            if value is not None and (
                isinstance(value, bool)
                or not isinstance(value, int | float)
                or not math.isfinite(value)
                or value <= 0
            ):
                raise ValueError(f"{name} must be a positive number; got {value!r}")
        if self.cost_mix is not None:
            if not isinstance(self.cost_mix, dict) or not self.cost_mix:
                raise ValueError("cost_mix must be a dict of offence -> share.")
            total = sum(float(v) for v in self.cost_mix.values())
            if abs(total - 1) > 1e-6:
                raise ValueError(
                    f"cost_mix shares must sum to 1; they sum to {total:g}"
                )
        self._check_trial()
        self._check_patrols()

    def _check_trial(self) -> None:
        if isinstance(self.trial_sims, bool) or not isinstance(self.trial_sims, int):
            raise ValueError(f"trial_sims must be an integer; got {self.trial_sims!r}")
        if self.trial_sims < 1:
            raise ValueError(f"trial_sims must be >= 1; got {self.trial_sims!r}")
        if self.trial_plan is not None:
            if not isinstance(self.trial_plan, dict):
                raise ValueError(
                    "trial_plan must be a dict of hotspots.design.Plan fields, e.g. "
                    f'{{"design": "crossover", "length": 90}}; got {self.trial_plan!r}'
                )
            known = sorted(f.name for f in fields(Plan))
            unknown = sorted(set(self.trial_plan) - set(known))
            if unknown:
                raise ValueError(
                    f"trial_plan has unknown field(s) {unknown}; Plan fields: {known}."
                )
            Plan(**self.trial_plan)  # the plan's own checks and messages
        given = {n: getattr(self, n) for n in _TRIAL_FILES}
        if given["trial_schedule"] is not None and given["trial_counts"] is None:
            raise ValueError(
                "trial_schedule is given without trial_counts: the trial cannot be "
                "analysed without its crimes. Give trial_counts= (a CSV of place_id, "
                "date, count; see hotspots.evaluation.trial_counts) or drop "
                "trial_schedule."
            )
        for name in ("trial_counts", "trial_dosage"):
            if given[name] is not None and given["trial_schedule"] is None:
                raise ValueError(
                    f"{name} is given without trial_schedule: give the schedule CSV "
                    "the trial ran to (written by Schedule.to_csv)."
                )
        for name, value in given.items():
            if value is not None and (not isinstance(value, str) or not value.strip()):
                raise ValueError(f"{name} must be a path; got {value!r}")

    def _check_patrols(self) -> None:
        given = [n for n in _PATROL_FIELDS[1:] if getattr(self, n) != _DEFAULTS[n]]
        if self.patrol_pings is None:
            if given:
                raise ValueError(
                    f"{', '.join(given)} given without patrol_pings: give the location "
                    "export (CSV) the patrol is measured from, or drop them."
                )
            return
        if not isinstance(self.patrol_pings, str) or not self.patrol_pings.strip():
            raise ValueError(f"patrol_pings must be a path; got {self.patrol_pings!r}")
        columns = self.patrol_columns
        if columns is not None and (
            not isinstance(columns, dict)
            or set(columns) - set(_PING_FIELDS)
            or not all(isinstance(v, str) and v for v in columns.values())
        ):
            raise ValueError(
                f"patrol_columns must map fields {list(_PING_FIELDS)} to the "
                f"export's column names; got {columns!r}."
            )
        plan = self.patrol_plan
        if plan is not None:
            known = sorted(f.name for f in fields(PatrolPlan))
            if not isinstance(plan, dict) or set(plan) - set(known):
                raise ValueError(
                    f"patrol_plan must be a dict of PatrolPlan fields {known}; got "
                    f"{plan!r}."
                )
            PatrolPlan(**plan)  # the plan's own checks and messages
        if self.patrol_by not in ("day", "shift"):
            raise ValueError(
                f"patrol_by must be 'day' or 'shift'; got {self.patrol_by!r}"
            )
        if (self.patrol_by == "shift") != (self.patrol_shifts is not None):
            raise ValueError(
                "patrol_by='shift' needs patrol_shifts (e.g. {'late': ['18:00', "
                "'02:00']}), and patrol_shifts needs patrol_by='shift'."
            )
        check_shifts(self.patrol_shifts)
        for name, text in (("patrol_buffer", ">= 0 m"), ("patrol_max_gap", "> 0 s")):
            value = getattr(self, name)
            if (
                isinstance(value, bool)
                or not isinstance(value, int | float)
                or not math.isfinite(value)
                or not (value > 0 or (value == 0 and name == "patrol_buffer"))
            ):
                raise ValueError(f"{name} must be a number {text}; got {value!r}")

    def to_dict(self) -> dict[str, Any]:
        """Return the recipe as plain JSON-ready values.

        Trial and patrol fields left at their defaults are omitted, so the
        manifest of a pack without them is as it was before they existed.
        """
        values = asdict(self)
        for name in (*_TRIAL_FIELDS, *_PATROL_FIELDS):
            if values[name] == _DEFAULTS[name]:
                del values[name]
        return values

    @classmethod
    def from_dict(cls, values: dict[str, Any]) -> PackRecipe:
        """Build a recipe from :meth:`to_dict` output; unknown keys are an error."""
        known = {f.name for f in fields(cls)}
        unknown = sorted(set(values) - known)
        if unknown:
            raise ValueError(
                f"unknown recipe field(s) {unknown}; known fields: {sorted(known)}."
            )
        return cls(**values)

    def input_paths(self) -> dict[str, Path]:
        """Return the input files by role (crimes, places, boundary, unit costs)."""
        paths = {"crimes": Path(self.crimes), "places": Path(self.places)}
        if self.boundary is not None:
            paths["boundary"] = Path(self.boundary)
        if self.unit_costs != "home_office":
            paths["unit_costs"] = Path(self.unit_costs)
        for name in _TRIAL_FILES:
            if getattr(self, name) is not None:
                paths[name] = Path(getattr(self, name))
        if self.patrol_pings is not None:
            paths["patrol_pings"] = Path(self.patrol_pings)
        if self.trial_schedule is not None:  # the rules and seed of the schedule
            paths["trial_schedule_rules"] = Path(self.trial_schedule).with_suffix(
                ".json"
            )
        return paths

    def input_name(self, role: str) -> str:
        """Return an input's path as the recipe gives it (for the manifest)."""
        if role == "trial_schedule_rules":
            return str(Path(str(self.trial_schedule)).with_suffix(".json"))
        return str(getattr(self, role))


#: Trial and patrol fields, omitted from :meth:`PackRecipe.to_dict` at defaults.
_TRIAL_FIELDS = ("trial_plan", "trial_sims", *_TRIAL_FILES)
_PATROL_FIELDS = (
    "patrol_pings",
    "patrol_columns",
    "patrol_plan",
    "patrol_by",
    "patrol_shifts",
    "patrol_buffer",
    "patrol_max_gap",
)
_DEFAULTS = {f.name: f.default for f in fields(PackRecipe)}
