"""Redis key names are a persisted contract: asserted here as literal strings."""

from dashboard import keys


def test_layer_keys_are_literal_and_share_the_layer_hash_tag():
    assert keys.snapshot("parking") == "cityops:{parking}:snapshot"
    assert keys.status("parking") == "cityops:{parking}:status"
    assert keys.history("reports") == "cityops:{reports}:history"
    assert keys.personal("reports") == "cityops:{reports}:personal"
    assert keys.leader("nacelles", "demo-nacelles") == "cityops:{nacelles}:leader:demo-nacelles"
    assert keys.timeline("reports", "AT-2026-000123") == "cityops:{reports}:timeline:AT-2026-000123"
    assert keys.figure_cache_prefix() == "cityops:cache:"
    assert keys.born() == "cityops:born"


def test_no_key_has_an_empty_segment():
    for key in (
        keys.snapshot("energy"),
        keys.status("energy"),
        keys.history("energy"),
        keys.personal("energy"),
        keys.leader("energy", "x"),
    ):
        assert "::" not in key
        assert key.startswith("cityops:{energy}:")


def test_public_file_and_alarm_keys_are_literal():
    assert keys.public_file("parking", 42) == "cityops:{parking}:public:42"
    assert keys.public_file_build("parking", 42) == "cityops:{parking}:public:42:build"
    assert keys.alarms_active() == "cityops:{alarms}:active"
    assert keys.alarms_pending() == "cityops:{alarms}:pending"
    assert keys.alarms_cleared() == "cityops:{alarms}:cleared"
    assert keys.alarms_version() == "cityops:{alarms}:version"
    assert keys.alarms_leader() == "cityops:{alarms}:leader"


def test_login_keys_are_literal():
    assert keys.login_prefix() == "cityops:login"
    assert keys.revoked_session("s1") == "cityops:login:revoked:s1"
    # Counted by flask-limiter under the login prefix.
    assert keys.login_limit_pair("10.0.0.1", "alice") == "pair:10.0.0.1|alice"
    assert keys.login_limit_address("10.0.0.1") == "address:10.0.0.1"
    assert keys.login_limit_account("alice") == "account:alice"


def test_figure_cache_entries_are_literal():
    # flask-caching writes each under keys.figure_cache_prefix().
    assert keys.cached_traces("public", "parking", 7, "fr", "") == "traces:public:parking:7:fr:"
    assert (
        keys.cached_filtered_summaries("c=31555", {"reports": 3, "energy": 2}) == "filtered:c=31555:energy=2:reports=3"
    )
    assert keys.cached_summary("reports", 3, "c=31555") == "summary:reports:3:c=31555"
    assert keys.cached_table("reports", 3, "en", "") == "table:reports:3:en:"
    assert keys.cached_area_shading("commune", 3, "fr") == "areas:commune:3:fr"
    assert keys.cached_trend("energy", 2, "fr", 24.0) == "trend:energy:2:fr:24.0"
    assert keys.cached_details("reports", 3, "fr", "AT-1") == "details:reports:3:fr:AT-1"
    # The layer's hash tag: the digests of one layer share a cluster slot and are read in one MGET.
    assert keys.cached_history_digest("energy", 1_700_000_000_000) == "details:digest:{energy}:1700000000000"
