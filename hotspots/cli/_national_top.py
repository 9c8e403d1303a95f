"""``hotspots national top``: the busiest cells nationally, artefacts handled."""

from __future__ import annotations

from pathlib import Path

import click

from hotspots.cli._common import artefact_lines, crimes_options, fail, shown
from hotspots.cli._national_counts import FORMATS, write_table
from hotspots.exceptions import HotspotsError

#: What each ``--artefacts`` choice did, in words.
DONE = {
    "exclude": "crimes at map points flagged as likely recording artefacts (police "
    "stations, hospitals, prisons, courts, points far busier than their "
    "neighbourhood) are left out of the counts",
    "downweight": "crimes at flagged map points are weighted down to their "
    "neighbourhood baseline (cells ranked by weighted crimes)",
    "flag": "crimes at flagged map points are kept and named under each cell",
    "off": "map points were not checked: recording artefacts may rank as hot cells",
}


def describe_top(cells) -> list[str]:
    """Say what the top cells are, one block per cell, in plain words."""
    meta = cells.attrs["hotspots"]
    action = meta["artefacts"]
    lines = [
        f"The {len(cells)} busiest {meta['cell_size']:g} m cells "
        f"({meta['definition'] or 'every crime'}) with artefacts='{action}': "
        f"{DONE[action]}."
    ]
    for row in cells.itertuples():
        moved = (
            f", was {row.rank_without_rule} with every crime counted"
            if row.rank_change
            else ""
        )
        lines.append(
            f"  {row.rank:>3}  E{row.cell_x} N{row.cell_y}  {row.force:<16} "
            f"{row.n:>7,} crimes{moved}"
        )
        lines.append(f"       {row.top_locations}")
        if row.n_at_flagged_points:
            done = {"exclude": "left out", "downweight": "weighted down"}
            lines.append(
                f"       {row.n_at_flagged_points:,} crimes at flagged points "
                f"({done.get(action, 'kept')}): {row.quality_flag}"
            )
    left = meta.get("left_top") or []
    if left:
        lines.append(
            f"Left out of the top {len(cells)} as likely recording artefacts "
            f"({len(left)} cell(s)):"
        )
        lines += [f"  - {text}" for text in left]
    return lines + artefact_lines(meta)


@click.command("top")
@click.argument(
    "dataset", type=click.Path(exists=True, file_okay=False, path_type=Path)
)
@click.option(
    "--out",
    type=click.Path(dir_okay=False, path_type=Path),
    help=f"Write the cells: {', '.join(f'{k} ({v})' for k, v in FORMATS.items())}.",
)
@click.option("--n", "n_cells", type=int, default=20, show_default=True, help="Cells.")
@click.option("--cell-size", type=float, default=250, show_default=True, help="Metres.")
@crimes_options("count")
@click.option(
    "--artefacts",
    type=click.Choice(list(DONE)),
    default="exclude",
    show_default=True,
    help="What to do with crimes at map points flagged as likely recording "
    "artefacts (police stations, hospitals, prisons...).",
)
def top(dataset, out, n_cells, cell_size, definition, start, end, artefacts):
    """Rank the busiest cells nationally, recording artefacts left out.

    Map points are judged force by force with the rule of `hotspots quality`;
    by default crimes at flagged points (a hospital, a custody suite...) are left
    out, so no such point tops the list. Each cell is named by its commonest
    police.uk locations.
    """
    import warnings

    from hotspots.national import top_cells

    try:
        with warnings.catch_warnings():  # said below, in full
            warnings.simplefilter("ignore")
            cells = top_cells(
                dataset,
                cell_size=cell_size,
                n=n_cells,
                definition=None if definition == "all" else definition,
                start=start,
                end=end,
                artefacts=artefacts,
                progress=False,
            )
        if out is not None:
            write_table(cells, out)
    except (HotspotsError, ValueError) as err:
        fail(err)
    for line in describe_top(cells):
        click.echo(line)
    if out is not None:
        click.echo(f"Wrote {shown(out)}")
