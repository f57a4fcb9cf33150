"""REDIS_URL's Sentinel and Cluster forms are read into hosts, service and database, and refused clearly."""

from __future__ import annotations

import pytest

from dashboard.settings import ConfigError, load_settings
from dashboard.store.redis_url import parse_redis_url

PASSWORD = "s3cret-Redis-pw"


def test_a_sentinel_url_names_its_sentinels_service_and_database():
    target = parse_redis_url(f"redis+sentinel://:{PASSWORD}@10.0.0.1:26380,sentinel-b,[::1]:26381/cityops/2")
    assert target.kind == "sentinel"
    assert target.hosts == (("10.0.0.1", 26380), ("sentinel-b", 26379), ("::1", 26381))
    assert (target.service, target.db, target.username, target.password) == ("cityops", 2, None, PASSWORD)
    assert parse_redis_url("redis+sentinel://s1:26379/cityops").db == 0


def test_a_cluster_url_names_its_nodes():
    target = parse_redis_url(f"redis+cluster://ops:{PASSWORD}@node-a:7000,node-b")
    assert target.kind == "cluster"
    assert target.hosts == (("node-a", 7000), ("node-b", 6379))
    assert (target.username, target.password) == ("ops", PASSWORD)


def test_single_server_urls_are_left_to_redis_py():
    for url in ("redis://localhost:6379/0", "rediss://h/1", "unix:///run/redis.sock"):
        assert parse_redis_url(url).kind == "server"


@pytest.mark.parametrize(
    ("url", "says"),
    [
        (f"redis+sentinel://:{PASSWORD}@s1:26379,s2:26379", "needs the Sentinel service name"),
        (f"redis+sentinel://:{PASSWORD}@s1:26379/cityops/first", "must be a number"),
        (f"redis+cluster://:{PASSWORD}@n1:7000/3", "database 0 only"),
        (f"redis+cluster://:{PASSWORD}@n1:7000,,n2:7001", "empty host"),
        (f"redis+cluster://:{PASSWORD}@n1:port", "port that is not a number"),
        (f"redis+cluster://:{PASSWORD}@n1:7000?ssl=true", "no query parameters"),
        (f"memcached://:{PASSWORD}@n1:7000", "must start with redis://, rediss://, unix://, redis+sentinel://"),
    ],
)
def test_a_bad_url_is_a_config_error_that_never_repeats_the_password(url, says):
    with pytest.raises(ConfigError, match="REDIS_URL") as raised:
        load_settings({"REDIS_URL": url})
    assert says in str(raised.value)
    assert PASSWORD not in str(raised.value)


def test_the_password_of_a_sentinel_url_is_masked_in_texts():
    settings = load_settings({"REDIS_URL": f"redis+sentinel://:{PASSWORD}@s1:26379,s2:26379/cityops"})
    assert PASSWORD not in settings.redactor().text(f"cannot reach {settings.redis_url}: {PASSWORD}")
