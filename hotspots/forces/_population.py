"""Resident populations of the police force areas of England and Wales."""

from __future__ import annotations

from importlib import resources
from io import StringIO

import pandas as pd

from hotspots.exceptions import SchemaError
from hotspots.io import FORCES, resolve_force

__all__ = ["POPULATION_FILE", "as_populations", "force_populations"]

#: The shipped table (package data; a byte-identical copy is in ``data/raw/``).
POPULATION_FILE = "force_populations_2011.csv"
_SOURCE = (
    "Office for National Statistics, 2011 Census, usual resident population by "
    "LSOA, summed by police force area (Open Government Licence v3.0)"
)


def force_populations() -> pd.DataFrame:
    """Return the usual resident population of each police force area (2011 Census).

    Returns
    -------
    pandas.DataFrame
        43 rows, one per territorial force of England and Wales, with columns
        ``force`` (the package's force name), ``force_slug`` and ``population``
        (int, usual residents on census day, 27 March 2011). British Transport
        Police has no resident population and no row. ``attrs["hotspots"]``
        records ``source``, ``year`` (2011) and ``licence``.

    Notes
    -----
    The sum of the 2011 Census usual resident population of the Lower Layer Super
    Output Areas in each force area (34,753 LSOAs; 56,075,912 residents in England
    and Wales; Leicestershire 1,017,697), derived by ``data/make_forces_tables.py``;
    see ``data/raw/PROVENANCE.md``. Populations change: a 2011 denominator for
    2017/18 crime understates the population of fast-growing areas, so their rates
    come out too high. Pass your own ``populations=`` (e.g. ONS mid-year estimates)
    to the rate functions for other years. Contains public sector information
    licensed under the Open Government Licence v3.0.

    Examples
    --------
    >>> from hotspots.forces import force_populations
    >>> pop = force_populations()
    >>> int(pop.loc[pop["force_slug"] == "leicestershire", "population"].iloc[0])
    1017697
    """
    text = resources.files("hotspots.data").joinpath(POPULATION_FILE).read_text()
    table = pd.read_csv(
        StringIO(text), dtype={"force_slug": str}, keep_default_na=False
    )
    names = FORCES.set_index("slug")["name"]
    out = pd.DataFrame(
        {
            "force": table["force_slug"].map(names).astype(str),
            "force_slug": table["force_slug"],
            "population": table["population"].astype("int64"),
        }
    )
    out.attrs["hotspots"] = {"source": _SOURCE, "year": 2011, "licence": "OGL v3.0"}
    return out


def as_populations(populations: pd.DataFrame | None, *, what: str) -> pd.DataFrame:
    """Return ``force_slug`` -> ``population`` from a user table or the shipped one.

    ``populations`` needs a ``population`` column and either ``force_slug`` or
    ``force`` (any spelling :func:`hotspots.io.resolve_force` understands).
    """
    if populations is None:
        return force_populations()
    if "population" not in populations.columns or not (
        {"force_slug", "force"} & set(populations.columns)
    ):
        raise SchemaError(
            f"{what}: populations needs a 'population' column and a 'force_slug' or "
            f"'force' column; found {list(populations.columns)}. See "
            "hotspots.forces.force_populations() for the layout."
        )
    if "force_slug" in populations.columns:
        slugs = populations["force_slug"].astype(str)
        unknown = sorted(set(slugs) - set(FORCES["slug"]))
        if unknown:
            raise SchemaError(
                f"{what}: populations has force_slug values that are not police.uk "
                f"slugs: {unknown[:5]}. Use the slugs of hotspots.io.FORCES, or a "
                "'force' column with force names."
            )
    else:
        slugs = populations["force"].astype(str).map(resolve_force)
    if slugs.duplicated().any():
        raise SchemaError(
            f"{what}: populations lists a force twice: "
            f"{sorted(set(slugs[slugs.duplicated()]))}. Give one population per force."
        )
    values = pd.to_numeric(populations["population"], errors="coerce")
    if not (values > 0).all():
        raise ValueError(
            f"{what}: every population must be a number > 0; got "
            f"{populations.loc[~(values > 0), 'population'].tolist()[:5]}."
        )
    names = FORCES.set_index("slug")["name"]
    return pd.DataFrame(
        {
            "force": slugs.map(names).astype(str).to_numpy(),
            "force_slug": slugs.to_numpy(),
            "population": values.to_numpy(),
        }
    )
