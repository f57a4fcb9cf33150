"""Component ids shared by layouts and callbacks (the only thing they share)."""

MAP = "map"
POLL = "poll"
LANG = "lang"
VIEW = "view"  # what the server last described: versions, badges, KPI texts, banner
MAP_VERSIONS = "map-versions"  # layer versions the figure currently shows
STORE_DOWN_SINCE = "store-down-since"
POLL_OK = "poll-ok"  # the server's clock at the last poll that read the data: the browser's proof of freshness
WATCH = "watch"  # threshold and texts of the browser's own freshness check (layouts.parts.freshness_watch)
WATCH_TICK = "watch-tick"  # drives that check, independently of the poll
LAYER_TOGGLE = "layer-toggle"
SHOW_SETTLED = "show-settled"  # draw the records needing nothing more (resolved and closed reports) too
COMMUNE_FILTER = "commune-filter"  # narrows the KPI tiles and the map to one commune ('' or None: all)
AREA_SHADING = "area-shading"  # shade the map by open reports per commune or quartier, or not
AREA_SHADING_SHOWN = "area-shading-shown"  # (level, reports version) the shading trace shows
# The managers' filters and tables (layouts.filters, layouts.tables).
FILTERS = "filters"  # the validated filters (dashboard.filters.Filters.to_dict) the poll, map and tables follow
FILTER_PANEL = "filter-panel"
QUARTIER_FILTER = "quartier-filter"
STATUS_FILTER = "status-filter"
CATEGORY_FILTER = "category-filter"
WINDOW_FILTER = "window-filter"
FILTER_MESSAGE = "filter-message"  # which values were ignored, if any
FILTER_RESET = "filter-reset"
PAGE_URL = "page-url"  # the address bar: filters are mirrored in its query so a view can be shared
TABLE_LAYER = "table-layer"  # which layer the table shows
TABLE = "table"  # the dash-ag-grid table
TABLE_REGION = "table-region"  # the labelled region around it (its label names the layer shown)
TABLE_NOTE = "table-note"  # row count, or that only the newest rows are shown
TABLE_SHOWN = "table-shown"  # (layer, version, filter key, language) the table shows
TABLE_DOWNLOAD = "table-download"  # link to the server CSV of every filtered row
TABLE_EXPORT = "table-export"  # the grid's own CSV export of its filtered and sorted rows
BANNER = "banner"
DATA_LOSS = "data-loss"  # the managers' notice that Redis lost its data and history starts again
UPDATED = "updated"
DEMO_FLAG = "demo-flag"


def kpi_value(layer: str) -> str:
    """The headline number of a layer's KPI tile."""
    return f"kpi-value-{layer}"


def kpi_tile(layer: str) -> str:
    """A layer's whole KPI tile (hidden while the layer is switched off on the managers' page)."""
    return f"kpi-tile-{layer}"


def kpi_detail(layer: str) -> str:
    """The line of detail under a KPI tile's number."""
    return f"kpi-detail-{layer}"


def badge(layer: str) -> str:
    """A layer's freshness badge (its class carries the state, its title the reason)."""
    return f"badge-{layer}"


def badge_text(layer: str) -> str:
    """The words of a layer's freshness badge: state and age."""
    return f"badge-text-{layer}"


# The wall's own components.
CLOCK = "clock"
CLOCK_DATE = "clock-date"
CLOCK_TICK = "clock-tick"
CYCLE = "cycle"
CONNECTION_LOST = "connection-lost"
HIGHLIGHT = "highlight"
HIGHLIGHT_TITLE = "highlight-title"
HIGHLIGHT_VALUE = "highlight-value"
HIGHLIGHT_DETAIL = "highlight-detail"
TREND = "trend"
TREND_RANGE = "trend-range"
TICKER = "ticker"
TICKER_COUNT = "ticker-count"
HIGHLIGHT_SHOWN = "highlight-shown"  # (layer, version) whose trend is on screen

# The public embed's own components.
EMBED_PLAN = "embed-plan"  # the layer, commune and language the page shows, and how to draw it (layouts.embed)
EMBED_FRESHNESS = "embed-freshness"
EMBED_STATUS = "embed-status"  # the last poll's answer: state, line, data time, budget, server clock

# Threshold alarms (managers' panel and the wall's ticker).
ALARMS_LIST = "alarms-list"  # the managers' table of active alarms
ALARMS_SHOWN = "alarms-shown"  # the alarms' version on screen
ALARM_LINES = "alarm-lines"  # the wall's ticker lines about threshold alarms
ALARM_ACK = "alarm-ack"  # type of the pattern id {"type": ALARM_ACK, "alarm": <id>} of each acknowledge button
ALARM_ACK_NOTE = "alarm-ack-note"  # type of the pattern id of the note beside each acknowledge button
ALARM_ACK_GROUP = "alarm-ack-group"  # type of the pattern id {"type": ALARM_ACK_GROUP, "kind": <kind>}
ALARM_ACK_GROUP_NOTE = "alarm-ack-group-note"  # type of the pattern id of the note beside a group's button

# The managers' sources panel: each layer's source, its last fetch and why rows were rejected.
SOURCES = "sources"  # the panel itself (each freshness badge links to its source's row in it)
SOURCES_LIST = "sources-list"  # the table, or why it cannot be shown
SOURCES_SHOWN = "sources-shown"  # digest of the statuses on screen (the table is redrawn only when it changes)


def source_row(layer: str) -> str:
    """A layer's row in the sources panel (the target of its freshness badge's link)."""
    return f"source-{layer}"


# The details panel of the record clicked on the map; its parts are details_part(name).
DETAILS = "details"


def details_part(name: str) -> str:
    """A part of the details panel: title, subtitle, close, body, selected, shown, focus."""
    return f"{DETAILS}-{name}"
