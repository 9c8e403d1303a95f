"""The title box: what the map shows, where, when, and a SYNTHETIC label."""

from __future__ import annotations

import warnings
from collections.abc import Iterable

import pandas as pd
from folium import MacroElement
from folium.template import Template

from hotspots.exceptions import HotspotsWarning
from hotspots.maps._html import esc, fmt

__all__ = [
    "SYNTHETIC_LABEL",
    "TitleBox",
    "default_when",
    "default_where",
    "is_synthetic",
]

#: Shown in red at the top of the title box of a map of synthetic data.
SYNTHETIC_LABEL = "SYNTHETIC DATA – not real crime"
_MARKER = "SYNTHETIC"
_MAX_FORCES_NAMED = 3


class TitleBox(MacroElement):
    """A box at the top centre of the map: what, where, when (and SYNTHETIC).

    The text is read when the map is rendered, so later calls that add layers to
    the same map can fill in or mark it (a map never loses its SYNTHETIC label).
    """

    _template = Template(
        """
        {% macro script(this, kwargs) %}
        (function () {
            var map = {{ this._parent.get_name() }};
            var corners = map._controlCorners;
            if (!corners.hotspotstop) {
                corners.hotspotstop = L.DomUtil.create(
                    "div", "leaflet-top hotspots-top-centre", map._controlContainer
                );
            }
            var control = L.control({position: "hotspotstop"});
            control.onAdd = function () {
                var div = L.DomUtil.create("div", "hotspots-title");
                div.innerHTML = {{ this.html|tojson }};
                L.DomEvent.disableClickPropagation(div);
                return div;
            };
            control.addTo(map);
        })();
        {% endmacro %}
        """
    )

    def __init__(
        self,
        what: str,
        *,
        where: str | None = None,
        when: str | None = None,
        synthetic: bool = False,
    ):
        super().__init__()
        self._name = "HotspotsTitle"
        self.what = what
        self.where = where
        self.when = when
        self.synthetic = synthetic

    @property
    def html(self) -> str:
        """The box's inner HTML, every text escaped."""
        banner = (
            f'<div class="hotspots-synthetic">{esc(SYNTHETIC_LABEL)}</div>'
            if self.synthetic
            else ""
        )
        detail = " · ".join(esc(t) for t in (self.where, self.when) if t)
        second = f'<div class="hotspots-where-when">{detail}</div>' if detail else ""
        return f'{banner}<div class="hotspots-what">{esc(self.what)}</div>{second}'


def _context_columns(frame: pd.DataFrame) -> list[str]:
    return [c for c in frame.columns if isinstance(c, str) and c.lower() == "context"]


def is_synthetic(frames: Iterable[pd.DataFrame | None]) -> bool:
    """Return True when a frame's ``context`` (or ``Context``) says SYNTHETIC.

    The synthetic archive writes "SYNTHETIC DATA - not real crime" there.

    Examples
    --------
    >>> import pandas as pd
    >>> is_synthetic([pd.DataFrame({"context": ["", "SYNTHETIC DATA - not real crime"]})])
    True
    """  # noqa: E501
    for frame in frames:
        if frame is None:
            continue
        for column in _context_columns(frame):
            text = frame[column].dropna().astype(str)
            if text.str.contains(_MARKER, case=False, regex=False).any():
                return True
    return False


def resolve_synthetic(synthetic: bool | None, frames: list) -> bool:
    """Combine the ``synthetic=`` argument with what the data say.

    Data marked SYNTHETIC are always labelled: ``synthetic=False`` cannot remove
    the label (a warning says so).
    """
    found = is_synthetic(frames)
    if synthetic is False and found:
        warnings.warn(
            "synthetic=False, but the data's context column says SYNTHETIC; the map "
            "is labelled SYNTHETIC anyway. Drop those rows if they are not wanted.",
            HotspotsWarning,
            stacklevel=3,
        )
    return bool(synthetic) or found


def default_where(frame: pd.DataFrame) -> str | None:
    """Name the force(s) from a ``force`` column, if there is one.

    Examples
    --------
    >>> import pandas as pd
    >>> default_where(pd.DataFrame({"force": ["Leicestershire Police"] * 2}))
    'Leicestershire Police'
    """
    if "force" not in frame.columns:
        return None
    forces = sorted(frame["force"].dropna().astype(str).unique())
    if not forces:
        return None
    if len(forces) > _MAX_FORCES_NAMED:
        return f"{len(forces)} forces"
    return ", ".join(forces)


def default_when(frame: pd.DataFrame) -> str | None:
    """Describe the period of a ``month`` column: ``2024-01 to 2024-12``.

    Examples
    --------
    >>> import pandas as pd
    >>> default_when(pd.DataFrame({"month": pd.to_datetime(["2024-03-01", "2024-01-01"])}))
    '2024-01 to 2024-03'
    """  # noqa: E501
    if "month" not in frame.columns:
        return None
    months = frame["month"].dropna()
    if months.empty:
        return None
    if pd.api.types.is_datetime64_any_dtype(months):
        first, last = fmt(months.min()), fmt(months.max())
    else:
        text = sorted(months.astype(str).unique())
        first, last = text[0], text[-1]
    return first if first == last else f"{first} to {last}"
