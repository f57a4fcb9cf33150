"""Pages declare themselves: each is served with its own asset files only, and guarded by its declared rule."""

from __future__ import annotations

import re
import shutil
from html.parser import HTMLParser
from pathlib import Path

import pytest
from dash import html

from app import ASSETS_FOLDER, PAGES, create_app
from callbacks.page import Page
from dashboard.access import TOKEN_COOKIE, AccessRule
from dashboard.settings import load_settings
from dashboard.store import Store
from tests.factories import sign_in_client

TOKEN = "wall-display-token-1"
ASSET_URL = re.compile(r"/assets/([^/?]+)(?:\?|$)")
OPENED = {"/": "/", "/wall/": f"/wall/?token={TOKEN}", "/embed/": "/embed/parking"}


class _AssetTags(HTMLParser):
    """The asset files a page's HTML loads, in order: <script src> and <link rel=stylesheet href>."""

    def __init__(self) -> None:
        super().__init__()
        self.scripts: list[str] = []
        self.styles: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        values = dict(attrs)
        if tag == "script" and (found := ASSET_URL.search(values.get("src") or "")):
            self.scripts.append(found.group(1))
        if (
            tag == "link"
            and values.get("rel") == "stylesheet"
            and (found := ASSET_URL.search(values.get("href") or ""))
        ):
            self.styles.append(found.group(1))


def asset_tags(body: str) -> _AssetTags:
    parser = _AssetTags()
    parser.feed(body)
    return parser


def _kiosk_layout(app, *_shared) -> None:
    app.layout = html.Div("kiosk", id="kiosk")


@pytest.fixture
def client(redis_client):
    return create_app(load_settings({}, wall_token=TOKEN), store=Store(redis_client)).test_client()


@pytest.mark.parametrize("page", PAGES, ids=lambda page: page.prefix)
def test_each_page_loads_its_own_asset_files_and_no_other(client, page):
    sign_in_client(client)
    response = client.get(OPENED[page.prefix])
    assert response.status_code == 200
    tags = asset_tags(response.get_data(as_text=True))
    assert sorted(tags.scripts + tags.styles) == sorted(page.assets)
    # Dash loads them in file-name order (dashboard.js before the manager's scripts), not in declared order.
    assert tags.scripts == sorted(name for name in page.assets if name.endswith(".js"))


def test_every_asset_file_belongs_to_a_page():
    declared = {name for page in PAGES for name in page.assets}
    shipped = {path.name for path in ASSETS_FOLDER.iterdir() if path.suffix in (".js", ".css")}
    assert shipped == declared


def test_the_manager_page_sends_a_signed_out_browser_to_the_login(client):
    response = client.get("/?lang=en")
    assert response.status_code == 302 and response.headers["Location"].startswith("/login?next=")


def test_the_public_page_sets_no_cookie(client):
    for path in ("/embed/parking", "/embed/_dash-layout", "/embed/_dash-dependencies"):
        response = client.get(path, headers={"Referer": "http://localhost/embed/parking"})
        assert response.status_code == 200
        assert "Set-Cookie" not in response.headers and "Cookie" not in response.headers.get("Vary", "")


def test_an_asset_file_declared_but_missing_stops_the_start(redis_client, tmp_path):
    page = Page("/kiosk/", "app.title", ("kiosk.js",), AccessRule.MANAGER, _kiosk_layout)
    with pytest.raises(ValueError, match="kiosk.js"):
        create_app(load_settings({}), store=Store(redis_client), pages=(*PAGES, page), assets_folder=tmp_path)


def test_a_page_may_only_declare_scripts_and_styles_of_assets():
    with pytest.raises(ValueError, match="logo.png"):
        Page("/kiosk/", "app.title", ("logo.png",), AccessRule.PUBLIC, _kiosk_layout)
    with pytest.raises(ValueError, match="prefix"):
        Page("/kiosk", "app.title", (), AccessRule.PUBLIC, _kiosk_layout).access_rule  # noqa: B018


@pytest.fixture
def kiosk_assets(tmp_path) -> Path:
    """The shipped asset files plus the kiosk page's own script and style."""
    folder = tmp_path / "assets"
    shutil.copytree(ASSETS_FOLDER, folder)
    (folder / "kiosk.js").write_text("window.kiosk = true;\n")
    (folder / "kiosk.css").write_text("#kiosk { color: #000; }\n")
    return folder


def kiosk_client(redis_client, assets: Path, rule: AccessRule):
    kiosk = Page("/kiosk/", "app.title", ("kiosk.css", "kiosk.js"), rule, _kiosk_layout)
    settings = load_settings({}, wall_token=TOKEN)
    return create_app(settings, store=Store(redis_client), pages=(*PAGES, kiosk), assets_folder=assets).test_client()


@pytest.mark.parametrize("rule", list(AccessRule))
def test_a_new_page_is_served_with_its_own_assets_and_the_others_are_not_given_them(redis_client, kiosk_assets, rule):
    client = sign_in_client(kiosk_client(redis_client, kiosk_assets, rule))
    response = client.get(f"/kiosk/?token={TOKEN}")
    assert response.status_code == 200
    tags = asset_tags(response.get_data(as_text=True))
    assert (tags.scripts, tags.styles) == (["kiosk.js"], ["kiosk.css"])
    assert client.get("/kiosk/assets/kiosk.js").status_code == 200
    for prefix, path in OPENED.items():
        shown = asset_tags(client.get(path).get_data(as_text=True))
        assert "kiosk.js" not in shown.scripts and "kiosk.css" not in shown.styles, prefix


def test_a_new_manager_page_needs_a_signed_in_manager(redis_client, kiosk_assets):
    client = kiosk_client(redis_client, kiosk_assets, AccessRule.MANAGER)
    response = client.get("/kiosk/")
    assert response.status_code == 302 and response.headers["Location"] == "/login?next=/kiosk/"
    assert client.get("/kiosk/_dash-layout").status_code == 302
    assert client.post("/kiosk/_dash-update-component", json={}).status_code == 401
    assert sign_in_client(client).get("/kiosk/").status_code == 200


def test_a_new_wall_page_needs_the_display_token(redis_client, kiosk_assets):
    client = kiosk_client(redis_client, kiosk_assets, AccessRule.WALL)
    assert client.get("/kiosk/").status_code == 403
    assert client.get("/kiosk/_dash-layout").status_code == 403
    opened = client.get(f"/kiosk/?token={TOKEN}")
    assert opened.status_code == 200
    assert f"{TOKEN_COOKIE}=" in opened.headers["Set-Cookie"] and "Path=/kiosk/" in opened.headers["Set-Cookie"]
    assert client.get("/kiosk/_dash-layout").status_code == 200  # the cookie opens the page's own requests
    assert client.get("/wall/").status_code == 403  # not the wall's: that cookie's path is /kiosk/


def test_a_new_public_page_is_open_framable_and_sets_no_cookie(redis_client, kiosk_assets):
    client = kiosk_client(redis_client, kiosk_assets, AccessRule.PUBLIC)
    for path in ("/kiosk/", "/kiosk/_dash-layout"):
        response = client.get(path)
        assert response.status_code == 200, path
        assert "Set-Cookie" not in response.headers
        assert "X-Frame-Options" not in response.headers
        assert "frame-ancestors 'none'" not in response.headers["Content-Security-Policy"]
    assert client.get("/").status_code == 302  # the managers' page stays closed
    assert client.get("/wall/").status_code == 403
