"""Components every live page shares: KPI tiles, freshness badges, the demo flag and the live-update stores."""

from __future__ import annotations

from dash import dcc, html

from dashboard.figures import map_legend
from dashboard.i18n import t
from dashboard.kpis import Kpi
from layouts import ids


def demo_flag(lang: str) -> html.Span:
    """The 'données de démonstration' flag, shown while any layer comes from a demonstration feed."""
    return html.Span(t("app.demo", lang), id=ids.DEMO_FLAG, className="demo-flag", hidden=True)


def kpi_tile(kpi: Kpi) -> html.Section:
    """A tile with a layer's headline number and a line of detail."""
    return html.Section(
        id=ids.kpi_tile(kpi.key),
        className=f"kpi kpi-{kpi.key}",
        children=[
            html.H2(kpi.label),
            html.P(kpi.value, id=ids.kpi_value(kpi.key), className="kpi-value"),
            html.P(kpi.detail, id=ids.kpi_detail(kpi.key), className="kpi-detail"),
        ],
    )


def badge(layer: str, title: str, link: str | None = None) -> html.Li:
    """A layer's freshness badge: its state in words and a symbol (class), the reason on hover (title).

    With a `link` (the managers' page), the layer's name leads to its source in the sources panel.
    """
    name = html.A(title, href=link, className="badge-title") if link else html.Span(title, className="badge-title")
    return html.Li(
        id=ids.badge(layer),
        className="badge badge-waiting",
        children=[name, html.Span("…", id=ids.badge_text(layer))],
    )


def boundaries_note(note: str) -> html.P:
    """Says on screen why the map has no commune outlines (hidden when it has them)."""
    return html.P(note, className="boundaries-note", role="status", hidden=not note)


def live_stores(lang: str, poll_ms: int, timeout_ms: int, *, lost_banner: bool = True) -> list:
    """The stores and the poll interval the live-update callbacks read and write, and the freshness watch."""
    return [
        dcc.Store(id=ids.LANG, data=lang),
        dcc.Store(id=ids.VIEW),
        dcc.Store(id=ids.MAP_VERSIONS, data={}),
        dcc.Store(id=ids.STORE_DOWN_SINCE),
        dcc.Store(id=ids.POLL_OK),
        dcc.Interval(id=ids.POLL, interval=poll_ms),
        *freshness_watch(lang, poll_ms, timeout_ms, lost_banner=lost_banner),
    ]


def freshness_watch(lang: str, poll_ms: int, timeout_ms: int, *, lost_banner: bool = True) -> list:
    """What the browser needs to tell by itself that it heard nothing new (assets/freshness.js).

    A poll answers within the Redis timeout: without a good answer for one poll interval plus that timeout,
    the page says its data are stale. `lost_banner`: also say so in the banner (the wall has its own line).
    """
    placeholders = {"time": "{time}", "n": "{n}"}
    texts = {
        "stale_since": t("live.stale_since", lang, **placeholders),
        "lost": t("wall.connection_lost", lang, **placeholders) if lost_banner else "",
        **{unit: t(f"age.{unit}", lang, **placeholders) for unit in ("just_now", "minutes", "hours", "days")},
    }
    return [
        dcc.Store(id=ids.WATCH, data={"after": poll_ms + timeout_ms, "lang": lang, "texts": texts}),
        # Often enough to notice within about a second, never more often than the poll itself.
        dcc.Interval(id=ids.WATCH_TICK, interval=max(250, min(1000, poll_ms))),
    ]


def page_legend(lang: str, class_name: str = "legend") -> html.Div:
    """The map's symbols as page text, per layer (the wall's legend; the managers' legend on phones)."""
    groups = []
    for title, entries in map_legend(lang):
        items = [
            html.Li([html.Span(className="swatch", style={"background": colour}), label]) for label, colour in entries
        ]
        groups.append(html.Div(className="legend-group", children=[html.H3(title), html.Ul(items)]))
    return html.Div(className=class_name, children=groups, role="group", **{"aria-label": t("app.legend", lang)})
