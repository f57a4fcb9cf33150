"""The managers' page: its layout, served per request in the viewer's language, and its live callbacks."""

from __future__ import annotations

from datetime import UTC, datetime

import dash

from callbacks.figure_cache import FigureCache
from callbacks.live import register_live, request_language
from dashboard.areas import Geography, unavailable_note
from dashboard.figures import layer_traces
from dashboard.i18n import zone_label
from dashboard.kpis import kpis
from dashboard.layers import LAYERS
from dashboard.settings import Settings
from dashboard.store import Store
from layouts.manager import manager_layout


def register(app: dash.Dash, store: Store, figures: FigureCache, settings: Settings, geography: Geography) -> None:
    """Attach the managers' layout and callbacks to `app`."""

    def serve_layout():
        lang = request_language()
        return manager_layout(
            lang=lang,
            layer_titles={name: layer.title(lang) for name, layer in LAYERS.items()},
            kpis=kpis({}, lang),
            zone=zone_label(datetime.now(UTC)),
            poll_ms=int(settings.poll_seconds * 1000),
            tile_url=settings.tile_url,
            tile_attribution=settings.tile_attribution,
            outlines=geography.outlines,
            geo_note=unavailable_note(geography, lang),
            empty_traces={name: layer_traces(name, None, lang) for name in LAYERS},
        )

    app.layout = serve_layout
    register_live(app, store, figures, layer_switch=True)
