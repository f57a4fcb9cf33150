"""Settings are parsed strictly, report every problem at once, and are all documented in the README."""

from pathlib import Path

import pytest

from dashboard.settings import ConfigError, Settings, env_name, load_settings

README = Path(__file__).resolve().parents[1] / "README.md"


def test_defaults_need_no_environment():
    settings = load_settings({})
    assert settings.redis_url is None
    assert settings.port == 8050
    assert settings.history_days == 7


def test_environment_values_are_parsed():
    settings = load_settings(
        {"REDIS_URL": "unix:///run/redis.sock", "CITYOPS_PORT": "9000", "CITYOPS_DEMO_FAULTS": "parking, reports"}
    )
    assert settings.redis_url == "unix:///run/redis.sock"
    assert settings.port == 9000
    assert settings.demo_faults == ("parking", "reports")


def test_every_problem_is_listed_in_one_error():
    with pytest.raises(ConfigError) as err:
        load_settings(
            {
                "CITYOPS_PORT": "eighty",
                "REDIS_URL": "http://localhost",
                "CITYOPS_POLL_SECONDS": "0",
                "CITYOPS_COLOUR": "blue",
                "CITYOPS_TILE_URL": "https://tiles.example/x.png",
            }
        )
    message = str(err.value)
    for name in ("CITYOPS_PORT", "REDIS_URL", "CITYOPS_POLL_SECONDS", "CITYOPS_COLOUR", "CITYOPS_TILE_URL"):
        assert name in message


def test_config_file_is_read_and_environment_wins(tmp_path):
    config = tmp_path / "cityops.toml"
    config.write_text('port = 8123\nhistory_days = 3\ndemo_faults = ["energy"]\n')
    settings = load_settings({"CITYOPS_CONFIG": str(config), "CITYOPS_PORT": "8124"})
    assert settings.port == 8124
    assert settings.history_days == 3
    assert settings.demo_faults == ("energy",)


def test_unreadable_or_invalid_config_file_is_a_clear_error(tmp_path):
    with pytest.raises(ConfigError, match="cannot read"):
        load_settings({"CITYOPS_CONFIG": str(tmp_path / "missing.toml")})
    broken = tmp_path / "broken.toml"
    broken.write_text("port = \n")
    with pytest.raises(ConfigError, match="not valid TOML"):
        load_settings({"CITYOPS_CONFIG": str(broken)})


def test_unknown_key_in_config_file_is_rejected(tmp_path):
    config = tmp_path / "cityops.toml"
    config.write_text("prot = 8000\n")
    with pytest.raises(ConfigError, match="prot"):
        load_settings({"CITYOPS_CONFIG": str(config)})


def test_every_setting_is_documented_in_the_readme():
    readme = README.read_text(encoding="utf-8")
    missing = [env_name(field) for field in Settings.model_fields if f"`{env_name(field)}`" not in readme]
    assert missing == []
    assert "`CITYOPS_CONFIG`" in readme


PROFILE = Path(__file__).resolve().parents[1] / "profiles" / "toulouse.toml"


def test_the_toulouse_profile_is_valid_and_builds_its_adapters():
    from dashboard.collectors.runner import configured_sources

    settings = load_settings({"CITYOPS_CONFIG": str(PROFILE)})
    sources = configured_sources(settings)
    assert [(s.name, s.layer, type(s).__name__) for s in sources][:6] == [
        ("parkings-occupation", "parking", "JoinedSource"),
        ("compteurs-energie", "energy", "JoinedSource"),
        ("allo-toulouse", "reports", "Open311Source"),
        ("nacelles-registre", "nacelles", "GeoJsonSource"),
        ("atmo-occitanie", "air_quality", "GeoJsonSource"),
        ("velo-toulouse", "bikes", "OpendatasoftSource"),
    ]
    assert not any(s.demo for s in sources)
    # Every layer of the dashboard has its feed in the profile.
    from dashboard.layers import LAYERS

    assert {s.layer for s in sources} == set(LAYERS)


def test_without_sources_the_demonstration_feeds_are_collected():
    from dashboard.collectors.runner import configured_sources

    assert all(source.demo for source in configured_sources(load_settings({})))


def test_sources_are_validated_strictly(tmp_path):
    config = tmp_path / "cityops.toml"
    config.write_text(
        "[[sources]]\n"
        'name = "a"\nformat = "open311"\nlayer = "parking"\nurl = "https://x.example/v2"\n'
        "[[sources]]\n"
        'name = "b"\nformat = "ngsi-ld"\nlayer = "parking"\nurl = "ftp://x.example/"\n'
        "[[sources]]\n"
        'name = "c"\nformat = "opendatasoft"\nlayer = "parking"\nurl = "https://x.example/d"\n'
        'fields = { places = "nb" }\n'
        "[[sources]]\n"
        'name = "d"\nformat = "csv"\nlayer = "parking"\nurl = "https://x.example/d"\n'
        "[[sources]]\n"
        'name = "e"\nformat = "opendatasoft"\nlayer = "reports"\nurl = "https://x.example/d"\n'
    )
    with pytest.raises(ConfigError) as err:
        load_settings({"CITYOPS_CONFIG": str(config)})
    message = str(err.value)
    assert "CITYOPS_SOURCES[0]" in message and "cannot fill layer 'parking'" in message
    assert "CITYOPS_SOURCES[1.url]" in message
    assert "unknown field(s) places" in message
    assert "CITYOPS_SOURCES[3.format]" in message
    assert "format opendatasoft cannot fill layer 'reports'" in message


