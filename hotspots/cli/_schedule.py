"""``hotspots schedule``: a randomised patrol schedule a tasking team can import."""

from __future__ import annotations

from pathlib import Path

import click

from hotspots.cli._common import fail, read_layer, shown
from hotspots.exceptions import HotspotsError

#: Places files read as plain tables (a place_id column, perhaps an n column).
_TABLE_SUFFIXES = {".csv", ".txt"}


def read_places(path: Path):
    """Read places from `hotspots select` (GeoJSON, GeoParquet) or a CSV/text table.

    Place ids are read as text, so ids such as ``007`` keep their zeros.
    """
    import pandas as pd

    if path.suffix.lower() in _TABLE_SUFFIXES:
        return pd.read_csv(path, dtype={"place_id": str}, keep_default_na=False)
    frame = read_layer(path)
    if "place_id" in frame.columns and frame["place_id"].dtype != object:
        frame = frame.assign(place_id=frame["place_id"].astype(str))
    return frame


def parse_blocking(ctx, param, value):
    """Click callback for ``--blocking``: none, pairs or a number of blocks."""
    if value is None or value.lower() == "none":
        return None
    if value.lower() == "pairs":
        return "pairs"
    try:
        return int(value)
    except ValueError:
        raise click.BadParameter(
            f"give none, pairs or a number of blocks (e.g. 3); got {value!r}."
        ) from None


