"""Number and table formatting for the pack page (money, percentages, HTML tables)."""

from __future__ import annotations

import math
from typing import Any

import pandas as pd

__all__ = ["money", "num", "pct", "table"]


def money(value: float) -> str:
    sign = "-" if value < 0 else ""
    return f"{sign}£{abs(value):,.0f}"


def pct(ratio: float) -> str:
    return f"{abs(ratio - 1) * 100:.0f}% {'fewer' if ratio < 1 else 'more'}"


def table(frame: pd.DataFrame) -> str:
    """Return an escaped HTML table (numbers formatted beforehand)."""
    return frame.to_html(index=False, escape=True, border=0, na_rep="")


def num(value: Any, digits: int = 2) -> str:
    if value is None or (isinstance(value, float) and not math.isfinite(value)):
        return ""
    return f"{value:,.{digits}f}"
