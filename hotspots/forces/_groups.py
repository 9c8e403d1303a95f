"""Serious-violence groups of Home Office offences, and the shipped force table.

Police recorded crime comes by Home Office offence code, each in an offence group and
subgroup. :data:`SERIOUS_VIOLENCE_GROUPS` names the groups the force comparison uses
(homicide, violence with injury, robbery, possession of weapons, their sum "serious
violence", and two wider groups for context), :func:`serious_violence` adds up any
recorded-crime table into them, and :func:`load_recorded_crime` returns the same
table for the 43 forces of England and Wales and British Transport Police, 2017/18,
shipped with the package.
"""

from __future__ import annotations

import logging
import warnings
from dataclasses import dataclass
from importlib import resources
from io import StringIO

import pandas as pd

from hotspots.exceptions import HotspotsWarning, SchemaError
from hotspots.io import FORCES

__all__ = [
    "COUNT_COLUMNS",
    "RECORDED_CRIME_FILE",
    "SERIOUS_VIOLENCE_GROUPS",
    "CrimeGroup",
    "load_recorded_crime",
    "serious_violence",
]

logger = logging.getLogger(__name__)

#: Columns of :func:`serious_violence` and :func:`load_recorded_crime`, in order.
COUNT_COLUMNS: tuple[str, ...] = (
    "force",
    "force_slug",
    "financial_year",
    "quarter",
    "group",
    "count",
)
#: The shipped table (package data; a byte-identical copy is in ``data/raw/``).
RECORDED_CRIME_FILE = "home_office_recorded_crime_by_force_2017_18.csv"

_SOURCE = (
    "Home Office, Police recorded crime open data tables, police force area, "
    "2017/18 (Open Government Licence v3.0)"
)
_STRATEGY = (
    "HM Government (April 2018) Serious Violence Strategy: homicide, knife crime "
    "and gun crime (and robbery, which 'has also risen sharply since 2016')"
)


@dataclass(frozen=True)
class CrimeGroup:
    """A group of Home Office offences, selected by offence group or subgroup.

    Attributes
    ----------
    name : str
        Key in :data:`SERIOUS_VIOLENCE_GROUPS`.
    offence_subgroups : tuple of str
        Home Office offence subgroups in the group (``Offence Subgroup`` as
        published; case and spacing ignored).
    offence_groups : tuple of str
        Whole Home Office offence groups in the group.
    all_except_groups : tuple of str
        If not empty, the group is every offence except these offence groups
        (``offence_subgroups`` and ``offence_groups`` are then empty).
    description : str
        What the group covers, and its limits.
    source : str
        Where the grouping comes from.
    """

    name: str
    description: str
    source: str
    offence_subgroups: tuple[str, ...] = ()
    offence_groups: tuple[str, ...] = ()
    all_except_groups: tuple[str, ...] = ()

    def selects(self, recorded: pd.DataFrame) -> pd.Series:
        """Return a boolean Series: which rows of ``recorded`` are in the group."""
        group = _norm(recorded["offence_group"])
        if self.all_except_groups:
            return ~group.isin({_key(g) for g in self.all_except_groups})
        subgroup = _norm(recorded["offence_subgroup"])
        return subgroup.isin({_key(s) for s in self.offence_subgroups}) | group.isin(
            {_key(g) for g in self.offence_groups}
        )


def _key(text: str) -> str:
    return " ".join(str(text).lower().split())


def _norm(column: pd.Series) -> pd.Series:
    return column.astype(str).str.lower().str.split().str.join(" ")


_HOMICIDE = ("Homicide",)
_VWI = ("Violence with injury",)
_ROBBERY = ("Robbery of business property", "Robbery of personal property")
_WEAPONS = ("Possession of weapons offences",)

