"""The package version, in one place (read by ``hotspots.__version__`` and packs)."""

__version__ = "0.2.0.dev0"
