"""Redis as the cache, the session store and the rate-limit counter store (REDIS_URL).

Each test points CACHES at the Redis on 127.0.0.1:6379 with a key prefix of its own, and
looks at Redis directly with redis-py to show the data really lives there. Nothing is
flushed: other test runs may share the database.
"""

import secrets

import pytest
import redis
from allauth.account.models import EmailAddress
from django.conf import settings
from django.core.cache import cache
from django.test import override_settings
from django.urls import reverse

from practitioners.models import Clinic
from practitioners.services import owners, regional_price_medians
from practitioners.services.core import PRICE_MEDIANS_KEY

from .factories import ClinicFactory, UserFactory

REDIS_URL = "redis://127.0.0.1:6379/7"
PASSWORD = "correct horse battery staple"


@pytest.fixture(scope="module")
def redis_client():
    client = redis.Redis.from_url(REDIS_URL, socket_connect_timeout=2)
    try:
        client.ping()
    except redis.ConnectionError as error:
        pytest.fail(f"Redis is not reachable at {REDIS_URL}: {error}")
    return client


@pytest.fixture
def on_redis(redis_client):
    """CACHES and sessions as production sets them when REDIS_URL is set (see settings.py)."""
    prefix = f"smptest-{secrets.token_hex(6)}"
    caches = {
        "default": {
            "BACKEND": "django.core.cache.backends.redis.RedisCache",
            "LOCATION": REDIS_URL,
            "KEY_PREFIX": prefix,
            "TIMEOUT": 3600,
            "OPTIONS": {"socket_connect_timeout": 2, "socket_timeout": 2},
        }
    }
    with override_settings(CACHES=caches, SESSION_ENGINE="django.contrib.sessions.backends.cache"):
        yield prefix
    keys = list(redis_client.scan_iter(f"{prefix}:*"))
    if keys:
        redis_client.delete(*keys)


def redis_keys(client, prefix: str, pattern: str = "*") -> set[str]:
    return {key.decode() for key in client.scan_iter(f"{prefix}:1:{pattern}")}


def test_production_settings_use_redis_for_cache_and_sessions_when_redis_url_is_set():
    from .s3server import production_settings

    configured = production_settings({"REDIS_URL": REDIS_URL})
    assert configured["CACHES"]["default"]["BACKEND"] == "django.core.cache.backends.redis.RedisCache"
    assert configured["CACHES"]["default"]["LOCATION"] == REDIS_URL
    assert configured["SESSION_ENGINE"] == "django.contrib.sessions.backends.cache"

    local = production_settings({"REDIS_URL": ""})
    assert local["CACHES"]["default"]["BACKEND"] == "django.core.cache.backends.locmem.LocMemCache"
    assert local["SESSION_ENGINE"] == "django.contrib.sessions.backends.db"


def test_cache_values_are_stored_in_redis(on_redis, redis_client):
    cache.set("greeting", {"text": "hello"}, timeout=60)

    assert cache.get("greeting") == {"text": "hello"}
    assert f"{on_redis}:1:greeting" in redis_keys(redis_client, on_redis)
    assert 0 < redis_client.ttl(f"{on_redis}:1:greeting") <= 60

    cache.delete("greeting")
    assert not redis_keys(redis_client, on_redis, "greeting")


def test_login_session_lives_in_redis_and_logout_removes_it(on_redis, redis_client, client, owner, db):
    EmailAddress.objects.create(user=owner, email=owner.email, verified=True, primary=True)

    response = client.post(reverse("account_login"), {"login": owner.email, "password": PASSWORD})

    assert response.status_code == 302
    session_key = client.cookies[settings.SESSION_COOKIE_NAME].value
    session_keys = redis_keys(redis_client, on_redis, "django.contrib.sessions.cache*")
    assert f"{on_redis}:1:django.contrib.sessions.cache{session_key}" in session_keys
    assert client.get(reverse("dashboard:home")).status_code == 200

    client.post(reverse("account_logout"))
    assert not redis_keys(redis_client, on_redis, f"django.contrib.sessions.cache{session_key}")
    assert client.get(reverse("dashboard:home")).status_code == 302


def test_session_from_redis_is_the_only_proof_of_login(on_redis, redis_client, client, owner, db):
    """Removing the session from Redis logs the person out: nothing else holds it."""
    EmailAddress.objects.create(user=owner, email=owner.email, verified=True, primary=True)
    client.post(reverse("account_login"), {"login": owner.email, "password": PASSWORD})
    assert client.get(reverse("dashboard:home")).status_code == 200

    redis_client.delete(
        *[key.encode() for key in redis_keys(redis_client, on_redis, "django.contrib.sessions.*")]
    )

    assert client.get(reverse("dashboard:home")).status_code == 302


def test_wrong_password_does_not_create_a_logged_in_session(on_redis, client, db):
    user = UserFactory(username="someone")
    EmailAddress.objects.create(user=user, email=user.email, verified=True, primary=True)

    response = client.post(reverse("account_login"), {"login": user.email, "password": "not the password"})

    assert response.status_code == 200
    assert client.get(reverse("dashboard:home")).status_code == 302


def test_rate_limit_counter_lives_in_redis(on_redis, redis_client, client, practitioner):
    address = reverse("reviews:report", args=[practitioner.slug])
    statuses = [client.post(address, {}).status_code for _ in range(6)]

    assert statuses[:5] == [200] * 5
    assert statuses[5] == 429
    counters = redis_keys(redis_client, on_redis, "rl:*")
    assert counters
    assert any(int(redis_client.get(key)) >= 5 for key in counters)

    # The counter is the Redis key: remove it and the same visitor may send again.
    redis_client.delete(*counters)
    assert client.post(address, {}).status_code == 200


def test_price_medians_are_cached_in_redis_and_dropped_when_a_price_changes(
    on_redis, redis_client, owner, clinic, django_capture_on_commit_callbacks
):
    for price in (1000, 2000, 3000, 4000):
        ClinicFactory(price_min=price, price_max=price + 500, country=clinic.country, region=clinic.region)
    Clinic.objects.filter(pk=clinic.pk).update(price_min=5000, price_max=6000)
    region = (clinic.country, clinic.region, clinic.currency)
    raw_key = f"{on_redis}:1:{PRICE_MEDIANS_KEY}"

    assert regional_price_medians()[region] == 3000
    assert redis_client.exists(raw_key)
    assert redis_client.ttl(raw_key) == -1  # kept until a price changes, not for a set time

    with django_capture_on_commit_callbacks(execute=True):
        owners.clinic_update(clinic=clinic, user=owner, data={"price_min": 500, "price_max": 900})

    # Dropped at once by the service; the next read sees the new price.
    assert not redis_client.exists(raw_key)
    assert regional_price_medians()[region] == 2000


def test_a_change_that_is_not_a_price_keeps_the_cached_medians(
    on_redis, redis_client, owner, clinic, django_capture_on_commit_callbacks
):
    for price in (1000, 2000, 3000, 4000):
        ClinicFactory(price_min=price, price_max=price + 500, country=clinic.country, region=clinic.region)
    regional_price_medians()
    raw_key = f"{on_redis}:1:{PRICE_MEDIANS_KEY}"
    assert redis_client.exists(raw_key)

    with django_capture_on_commit_callbacks(execute=True):
        owners.clinic_update(clinic=clinic, user=owner, data={"phone": "+1 305 555 0100"})

    assert redis_client.exists(raw_key)
