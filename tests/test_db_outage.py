"""The site while PostgreSQL is away: a calm 503 page, then back by itself.

In-process tests swap in a connection to a database that isn't there. The end-to-end test
runs bench/pg_restart.py, which restarts a PostgreSQL it started itself under a running
gunicorn (never the shared server on 5432).
"""

import json
import subprocess
import sys
from pathlib import Path

import pytest
from django.urls import reverse

from .factories import PractitionerFactory
from .outages import database_unreachable

ROOT = Path(__file__).resolve().parent.parent

pytestmark = pytest.mark.django_db


def assert_friendly_503(response, *hidden: str):
    assert response.status_code == 503
    assert response["Retry-After"] == "5"
    assert "no-store" in response["Cache-Control"]
    page = response.content.decode()
    assert "Back in a moment" in page
    assert "it may not have reached us" in page
    for text in ("Traceback", "OperationalError", "psycopg", "sqlite", *hidden):
        assert text not in page


def test_public_page_during_an_outage_gets_the_friendly_503(client):
    practitioner = PractitionerFactory()
    with database_unreachable() as port:
        assert_friendly_503(client.get(reverse("practitioners:search"), {"near": "Miami"}), port)
        assert_friendly_503(client.get(practitioner.get_absolute_url()), port)


def test_logged_in_owner_during_an_outage_gets_the_friendly_503(client, owner):
    client.force_login(owner)
    with database_unreachable() as port:
        assert_friendly_503(client.get(reverse("dashboard:home")), port)


def test_form_post_during_an_outage_gets_the_friendly_503(client, practitioner):
    with database_unreachable():
        response = client.post(reverse("reviews:report", args=[practitioner.slug]), {"reason": "x"})
    assert_friendly_503(response)


def test_site_answers_again_as_soon_as_the_database_is_back(client, practitioner):
    with database_unreachable():
        assert client.get(practitioner.get_absolute_url()).status_code == 503
    assert client.get(practitioner.get_absolute_url()).status_code == 200


def test_pages_that_need_no_database_still_work_during_an_outage(client):
    with database_unreachable():
        assert client.get(reverse("robots")).status_code == 200


def test_postgresql_restart_under_gunicorn(tmp_path):
    """bench/pg_restart.py: requests in a loop while its own PostgreSQL stops and starts."""
    summary_file = tmp_path / "summary.json"
    result = subprocess.run(
        [sys.executable, "bench/pg_restart.py", "--outage", "4", "--json", str(summary_file)],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert summary_file.exists(), result.stderr[-3000:]
    summary = json.loads(summary_file.read_text())

    assert summary["checks"] == {
        "served before the outage": True,
        "friendly 503 during the outage": True,
        "recovered within the limit": True,
        "all good after recovery": True,
        "gunicorn never restarted": True,
        "no refused connections": True,
    }, result.stderr[-3000:]
    assert summary["during_outage"]["count"] >= 10
    assert summary["during_outage"]["statuses"] == [503]
    assert summary["first_success_after_ready_s"] < 5
    assert result.returncode == 0


def test_signing_in_while_redis_holds_the_sessions_and_is_down_gets_the_friendly_503(client, owner):
    from allauth.account.models import EmailAddress
    from django.test import override_settings

    from .s3server import free_ports

    EmailAddress.objects.create(user=owner, email=owner.email, verified=True, primary=True)
    (closed_port,) = free_ports(1)
    caches = {
        "default": {
            "BACKEND": "django.core.cache.backends.redis.RedisCache",
            "LOCATION": f"redis://127.0.0.1:{closed_port}/0",
            "OPTIONS": {"socket_connect_timeout": 1, "socket_timeout": 1},
        }
    }
    with override_settings(CACHES=caches, SESSION_ENGINE="django.contrib.sessions.backends.cache"):
        # Django reads an unreachable session store as "no session": signed out, not an error.
        assert client.get(reverse("dashboard:home")).status_code == 302
        response = client.post(
            reverse("account_login"), {"login": owner.email, "password": "correct horse battery staple"}
        )
    assert_friendly_503(response, str(closed_port), "redis")
