# ruff: noqa: F811
"""/healthz: what a load balancer asks every few seconds. Each failure here is real: a
closed port, a database file that cannot be opened, a wrong key."""

import json

import pytest
from django.conf import settings
from django.test import override_settings
from django.urls import reverse

from .outages import database_unreachable

# Imported so pytest finds the fixtures; using them as arguments is not a redefinition.
from .s3server import free_ports, s3_server, s3_storages  # noqa: F401

pytestmark = pytest.mark.django_db


def health(client, **extra):
    response = client.get(reverse("healthz"), **extra)
    return response, json.loads(response.content)


def assert_reveals_nothing(response, *secrets: str):
    body = response.content.decode()
    for secret in (settings.SECRET_KEY, *secrets):
        assert secret not in body
    assert "Traceback" not in body


def test_healthy_site_answers_200_with_each_part_ok(client):
    response, body = health(client)

    assert response.status_code == 200
    assert response["Content-Type"] == "application/json"
    assert body["status"] == "ok"
    assert set(body["checks"]) == {"database", "cache", "storage"}
    assert all(check["status"] == "ok" for check in body["checks"].values())
    assert all(check["ms"] >= 0 for check in body["checks"].values())


def test_health_is_never_cached(client):
    response, _ = health(client)

    assert "no-store" in response["Cache-Control"]
    assert "max-age=0" in response["Cache-Control"]


def test_head_works_and_other_methods_are_refused(client):
    assert client.head(reverse("healthz")).status_code == 200
    assert client.post(reverse("healthz")).status_code == 405


def test_probe_key_does_not_stay_in_the_cache(client):
    from django.core.cache import cache

    health(client)
    # Local memory or Redis: either way nothing named healthz is left behind.
    if hasattr(cache, "_cache") and isinstance(cache._cache, dict):
        assert not [key for key in cache._cache if "healthz" in key]
    else:
        client_redis = cache._cache.get_client(None)
        assert not list(client_redis.scan_iter("*healthz*"))


def test_plain_http_probe_is_answered_even_when_https_is_enforced(client):
    with override_settings(SECURE_SSL_REDIRECT=True):
        assert client.get(reverse("healthz")).status_code == 200
        assert client.get(reverse("home")).status_code == 301


def test_database_down_gives_503_naming_the_database_only(client):
    with database_unreachable() as closed_port:
        response, body = health(client)

    assert response.status_code == 503
    assert body["status"] == "error"
    assert body["checks"]["database"]["status"].startswith("error: ")
    assert body["checks"]["cache"]["status"] == "ok"
    assert body["checks"]["storage"]["status"] == "ok"
    assert_reveals_nothing(response, closed_port, "nonexistent-folder")
    # And the site comes back by itself once the database does.
    assert health(client)[0].status_code == 200


def test_cache_down_gives_503_naming_the_cache(client):
    (closed_port,) = free_ports(1)
    caches = {
        "default": {
            "BACKEND": "django.core.cache.backends.redis.RedisCache",
            "LOCATION": f"redis://:hunter2-password@127.0.0.1:{closed_port}/0",
            "OPTIONS": {"socket_connect_timeout": 1, "socket_timeout": 1},
        }
    }
    with override_settings(CACHES=caches):
        response, body = health(client)

    assert response.status_code == 503
    assert body["checks"]["cache"]["status"] == "error: ConnectionError"
    assert body["checks"]["database"]["status"] == "ok"
    assert_reveals_nothing(response, "hunter2", str(closed_port))


def test_local_storage_that_cannot_be_created_gives_503(client, tmp_path):
    # A file where the folder should be: not even root can create the folder there.
    (tmp_path / "media").write_text("not a folder")
    storages = {
        **settings.STORAGES,
        "private": {
            "BACKEND": "django.core.files.storage.FileSystemStorage",
            "OPTIONS": {"location": tmp_path / "media" / "private"},
        },
    }
    with override_settings(STORAGES=storages):
        response, body = health(client)

    assert response.status_code == 503
    assert body["checks"]["storage"]["status"] == "error: not writable"
    assert_reveals_nothing(response, str(tmp_path))


def test_local_storage_folder_not_created_yet_is_healthy(client, tmp_path):
    storages = {
        **settings.STORAGES,
        "private": {
            "BACKEND": "django.core.files.storage.FileSystemStorage",
            "OPTIONS": {"location": tmp_path / "not-yet" / "private"},
        },
    }
    with override_settings(STORAGES=storages):
        assert health(client)[0].status_code == 200


@pytest.mark.s3
def test_s3_storage_is_checked_against_the_private_bucket(client, s3_storages):
    response, body = health(client)

    assert response.status_code == 200
    assert body["checks"]["storage"]["status"] == "ok"
    assert_reveals_nothing(
        response, s3_storages.endpoint_url, s3_storages.app.secret_key, s3_storages.app.access_key
    )


@pytest.mark.s3
@pytest.mark.parametrize(
    "environment",
    [
        pytest.param({"AWS_SECRET_ACCESS_KEY": "wrong-secret"}, id="wrong-secret"),
        pytest.param({"AWS_PRIVATE_BUCKET_NAME": "smp-missing"}, id="missing-bucket"),
        pytest.param({"AWS_S3_ENDPOINT_URL": "http://127.0.0.1:{closed}"}, id="server-down"),
    ],
)
def test_s3_problems_give_503_naming_the_storage(client, s3_server, environment):
    (closed_port,) = free_ports(1)
    environment = {name: value.format(closed=closed_port) for name, value in environment.items()}
    with override_settings(STORAGES=s3_server.storages_setting(**environment)):
        response, body = health(client)

    assert response.status_code == 503
    assert body["checks"]["storage"]["status"].startswith("error: ")
    assert body["checks"]["database"]["status"] == "ok"
    assert body["checks"]["storage"]["ms"] < 10_000
    assert_reveals_nothing(
        response, s3_server.endpoint_url, str(closed_port), "wrong-secret", s3_server.app.access_key
    )
