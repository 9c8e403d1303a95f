"""Compare a force with its most similar forces: rates, ranks and exact rate ratios.

HMICFRS publishes "most similar groups" of forces (forces alike in population,
deprivation and other demographics); they are not in the package's data, so the
group is supplied by the user.
"""

from __future__ import annotations

import logging
import math
from collections.abc import Mapping, Sequence

import numpy as np
import pandas as pd

from hotspots._validate import check_positive
from hotspots.forces._exact_ratio import exact_ratio_interval, exact_ratio_p
from hotspots.forces._funnel_input import check_rate_table, unknown_units_message

__all__ = ["CI_LEVEL", "similar_forces"]

logger = logging.getLogger(__name__)

#: Confidence level of the exact rate-ratio intervals.
CI_LEVEL = 0.95
_OUTPUT = (
    "rate",
    "rank",
    "rest_of_group_rate",
    "ratio",
    "ratio_low",
    "ratio_high",
    "p_value",
    "is_force",
)


def similar_forces(
    table: pd.DataFrame,
    force: str,
    group: Sequence[str] | Mapping[str, object],
    *,
    count: str = "count",
    population: str = "population",
    unit: str = "force",
    per: float = 1000,
) -> pd.DataFrame:
    """Compare a force's rate with the forces in its most similar group.

    Parameters
    ----------
    table : pandas.DataFrame
        One row per force with a name (``unit``), a count of offences
        (``count``, whole numbers >= 0) and residents (``population``, > 0), as
        for :func:`funnel`. It may hold forces outside the group.
    force : str
        The force to compare.
    group : sequence of str or mapping
        The force's group: the names of its peers (the force itself may be
        listed or not), or a mapping of every force to a group label (the
        force's group is the forces sharing its label). HMICFRS most similar
        groups are not in the package's data: supply them.
    count, population, unit : str
        Column names; the output keeps them.
    per : float, default 1000
        Rates are per this many residents.

    Returns
    -------
    pandas.DataFrame
        One row per force in the group (the force and its peers), ranked: the
        unit, count and population columns, ``rate`` (per ``per``), ``rank``
        (1 = highest rate in the group), ``rest_of_group_rate`` (the pooled rate
        of the other forces of the group: sum of their offences / sum of their
        residents, per ``per``), ``ratio`` (rate / rest_of_group_rate),
        ``ratio_low``/``ratio_high`` (exact 95% interval), ``p_value`` (exact
        two-sided test of ratio = 1) and ``is_force`` (True on the force's row).
        The force's row answers the question; the others compare each peer with
        the rest of the group the same way. ``attrs["hotspots"]`` records the
        force, the group and the group's pooled rate without the force
        (``group_rate``).

    Raises
    ------
    ValueError
        Bad table (as for :func:`funnel`), a force or peer not in the table, a
        force missing from a group mapping, or a group with no peers.

    Notes
    -----
    Conditional on the total ``O_1 + O_2`` offences of the force (1) and the
    rest of its group (2), ``O_1`` is binomial with probability ``pi = n_1 R /
    (n_1 R + n_2)``, where R is the rate ratio and n the residents. The
    Clopper-Pearson interval for pi, mapped through ``R = pi / (1 - pi) x n_2 /
    n_1``, is the exact interval for R; the p-value is the exact binomial test of
    ``pi = n_1 / (n_1 + n_2)``. This is R's ``poisson.test`` for two samples.
    A zero count gives a ratio of 0 (lower limit 0); a rest of group with no
    offences gives an infinite ratio and upper limit. The interval allows for
    Poisson chance only: forces differ by more than that, so it is too narrow to
    show a lasting difference; read it with the funnel plot's ``z_adjusted``.

    Examples
    --------
    >>> import pandas as pd
    >>> t = pd.DataFrame({"force": ["A", "B", "C"], "count": [11, 6, 15],
    ...                   "population": [800, 1083, 1928]})
    >>> out = similar_forces(t, "A", ["B", "C"])
    >>> out.loc[out["is_force"], ["ratio", "ratio_low", "ratio_high"]].round(4)
        ratio  ratio_low  ratio_high
    0  1.9715     0.8584      4.2773
    """
    per = check_positive(per, "per")
    data = check_rate_table(
        table,
        unit=unit,
        count=count,
        population=population,
        reserved=_OUTPUT,
        caller="similar_forces",
    )
    known = list(data[unit])
    force = str(force)
    if force not in known:
        raise ValueError(
            f"similar_forces: force {unknown_units_message([force], known)} is not "
            f"in column {unit!r}."
        )
    members = _members(force, group, known)
    rows = data[data[unit].isin(members)].copy()
    o = rows[count].to_numpy(dtype=float)
    n = rows[population].to_numpy(dtype=float)
    rest_o, rest_n = o.sum() - o, n.sum() - n
    rows["rate"] = o / n * per
    rows["rank"] = rows["rate"].rank(ascending=False, method="min").astype("int64")
    rows["rest_of_group_rate"] = rest_o / rest_n * per
    with np.errstate(divide="ignore", invalid="ignore"):
        rows["ratio"] = (o / n) / (rest_o / rest_n)
    intervals = [
        _exact_ratio(int(a), int(b), c, d)
        for a, b, c, d in zip(o, rest_o, n, rest_n, strict=True)
    ]
    rows["ratio_low"] = [i[0] for i in intervals]
    rows["ratio_high"] = [i[1] for i in intervals]
    rows["p_value"] = [i[2] for i in intervals]
    rows["is_force"] = rows[unit] == force
    rows = rows.sort_values(["rank", unit], kind="stable").reset_index(drop=True)
    own = rows[rows["is_force"]].iloc[0]
    rows.attrs["hotspots"] = {
        "force": force,
        "group": list(members),
        "group_rate": float(own["rest_of_group_rate"]),
        "per": per,
        "ci_level": CI_LEVEL,
        "method": "exact conditional (binomial) interval for the ratio of two "
        "Poisson rates",
    }
    logger.info(
        "%s compared with %d peers; their pooled rate is %.4g per %s residents.",
        force,
        len(members) - 1,
        own["rest_of_group_rate"],
        f"{per:,.0f}",
    )
    return rows


