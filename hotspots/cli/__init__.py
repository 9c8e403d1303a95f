"""Command line: the ``hotspots`` verbs.

``hotspots fetch|ingest|quality|find|near-repeat|rates|select|evaluate|schedule``,
``power|dosage|forces``, ``national counts|top|by-force``, ``map``, ``pack`` and
``demo``: one module per verb; each parses arguments and calls the same library verbs
as the notebooks. No statistics live here.

Building the commands (``hotspots --help``) imports no geospatial or statistics
library: each verb imports what it uses when it runs.
"""

from __future__ import annotations

import warnings
from typing import TYPE_CHECKING

import click

from hotspots._lazy import attach
from hotspots._log import set_log_level
from hotspots._version import __version__
from hotspots.cli._demo import demo, demo_data
from hotspots.cli._dosage import dosage_command
from hotspots.cli._evaluate import evaluate
from hotspots.cli._fetch import fetch
from hotspots.cli._find import find
from hotspots.cli._forces import forces
from hotspots.cli._ingest import ingest
from hotspots.cli._map import map_command
from hotspots.cli._national import national
from hotspots.cli._near_repeat import near_repeat_command
from hotspots.cli._pack import pack
from hotspots.cli._power import power
from hotspots.cli._quality import quality
from hotspots.cli._rates import rates_command
from hotspots.cli._schedule import schedule
from hotspots.cli._select import select

if TYPE_CHECKING:
    from hotspots.cli._demo_run import run_demo

# run_demo reads the bundled data: imported when first asked for (hotspots._lazy).
__getattr__, __dir__ = attach(__name__, {"hotspots.cli._demo_run": "run_demo"})

__all__ = ["main", "run_demo"]


def _format_warning(message, category, filename, lineno, line=None) -> str:
    """Show a warning to a command-line user as one plain line, not a code line."""
    return f"Warning: {message}\n"


@click.group(context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(__version__, prog_name="hotspots")
@click.option(
    "--quiet", is_flag=True, help="Show warnings only, not progress messages."
)
def main(quiet: bool) -> None:
    """Find and evaluate serious-violence hotspots from police.uk and force data."""
    set_log_level("WARNING" if quiet else "INFO")
    warnings.formatwarning = _format_warning


for _command in (
    fetch,
    ingest,
    quality,
    find,
    near_repeat_command,
    rates_command,
    select,
    evaluate,
    schedule,
    power,
    dosage_command,
    forces,
    national,
    map_command,
    pack,
    demo_data,
    demo,
):
    main.add_command(_command)