#: The offence groups compared between forces, by name. "serious violence" is the
#: sum of homicide, violence with injury, robbery and possession of weapons: the
#: Home Office subgroups of the package's ``serious_violence`` definition
#: (:data:`hotspots.DEFINITIONS`). It is a proxy: these tables cannot separate
#: knife- or gun-enabled offences.
SERIOUS_VIOLENCE_GROUPS: dict[str, CrimeGroup] = {
    g.name: g
    for g in (
        CrimeGroup(
            name="homicide",
            offence_subgroups=_HOMICIDE,
            description="Murder, manslaughter, corporate manslaughter and "
            "infanticide (Home Office subgroup 'Homicide').",
            source=_STRATEGY,
        ),
        CrimeGroup(
            name="violence with injury",
            offence_subgroups=_VWI,
            description="Attempted murder, wounding with intent (GBH), assault with "
            "injury (ABH), endangering life and, until the Home Office moved them to "
            "their own subgroup, causing death or serious injury by unlawful driving "
            "(subgroup 'Violence with injury').",
            source=_STRATEGY + "; the wider police-recorded measure of violence",
        ),
        CrimeGroup(
            name="robbery",
            offence_subgroups=_ROBBERY,
            description="Robbery of personal and of business property.",
            source=_STRATEGY,
        ),
        CrimeGroup(
            name="possession of weapons",
            offence_subgroups=_WEAPONS,
            description="Possession of firearms, of other weapons and of an article "
            "with a blade or point (subgroup 'Possession of weapons offences'): "
            "the knife and gun offences that are separable in these tables.",
            source=_STRATEGY,
        ),
        CrimeGroup(
            name="serious violence",
            offence_subgroups=_HOMICIDE + _VWI + _ROBBERY + _WEAPONS,
            description="Homicide + violence with injury + robbery + possession of "
            "weapons. A proxy: knife- and gun-enabled offences are not separable "
            "here, and violence with injury is dominated by assault with injury.",
            source=_STRATEGY + "; hotspots.DEFINITIONS['serious_violence']",
        ),
        CrimeGroup(
            name="violence and sexual offences",
            offence_groups=("Violence against the person", "Sexual offences"),
            description="All violence against the person and sexual offences: the "
            "Home Office groups behind police.uk's 'Violence and sexual offences' "
            "category. For comparison with police.uk, not serious violence.",
            source="police.uk crime categories; hotspots.io.offence_codes()",
        ),
        CrimeGroup(
            name="all crime excluding fraud",
            all_except_groups=("Fraud offences",),
            description="Every offence except fraud (most fraud is recorded by "
            "national bodies, not forces). Context for the groups above.",
            source="Home Office offence groups",
        ),
    )
}


def _check_columns(frame: pd.DataFrame, needed: tuple[str, ...], what: str) -> None:
    missing = [c for c in needed if c not in frame.columns]
    if missing:
        raise SchemaError(
            f"{what}: missing columns {missing}; found {list(frame.columns)}. Pass "
            "the output of hotspots.forces.read_recorded_crime."
        )


