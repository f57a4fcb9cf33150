"""The callbacks' pure transforms, called directly: no Dash app, no request, data passed in."""

from __future__ import annotations

import re
from datetime import UTC, datetime

import pytest
from dash import no_update

from callbacks.alarms import clicked_key, waiting_of_kind
from callbacks.details import PanelStep, panel_outputs, panel_wanted
from callbacks.embed import (
    EMBED_PREFIX,
    any_public_layer,
    embed_page,
    is_dash_internal,
    page_is_cacheable,
    refusal,
)
from callbacks.filters import (
    category_options,
    chosen_filters,
    page_query,
    raw_from_controls,
    reset_values,
)
from callbacks.live import layer_scopes, layer_versions, layers_to_redraw, map_patch, store_down_banner, view_of
from callbacks.manager import shading_patch, shading_wanted
from callbacks.page import Page
from callbacks.sources import sources_digest
from callbacks.tables import csv_url, table_outputs, table_wanted
from callbacks.wall import wall_turn
from dashboard.access import AccessRule
from dashboard.alarms import Alarm
from dashboard.areas import Geography
from dashboard.details import unavailable_panel
from dashboard.figures import AREA_SHADING_SLOT, trace_slots
from dashboard.filters import Filters
from dashboard.layers import LAYERS, criteria_layer, shading_layer
from tests.factories import write_demo_layers

NOW = datetime(2026, 12, 2, 9, 30, tzinfo=UTC)
REPORTS = criteria_layer()
OTHER = next(name for name in LAYERS if name != REPORTS)
GEOGRAPHY = Geography(areas={"commune": (("31555", "Toulouse"), ("31069", "Blagnac"))})


def operations(patch) -> list[tuple[tuple, object]]:
    """(location, value) of each assignment a Dash patch carries, in order."""
    return [(tuple(op["location"]), op["params"]["value"]) for op in patch.to_plotly_json()["operations"]]


# The live map


def test_store_down_banner_says_when_redis_was_first_missed_and_then_stays():
    banner = store_down_banner(None, NOW, "en")
    assert banner and "10:30" in banner  # the city's time (Paris, UTC+1 in December)
    assert store_down_banner(1764667800000, NOW, "en") is None


def test_layer_scopes_apply_report_filters_to_the_reports_alone():
    narrowed = Filters(commune="31555", statuses=("new",))
    scopes = layer_scopes(list(LAYERS), narrowed)
    assert scopes[REPORTS] == narrowed.key()
    assert scopes[OTHER] == Filters(commune="31555").key() != scopes[REPORTS]
    assert set(layer_scopes(list(LAYERS), Filters()).values()) == {""}


def test_only_layers_with_data_and_a_new_version_or_scope_are_redrawn():
    scopes = {"a": "", "b": "", "c": "commune=1", "d": ""}
    shown = {"a": [3, ""], "b": [4, ""], "c": [5, ""]}
    versions = {"a": 3, "b": 5, "c": 5, "d": 0}
    assert layers_to_redraw(versions, scopes, shown) == {"b": 5, "c": 5}
    assert layers_to_redraw({}, scopes, {}) == {}


def test_map_patch_sends_new_traces_of_redrawn_layers_and_visibility_of_switched_ones():
    slots = trace_slots(LAYERS)
    traces = [{"type": "scattermap", "name": str(index), "showlegend": True} for index in slots[OTHER]]
    patch = map_patch(slots, {OTHER: traces}, [REPORTS], {OTHER}, map_legend=True)
    expected = [
        (("data", index), {**trace, "visible": True}) for index, trace in zip(slots[OTHER], traces, strict=True)
    ]
    expected += [(("data", index, "visible"), False) for index in slots[REPORTS]]
    assert operations(patch) == expected


