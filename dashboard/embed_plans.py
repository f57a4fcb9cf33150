"""How the public embed draws a layer, as plain data the browser reads (assets/embed.js): one plan per trace.

A point trace takes the features whose `category` property (Layer.public_category) is its own, sizes and
colours them as its marker says, and formats `fields` for its hover text. A layer counted per cell for the
public (Layer.public_open) is drawn as one shaded trace of cells instead.
"""

from __future__ import annotations

from typing import Any

from dashboard.i18n import t

Plan = dict[str, Any]

# Open records per cell: one hue, light to dark, readable with colour-vision deficiencies.
CELL_SCALE = "Oranges"
CELL_GRADIENT = "linear-gradient(90deg, #fee6ce, #fd8d3c, #7f2704)"


def points(category: str, name: str, marker: dict[str, Any], hover: str, fields: list[list[str]]) -> Plan:
    """A scattermap trace of the features the server put in `category`; `fields`: its hover values, formatted.

    `marker` may size points by a property: `"size_by": [property, factor, min, max]` (square root scaled).
    A field is [property, kind], kind one of text, number, kw, percent, signed_percent, time, label (a word from
    the trace's `labels`).
    """
    return {
        "type": "scattermap",
        "category": category,
        "name": name,
        "marker": marker,
        "hover": hover,
        "fields": fields,
    }


def hover_template(key: str, lang: str, names: tuple[str, ...], **fixed: str) -> str:
    """The message `key` with each of `names` replaced by the Plotly placeholder of its field, in order."""
    return t(key, lang, **{name: f"%{{customdata[{i}]}}" for i, name in enumerate(names)}, **fixed)


def cell_traces(lang: str) -> list[Plan]:
    """The one trace of a layer counted per cell: open records shaded, closed ones in the hover."""
    hover = t("embed.cell_hover", lang, open="%{z}", closed="%{customdata}")
    return [{"type": "choroplethmap", "name": t("embed.cells", lang), "colorscale": CELL_SCALE, "hover": hover}]


def cell_legend(lang: str) -> list[tuple[str, str]]:
    return [(t("embed.cells", lang), CELL_GRADIENT)]
