"""Map legends and the class breaks behind them (mapclassify)."""

from __future__ import annotations

import logging
import math
import warnings
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
from folium import MacroElement
from folium.template import Template

from hotspots.maps._html import esc, fmt
from hotspots.maps._page import NARROW_PX

__all__ = [
    "Classes",
    "Legend",
    "LegendEntry",
    "classify",
    "sequential_colours",
    "translucent",
]

logger = logging.getLogger(__name__)


@dataclass(frozen=True)
class LegendEntry:
    """One legend row: a swatch and its label (plain text, escaped when shown)."""

    colour: str
    label: str
    outline: str | None = None
    shape: str = "square"  # "square" or "circle"
    #: Fill opacity of the features, so the swatch looks like them on the map.
    opacity: float = 1.0


@dataclass(frozen=True)
class Classes:
    """Class breaks of a classed map: what mapclassify found, and readable labels.

    ``bins`` are the upper bounds (mapclassify's ``bins``); ``yb`` the class of
    each value (0 = lowest); ``labels`` one per class, lowest first.
    """

    scheme: str
    k: int
    bins: np.ndarray
    yb: np.ndarray
    labels: tuple[str, ...]


class Legend(MacroElement):
    """A legend box (a Leaflet control) shown while its layer is on the map.

    On a page narrower than :data:`hotspots.maps._page.NARROW_PX` (a phone) the
    legend starts folded to its title line; a tap opens it.

    Parameters
    ----------
    title : str
        Bold first line (plain text; escaped here).
    entries : sequence of LegendEntry
        Rows, in the order shown (top first).
    subtitle : str, optional
        Second line, e.g. units.
    notes : sequence of str
        Small print under the rows.
    layer : folium layer, optional
        The legend hides when this layer is switched off in the layer control.
    position : str, default "bottomright"
        Leaflet control corner.
    """

    _template = Template(
        """
        {% macro script(this, kwargs) %}
        (function () {
            var map = {{ this._parent.get_name() }};
            var control = L.control({position: {{ this.position|tojson }}});
            control.onAdd = function () {
                var div = L.DomUtil.create("div", "hotspots-legend");
                div.innerHTML = {{ this.html|tojson }};
                if (window.innerWidth < {{ this.fold_below }}) {
                    div.querySelector("details").open = false;
                }
                L.DomEvent.disableClickPropagation(div);
                L.DomEvent.disableScrollPropagation(div);
                return div;
            };
            control.addTo(map);
            {%- if this.layer is not none %}
            var layer = {{ this.layer.get_name() }};
            var sync = function () {
                control.getContainer().style.display =
                    map.hasLayer(layer) ? "" : "none";
            };
            map.on("overlayadd overlayremove", sync);
            sync();
            {%- endif %}
        })();
        {% endmacro %}
        """
    )

    def __init__(
        self,
        title: str,
        entries: Sequence[LegendEntry],
        *,
        subtitle: str | None = None,
        notes: Sequence[str] = (),
        layer=None,
        position: str = "bottomright",
        classes: Classes | None = None,
    ):
        super().__init__()
        self._name = "HotspotsLegend"
        self.title = title
        self.subtitle = subtitle
        self.entries = tuple(entries)
        self.notes = tuple(notes)
        self.layer = layer
        self.position = position
        #: The class breaks behind the entries (classed maps only).
        self.classes = classes
        self.fold_below = NARROW_PX

    @property
    def html(self) -> str:
        """The legend's inner HTML, every text escaped."""
        rows = "".join(
            '<div class="hotspots-legend-row">'
            f'<span class="hotspots-swatch hotspots-swatch-{esc(e.shape)}" '
            f'style="background:{esc(_fill(e))};'
            f'border-color:{esc(e.outline or "rgba(0,0,0,0.35)")}"></span>'
            f"<span>{esc(e.label)}</span></div>"
            for e in self.entries
        )
        sub = (
            f'<div class="hotspots-legend-subtitle">{esc(self.subtitle)}</div>'
            if self.subtitle
            else ""
        )
        notes = "".join(
            f'<div class="hotspots-legend-note">{esc(n)}</div>' for n in self.notes
        )
        return (
            f'<details open><summary class="hotspots-legend-title">{esc(self.title)}'
            f"</summary>{sub}{rows}{notes}</details>"
        )


def _fill(entry: LegendEntry) -> str:
    if entry.opacity >= 1 or entry.colour.startswith("rgba"):
        return entry.colour
    return translucent(entry.colour, entry.opacity)


def translucent(colour: str, alpha: float) -> str:
    """Return a CSS ``rgba()`` of ``colour`` at opacity ``alpha`` (for swatches).

    Examples
    --------
    >>> translucent("#4a148c", 0.15)
    'rgba(74,20,140,0.15)'
    """
    from matplotlib.colors import to_rgb

    try:
        r, g, b = (round(255 * c) for c in to_rgb(colour))
    except ValueError as err:
        raise ValueError(
            f"colour {colour!r} is not a colour; use a name or hex, e.g. '#4a148c'."
        ) from err
    return f"rgba({r},{g},{b},{alpha:g})"