def test_map_patch_without_the_map_legend_and_with_nothing_to_do():
    slots = trace_slots(LAYERS)
    traces = [{"type": "scattermap", "showlegend": True} for _index in slots[OTHER]]
    patch = map_patch(slots, {OTHER: traces}, [], set(), map_legend=False)
    assert all(value["visible"] is False and not value.get("showlegend") for _where, value in operations(patch))
    assert map_patch(slots, {}, [], {OTHER}, map_legend=True) is None


def test_view_of_a_real_overview_carries_versions_and_the_managers_filters(store):
    write_demo_layers(store)
    overview = store.overview(list(LAYERS))
    versions = layer_versions(overview)
    assert set(versions) == set(LAYERS) and all(version > 0 for version in versions.values())
    plain = view_of(overview, NOW, "fr", Filters(), None, with_filters=False)
    assert plain["versions"] == versions and "filters" not in plain
    narrowed = Filters(statuses=("new",))
    filtered = view_of(overview, NOW, "fr", narrowed, None, with_filters=True)
    assert filtered["filters"] == narrowed.to_dict() and filtered["categories"]


# The managers' filters


def test_page_query_falls_back_on_the_page_url_for_dash_requests():
    referrer = "http://localhost/?status=new&window=7d"
    assert page_query({}, referrer) == {"status": ["new"], "window": ["7d"]}
    assert page_query({"commune": ["31555"]}, referrer) == {"commune": ["31555"]}
    assert page_query({"lang": ["en"]}, None) == {"lang": ["en"]}


def test_chosen_filters_keep_known_values_and_name_the_others():
    raw = raw_from_controls(["commune"], ["31555"], ["new", "bogus"], ["Voirie"], "7d")
    assert raw == {"commune": "31555", "statuses": ["new", "bogus"], "categories": ["Voirie"], "window": "7d"}
    stored, message, query = chosen_filters(raw, GEOGRAPHY, ["Voirie"], "en")
    assert stored == Filters(commune="31555", statuses=("new",), categories=("Voirie",), window="7d").to_dict()
    assert "bogus" in message
    assert query == "?lang=en&commune=31555&status=new&category=Voirie&window=7d"
    stored, message, query = chosen_filters(raw_from_controls([], [], [], [], "all"), GEOGRAPHY, None, "fr")
    assert (stored, message, query) == (Filters().to_dict(), "", "")


def test_category_options_offer_the_data_and_what_is_still_selected_once():
    offered = category_options(["Voirie", "Propreté"], [], ["Éclairage"])
    assert [option["value"] for option in offered] == ["Propreté", "Voirie", "Éclairage"]
    assert category_options(["Voirie", "Propreté"], offered, ["Éclairage"]) is None
    assert category_options(None, [], ["Voirie"]) is None


def test_reset_puts_every_control_back_to_everything():
    assert reset_values(2) == (None, None, [], [], Filters().window)
    assert reset_values(0) == ([], [], Filters().window)


# The tables


def test_the_table_is_filled_again_only_when_layer_version_or_filters_move():
    view = {"versions": {REPORTS: 7}, "filters": Filters(statuses=("new",)).to_dict()}
    filters, scope, wanted = table_wanted(view, REPORTS, None)
    assert (filters, scope, wanted) == (Filters(statuses=("new",)), Filters(statuses=("new",)).key(), 7)
    assert table_wanted(view, REPORTS, [REPORTS, 7, scope, "fr"]) is None
    assert table_wanted(view, REPORTS, [REPORTS, 6, scope, "fr"]) is not None
    assert table_wanted(view, "nope", None) is None and table_wanted(None, REPORTS, None) is None


