"""What browser tests read and do on a page's map: traces drawn, points of a city-scale layer, a person's move."""

from __future__ import annotations

# Wait until a layer's trace has points on the map. Numbers travel as typed-array specs ({dtype, bdata}) that
# `gd.data` keeps as sent; `gd._fullData` holds them decoded, as drawn.
LAYER_DRAWN_JS = """(prefix) => { const p = document.querySelector('#map .js-plotly-plot');
    return p && p._fullData && p._fullData.some(t => t.name.startsWith(prefix) && t.visible === true
        && t.lon && t.lon.length > 0); }"""
# Wait until a city-scale layer is drawn point by point (its points have one size; its cells, one each).
POINTS_DRAWN_JS = """(prefix) => { const p = document.querySelector('#map .js-plotly-plot');
    return p && p._fullData && p._fullData.some(t => t.name.startsWith(prefix) && t.visible === true
        && !!t.marker && typeof t.marker.size === 'number' && t.lon && t.lon.length > 0); }"""
# Move the map as a person would (MapLibre reports it to Plotly as a user's move, with the corners of the view).
JUMP_JS = """([lon, lat, zoom]) => {
    const map = document.querySelector('#map .js-plotly-plot')._fullLayout.map._subplot.map;
    map.jumpTo({center: [lon, lat], zoom: zoom}, {originalEvent: {type: 'test'}});
}"""


def zoom_to_points(page, lon: float = 1.444, lat: float = 43.6045, zoom: float = 15.0) -> None:
    """Zoom the map in past the reports' points threshold and wait for their points."""
    page.locator("#map").scroll_into_view_if_needed()
    page.evaluate(JUMP_JS, [lon, lat, zoom])
    page.wait_for_function(POINTS_DRAWN_JS, arg="Signalements", timeout=20000)
