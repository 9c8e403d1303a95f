"""Crime rates per resident by area: raw and empirical-Bayes smoothed, same classes."""

from __future__ import annotations

import logging
import warnings
from collections.abc import Sequence

import folium
import geopandas as gpd
import numpy as np
import xyzservices

from hotspots.exceptions import HotspotsWarning, SchemaError
from hotspots.maps._base import (
    DEFAULT_TILES,
    finish_map,
    layer_control_last,
    start_map,
    to_wgs84,
)
from hotspots.maps._columns import require_columns
from hotspots.maps._html import fmt, popup_table
from hotspots.maps._layers import geojson_layer
from hotspots.maps._legend import Legend, LegendEntry, classify, sequential_colours

__all__ = ["rates_map"]

logger = logging.getLogger(__name__)

#: Columns that name an area (first found wins), after the id column.
_NAME_COLUMNS = ("lsoa_name", "LSOA11NM", "LSOA21NM", "name")
#: Fill of areas without a rate (no residents, or no population figure).
NO_RATE_COLOUR = "#f0f0f0"
_CAVEAT = (
    "Residents are not the population at risk: where many people visit and few "
    "live (city centres, stations, shops) the rate per resident is high."
)


def _per(areas: gpd.GeoDataFrame, per: float | None, meta: dict) -> float | None:
    """Return the ``per`` of the rates: given, recorded, or from the columns."""
    if per is not None:
        return float(per)
    if meta.get("per") is not None:
        return float(meta["per"])
    population = meta.get("population", "population")
    if {"n", "rate", population} <= set(areas.columns):
        n = areas["n"].to_numpy(dtype=float)
        ratio = areas["rate"].to_numpy(dtype=float) * areas[population].to_numpy(
            dtype=float
        )
        ok = np.isfinite(ratio) & (n > 0)
        if ok.any():
            found = ratio[ok] / n[ok]
            if np.allclose(found, found[0], rtol=1e-6):
                logger.info(
                    "Rates are per %g residents (rate × population / n).", found[0]
                )
                return float(np.round(found[0], 6))
    warnings.warn(
        "the areas do not record what their rates are per (their attrs were lost and "
        "n, rate and population do not say); the legend says 'per ? residents'. Pass "
        "per= (hotspots.find.rates uses per=1000).",
        HotspotsWarning,
        stacklevel=3,
    )
    return None


def _area_names(areas: gpd.GeoDataFrame, id_column: str) -> list[str]:
    for column in (*_NAME_COLUMNS, id_column):
        if column in areas.columns:
            return ["" if v is None else str(v) for v in areas[column].tolist()]
    return [""] * len(areas)