def _members(force: str, group, known: list[str]) -> list[str]:
    """Return the force and its peers, in table order, checked against the table."""
    if isinstance(group, Mapping):
        labels = {str(k): v for k, v in group.items()}
        if force not in labels:
            raise ValueError(
                f"similar_forces: {force!r} has no group in the mapping; give every "
                "force a group label, or pass the list of its peers."
            )
        wanted = {k for k, v in labels.items() if v == labels[force]}
    elif isinstance(group, str) or not isinstance(group, Sequence | set | pd.Index):
        raise TypeError(
            "similar_forces: group must be a list of the force's peers or a mapping "
            f"of force to group label; got {type(group).__name__}"
        )
    else:
        wanted = {str(g) for g in group} | {force}
    missing = sorted(wanted - set(known))
    if missing:
        raise ValueError(
            f"similar_forces: group member(s) not in the table: "
            f"{unknown_units_message(missing, known)}. Use the names in the table's "
            "force column."
        )
    if len(wanted) < 2:
        raise ValueError(
            f"similar_forces: the group of {force!r} has no other forces; list its "
            "peers."
        )
    return [k for k in known if k in wanted]


def _exact_ratio(o1: int, o2: int, n1: float, n2: float) -> tuple[float, float, float]:
    """Exact (conditional binomial) interval and p-value for a rate ratio.

    The same computation as :func:`hotspots.forces.rate_change`: ``o1`` events
    in exposure ``n1`` against ``o2`` in ``n2``.
    """
    if o1 + o2 == 0:
        return math.nan, math.nan, math.nan
    _, low, high = exact_ratio_interval(
        np.array([o1]), np.array([o2]), exposure_ratio=n1 / n2, ci_level=CI_LEVEL
    )
    p = exact_ratio_p(o1, o2, exposure_ratio=n1 / n2)
    return float(low[0]), float(high[0]), p