@click.command("schedule")
@click.argument("places", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.option(
    "--design",
    type=click.Choice(["crossover", "parallel"]),
    required=True,
    help="crossover: every place patrolled on some days and not others; parallel: "
    "places randomised to patrols or none for the whole trial.",
)
@click.option("--start", required=True, help="First day of the trial, YYYY-MM-DD.")
@click.option("--end", required=True, help="Last day of the trial, YYYY-MM-DD.")
@click.option(
    "--out",
    type=click.Path(file_okay=False, path_type=Path),
    required=True,
    help="Folder for schedule.csv (with its JSON record), schedule.ics and "
    "schedule_summary.csv.",
)
@click.option(
    "--share",
    type=float,
    default=0.5,
    show_default=True,
    help="Share of slots (crossover) or places (parallel) patrolled.",
)
@click.option(
    "--unit",
    type=click.Choice(["day", "shift"]),
    default="day",
    show_default=True,
    help="Crossover only: switch patrols on and off by day or by shift.",
)
@click.option(
    "--shift",
    "shifts",
    multiple=True,
    metavar="NAME=HH:MM-HH:MM",
    help="A patrol window, e.g. evening=18:00-02:00 (repeatable; an end before "
    "the start is the next day). Default: the whole day.",
)
@click.option(
    "--period-days",
    type=int,
    default=1,
    show_default=True,
    help="Crossover only: days in each on/off period.",
)
@click.option(
    "--washout-days",
    type=int,
    default=0,
    show_default=True,
    help="Crossover only: days after a patrolled period left out of the analysis.",
)
@click.option(
    "--no-weekday-balance",
    is_flag=True,
    help="Crossover only: do not balance patrolled days across weekdays.",
)
@click.option(
    "--blocking",
    metavar="none|pairs|N",
    callback=parse_blocking,
    help="Parallel only: randomise within matched pairs, or within N blocks of "
    "places of similar crime (the 'n' column of PLACES). Default: none.",
)
@click.option(
    "--seed",
    type=click.IntRange(min=0),
    help="Random seed (default: drawn afresh and printed, so the schedule can be "
    "drawn again).",
)
def schedule(
    places,
    design,
    start,
    end,
    out,
    share,
    unit,
    shifts,
    period_days,
    washout_days,
    no_weekday_balance,
    blocking,
    seed,
):
    """Draw a randomised schedule of patrols in the places, ready to import.

    PLACES is the places file written by `hotspots select` (GeoJSON or
    GeoParquet) or a CSV or text file with a place_id column. Writes
    schedule.csv (one row per place and slot, with a JSON record of the rules
    and seed beside it), schedule.ics (one event per patrol, for a calendar)
    and schedule_summary.csv (one row per place), and prints the seed.
    """
    from hotspots._atomic import atomic_path
    from hotspots._safe import spreadsheet_safe
    from hotspots.design import crossover_schedule, parallel_schedule

    if design == "parallel":
        misplaced = {
            "--unit shift": unit != "day",
            "--period-days": period_days != 1,
            "--washout-days": washout_days != 0,
            "--no-weekday-balance": no_weekday_balance,
        }
    else:
        misplaced = {"--blocking": blocking is not None}
    if named := [option for option, given in misplaced.items() if given]:
        other = "crossover" if design == "parallel" else "parallel"
        raise click.UsageError(
            f"{', '.join(named)}: for --design {other} only; drop it or change "
            "--design."
        )
    try:
        windows = {}
        for text in shifts:
            name, _, window = text.partition("=")
            begin, _, finish = window.partition("-")
            if not (name and begin and finish):
                raise click.BadParameter(
                    f"give NAME=HH:MM-HH:MM, e.g. evening=18:00-02:00; got {text!r}.",
                    param_hint="'--shift'",
                )
            windows[name.strip()] = (begin.strip(), finish.strip())
        frame = read_places(places)
        common = {
            "start": start,
            "end": end,
            "share": share,
            "shifts": windows or None,
            "seed": seed,
        }
        if design == "crossover":
            drawn = crossover_schedule(
                frame,
                unit=unit,
                period_days=period_days,
                washout_days=washout_days,
                balance=None if no_weekday_balance else "weekday",
                **common,
            )
        else:
            drawn = parallel_schedule(frame, blocking=blocking, **common)
        out.mkdir(parents=True, exist_ok=True)
        paths = {
            "schedule": out / "schedule.csv",
            "calendar": out / "schedule.ics",
            "summary": out / "schedule_summary.csv",
        }
        drawn.to_csv(paths["schedule"])
        drawn.to_ical(paths["calendar"])
        with atomic_path(paths["summary"]) as tmp:
            spreadsheet_safe(drawn.summary()).to_csv(tmp, index=False)
    except (HotspotsError, ValueError, TypeError) as err:
        fail(err)
    rules = drawn.rules
    if design == "crossover":
        unit_text = {"shift": "shifts"}.get(rules["unit"], "days")
        if rules["period_days"] > 1:
            unit_text = f"runs of {rules['period_days']} days"
        line = (
            f"repeat crossover, {rules['share_fraction']} of each place's {unit_text}"
        )
        line += " patrolled" + (", balanced by weekday" if rules["balance"] else "")
        if rules["washout_days"]:
            line += f", {rules['washout_days']}-day washout after patrols"
    else:
        how = {None: "at random", "pairs": "within matched pairs by crime"}.get(
            rules["blocking"], f"within {rules['blocking']} blocks by crime"
        )
        line = f"parallel groups, {rules['share_fraction']} of places patrolled {how}"
    table = drawn.table
    per_place = drawn.summary()["treated"]
    days = table["date"].unique()
    per_day = table[table["arm"] == "treatment"].groupby("date").size()
    per_day = per_day.reindex(days, fill_value=0)
    seed_text = f"Seed: {rules['seed']}"
    if rules["seed_auto"]:
        seed_text += (
            f" (drawn at random; --seed {rules['seed']} draws this schedule again)"
        )
    click.echo(seed_text + ".")
    click.echo(
        f"Design: {line}; {len(drawn.places)} places, {rules['start']} to "
        f"{rules['end']} ({len(days)} days)."
    )
    places_text = ""
    if design == "parallel":
        places_text = f" ({(per_place > 0).sum()} of {len(per_place)} places patrolled)"
    click.echo(
        f"Patrolled slots per place: {per_place.min()} to {per_place.max()}"
        f"{places_text}; per day: {per_day.min()} to {per_day.max()}."
    )
    click.echo(
        f"Wrote schedule: {shown(paths['schedule'])} (rules and seed: "
        f"{shown(paths['schedule'].with_suffix('.json'))})"
    )
    for key in ("calendar", "summary"):
        click.echo(f"Wrote {key}: {shown(paths[key])}")
