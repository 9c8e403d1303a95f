"""The page style of the package's boxes, its popup and label scripts, the scale bar."""

from __future__ import annotations

from folium import MacroElement
from folium.template import Template

from hotspots.maps._html import POPUP_FUNCTION
from hotspots.maps._labels import LABELS_SCRIPT

__all__ = ["BACKGROUND", "NARROW_PX", "Page", "ScaleBar"]

#: Colour of the map background where there are no tiles (``tiles=None``), or
#: where tiles cannot be loaded (no network).
BACKGROUND = "#f3f3f0"
#: Pages narrower than this (px; phones) get smaller boxes, and legends start
#: folded (tap the title to open).
NARROW_PX = 600

_CSS = """
.hotspots-top-centre { left: 50%; transform: translateX(-50%); }
.hotspots-title, .hotspots-legend { box-sizing: border-box; }
.hotspots-title {
  background: rgba(255,255,255,0.94); border: 1px solid #999; border-radius: 4px;
  padding: 6px 12px; text-align: center; box-shadow: 0 1px 4px rgba(0,0,0,0.3);
  max-width: min(560px, calc(100vw - 120px)); font: 14px/1.3 system-ui, sans-serif;
}
.hotspots-what { font-weight: 700; font-size: 16px; color: #222; }
.hotspots-where-when { color: #444; font-size: 13px; }
.hotspots-offline-note { color: #6d4c00; font-size: 12px; margin-top: 2px; }
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
.hotspots-popup table { border-collapse: collapse; }
.hotspots-popup-heading { font-weight: 700; font-size: 13px; margin-bottom: 3px; }
.hotspots-popup th { padding: 1px 8px 1px 0; font-weight: 600; vertical-align: top;
  text-align: left; }
.hotspots-popup td { padding: 1px 0; }
.hotspots-popup-heading, .hotspots-popup th, .hotspots-popup td {
  overflow-wrap: anywhere; word-break: break-word;
}
.leaflet-tooltip { font: 12px/1.3 system-ui, sans-serif; }
.leaflet-pane > svg { pointer-events: none; }
.leaflet-hotspotsAreas-pane .leaflet-interactive { cursor: inherit; }
.leaflet-tooltip.hotspots-label, .leaflet-tooltip.hotspots-area-label {
  background: transparent; border: 0; box-shadow: none; padding: 0;
}
.hotspots-label::before, .hotspots-area-label::before { display: none; }
.hotspots-label span {
  display: inline-block; background: #fff; border: 2px solid currentColor;
  border-radius: 10px; padding: 2px 5px; font: 700 12px/1 system-ui, sans-serif;
  white-space: nowrap;
}
.hotspots-area-label span {
  font: italic 600 11px/1 system-ui, sans-serif; color: #555; white-space: nowrap;
  text-shadow: 0 0 2px #fff, 0 0 2px #fff, 0 0 3px #fff;
}
.marker-cluster.hotspots-cluster { background: rgba(55,71,79,0.3); border-radius: 50%; }
.marker-cluster.hotspots-cluster div {
  width: calc(100% - 8px); height: calc(100% - 8px); margin: 4px; border-radius: 50%;
  background: #37474f; color: #fff; border: 1.5px solid #fff;
  display: flex; align-items: center; justify-content: center;
  font: 700 12px/1 system-ui, sans-serif;
}
.marker-cluster.hotspots-cluster span { line-height: 1; }
@media (max-width: NARROW_MAXpx) {
  .hotspots-title { padding: 4px 8px; font-size: 12px; }
  .hotspots-what { font-size: 13px; }
  .hotspots-where-when { font-size: 11px; }
  .hotspots-synthetic { font-size: 12px; }
  .hotspots-legend { max-width: min(240px, 62vw); max-height: 32vh; padding: 4px 8px; }
  .hotspots-offline-note { font-size: 11px; }
  .leaflet-control-attribution { font-size: 10px; }
}
""".replace("NARROW_MAX", str(NARROW_PX - 1))


class Page(MacroElement):
    """Page style, background colour, the popup builder and the label placement."""

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
        {{ this.labels_script }}
        hotspotsWatchLabels({{ this._parent.get_name() }});
        {% endmacro %}
        """
    )

    def __init__(self) -> None:
        super().__init__()
        self._name = "HotspotsPage"
        self.popup_function = POPUP_FUNCTION
        self.labels_script = LABELS_SCRIPT
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