def serious_violence(recorded: pd.DataFrame) -> pd.DataFrame:
    """Add up recorded crime into the serious-violence groups, by force and quarter.

    Parameters
    ----------
    recorded : pandas.DataFrame
        Output of :func:`read_recorded_crime`: columns ``force``, ``force_slug``,
        ``financial_year``, ``quarter``, ``offence_group``, ``offence_subgroup`` and
        ``count``.

    Returns
    -------
    pandas.DataFrame
        Columns ``force``, ``force_slug``, ``financial_year``, ``quarter``,
        ``group`` (a key of :data:`SERIOUS_VIOLENCE_GROUPS`) and ``count`` (int).
        One row per force, quarter and group, zeros included, sorted by force,
        year, quarter and the order of :data:`SERIOUS_VIOLENCE_GROUPS`.
        ``attrs["hotspots"]`` records ``groups`` (name -> description).

    Raises
    ------
    SchemaError
        If a column is missing.

    Warns
    -----
    HotspotsWarning
        If no row of the table falls in one of the groups: its subgroup names
        may be spelled differently in that edition of the tables.

    Notes
    -----
    The grouping and its sources are in :data:`SERIOUS_VIOLENCE_GROUPS` and on the
    methods page (``docs/methods/forces.md``). It is a proxy: the tables carry no
    knife or firearm flag, so "serious violence" here counts every violence with
    injury, robbery and weapon-possession offence, not only knife or gun crime.

    Examples
    --------
    >>> from hotspots.forces import read_recorded_crime, serious_violence
    >>> groups = serious_violence(read_recorded_crime("prc.csv"))  # doctest: +SKIP
    """
    keys = ["force", "force_slug", "financial_year", "quarter"]
    _check_columns(
        recorded,
        (*keys, "offence_group", "offence_subgroup", "count"),
        "serious_violence",
    )
    periods = recorded[keys].drop_duplicates().reset_index(drop=True)
    parts, unmatched = [], []
    for group in SERIOUS_VIOLENCE_GROUPS.values():
        mask = group.selects(recorded)
        if len(recorded) and not mask.any():
            unmatched.append(group.name)
        sums = recorded.loc[mask].groupby(keys, sort=False)["count"].sum()
        part = periods.merge(sums.reset_index(), on=keys, how="left")
        parts.append(part.assign(group=group.name))
    if unmatched:
        warnings.warn(
            f"serious_violence: no row of the table falls in the group(s) {unmatched}"
            "; their counts are 0. The published tables list every offence code, "
            "even with no offences, so the subgroup names of this edition may differ: "
            "compare them with hotspots.forces.SERIOUS_VIOLENCE_GROUPS.",
            HotspotsWarning,
            stacklevel=2,
        )
    out = pd.concat(parts, ignore_index=True) if parts else pd.DataFrame()
    out["count"] = out["count"].fillna(0).astype("int64")
    order = {name: i for i, name in enumerate(SERIOUS_VIOLENCE_GROUPS)}
    out = (
        out.assign(_order=out["group"].map(order))
        .sort_values(["force", "financial_year", "quarter", "_order"], kind="stable")
        .drop(columns="_order")
        .reset_index(drop=True)[list(COUNT_COLUMNS)]
    )
    out.attrs["hotspots"] = {
        "groups": {g.name: g.description for g in SERIOUS_VIOLENCE_GROUPS.values()}
    }
    return out


def load_recorded_crime() -> pd.DataFrame:
    """Return the shipped Home Office counts: force x group x quarter, 2017/18.

    Returns
    -------
    pandas.DataFrame
        Columns ``force``, ``force_slug``, ``financial_year``, ``quarter``,
        ``group`` and ``count``, as :func:`serious_violence` returns them, for the
        43 territorial police forces of England and Wales and British Transport
        Police, financial year 2017/18 (April 2017 - March 2018), quarters 1-4 and
        every group of :data:`SERIOUS_VIOLENCE_GROUPS` (1,232 rows).
        ``attrs["hotspots"]`` records ``source`` and ``licence``.

    Notes
    -----
    Derived by ``data/make_forces_tables.py`` from the Home Office *Police recorded
    crime open data tables* (police force area, 2017/18), Crown copyright, Open
    Government Licence v3.0; see ``data/raw/PROVENANCE.md``. Contains public sector
    information licensed under the Open Government Licence v3.0. These are the
    figures as first extracted for that edition; later editions revise them.

    Examples
    --------
    >>> from hotspots.forces import load_recorded_crime
    >>> counts = load_recorded_crime()
    >>> counts["force_slug"].nunique()
    44
    """
    text = resources.files("hotspots.data").joinpath(RECORDED_CRIME_FILE).read_text()
    table = pd.read_csv(
        StringIO(text),
        dtype={"force_slug": str, "financial_year": str, "group": str},
        keep_default_na=False,
    )
    names = FORCES.set_index("slug")["name"]
    table["force"] = table["force_slug"].map(names).astype(str)
    table = table[list(COUNT_COLUMNS)].astype({"quarter": "int64", "count": "int64"})
    table.attrs["hotspots"] = {"source": _SOURCE, "licence": "OGL v3.0"}
    return table
