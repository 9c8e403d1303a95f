"""The page style of the package's boxes, its popup builder, and the scale bar."""

from __future__ import annotations

from folium import MacroElement
from folium.template import Template

from hotspots.maps._html import POPUP_FUNCTION

__all__ = ["BACKGROUND", "Page", "ScaleBar"]

#: Colour of the map background where there are no tiles (``tiles=None``).
BACKGROUND = "#f3f3f0"

_CSS = """
.hotspots-top-centre { left: 50%; transform: translateX(-50%); }
.hotspots-title {
  background: rgba(255,255,255,0.94); border: 1px solid #999; border-radius: 4px;
  padding: 6px 12px; text-align: center; box-shadow: 0 1px 4px rgba(0,0,0,0.3);
  max-width: min(640px, calc(100vw - 120px)); font: 14px/1.3 system-ui, sans-serif;
}
.hotspots-what { font-weight: 700; font-size: 16px; color: #222; }
.hotspots-where-when { color: #444; font-size: 13px; }
.hotspots-synthetic {
  background: #c62828; color: #fff; font-weight: 800; font-size: 15px;
  letter-spacing: 0.04em; padding: 2px 8px; margin: -2px -6px 4px; border-radius: 3px;
}
.hotspots-legend {
  background: rgba(255,255,255,0.94); border: 1px solid #999; border-radius: 4px;
  padding: 6px 10px; font: 12px/1.35 system-ui, sans-serif; color: #222;
  max-width: 280px; max-height: 40vh; overflow-y: auto;
  box-shadow: 0 1px 4px rgba(0,0,0,0.3);
}
.hotspots-legend-title { font-weight: 700; font-size: 13px; cursor: pointer; }
.hotspots-legend-subtitle { color: #444; margin-bottom: 3px; }
.hotspots-legend-row { display: flex; align-items: center; gap: 6px; margin: 2px 0; }
.hotspots-swatch {
  display: inline-block; flex: none; width: 16px; height: 12px; border: 1px solid;
}
.hotspots-swatch-circle { width: 12px; border-radius: 50%; }
.hotspots-legend-note { color: #555; font-size: 11px; margin-top: 3px; }
.hotspots-popup { font: 12px/1.35 system-ui, sans-serif; }
.hotspots-popup-heading { font-weight: 700; font-size: 13px; margin-bottom: 3px; }
.hotspots-popup th { padding: 1px 8px 1px 0; font-weight: 600; vertical-align: top; }
.hotspots-popup td { padding: 1px 0; }
.leaflet-tooltip { font: 12px/1.3 system-ui, sans-serif; }
.leaflet-tooltip.hotspots-label {
  background: transparent; border: 0; box-shadow: none; padding: 0;
}
.hotspots-label::before { display: none; }
.hotspots-label span {
  display: inline-block; background: #fff; border: 2px solid currentColor;
  border-radius: 10px; padding: 2px 5px; font: 700 12px/1 system-ui, sans-serif;
}
.marker-cluster.hotspots-cluster { background: rgba(55,71,79,0.3); border-radius: 50%; }
.marker-cluster.hotspots-cluster div {
  width: calc(100% - 8px); height: calc(100% - 8px); margin: 4px; border-radius: 50%;
  background: #37474f; color: #fff; border: 1.5px solid #fff;
  display: flex; align-items: center; justify-content: center;
  font: 700 12px/1 system-ui, sans-serif;
}
.marker-cluster.hotspots-cluster span { line-height: 1; }
"""


class Page(MacroElement):
    """Page style, plain background colour and the ``hotspotsPopup`` builder."""

    _template = Template(
        """
        {% macro header(this, kwargs) %}
        <style>
        #{{ this._parent.get_name() }} { background: {{ this.background }}; }
        {{ this.css }}
        </style>
        {% endmacro %}
        {% macro script(this, kwargs) %}
        {{ this.popup_function }}
        {% endmacro %}
        """
    )

    def __init__(self) -> None:
        super().__init__()
        self._name = "HotspotsPage"
        self.popup_function = POPUP_FUNCTION
        self.background = BACKGROUND
        self.css = _CSS


class ScaleBar(MacroElement):
    """A metric-only scale bar, bottom left."""

    _template = Template(
        """
        {% macro script(this, kwargs) %}
        L.control.scale({metric: true, imperial: false, maxWidth: 160,
                         position: "bottomleft"}).addTo({{ this._parent.get_name() }});
        {% endmacro %}
        """
    )

    def __init__(self) -> None:
        super().__init__()
        self._name = "HotspotsScaleBar"
