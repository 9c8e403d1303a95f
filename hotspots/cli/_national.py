"""``hotspots national``: questions over the national dataset, from the shell.

``counts`` (crimes by force, month, LSOA or cell), ``top`` (the busiest cells
nationally) and ``by-force`` (Gi*, KDE or counts for every force) run the verbs of
:mod:`hotspots.national` on the folder ``hotspots ingest --national`` writes.
"""

from __future__ import annotations

import click

from hotspots.cli._national_by_force import by_force
from hotspots.cli._national_counts import counts
from hotspots.cli._national_top import top


@click.group("national")
def national() -> None:
    """Ask the national police.uk dataset: counts, top cells, per-force runs.

    DATASET in each subcommand is the folder written by
    `hotspots ingest --national ARCHIVE --out DATASET`.
    """


for _command in (counts, top, by_force):
    national.add_command(_command)
