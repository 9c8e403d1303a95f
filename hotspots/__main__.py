"""``python -m hotspots``: the same as the ``hotspots`` command."""

from hotspots.cli import main

main()
