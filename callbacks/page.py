"""What a page declares about itself: where it is served, its title, its own asset files, who may open it.

Each page module (callbacks/manager.py, callbacks/wall.py, callbacks/embed.py) owns one `Page`; app.py builds a
Dash app per declared page and hands the access rules to dashboard.access and dashboard.auth.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass

import dash

from dashboard.access import AccessRule, PageAccess
from dashboard.areas import Geography
from dashboard.settings import Settings
from dashboard.store import Store
from dashboard.view_cache import FigureCache

Register = Callable[[dash.Dash, Store, FigureCache, Settings, Geography], None]
_LOADED = (".js", ".css")  # what Dash puts in a page's <script>/<link> tags; other files are only served


@dataclass(frozen=True)
class Page:
    """A page: its URL prefix, title (an i18n key), the files of assets/ it loads, its access rule, its callbacks.

    Dash loads a page's asset files in file-name order whatever the order of `assets`: a script that needs
    another one (dashboard.js before manager.*.js) must sort after it. `compress`: gzip the answers of the
    whole server (Flask-Compress, once any page sets it), which pays for the managers' map traces.
    """

    prefix: str
    title_key: str
    assets: tuple[str, ...]
    access: AccessRule
    register: Register
    compress: bool = False

    def __post_init__(self) -> None:
        for name in self.assets:
            if "/" in name or "\\" in name or not name.endswith(_LOADED):
                raise ValueError(f"page {self.prefix}: {name!r} is not a .js or .css file of assets/")

    @property
    def access_rule(self) -> PageAccess:
        """The page's rule as dashboard.access and dashboard.auth read it."""
        return PageAccess(self.prefix, self.access)

    def assets_ignore(self) -> str:
        """Dash's `assets_ignore`: a regex matching every file name of assets/ except this page's own files."""
        own = "|".join(re.escape(name) for name in self.assets)
        return rf"^(?!(?:{own})$)"
