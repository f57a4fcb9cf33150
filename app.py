"""Composition root: `create_app(settings=None)` builds the web app; `python app.py` runs everything in one process."""

from __future__ import annotations

import logging
import secrets
import sys
from collections.abc import Sequence
from pathlib import Path

import dash
from flask import Flask
from flask_caching import Cache

from callbacks import embed, manager, wall
from callbacks.guard import reject_malformed_callback_requests
from callbacks.page import Page
from dashboard.access import AccessRule, allow_embedding, allow_page_scripts, install_access_rules
from dashboard.alarm_api import create_alarm_api
from dashboard.api import create_api
from dashboard.auth import install_manager_login
from dashboard.geo import configured_geography
from dashboard.http_errors import install_request_limits
from dashboard.i18n import t
from dashboard.metrics_api import create_metrics_endpoint, install_web_metrics
from dashboard.settings import Settings, load_settings
from dashboard.snapshots import SnapshotReader
from dashboard.startup import start_process
from dashboard.store import Store, figure_cache_config, open_store
from dashboard.view_cache import FIGURE_CACHE_SECONDS, FigureCache
from layouts import ids

log = logging.getLogger("cityops")

# Every page the server shows, each declared by its own module: prefix, title, asset files, access rule.
PAGES: tuple[Page, ...] = (manager.PAGE, wall.PAGE, embed.PAGE)
ASSETS_FOLDER = Path(__file__).parent / "assets"


def missing_assets(pages: Sequence[Page], folder: Path) -> list[str]:
    """The declared asset files that `folder` lacks, as "prefix: file"."""
    return [f"{page.prefix}: {name}" for page in pages for name in page.assets if not (folder / name).is_file()]


def create_app(
    settings: Settings | None = None,
    *,
    store: Store | None = None,
    pages: Sequence[Page] = PAGES,
    assets_folder: Path = ASSETS_FOLDER,
) -> Flask:
    """The WSGI app (`gunicorn 'app:create_app()'`): the declared `pages` (managers' page at /, the wall at /wall/,
    embeds at /embed/), each with its own asset files of `assets_folder`, and the API."""
    missing = missing_assets(pages, assets_folder)
    if missing:
        raise ValueError(f"asset files declared by pages but not in {assets_folder}: {', '.join(missing)}")
    settings = settings or load_settings()
    store = store or open_store(settings, fail_fast=True)
    server = Flask(__name__)
    # Workers must share one secret (it signs the managers' sessions); a random one is only right for one process.
    server.secret_key = settings.secret_key or secrets.token_hex(32)
    if settings.secret_key is None and not settings.all_in_one:
        log.warning("CITYOPS_SECRET_KEY is unset: sign-ins only hold with a single web worker")
    cache = Cache(server, config=figure_cache_config(store, timeout_seconds=FIGURE_CACHE_SECONDS))
    install_request_limits(server)
    access = [page.access_rule for page in pages]
    install_access_rules(server, settings, access)
    install_manager_login(server, settings, store, access)
    # The process's one reader of snapshots: each layer version is decoded once, whoever asks for it.
    snapshots = SnapshotReader(store)
    geography = configured_geography(settings)
    server.register_blueprint(create_api(snapshots, geography))
    alarms = store.alarm_store(cleared_kept=settings.alarms.cleared_kept)
    server.register_blueprint(create_alarm_api(alarms))
    server.register_blueprint(create_metrics_endpoint(alarms, settings.prometheus_multiproc_dir))
    install_web_metrics(server, poll_input=f"{ids.POLL}.n_intervals", prefixes=[page.prefix for page in pages])
    figures = FigureCache(snapshots, cache, geography.outlines)
    public_scripts: list[str] = []
    page_scripts: list[str] = []
    for page in pages:
        app = dash.Dash(
            __name__,
            server=server,
            url_base_pathname=page.prefix,
            title=t(page.title_key, "fr"),
            update_title=None,
            serve_locally=True,
            assets_folder=str(assets_folder),
            assets_ignore=page.assets_ignore(),
            compress=page.compress,  # server-wide once set
        )
        page.register(app, store, figures, settings, geography)
        reject_malformed_callback_requests(app)
        (public_scripts if page.access is AccessRule.PUBLIC else page_scripts).extend(app.csp_hashes())
    allow_embedding(server, settings, public_scripts)
    allow_page_scripts(server, settings, page_scripts)
    server.extensions["cityops"] = {"store": store, "settings": settings, "snapshots": snapshots}
    return server


def main() -> int:
    """All-in-one mode: web server and collectors in one process (in-process Redis unless REDIS_URL is set)."""
    settings = start_process()
    logging.getLogger("werkzeug").setLevel(logging.WARNING)  # one line per poll would drown what matters
    from dashboard.collectors.runner import CollectorRunner, configured_sources  # all-in-one mode only

    server = create_app(settings)
    shared = server.extensions["cityops"]
    runner = CollectorRunner(shared["store"], configured_sources(settings), settings, snapshots=shared["snapshots"])
    runner.start()
    where = settings.redactor().url(settings.redis_url) if settings.redis_url else "in-process stand-in"
    log.info("dashboard on http://%s:%s/ (Redis: %s)", settings.host, settings.port, where)
    try:
        server.run(host=settings.host, port=settings.port, threaded=True, use_reloader=False)
    finally:
        runner.stop()
    return 0


if __name__ == "__main__":
    sys.exit(main())
