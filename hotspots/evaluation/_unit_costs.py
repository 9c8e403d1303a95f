"""Unit costs of crime: tables of GBP per offence with their price base and source."""

from __future__ import annotations

import math
import numbers
from collections.abc import Mapping

import pandas as pd

from hotspots._validate import check_positive

__all__ = [
    "UNIT_COST_COLUMNS",
    "check_unit_costs",
    "home_office_unit_costs",
    "mix_unit_cost",
    "unit_cost_table",
]

#: Columns of a unit-cost table (see :func:`unit_cost_table`).
UNIT_COST_COLUMNS = ("offence", "unit_cost", "price_base", "year", "source")

_HOME_OFFICE_SOURCE = (
    "Heeks, Reed, Tafsiri & Prince (2018), The economic and social costs of crime, "
    "2nd ed., Home Office Research Report 99, Table 1 (total cost per crime, "
    "crimes against individuals)"
)
#: Rows of Heeks et al. (2018) Table 1 that :doc:`/docs/methods/costs` lists as verified
#: (GBP per crime, 2015/16 prices). Homicide, violence without injury and domestic
#: burglary are left out: their figures are unverified.
_HOME_OFFICE_VERIFIED = {
    "Violence with injury": 14_050.0,
    "Rape": 39_360.0,
    "Other sexual offences": 6_520.0,
    "Robbery (personal)": 11_320.0,
    "Theft of vehicle": 10_290.0,
    "Theft from vehicle": 870.0,
    "Arson": 8_420.0,
    "Criminal damage (other)": 1_350.0,
}


def unit_cost_table(
    costs: Mapping[str, float] | pd.Series,
    *,
    price_base: str,
    year: int,
    source: str,
) -> pd.DataFrame:
    """Build a unit-cost table from offence -> cost in GBP.

    Parameters
    ----------
    costs : mapping or Series
        Cost per crime in GBP for each offence type (> 0).
    price_base : str
        The financial year whose prices the costs are in, e.g. ``"2015/16"``.
        :func:`cost_benefit` uprates them with the GDP deflator
        (:func:`uprate_unit_costs`), which needs a year like ``"2015/16"``
        inside the shipped series.
    year : int
        Publication year of the source.
    source : str
        Citation (report, table, edition).

    Returns
    -------
    DataFrame
        Columns :data:`UNIT_COST_COLUMNS`: ``offence``, ``unit_cost`` (GBP),
        ``price_base``, ``year``, ``source``; one row per offence.

    Raises
    ------
    ValueError
        If a cost is not > 0, or a label is empty.

    Examples
    --------
    >>> from hotspots.evaluation import unit_cost_table
    >>> table = unit_cost_table({"Violence with injury": 14050}, price_base="2015/16",
    ...                         year=2018, source="Home Office RR99, Table 1")
    >>> table[["offence", "unit_cost", "price_base"]].to_numpy().tolist()
    [['Violence with injury', 14050.0, '2015/16']]
    """
    items = dict(costs.items())
    if not items:
        raise ValueError("costs is empty; give at least one offence and its cost.")
    for name, value in items.items():
        check_positive(value, f"unit cost of {name!r}")
    for label, text in (("price_base", price_base), ("source", source)):
        if not isinstance(text, str) or not text.strip():
            raise ValueError(f"{label} must be a non-empty string; got {text!r}")
    if isinstance(year, bool) or not isinstance(year, numbers.Integral):
        raise ValueError(f"year must be an integer; got {year!r}")
    return pd.DataFrame(
        {
            "offence": [str(k) for k in items],
            "unit_cost": [float(v) for v in items.values()],
            "price_base": price_base,
            "year": int(year),
            "source": source,
        },
        columns=list(UNIT_COST_COLUMNS),
    )


def home_office_unit_costs() -> pd.DataFrame:
    """Return the verified rows of the Home Office unit costs of crime (2015/16 £).

    Returns
    -------
    DataFrame
        Columns :data:`UNIT_COST_COLUMNS`, ``price_base="2015/16"``,
        ``year=2018``, one row per offence: Violence with injury, Rape, Other
        sexual offences, Robbery (personal), Theft of vehicle, Theft from
        vehicle, Arson, Criminal damage (other). A new frame on every call.

    Notes
    -----
    Total cost per crime (anticipation + consequence + response) from Heeks et al.
    (2018) Table 1, only the rows :doc:`/docs/methods/costs` lists as verified (checked
    against a secondary reproduction of the report's figures). Homicide, violence
    without injury and domestic burglary are left out because their figures are
    unverified; add them from the report with :func:`unit_cost_table`. The totals
    include police costs: when police time is the intervention, consider a table without
    them to avoid double counting. :func:`cost_benefit` uprates them to the price year
    of the patrol cost with the GDP deflator (:func:`uprate_unit_costs`).

    References
    ----------
    Heeks, M., Reed, S., Tafsiri, M., & Prince, S. (2018). *The economic and
    social costs of crime* (2nd ed., Research Report 99). Home Office.

    Examples
    --------
    >>> from hotspots.evaluation import home_office_unit_costs
    >>> table = home_office_unit_costs().set_index("offence")
    >>> table.loc["Violence with injury", "unit_cost"]
    np.float64(14050.0)
    """
    return unit_cost_table(
        _HOME_OFFICE_VERIFIED,
        price_base="2015/16",
        year=2018,
        source=_HOME_OFFICE_SOURCE,
    )


def check_unit_costs(unit_costs: pd.DataFrame) -> str:
    """Check a unit-cost table's type, columns and price base; return the base."""
    if not isinstance(unit_costs, pd.DataFrame):
        raise TypeError(
            "unit_costs must be a DataFrame with columns "
            f"{list(UNIT_COST_COLUMNS)}; got {type(unit_costs).__name__}. Build one "
            "with unit_cost_table() or home_office_unit_costs()."
        )
    missing = [c for c in UNIT_COST_COLUMNS if c not in unit_costs.columns]
    if missing:
        raise ValueError(
            f"unit_costs is missing column(s) {missing}; columns present: "
            f"{list(unit_costs.columns)}. Build it with unit_cost_table()."
        )
    bases = unit_costs["price_base"].unique()
    if len(bases) != 1:
        raise ValueError(
            f"unit_costs mixes price bases {sorted(map(str, bases))}; uprate each "
            "part to one price year first (uprate_unit_costs)."
        )
    return str(bases[0])


def mix_unit_cost(unit_costs: pd.DataFrame, mix) -> tuple[float, str, dict[str, float]]:
    """Mix-weighted cost per crime, the price base and the normalised mix."""
    base = check_unit_costs(unit_costs)
    table = unit_costs.set_index("offence")["unit_cost"]
    shares = {mix: 1.0} if isinstance(mix, str) else dict(mix.items())
    if not shares:
        raise ValueError("mix is empty; give offence -> share of prevented crimes.")
    unknown = [k for k in shares if k not in table.index]
    if unknown:
        raise ValueError(
            f"mix names offence(s) {unknown} not in unit_costs; available: "
            f"{table.index.tolist()}. Add them with unit_cost_table()."
        )
    if any(not math.isfinite(float(v)) or float(v) < 0 for v in shares.values()):
        raise ValueError(f"mix shares must be >= 0; got {shares}")
    total = sum(float(v) for v in shares.values())
    if not math.isclose(total, 1.0, abs_tol=1e-6):
        raise ValueError(
            f"mix shares must sum to 1; they sum to {total:g}. Divide by the total."
        )
    weighted = sum(float(table[k]) * float(v) for k, v in shares.items())
    return weighted, base, {k: float(v) for k, v in shares.items()}
