"""Named, citable crime definitions, e.g. the serious-violence selection.

police.uk open data has only 14 broad crime types, so "serious violence" can only be
approximated there; a force's own extract carries Home Office offence codes, which
allow the narrower definition. Both are chosen by one name.
"""

from __future__ import annotations

import logging
from collections.abc import Iterable
from dataclasses import dataclass
from functools import cache
from importlib import resources

import geopandas as gpd
import pandas as pd

from hotspots.io._schema import CRIME_TYPES

__all__ = [
    "DEFINITIONS",
    "CrimeDefinition",
    "offence_codes",
    "resolve_crime_types",
    "select_crimes",
]

logger = logging.getLogger(__name__)


@dataclass(frozen=True)
class CrimeDefinition:
    """A named selection of crimes, with its source.

    Attributes
    ----------
    name : str
        Key in :data:`DEFINITIONS`.
    policeuk_types : tuple of str
        police.uk crime types selected in open data.
    offence_subgroups : tuple of str
        Home Office offence subgroups selected in force extracts (matched on the
        ``offence_subgroup`` column of :func:`offence_codes`).
    description : str
        What the definition covers, and its limits.
    citation : str
        Where the definition comes from.
    """

    name: str
    policeuk_types: tuple[str, ...]
    offence_subgroups: tuple[str, ...]
    description: str
    citation: str


_SV_CITATION = (
    "Home Office (2018) Serious Violence Strategy; Police, Crime, Sentencing and "
    "Courts Act 2022, Part 2 (Serious Violence Duty) and its statutory guidance "
    "(Home Office, December 2022). The open-data proxy is explained on the methods "
    "page docs/methods/policeuk-data.md."
)

#: The definitions available by name.
DEFINITIONS: dict[str, CrimeDefinition] = {
    d.name: d
    for d in (
        CrimeDefinition(
            name="serious_violence",
            policeuk_types=(
                "Violence and sexual offences",
                "Robbery",
                "Possession of weapons",
            ),
            offence_subgroups=(
                "Homicide",
                "Violence with injury",
                "Robbery of business property",
                "Robbery of personal property",
                "Possession of weapons offences",
            ),
            description=(
                "Serious violence. The Serious Violence Strategy (2018) names "
                "homicide, "
                "knife crime and gun crime and areas where serious violence or its "
                "threat is inherent. In police.uk open data the closest proxy is "
                "'Violence and sexual offences' + 'Robbery' + 'Possession of "
                "weapons'; the first is a superset (it also holds violence without "
                "injury, stalking, harassment and sexual offences), so open-data "
                "counts overstate serious violence. In force extracts we select the "
                "Home Office subgroups homicide, violence with injury, robbery and "
                "possession of weapons."
            ),
            citation=_SV_CITATION,
        ),
        CrimeDefinition(
            name="violence",
            policeuk_types=("Violence and sexual offences",),
            offence_subgroups=(
                "Homicide",
                "Violence with injury",
                "Violence without injury",
                "Stalking and harassment",
                "Rape offences",
                "Other sexual offences",
            ),
            description="police.uk 'Violence and sexual offences' and its Home Office "
            "subgroups (violence against the person and sexual offences).",
            citation="police.uk crime categories (data.police.uk, 'About').",
        ),
        CrimeDefinition(
            name="robbery",
            policeuk_types=("Robbery",),
            offence_subgroups=(
                "Robbery of business property",
                "Robbery of personal property",
            ),
            description="Robbery of personal and business property.",
            citation="police.uk crime categories (data.police.uk, 'About').",
        ),
    )
}


def _definition(name: str) -> CrimeDefinition:
    try:
        return DEFINITIONS[name]
    except KeyError:
        raise ValueError(
            f"unknown crime definition {name!r}; choose one of {sorted(DEFINITIONS)}"
        ) from None


def resolve_crime_types(
    crime_types: Iterable[str] | str | None,
) -> tuple[str, ...] | None:
    """Return police.uk crime types (canonical spelling) for a list or definition.

    Parameters
    ----------
    crime_types : iterable of str, str or None
        Crime types in any case, or a definition name such as ``"serious_violence"``.
        None means all types.

    Raises
    ------
    ValueError
        If a name is neither a police.uk crime type nor a definition.
    """
    if crime_types is None:
        return None
    if isinstance(crime_types, str):
        if crime_types in DEFINITIONS:
            return DEFINITIONS[crime_types].policeuk_types
        crime_types = [crime_types]
    lookup = {t.lower(): t for t in CRIME_TYPES}
    out = []
    for item in crime_types:
        key = str(item).strip().lower()
        if key not in lookup:
            raise ValueError(
                f"unknown crime type {item!r}; use police.uk names {list(CRIME_TYPES)} "
                f"or a definition {sorted(DEFINITIONS)}"
            )
        out.append(lookup[key])
    return tuple(out)


@cache
def offence_codes() -> pd.DataFrame:
    """Home Office offence codes with their group, subgroup and police.uk category.

    Returns
    -------
    pandas.DataFrame
        Columns ``offence_code``, ``offence_description``, ``offence_group``,
        ``offence_subgroup``, ``policeuk_category`` (in police.uk spelling).

    Notes
    -----
    Home Office offence classification (Counting Rules codes) with a many-to-one
    mapping to police.uk categories compiled by the crime_sim_toolkit authors
    (University of Leeds / Alan Turing Institute); not an official crosswalk. See
    ``hotspots/data/README.md``.
    """
    with resources.files("hotspots.data").joinpath("offence_codes.csv").open() as f:
        table = pd.read_csv(f, dtype=str)
    spelling = {t.lower(): t for t in CRIME_TYPES}
    table["policeuk_category"] = table["policeuk_category"].str.lower().map(spelling)
    return table


def select_crimes(
    crimes: gpd.GeoDataFrame, definition: str = "serious_violence"
) -> gpd.GeoDataFrame:
    """Return the crimes that fall under a named definition.

    Parameters
    ----------
    crimes : GeoDataFrame
        Output of :func:`hotspots.read_policeuk` or
        :func:`hotspots.read_force_extract`.
    definition : str, default "serious_violence"
        A key of :data:`DEFINITIONS`. Force extracts (with an ``offence_code``
        column) are selected by Home Office offence subgroup; police.uk data by
        crime type.

    Returns
    -------
    GeoDataFrame
        A new frame with the selected rows; ``attrs["hotspots"]["definition"]``
        records the definition's name, description and citation.

    Examples
    --------
    >>> from hotspots.demo import load_real_sample
    >>> violence = select_crimes(load_real_sample().crimes, "serious_violence")
    >>> sorted(violence["crime_type"].unique())[:1]
    ['Possession of weapons']
    """
    spec = _definition(definition)
    if "offence_code" in crimes.columns:
        table = offence_codes()
        codes = table.loc[
            table["offence_subgroup"].isin(spec.offence_subgroups), "offence_code"
        ]
        mask = crimes["offence_code"].isin(set(codes))
        how = "Home Office offence subgroups"
    else:
        mask = crimes["crime_type"].isin(spec.policeuk_types)
        how = "police.uk crime types"
    out = crimes.loc[mask].copy()
    out.attrs["hotspots"] = {
        "definition": spec.name,
        "definition_description": spec.description,
        "definition_citation": spec.citation,
    }
    logger.info(
        "Selected %s of %s crimes as %r by %s.",
        f"{len(out):,}",
        f"{len(crimes):,}",
        spec.name,
        how,
    )
    return out
