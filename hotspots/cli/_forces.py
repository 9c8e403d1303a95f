"""``hotspots forces``: where one force stands among the others, as a funnel plot."""

from __future__ import annotations

from pathlib import Path

import click

from hotspots.cli._common import fail, shown
from hotspots.exceptions import HotspotsError

# "none" on the command line is the library's overdispersion=None.
_OVERDISPERSION = ("additive", "multiplicative", "none")
_DPI = 150
_QUARTERS = 4


def _force_name(rates, text: str, option: str) -> str:
    """Return the name the rates table uses for a force the user named.

    ``text`` may be a slug, a published name or a Home Office area name; it is
    matched through the package's force table, then found in the rates.
    """
    from hotspots.io import resolve_force

    slug = resolve_force(text)
    rows = rates.loc[rates["force_slug"] == slug, "force"]
    if rows.empty:
        present = ", ".join(sorted(rates["force_slug"].astype(str)))
        raise ValueError(
            f"{option} {text!r} ({slug}) has no rate in these data: no counts for "
            "it, or no resident population (British Transport Police has none). "
            f"Choose one of: {present}."
        )
    return str(rows.iloc[0])


def _title(rates, group: str) -> str:
    """Say what the funnel shows: the group, the periods and the number of forces.

    Quarters are named by their financial year when all four were added up.
    """
    years: dict[str, list[str]] = {}
    for label in rates.attrs.get("hotspots", {}).get("periods", []):
        year, _, quarter = label.partition(" ")
        years.setdefault(year, []).append(quarter)
    when = " and ".join(
        year if len(quarters) == _QUARTERS else f"{year} {', '.join(quarters)}"
        for year, quarters in years.items()
    )
    return (
        f"{group[:1].upper()}{group[1:]} per 1,000 residents"
        f"{', ' + when if when else ''}, {len(rates)} forces"
    )


@click.command("forces")
@click.option(
    "--data",
    type=click.Path(exists=True, dir_okay=False, path_type=Path),
    help="A Home Office 'Police recorded crime open data tables' file for police "
    "force areas (CSV, XLSX or ODS, as downloaded) to use instead of the shipped "
    "2017/18 table.",
)
@click.option(
    "--sheet",
    "sheets",
    multiple=True,
    help="With --data as XLSX or ODS: a sheet to read (the workbook has one per "
    "financial year, e.g. 2022_23), repeatable; much faster than reading them all. "
    "Default: every sheet holding the table.",
)
@click.option(
    "--group",
    default="serious violence",
    show_default=True,
    help="Offence group to compare: serious violence, homicide, violence with "
    "injury, robbery, possession of weapons, violence and sexual offences, all "
    "crime excluding fraud.",
)
@click.option(
    "--highlight",
    default="leicestershire",
    show_default=True,
    help="Force to mark and describe, by slug or name (e.g. leicestershire, "
    "'Leicestershire Police').",
)
@click.option(
    "--overdispersion",
    type=click.Choice(_OVERDISPERSION),
    default="additive",
    show_default=True,
    help="Widen the limits for real differences between forces beyond chance: "
    "additive (random effects), multiplicative (phi) or none.",
)
@click.option(
    "--periods",
    metavar="P1,P2,...",
    help="Financial years or quarters to add up, comma-separated, e.g. 2017/18 or "
    "'2017/18 Q1,2017/18 Q2' (Q1 = April-June). Default: the latest year.",
)
@click.option(
    "--similar",
    metavar="FORCE1,FORCE2,...",
    help="Forces to compare the highlighted force with, comma-separated (a "
    "most-similar group you supply); written to similar.csv.",
)
@click.option(
    "--out",
    type=click.Path(file_okay=False, path_type=Path),
    required=True,
    help="Folder for forces.csv, funnel.png, funnel.svg and funnel.html.",
)
def forces(data, sheets, group, highlight, overdispersion, periods, similar, out):
    """Compare police forces' rates per 1,000 residents on a funnel plot.

    Adds up recorded offences in a group by force (the shipped Home Office table
    for 2017/18, or --data), divides by each force's 2011 census residents, and
    draws the rates against population with 95% and 99.8% limits around the
    national rate (Spiegelhalter 2005), the highlighted force marked. Writes the
    ranked table (forces.csv), the funnel plot (funnel.png, funnel.svg,
    funnel.html) and, with --similar, the comparison with the forces named
    (similar.csv). Prints where the highlighted force stands.
    """
    import matplotlib.pyplot as plt

    from hotspots._atomic import atomic_path
    from hotspots._safe import spreadsheet_safe
    from hotspots.forces import (
        force_rates,
        funnel,
        load_recorded_crime,
        read_recorded_crime,
        serious_violence,
        similar_forces,
    )

    try:
        if data is not None:
            recorded = read_recorded_crime(data, sheets=list(sheets) or None)
            counts = serious_violence(recorded)
        else:
            counts = load_recorded_crime()
        chosen = [p.strip() for p in (periods or "").split(",") if p.strip()]
        rates = force_rates(counts, group=group, periods=chosen or None)
        name = _force_name(rates, highlight, "--highlight")
        peers = [
            _force_name(rates, peer.strip(), "--similar")
            for peer in (similar or "").split(",")
            if peer.strip()
        ]
        result = funnel(
            rates,
            overdispersion=None if overdispersion == "none" else overdispersion,
            highlight=name,
            measure=f"{group} offences",
        )
        title = _title(rates, group)
        paths = {
            "table": out / "forces.csv",
            "plot": out / "funnel.png",
            "plot (SVG)": out / "funnel.svg",
            "page": out / "funnel.html",
        }
        residents = {"population": rates["population"].dtype}  # int when whole
        table = result.table.merge(rates[["force", "force_slug"]], on="force")
        table.insert(1, "force_slug", table.pop("force_slug"))
        with atomic_path(paths["table"]) as tmp:
            spreadsheet_safe(table.astype(residents)).to_csv(tmp, index=False)
        ax = result.plot(title=title)
        try:
            for key, fmt in (("plot", "png"), ("plot (SVG)", "svg")):
                with atomic_path(paths[key]) as tmp:
                    ax.figure.savefig(tmp, format=fmt, dpi=_DPI, bbox_inches="tight")
        finally:
            plt.close(ax.figure)
        result.to_html(paths["page"], title=title)
        comparison = None
        if peers:
            comparison = similar_forces(rates, name, peers)
            paths["similar forces"] = out / "similar.csv"
            with atomic_path(paths["similar forces"]) as tmp:
                spreadsheet_safe(comparison.astype(residents)).to_csv(tmp, index=False)
    except (HotspotsError, ValueError) as err:
        fail(err)
    click.echo(result.sentence(name))
    if comparison is not None:
        own = comparison[comparison["is_force"]].iloc[0]
        click.echo(
            f"{name}: {own['rate']:.2f} per 1,000 residents against "
            f"{own['rest_of_group_rate']:.2f} for the rest of the group you named; "
            f"rate ratio {own['ratio']:.2f} (95% CI {own['ratio_low']:.2f} to "
            f"{own['ratio_high']:.2f}, exact Poisson: too narrow when forces vary "
            "more than chance)."
        )
        shown_columns = ["force", "count", "rate", "rank", "ratio"]
        click.echo(
            comparison[shown_columns].to_string(
                index=False, float_format="{:.2f}".format
            )
        )
    for key, path in paths.items():
        click.echo(f"Wrote {key}: {shown(path)}")
