"""The dashboard plus a trivial Dash app on the same server, as a baseline for callback costs."""

from __future__ import annotations

import dash
from dash import Input, Output, dcc, html
from flask import Flask

from app import create_app


def create() -> Flask:
    """`gunicorn 'bench.trivial_app:create()'`: the real app, with /trivial/ echoing its input."""
    server = create_app()
    trivial = dash.Dash(__name__, server=server, url_base_pathname="/trivial/")
    trivial.layout = html.Div([dcc.Input(id="in", value="x"), html.Span(id="out")])

    @trivial.callback(Output("out", "children"), Input("in", "value"))
    def echo(value):
        return value

    return server
