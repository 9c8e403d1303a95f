"""``hotspots dosage``: patrol delivered at hot spots, from location pings."""

from __future__ import annotations

import json
import math
from pathlib import Path

import click

from hotspots.cli._common import boundary_option, fail, shown
from hotspots.exceptions import HotspotsError

#: The files written, by role, in the order they are listed after a run.
_FILES = {
    "dosage": "dosage.csv",
    "visits": "visits.csv",
    "compliance": "compliance.csv",
    "compliance by place": "compliance_places.csv",
    "quarantine": "quarantine.csv",
    "compliance chart": "compliance.png",
    "visit lengths chart": "visit_lengths.png",
    "record": "dosage.json",
}


def _read_shifts(ctx, param, value):
    """Click callback for ``--shifts``: JSON text or a JSON file of named windows."""
    if value is None:
        return None
    text = Path(value).read_text(encoding="utf-8") if Path(value).is_file() else value
    try:
        shifts = json.loads(text)
    except json.JSONDecodeError as err:
        raise click.BadParameter(
            'give JSON such as \'{"late": ["18:00", "02:00"]}\' or a file holding '
            f"it; could not read {value!r} ({err.msg})."
        ) from None
    if not isinstance(shifts, dict) or not shifts:
        raise click.BadParameter(
            f'give a JSON object of shift name to ["HH:MM", "HH:MM"]; got {value!r}.'
        )
    return {str(k): tuple(v) if isinstance(v, list) else v for k, v in shifts.items()}


def _write(out: Path, pings, measured, checked, record: dict, label: str) -> dict:
    """Write the tables, charts and JSON record; return the paths by role."""
    import matplotlib.pyplot as plt
    import numpy as np

    from hotspots._atomic import atomic_path
    from hotspots._safe import spreadsheet_safe
    from hotspots.tracking import plot_compliance, plot_visit_lengths

    out.mkdir(parents=True, exist_ok=True)
    paths = {role: out / name for role, name in _FILES.items()}
    frames = {
        "dosage": measured.table,
        "visits": measured.visits,
        "compliance": checked.table,
        "compliance by place": checked.places,
        "quarantine": pings.quarantine,
    }
    if not len(pings.quarantine):
        del frames["quarantine"]
        paths.pop("quarantine").unlink(missing_ok=True)  # none from an earlier run
    for role, frame in frames.items():
        with atomic_path(paths[role]) as tmp:
            spreadsheet_safe(frame).to_csv(tmp, index=False)
    with plt.rc_context({"text.parse_math": False}):  # place ids drawn as written
        figures = {
            "compliance chart": plot_compliance(
                checked,
                title=f"{label}days meeting the plan\n{checked.plan.describe()}",
            ).figure,
        }
        fig, ax = plt.subplots(figsize=(7, 4))
        plot_visit_lengths(
            measured,
            ax=ax,
            plan=checked.plan,
            title=f"{label}visit lengths ({len(measured.visits):,} visits)",
        )
        figures["visit lengths chart"] = fig
        for role, figure in figures.items():
            try:
                with atomic_path(paths[role]) as tmp:
                    figure.savefig(tmp, format="png", dpi=120, bbox_inches="tight")
            finally:
                plt.close(figure)

    def plain(value):
        """JSON-ready: numpy scalars as numbers, NaN as null, dates as text."""
        if isinstance(value, dict):
            return {str(k): plain(v) for k, v in value.items()}
        if isinstance(value, list | tuple):
            return [plain(v) for v in value]
        if isinstance(value, np.generic):
            value = value.item()
        if isinstance(value, float) and not math.isfinite(value):
            return None
        if value is None or isinstance(value, bool | int | float | str):
            return value
        return str(value)

    with atomic_path(paths["record"]) as tmp:
        text = json.dumps(plain(record), indent=2, ensure_ascii=False)
        tmp.write_text(text + "\n", encoding="utf-8")
    return paths


