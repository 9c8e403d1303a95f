"""Logging helpers: the package logs, it never prints (STYLE 2.6)."""

from __future__ import annotations

import logging

__all__ = ["set_log_level"]

_HANDLER_NAME = "hotspots-stream"


def set_log_level(level: int | str = "INFO") -> None:
    """Show the package's messages (chosen defaults, quarantine counts) on stderr.

    Attaches one readable stream handler to the ``hotspots`` logger; calling it
    again only changes the level. The root logger is never touched.

    Parameters
    ----------
    level : int or str, default "INFO"
        A :mod:`logging` level name or number. ``"WARNING"`` silences the
        informational messages.

    Examples
    --------
    >>> import hotspots
    >>> hotspots.set_log_level("WARNING")
    """
    logger = logging.getLogger("hotspots")
    if isinstance(level, str):
        level = level.upper()
    logger.setLevel(level)
    if not any(h.get_name() == _HANDLER_NAME for h in logger.handlers):
        handler = logging.StreamHandler()
        handler.set_name(_HANDLER_NAME)
        handler.setFormatter(logging.Formatter("%(levelname)s %(name)s: %(message)s"))
        logger.addHandler(handler)