def rates_map(
    areas: gpd.GeoDataFrame,
    *,
    per: float | None = None,
    scheme: str = "Quantiles",
    k: int = 5,
    bins: Sequence[float] | None = None,
    cmap: str = "YlOrRd",
    show_raw: bool = False,
    opacity: float = 0.7,
    popup_columns: Sequence[str] = (),
    name: str | None = None,
    show: bool = True,
    m: folium.Map | None = None,
    tiles: str | xyzservices.TileProvider | None = DEFAULT_TILES,
    outline: gpd.GeoDataFrame | gpd.GeoSeries | None = None,
    title: str | None = None,
    where: str | None = None,
    when: str | None = None,
    synthetic: bool | None = None,
) -> folium.Map:
    """Map crimes per resident by area, smoothed and raw, on the same classes.

    Parameters
    ----------
    areas : GeoDataFrame
        Output of :func:`hotspots.find.rates`: needs ``rate`` and shows
        ``rate_eb`` (smoothed) when present, ``n``, the population, the prior mean
        and the share of the raw rate kept in popups. Areas are named by
        ``lsoa_name`` (or ``LSOA11NM``, ``LSOA21NM``, ``name``, the id column).
    per : float, optional
        Rates are per ``per`` residents. None = ``attrs["hotspots"]["per"]``, else
        worked out from ``rate``, ``n`` and the population column (a warning
        when it cannot be).
    scheme : str, default "Quantiles"
        mapclassify scheme, e.g. ``"Quantiles"`` (equal numbers of areas: rates
        are skewed, so natural breaks would put most areas in one class),
        ``"FisherJenks"``, ``"EqualInterval"``.
    k : int, default 5
        Number of classes.
    bins : sequence of float, optional
        Your own class upper bounds (per ``per`` residents); overrides ``scheme``.
    cmap : str, default "YlOrRd"
        Sequential matplotlib colormap, light (low) to dark (high).
    show_raw : bool, default False
        Whether the raw-rate layer is on when the map opens (it is always in the
        layer list). With no smoothed rates the raw layer is always shown.
    opacity : float, default 0.7
        Fill opacity, 0-1.
    popup_columns : sequence of str
        Extra columns shown (escaped) in each area's popup.
    name : str, optional
        Name of the main layer; None = "Smoothed rate (empirical Bayes)" or
        "Raw rate".
    show : bool, default True
        Whether the main layer is on when the map opens.
    m, tiles, outline, title, where, when, synthetic
        Base map settings, see :func:`hotspots.maps.base_map`.

    Returns
    -------
    folium.Map
        The map with a smoothed-rate layer and a raw-rate layer (hover an area
        for its name and both rates, click for the numbers), one legend per
        layer with the classes both share, and a layer control.

    Raises
    ------
    SchemaError
        If ``rate`` is missing or not numeric.
    ValueError
        If no area has a rate, or ``scheme`` is unknown.

    Warns
    -----
    HotspotsWarning
        When ``per`` is not given, not recorded and cannot be worked out.

    Notes
    -----
    Both layers use classes found on the raw and smoothed rates together, so a
    colour means the same rate in both and switching layers shows what the
    smoothing moved. Areas without a rate (no residents, or no population
    figure; ``rate_note`` says which) are drawn pale grey. Rates per resident
    overstate risk where visitors outnumber residents (see
    :doc:`/docs/methods/rates`).

    Examples
    --------
    >>> import geopandas as gpd
    >>> from shapely.geometry import box
    >>> areas = gpd.GeoDataFrame(
    ...     {"lsoa_name": ["A", "B", "C"], "n": [3, 2, 2],
    ...      "population": [1000, 1500, 50], "rate": [3.0, 1.33, 40.0],
    ...      "rate_eb": [2.97, 1.43, 14.46], "rate_note": ["", "", ""]},
    ...     geometry=[box(458000 + 250 * i, 304000, 458250 + 250 * i, 304250)
    ...               for i in range(3)], crs=27700)
    >>> m = rates_map(areas, per=1000, tiles=None, k=3)
    >>> "Smoothed rate (empirical Bayes)" in m.get_root().render()
    True
    """
    require_columns(
        areas,
        ["rate"],
        "areas",
        "Compute rates first with hotspots.find.rates(crimes, areas).",
    )
    columns = ["rate_eb", "rate"] if "rate_eb" in areas.columns else ["rate"]
    try:
        values = {c: areas[c].to_numpy(dtype=float) for c in columns}
    except (TypeError, ValueError) as err:
        raise SchemaError(
            f"areas' rate columns {columns} must be numeric; got dtypes "
            f"{[str(areas[c].dtype) for c in columns]}."
        ) from err
    has_rate = np.isfinite(values["rate"])
    if not has_rate.any():
        raise ValueError(
            "no area has a rate (every population is zero or missing); check the "
            "population join before hotspots.find.rates."
        )
    meta = areas.attrs.get("hotspots", {})
    per = _per(areas, per, meta)
    unit = f"per {fmt(per)} residents" if per is not None else "per ? residents"
    every = np.concatenate([v[np.isfinite(v)] for v in values.values()])
    classes = classify(every, scheme=scheme, k=k, bins=bins)
    colours = sequential_colours(cmap, classes.k)
    id_column = meta.get("id_column", "lsoa_code")
    population = meta.get("population", "population")
    mapped = to_wgs84(areas, "areas")
    names = _area_names(mapped, id_column)
    m = start_map(
        areas,
        m=m,
        tiles=tiles,
        outline=outline,
        default_title=f"Crimes {unit}",
        title=title,
        where=where,
        when=when,
        synthetic=synthetic,
    )
    smoothed = "rate_eb" in values
    method = meta.get("method", "")
    captions = {
        "rate_eb": ("Smoothed rate (empirical Bayes)", "smoothed"),
        "rate": ("Raw rate", "raw"),
    }
    labels = {
        "n": "Crimes",
        population: "Residents",
        "rate": f"Rate {unit}, raw",
        "rate_eb": f"Rate {unit}, smoothed",
        "rate_prior": f"Prior mean rate {unit}",
        "eb_weight": "Share of the raw rate kept",
        "rate_note": "Note",
    }
    table = popup_table(
        mapped,
        [
            id_column,
            "n",
            population,
            "rate",
            "rate_eb",
            "rate_prior",
            "eb_weight",
            "rate_note",
            *popup_columns,
        ],
        headings=names,
        labels=labels,
    )
    n_none = int((~has_rate).sum())
    notes_of = (
        mapped["rate_note"].fillna("").astype(str).tolist()
        if "rate_note" in mapped.columns
        else [""] * len(mapped)
    )
    layers, legends = [], []
    for column in columns:
        caption, word = captions[column]
        others = [c for c in columns if c != column]
        v = values[column]
        drawn_class = np.clip(
            np.searchsorted(classes.bins, np.nan_to_num(v), side="left"),
            0,
            classes.k - 1,
        )
        styles = [
            {
                "fillColor": colours[c] if np.isfinite(x) else NO_RATE_COLOUR,
                "color": "#555555",
                "weight": 0.5,
                "opacity": 0.7,
                "fillOpacity": opacity if np.isfinite(x) else 0.5,
            }
            for c, x in zip(drawn_class, v, strict=True)
        ]
        tips = []
        for i, x in enumerate(v):
            if np.isfinite(x):
                text = f"{fmt(x)} {unit} ({word}"
                for o in others:
                    text += f"; {captions[o][1]} {fmt(values[o][i])}"
                text += ")"
            else:
                text = notes_of[i] or "no rate"
            tips.append(f"{names[i]}: {text}" if names[i] else text)
        main = column == columns[0]
        layer = geojson_layer(
            mapped,
            name=(name or caption) if main else caption,
            styles=styles,
            table=table,
            tooltips=tips,
            show=show if main else show_raw,
        )
        entries = [
            LegendEntry(colours[i], classes.labels[i], opacity=opacity)
            for i in reversed(range(classes.k))
        ]
        if n_none:
            areas_text = "1 area" if n_none == 1 else f"{n_none:,} areas"
            entries.append(LegendEntry(NO_RATE_COLOUR, f"No rate ({areas_text})"))
        notes = [f"{classes.scheme} classes (mapclassify)"]
        if smoothed:
            notes[0] += ", the same for the raw and the smoothed rates"
        if main:  # the second legend shows only while its layer is on: keep it short
            if n_none:
                notes.append("No rate: no residents, or no population figure.")
            if method:
                notes.append(f"Method: {method}.")
            notes.append(_CAVEAT)
        layers.append(layer)
        legends.append(
            Legend(
                f"{caption}, {unit}",
                entries,
                notes=notes,
                layer=layer,
                classes=classes,
            )
        )
    logger.info(
        "Mapped rates %s of %d areas (%s), %d %s classes.",
        unit,
        len(areas),
        "smoothed and raw" if smoothed else "raw",
        classes.k,
        classes.scheme,
    )
    finish_map(m, layers, legends[0])
    for legend in legends[1:]:  # after the layers its script refers to
        m.add_child(legend)
    layer_control_last(m)
    return m