def test_table_outputs_keep_the_columns_of_the_same_layer():
    table = {
        "rows": [{"id": "1"}],
        "columns": [{"field": "id", "header": "Id", "kind": "text"}],
        "count": 3,
        "version": 7,
    }
    outputs = table_outputs(table, REPORTS, Filters(), "", [REPORTS, 6, "", "en"], None, "en")
    rows, columns, export, note, shown, label, link = outputs
    assert rows == table["rows"] and columns is no_update
    assert export == {"fileName": f"{REPORTS}-tables.csv"} and shown == [REPORTS, 7, "", "en"]
    assert "1" in note and "3" in note and LAYERS[REPORTS].title("en") in label
    assert link == f"/api/v1/layers/{REPORTS}/csv?lang=en"
    _rows, columns, *_rest = table_outputs(table, REPORTS, Filters(), "", [OTHER, 6, "", "en"], {"x": 1}, "en")
    assert columns is not no_update


def test_the_csv_link_carries_the_page_filters_and_language():
    assert csv_url(OTHER, Filters(), "fr") == f"/api/v1/layers/{OTHER}/csv"
    narrowed = Filters(commune="31555", statuses=("new",), window="7d")
    assert (
        csv_url(REPORTS, narrowed, "en") == f"/api/v1/layers/{REPORTS}/csv?lang=en&commune=31555&status=new&window=7d"
    )


# Alarms


def _alarm(alarm_id: str, kind: str, acknowledged_by: str = "") -> Alarm:
    return Alarm(
        alarm_id,
        "rule",
        kind,
        "warning",
        "parking",
        alarm_id,
        alarm_id,
        1.0,
        0.5,
        NOW,
        NOW,
        acknowledged_by=acknowledged_by,
    )


def test_clicked_key_accepts_a_click_on_a_real_button_id_only():
    assert clicked_key(1, {"type": "ack", "alarm": "a1"}, "alarm") == "a1"
    assert clicked_key(0, {"type": "ack", "alarm": "a1"}, "alarm") is None
    assert clicked_key(1, {"type": "ack", "alarm": 5}, "alarm") is None
    assert clicked_key(1, {"type": "ack", "alarm": "x" * 65}, "alarm") is None
    assert clicked_key(1, None, "kind") is None


def test_a_group_acknowledges_its_kind_not_yet_acknowledged():
    active = [_alarm("a", "full"), _alarm("b", "full", "marie"), _alarm("c", "stale"), _alarm("d", "full")]
    assert waiting_of_kind(active, "full") == ["a", "d"]
    assert waiting_of_kind(active, "other") == []


# Details panel


def test_panel_wanted_on_a_selection_a_close_and_live_updates():
    selected = {"layer": REPORTS, "id": "r1"}
    view = {"versions": {REPORTS: 9}}
    assert panel_wanted(selected, view, None, live_update=False) == (REPORTS, "r1", 9)
    assert panel_wanted(None, view, None, live_update=False) is PanelStep.CLOSE
    assert panel_wanted({"layer": "nope", "id": "r1"}, view, None, live_update=False) is PanelStep.KEEP
    assert panel_wanted(None, view, None, live_update=True) is PanelStep.KEEP
    assert panel_wanted(selected, view, [REPORTS, "r1", 9], live_update=True) is PanelStep.KEEP
    assert panel_wanted(selected, view, [REPORTS, "r2", 8], live_update=True) is PanelStep.KEEP
    assert panel_wanted(selected, view, [REPORTS, "r1", 8], live_update=True) == (REPORTS, "r1", 9)


def test_panel_outputs_open_the_panel():
    panel = unavailable_panel("en").to_dict()
    hidden, title, subtitle, body, shown = panel_outputs(panel, [REPORTS, "r1", 9])
    assert (hidden, title, subtitle, shown) == (False, panel["title"], "", [REPORTS, "r1", 9])
    assert body and panel["note"] in str(body)


# Sources panel, area shading, wall


def test_sources_digest_changes_with_the_rows_and_the_language():
    rows = [{"layer": "parking", "state": "ok"}]
    assert sources_digest(rows, "fr") == sources_digest([dict(rows[0])], "fr")
    assert sources_digest(rows, "fr") != sources_digest(rows, "en")
    assert sources_digest(rows, "fr") != sources_digest([{"layer": "parking", "state": "down"}], "fr")