def sequential_colours(cmap: str, k: int) -> list[str]:
    """Return ``k`` hex colours from a matplotlib colormap, light to dark.

    The palest 15% of the colormap is skipped so the lowest class stays visible on
    a light base map.

    Examples
    --------
    >>> sequential_colours("YlOrRd", 3)
    ['#ffe998', '#fd7435', '#970026']
    """
    import matplotlib
    from matplotlib.colors import to_hex

    try:
        colormap = matplotlib.colormaps[cmap]
    except KeyError as err:
        raise ValueError(
            f"cmap {cmap!r} is not a matplotlib colormap; use e.g. 'YlOrRd', "
            "'Reds' or 'viridis' (see matplotlib.colormaps)."
        ) from err
    stops = [0.75] if k == 1 else np.linspace(0.15, 0.95, k)
    return [to_hex(colormap(float(s))) for s in stops]


def _labels(bins: np.ndarray, lowest: float, whole: bool) -> tuple[str, ...]:
    """Readable ranges for classes with upper bounds ``bins`` (upper included)."""
    labels = []
    lower = lowest
    for i, upper in enumerate(bins):
        if whole:
            lo = int(lower) if i == 0 else math.floor(lower) + 1
            hi = math.floor(upper)
            text = f"{fmt(lo)}" if lo >= hi else f"{fmt(lo)} – {fmt(hi)}"
        else:
            text = f"{fmt(lower)} – {fmt(upper)}"
        labels.append(text)
        lower = float(upper)
    return tuple(labels)


#: Above this many values, Fisher-Jenks without numba (O(k n²) in Python) takes
#: more than a few seconds; its breaks are then found on this many quantiles.
_FJ_EXACT_MAX = 1000
_FJ_QUANTILES = 500


def _too_slow(n: int) -> bool:
    import mapclassify.classifiers

    return n > _FJ_EXACT_MAX and not getattr(
        mapclassify.classifiers, "HAS_NUMBA", False
    )


def _fisher_jenks_on_quantiles(values: np.ndarray, k: int) -> list[float]:
    """Fisher-Jenks breaks of evenly spaced quantiles of ``values`` (deterministic).

    The quantiles keep the shape of the distribution, so the breaks are close to
    those of all values; the top break is the maximum so every value is classed.
    """
    import mapclassify

    sample = np.quantile(values, np.linspace(0, 1, _FJ_QUANTILES))
    distinct = len(np.unique(sample))
    breaks = mapclassify.FisherJenks(sample, k=min(k, distinct)).bins
    logger.info(
        "Fisher-Jenks on %d values is slow without numba: breaks found on %d "
        "quantiles of the values. Pass scheme='Quantiles', bins=, or install "
        "numba for exact breaks.",
        len(values),
        _FJ_QUANTILES,
    )
    return [*np.unique(breaks[:-1]).tolist(), float(values.max())]


def classify(
    values: np.ndarray,
    *,
    scheme: str = "FisherJenks",
    k: int = 5,
    bins: Sequence[float] | None = None,
) -> Classes:
    """Class ``values`` with mapclassify and label the classes.

    Parameters
    ----------
    values : array of float
        The values to class (finite).
    scheme : str, default "FisherJenks"
        A mapclassify classifier name (``mapclassify.CLASSIFIERS``), e.g.
        ``"FisherJenks"``, ``"Quantiles"``, ``"EqualInterval"``,
        ``"NaturalBreaks"``, ``"HeadTailBreaks"``.
    k : int, default 5
        Number of classes; lowered (and logged) when there are fewer distinct
        values.
    bins : sequence of float, optional
        Your own upper bounds (mapclassify ``UserDefined``); overrides ``scheme``.

    Examples
    --------
    >>> import numpy as np
    >>> c = classify(np.array([1, 1, 2, 3, 5, 8, 13, 21, 34, 55]), k=4)
    >>> c.bins.tolist(), c.labels
    ([8.0, 21.0, 34.0, 55.0], ('1 – 8', '9 – 21', '22 – 34', '35 – 55'))
    """
    with warnings.catch_warnings():
        warnings.filterwarnings("ignore", message="Numba not installed")
        import mapclassify

    values = np.asarray(values, dtype=float)
    if len(values) == 0 or not np.isfinite(values).all():
        raise ValueError(
            "values to class must be finite and not empty; drop or fill missing "
            "values first."
        )
    if bins is not None:
        scheme = "UserDefined"
    elif scheme not in mapclassify.CLASSIFIERS:
        raise ValueError(
            f"scheme must be one of {list(mapclassify.CLASSIFIERS)}; got {scheme!r}"
        )
    if not isinstance(k, int) or k < 1:
        raise ValueError(f"k must be a whole number >= 1; got {k!r}")
    distinct = len(np.unique(values))
    if bins is None and distinct < k:
        logger.info(
            "Only %d distinct values: using %d classes instead of %d.",
            distinct,
            distinct,
            k,
        )
        k = distinct
    described = scheme
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # mapclassify warns on ties; k is checked
        if bins is None and k == 1:
            bins = [float(values.max())]
        elif bins is None and scheme == "FisherJenks" and _too_slow(len(values)):
            bins = _fisher_jenks_on_quantiles(values, k)
            described = f"FisherJenks on {_FJ_QUANTILES} quantiles of the values"
        if bins is not None:
            classifier = mapclassify.classify(values, "UserDefined", bins=list(bins))
        else:
            classifier = mapclassify.classify(values, scheme, k=k)
    upper = np.asarray(classifier.bins, dtype=float)
    whole = bool(np.all(values == np.round(values)))
    return Classes(
        scheme=described,
        k=len(upper),
        bins=upper,
        yb=np.asarray(classifier.yb, dtype=int),
        labels=_labels(upper, float(values.min()), whole),
    )