@click.command("dosage")
@click.argument(
    "pings",
    nargs=-1,
    required=True,
    type=click.Path(exists=True, dir_okay=False, path_type=Path),
)
@click.option(
    "--places",
    type=click.Path(exists=True, dir_okay=False, path_type=Path),
    required=True,
    help="Polygon file (GeoJSON, GeoPackage...) of the hot spots.",
)
@click.option(
    "--id-column",
    default="place_id",
    show_default=True,
    help="Column of --places naming each hot spot.",
)
@click.option(
    "--columns",
    type=click.Path(exists=True, dir_okay=False, path_type=Path),
    help="YAML column map of the export (unit, time, longitude/latitude or "
    "easting/northing, officers -> its column names). Default: those names.",
)
@boundary_option("Pings outside it are set aside.")
@click.option(
    "--by",
    type=click.Choice(["day", "shift"]),
    default="day",
    show_default=True,
    help="Count per local day, or per shift of --shifts.",
)
@click.option(
    "--shifts",
    callback=_read_shifts,
    metavar="JSON",
    help='With --by shift: named local windows, e.g. \'{"late": ["18:00", '
    '"02:00"]}\' (an end before the start is the next day), or a JSON file.',
)
@click.option(
    "--buffer",
    type=float,
    default=10.0,
    show_default=True,
    help="Metres added round each hot spot for GPS error.",
)
@click.option(
    "--max-gap",
    type=float,
    default=300.0,
    show_default=True,
    help="Longest gap between a unit's pings counted as presence, seconds.",
)
@click.option(
    "--plan-visits",
    type=int,
    default=1,
    show_default=True,
    help="Plan: qualifying visits each hot spot needs a day.",
)
@click.option(
    "--plan-minutes",
    type=float,
    default=15.0,
    show_default=True,
    help="Plan: shortest visit that counts, minutes (Koper 1995: about 10-15).",
)
@click.option(
    "--plan-window",
    default="18:00-02:00",
    show_default=True,
    metavar="HH:MM-HH:MM|all",
    help="Plan: local window a visit must start in (an end before the start is "
    "the next day; the window belongs to the day it opens); 'all' for any time.",
)
@click.option(
    "--plan-days",
    metavar="DAYS",
    help="Plan: weekdays it covers, e.g. Fri,Sat (default: every day).",
)
@click.option(
    "--target-hours",
    type=float,
    help="Funded officer hours per hot spot per week, to compare delivery with.",
)
@click.option("--from", "start", metavar="YYYY-MM-DD", help="First local date counted.")
@click.option("--to", "end", metavar="YYYY-MM-DD", help="Last local date counted.")
@click.option(
    "--out",
    type=click.Path(file_okay=False, path_type=Path),
    required=True,
    help="Folder for dosage.csv, visits.csv, compliance.csv, compliance_places.csv, "
    "quarantine.csv (when rows were set aside), compliance.png, visit_lengths.png "
    "and dosage.json.",
)
def dosage_command(
    pings,
    places,
    id_column,
    columns,
    boundary,
    by,
    shifts,
    buffer,
    max_gap,
    plan_visits,
    plan_minutes,
    plan_window,
    plan_days,
    target_hours,
    start,
    end,
    out,
):
    """Measure patrol at hot spots from radio or body-worn-camera location pings.

    PINGS are one or more CSV exports (plain or .gz) with a unit, a time and a
    position per row. Every row is kept or set aside with a reason. Writes the
    minutes, visits and units per hot spot and day (or shift), each visit, the
    compliance with the patrol plan per hot spot and week, two charts and a
    JSON record of the rules, and prints how many rows were kept, the hours
    delivered and the compliance in sentences.
    """
    from hotspots.io import read_boundary
    from hotspots.pack._implementation import pings_synthetic
    from hotspots.tracking import PatrolPlan, compliance, dosage, read_pings

    try:
        if plan_window.strip().lower() == "all":
            window = None
        else:
            begin, _, finish = plan_window.partition("-")
            window = (begin.strip(), finish.strip())
        plan = PatrolPlan(
            visits_per_day=plan_visits,
            min_visit_minutes=plan_minutes,
            window=window,
            days=None if plan_days is None else plan_days.split(","),
            target_hours=target_hours,
        )
        spots = read_boundary(places)
        area = None if boundary is None else read_boundary(boundary)
        read = read_pings(list(pings), columns=columns, boundary=area)
        measured = dosage(
            read,
            spots,
            id_column=id_column,
            by=by,
            shifts=shifts,
            buffer=buffer,
            max_gap=max_gap,
            start=start,
            end=end,
        )
        checked = compliance(measured, plan)
        synthetic = any(pings_synthetic(p) for p in pings)
        record = {
            "synthetic": synthetic,
            "pings": {
                "files": [p.name for p in pings],
                "rows_read": read.rows_read,
                "rows_kept": read.rows_kept,
                "rows_set_aside": len(read.quarantine),
                "set_aside_by_reason": dict(
                    zip(read.summary()["reason_code"], read.summary()["n"], strict=True)
                ),
                "rules": read.rules,
            },
            "places": {"file": places.name, "id_column": id_column, "n": len(spots)},
            "dosage": measured.rules,
            "plan": plan.as_rules(),
            "plan_description": plan.describe(),
            "compliance": {"overall": checked.overall, "rules": checked.rules},
            "words": list(checked.words),
        }
        label = "SYNTHETIC DATA: " if synthetic else ""
        paths = _write(out, read, measured, checked, record, label)
    except (HotspotsError, ValueError, TypeError, OSError) as err:
        fail(err)
    if synthetic:
        click.echo("SYNTHETIC DATA: the pings are simulated, not real patrols.")
    reasons = ", ".join(f"{r.reason_code} {r.n:,}" for r in read.summary().itertuples())
    click.echo(
        f"Rows: {read.rows_read:,} read, {read.rows_kept:,} kept, "
        f"{len(read.quarantine):,} set aside"
        + (f" ({reasons}; each row in quarantine.csv)." if reasons else ".")
    )
    overall = checked.overall
    click.echo(
        f"Hours delivered: {overall['patrol_hours']:,.1f} hours with at least one "
        f"unit present ({overall['person_hours']:,.1f} officer hours), "
        f"{overall['visits']:,} visits, at {len(measured.places)} hot spots, "
        f"{measured.rules['start']} to {measured.rules['end']}."
    )
    click.echo(f"Compliance with the plan ({plan.describe()}):")
    for sentence in checked.words:
        click.echo(f"- {sentence}")
    for role, path in paths.items():
        click.echo(f"Wrote {role}: {shown(path)}")