def test_shading_is_redrawn_when_the_choice_or_the_shading_layer_moves():
    view = {"versions": {shading_layer(): 12}}
    assert shading_wanted("commune", view, None) == 12
    assert shading_wanted("commune", view, ["commune", 12]) is None
    assert shading_wanted("commune", view, ["commune", 11]) == 12
    assert shading_wanted("quartier", view, ["commune", 12]) == 12
    assert shading_wanted(None, view, [None, 3]) is None


def test_shading_patch_fills_or_hides_the_shading_slot():
    assert operations(shading_patch({"type": "choroplethmap"})) == [
        (("data", AREA_SHADING_SLOT), {"type": "choroplethmap"})
    ]
    assert operations(shading_patch(None)) == [(("data", AREA_SHADING_SLOT, "visible"), False)]


def test_the_wall_turns_through_the_layers_with_their_headline():
    names = list(LAYERS)
    view = {"versions": {names[1]: 4}, "kpis": {names[1]: {"value": "42 %", "detail": "occupées"}}}
    layer, version, (title, value, detail, style) = wall_turn(names, 1 + len(names), view, "fr")
    assert (layer, version, value, detail) == (names[1], 4, "42 %", "occupées")
    assert title == LAYERS[names[1]].title("fr") and style == {"borderTopColor": LAYERS[names[1]].colour}
    assert wall_turn(names, None, view, "en")[:2] == (names[0], 0)
    assert wall_turn(names, None, view, "en")[2][1:3] == ("—", "")


# Public embed


def test_embed_page_from_its_url_or_for_dash_requests_from_the_referrer():
    assert embed_page("/embed/parking", "/embed/parking?commune=31555", None) == ("parking", "31555")
    referrer = "https://city.example/embed/bikes/?lang=en"
    assert embed_page("/embed/_dash-layout", "/embed/_dash-layout?", referrer) == ("bikes", "")
    assert embed_page("/embed/parking", "/embed/parking?", referrer) == ("parking", "")


def test_embed_routes_and_what_a_cache_may_keep():
    assert is_dash_internal(f"{EMBED_PREFIX}_dash-update-component") and is_dash_internal(f"{EMBED_PREFIX}assets/x.js")
    assert not is_dash_internal(f"{EMBED_PREFIX}parking")
    assert page_is_cacheable(f"{EMBED_PREFIX}parking") and page_is_cacheable(f"{EMBED_PREFIX}_dash-layout")
    assert not page_is_cacheable(f"{EMBED_PREFIX}_dash-update-component")
    assert LAYERS[any_public_layer()].public


def test_refusal_is_plain_text_with_the_problem_status():
    response = refusal((404, "pas public"))
    assert (response.status_code, response.get_data(as_text=True)) == (404, "pas public\n")
    assert response.content_type.startswith("text/plain")
    assert refusal(None) is None


# Page declarations


def test_assets_ignore_leaves_out_every_file_but_the_page_own():
    page = Page("/x/", "app.title", ("dashboard.js", "wall.css"), AccessRule.WALL, lambda *_args: None)
    ignore = re.compile(page.assets_ignore())  # as Dash applies it: search() on each file name
    names = ["dashboard.js", "wall.css", "wall.js", "manager.css", "xdashboard.js", "dashboard.jsx", "wall.css.map"]
    assert [name for name in names if not ignore.search(name)] == ["dashboard.js", "wall.css"]


@pytest.mark.parametrize("rule", list(AccessRule))
def test_a_page_hands_its_prefix_and_rule_to_the_access_layer(rule):
    page = Page("/x/", "app.title", (), rule, lambda *_args: None)
    assert (page.access_rule.prefix, page.access_rule.rule) == ("/x/", rule)
    assert re.compile(page.assets_ignore()).search("anything.js")
