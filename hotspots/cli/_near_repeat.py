"""``hotspots near-repeat``: the Knox test for repeat and near-repeat crimes."""

from __future__ import annotations

from pathlib import Path

import click

from hotspots.cli._common import crimes_options, fail, load_crimes, shown
from hotspots.exceptions import HotspotsError, SchemaError


def _bands(text: str | None, name: str) -> tuple[float, ...] | None:
    """Parse "0,100,200" into break points (None when not given)."""
    if text is None:
        return None
    try:
        return tuple(float(part) for part in text.split(","))
    except ValueError as err:
        raise click.BadParameter(
            f"give break points separated by commas, e.g. 0,100,200; got {text!r}",
            param_hint=name,
        ) from err


@click.command("near-repeat")
@click.argument("crimes", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.option(
    "--out",
    type=click.Path(file_okay=False, path_type=Path),
    default=Path("data/processed/near_repeat"),
    show_default=True,
    help="Folder for near_repeat.csv, knox_ratios.csv and near_repeat.html.",
)
@crimes_options("test")
@click.option(
    "--time-column",
    default="date",
    show_default=True,
    help="Column of event dates: 'date' for force extracts; police.uk data have "
    "'month' only (use --unit month).",
)
@click.option(
    "--unit",
    type=click.Choice(["day", "month"]),
    default="day",
    show_default=True,
    help="Unit of the time bands; month compares calendar months (0 = same month).",
)
@click.option(
    "--distance-bands",
    default="0,100,200,300,400",
    show_default=True,
    help="Distance break points in metres; bands are [a, b); a first break of 0 "
    "adds a 'same location' row.",
)
@click.option(
    "--time-bands",
    help="Time break points in --unit, e.g. 0,7,14,21,28 (the default for days) or "
    "0,1,2,3 (for months); the last may be inf.",
)
@click.option(
    "--permutations",
    type=int,
    default=999,
    show_default=True,
    help="Shuffles of the event times (the smallest p is 1/(R+1)).",
)
@click.option(
    "--seed", type=int, default=20240601, show_default=True, help="Random seed."
)
def near_repeat_command(
    crimes,
    out,
    definition,
    start,
    end,
    time_column,
    unit,
    distance_bands,
    time_bands,
    permutations,
    seed,
):
    """Test for near repeats (Knox test), as the Near Repeat Calculator does.

    CRIMES is a GeoParquet written by `hotspots ingest`. Counts the pairs of crimes
    in each distance band and time band and compares them with the pairs expected
    if the times were shuffled among the same places. Writes the tables in the
    Near Repeat Calculator's layout: knox_ratios.csv (distance rows, time columns),
    near_repeat.csv (one row per band pair: observed, expected, Knox ratio, p) and
    near_repeat.html (all four tables, significant cells shaded).
    """
    import hotspots
    from hotspots._atomic import atomic_path
    from hotspots.cli._knox_page import knox_page

    distances = _bands(distance_bands, "--distance-bands")
    times = _bands(time_bands, "--time-bands")
    try:
        events = load_crimes(crimes, start, end, definition)
        result = hotspots.near_repeat(
            events,
            time=time_column,
            distance_bands=distances,
            time_bands=times,
            unit=unit,
            permutations=permutations,
            rng=seed,
        )
        out.mkdir(parents=True, exist_ok=True)
        times_seen = events[time_column]
        step = "%Y-%m" if unit == "month" else "%Y-%m-%d"
        when = f"{times_seen.min():{step}} to {times_seen.max():{step}}"
        page = knox_page(result, what=f"{definition.replace('_', ' ')}, {when}")
        with atomic_path(out / "knox_ratios.csv") as tmp:
            result.table("knox_ratio").to_csv(tmp)
        with atomic_path(out / "near_repeat.csv") as tmp:
            result.to_frame().to_csv(tmp, index=False)
        with atomic_path(out / "near_repeat.html") as tmp:
            tmp.write_text(page, encoding="utf-8")
    except SchemaError as err:
        if "unit='month'" in str(err):
            err = SchemaError(
                f"{err} On the command line: --time-column month --unit month "
                "(time bands 0,1,2,3 months by default)."
            )
        fail(err)
    except (HotspotsError, ValueError) as err:
        fail(err)
    click.echo(str(result))
    click.echo(f"Wrote Knox tables: {shown(out)}")