@pytest.mark.parametrize(
    ("headers", "complaint"),
    [
        ({"X Api Key": "CANARY-HEADER-1234"}, "header name 'X Api Key' is not a valid HTTP header name"),
        ({"Authorization:": "CANARY-HEADER-1234"}, "header name 'Authorization:' is not a valid HTTP header name"),
        ({"Host": "CANARY-HEADER-1234"}, "header Host is set by the feed client itself"),
        ({"if-none-match": "CANARY-HEADER-1234"}, "header if-none-match is set by the feed client itself"),
        ({"Accept-Encoding": "CANARY-HEADER-1234"}, "header Accept-Encoding is set by the feed client itself"),
        ({"X-Key": "CANARY-HEADER-1234", "x-key": "CANARY-HEADER-1234"}, "header x-key is given more than once"),
        ({"X-Key": "CANARY-HEADER-1234\r\nX-Other: 1"}, "the value of header X-Key must be printable ASCII"),
        ({"X-Key": " CANARY-HEADER-1234"}, "the value of header X-Key must be printable ASCII"),
        ({"authorization": "Bearer CANARY-HEADER-1234"}, "header Authorization and a user:password in url"),
    ],
    ids=["space", "colon", "host", "conditional", "encoding", "twice", "line-break", "padded", "two-credentials"],
)
def test_bad_request_headers_are_refused_naming_the_source_never_the_value(headers, complaint):
    url = "https://user:pw@x.example/d"  # credentials here are fine, unless an Authorization header is set too
    source = {"name": "atmo", "format": "geojson", "layer": "nacelles", "url": url, "headers": headers}
    with pytest.raises(ConfigError) as err:
        load_settings({}, sources=[source])
    message = str(err.value)
    assert "CITYOPS_SOURCES[0.headers]" in message and f"source atmo: {complaint}" in message
    assert "CANARY-HEADER" not in message
    reference = {"name": "ref", "format": "geojson", "url": url.replace("/d", "/r"), "headers": headers}
    joined = {"name": "parkings", "format": "geojson", "layer": "parking", "url": "https://x.example/p"}
    with pytest.raises(ConfigError) as err:
        load_settings({}, sources=[{**joined, "references": [reference]}])
    assert f"reference ref: {complaint}" in str(err.value) and "CANARY-HEADER" not in str(err.value)


def test_request_headers_are_kept_as_given_and_masked_as_secrets():
    source = {"name": "atmo", "format": "geojson", "layer": "nacelles", "url": "https://x.example/d"}
    token = {"Authorization": "Bearer CANARY-TOKEN-1234", "X-Api-Key": "CANARY-KEY-5678"}
    settings = load_settings({}, sources=[{**source, "headers": token}])
    assert settings.sources[0].headers == token
    redactor = settings.redactor()
    # The token alone is masked too: an error page may echo it without its scheme.
    echoed = "sent Bearer CANARY-TOKEN-1234, then CANARY-TOKEN-1234 and CANARY-KEY-5678"
    assert redactor.text(echoed) == "sent ***, then *** and ***"


def test_two_sources_cannot_write_the_same_layer():
    source = {"format": "ngsi-ld", "layer": "parking", "url": "https://x.example/e"}
    with pytest.raises(ConfigError, match="layer\\(s\\) used by more than one source: parking"):
        load_settings({}, sources=[{**source, "name": "a"}, {**source, "name": "b"}])


def test_embed_frame_ancestors_are_origins_only():
    settings = load_settings({"CITYOPS_EMBED_FRAME_ANCESTORS": "'self' https://www.toulouse.fr http://127.0.0.1:8000"})
    assert settings.embed_frame_ancestors == ("'self'", "https://www.toulouse.fr", "http://127.0.0.1:8000")
    # Anything else could widen the header it ends up in.
    with pytest.raises(ConfigError, match="CITYOPS_EMBED_FRAME_ANCESTORS"):
        load_settings({"CITYOPS_EMBED_FRAME_ANCESTORS": "https://a.fr; script-src *"})


@pytest.mark.parametrize("value", ["", "   "])
def test_an_empty_redis_url_is_an_error_not_the_all_in_one_mode(value):
    # An unset variable in a compose file (REDIS_URL: ${REDIS_URL}) must not open the demo account to the network.
    with pytest.raises(ConfigError, match=r"REDIS_URL: Value error, is empty"):
        load_settings({"REDIS_URL": value})
