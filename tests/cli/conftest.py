"""The map fixtures (hand-made frames near Leicester) serve the CLI's map tests too."""

from tests.maps.conftest import asset_cache, cells, crimes, places  # noqa: F401
