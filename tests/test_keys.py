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
