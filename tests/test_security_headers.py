"""Every kind of response carries the security headers, and the deployment checks pass.

Requests are made as HTTPS (`secure=True`), as they arrive behind the load balancer, so
HSTS is sent; over plain HTTP it must not be.
"""

import os
import secrets
import subprocess
import sys
from pathlib import Path

import pytest
from django.conf import settings
from django.core.management import call_command
from django.templatetags.static import static
from django.test import Client, override_settings
from django.urls import reverse

from .factories import PractitionerFactory
from .outages import database_unreachable

pytestmark = pytest.mark.django_db

ROOT = Path(__file__).resolve().parent.parent


def assert_security_headers(response, *, frame_options="DENY"):
    headers = response.headers
    assert headers["Strict-Transport-Security"] == "max-age=31536000; includeSubDomains; preload"
    assert headers["X-Frame-Options"] == frame_options
    assert headers["X-Content-Type-Options"] == "nosniff"
    assert headers["Referrer-Policy"] == "strict-origin-when-cross-origin"
    policy = headers["Content-Security-Policy"]
    directives = {part.split()[0]: part.split()[1:] for part in policy.split(";") if part.strip()}
    assert "'unsafe-inline'" not in policy
    assert "'unsafe-eval'" not in policy
    assert "default-src" in directives
    script_src = directives.get("script-src", directives["default-src"])
    assert "*" not in script_src and "data:" not in script_src
    assert directives["frame-ancestors"] in (["'self'"], ["'none'"])
    assert directives["base-uri"] == ["'none'"]


def test_html_page(client):
    response = client.get(reverse("home"), secure=True)
    assert response.status_code == 200
    assert_security_headers(response)
    assert response.headers["Cross-Origin-Opener-Policy"] == "same-origin"


def test_public_profile(client, practitioner):
    response = client.get(practitioner.get_absolute_url(), secure=True)
    assert response.status_code == 200
    assert_security_headers(response)


def test_not_found_page(client):
    response = client.get("/no-such-page/", secure=True)
    assert response.status_code == 404
    assert_security_headers(response)


def test_healthz_json(client):
    response = client.get(reverse("healthz"), secure=True)
    assert response["Content-Type"] == "application/json"
    assert_security_headers(response)


def test_admin_login(client):
    response = client.get(reverse("admin:login"), secure=True)
    assert response.status_code == 200
    assert_security_headers(response)


def test_account_login_page_and_its_cookies(client):
    response = client.get(reverse("account_login"), secure=True)
    assert response.status_code == 200
    assert_security_headers(response)


def test_redirect_to_login(client):
    response = client.get(reverse("dashboard:home"), secure=True)
    assert response.status_code == 302
    assert_security_headers(response)


def test_rate_limited_page(client, practitioner):
    address = reverse("reviews:report", args=[practitioner.slug])
    for _ in range(5):
        client.post(address, {}, secure=True)
    response = client.post(address, {}, secure=True)
    assert response.status_code == 429
    assert_security_headers(response)


def test_database_outage_page(client):
    PractitionerFactory()
    with database_unreachable():
        response = client.get(reverse("practitioners:search"), secure=True)
    assert response.status_code == 503
    assert_security_headers(response)


def test_plain_http_gets_no_hsts(client):
    response = client.get(reverse("home"))
    assert "Strict-Transport-Security" not in response.headers
    assert response.headers["X-Frame-Options"] == "DENY"


@pytest.fixture
def collected_static(tmp_path):
    """Static files as production serves them: collected, hashed and compressed."""
    production = {"BACKEND": "whitenoise.storage.CompressedManifestStaticFilesStorage"}
    with override_settings(STATIC_ROOT=tmp_path, STORAGES={**settings.STORAGES, "staticfiles": production}):
        call_command("collectstatic", interactive=False, verbosity=0)
        yield tmp_path


def test_static_file_from_whitenoise(collected_static):
    url = static("css/site.css")
    assert url != "/static/css/site.css"  # a hashed name, so it can be cached for ever

    # A fresh client builds a fresh WhiteNoise, which reads the collected folder.
    response = Client().get(url, secure=True, headers={"Accept-Encoding": "gzip"})

    assert response.status_code == 200
    assert response["Content-Type"].startswith("text/css")
    assert response["Content-Encoding"] == "gzip"
    assert "immutable" in response["Cache-Control"]
    assert_security_headers(response)


def test_static_svg_cannot_run_script_when_opened_directly(collected_static):
    response = Client().get(static("img/favicon.svg"), secure=True)

    assert response.status_code == 200
    assert "default-src 'none'" in response["Content-Security-Policy"]
    assert_security_headers(response)


def test_session_and_csrf_cookies_are_secure_in_production():
    from .s3server import production_settings

    configured = production_settings({"DJANGO_DEBUG": ""})
    assert configured["SESSION_COOKIE_SECURE"] is True
    assert configured["CSRF_COOKIE_SECURE"] is True
    assert configured["SESSION_COOKIE_HTTPONLY"] is True
    assert configured["SECURE_SSL_REDIRECT"] is True
    assert configured["SECURE_HSTS_SECONDS"] >= 31_536_000
    assert configured["DATA_UPLOAD_MAX_MEMORY_SIZE"] <= 5 * 1024 * 1024
    assert len(configured["AUTH_PASSWORD_VALIDATORS"]) >= 4


# The deployment checks, in a fresh process with a production environment -------------------


def production_environment(**extra: str) -> dict[str, str]:
    keep = {"PATH", "HOME", "LANG", "LC_ALL", "TMPDIR", "SYSTEMROOT"}
    return {
        **{name: value for name, value in os.environ.items() if name in keep},
        "DJANGO_SETTINGS_MODULE": "smpfinder.settings",
        "DJANGO_SECRET_KEY": secrets.token_urlsafe(50),
        "DJANGO_ALLOWED_HOSTS": "smpfinder.example",
        "DJANGO_CSRF_TRUSTED_ORIGINS": "https://smpfinder.example",
        **extra,
    }


def run(*args: str, env: dict[str, str]) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, *args], cwd=ROOT, env=env, capture_output=True, text=True, timeout=120
    )


@pytest.mark.parametrize(
    "extra",
    [
        pytest.param({}, id="defaults"),
        pytest.param(
            {
                "DATABASE_URL": "postgres://smpfinder@db.internal:5432/smpfinder",
                "REDIS_URL": "redis://cache.internal:6379/0",
                "AWS_STORAGE_BUCKET_NAME": "smpfinder-media",
                "AWS_PRIVATE_BUCKET_NAME": "smpfinder-private",
                "AWS_ACCESS_KEY_ID": "AKIAEXAMPLE",
                "AWS_SECRET_ACCESS_KEY": "example-secret",
                "AWS_S3_ENDPOINT_URL": "https://s3.example.net",
                "DJANGO_ADMIN_PATH": "staff-admin-4f2a/",
            },
            id="postgres-redis-s3",
        ),
    ],
)
def test_check_deploy_passes_with_production_settings(extra):
    result = run(
        "manage.py", "check", "--deploy", "--fail-level", "WARNING", env=production_environment(**extra)
    )
    assert result.returncode == 0, result.stdout + result.stderr
    assert "no issues" in result.stdout


def test_check_deploy_fails_without_a_strong_secret_key():
    """The check is not a formality: a weak key makes it fail."""
    result = run(
        "manage.py",
        "check",
        "--deploy",
        "--fail-level",
        "WARNING",
        env=production_environment(DJANGO_SECRET_KEY="short"),
    )
    assert result.returncode != 0
    assert "security.W009" in result.stdout + result.stderr


def test_production_refuses_to_start_without_a_secret_key():
    env = production_environment()
    del env["DJANGO_SECRET_KEY"]
    result = run("manage.py", "check", env=env)
    assert result.returncode != 0
    assert "DJANGO_SECRET_KEY" in result.stderr


ADMIN_PROBE = """
import django
django.setup()
from django.urls import Resolver404, resolve, reverse
print(reverse("admin:index"))
print(resolve("/back-office-9c1e/login/").view_name)
try:
    resolve("/admin/")
    print("old-path-still-works")
except Resolver404:
    print("old-path-gone")
"""


def test_admin_moves_with_django_admin_path(tmp_path):
    env = production_environment(
        DJANGO_ADMIN_PATH="/back-office-9c1e/",
        DATABASE_URL=f"sqlite:///{tmp_path / 'probe.sqlite3'}",
        DJANGO_ALLOWED_HOSTS="testserver",
        # The test settings: production's, with static files served without collecting them.
        DJANGO_SETTINGS_MODULE="tests.settings",
    )
    result = run("-c", ADMIN_PROBE, env=env)
    assert result.returncode == 0, result.stderr
    assert result.stdout.split() == ["/back-office-9c1e/", "admin:login", "old-path-gone"]


def test_admin_path_defaults_to_admin():
    assert reverse("admin:index") == f"/{settings.ADMIN_PATH}"


def test_empty_variables_mean_the_defaults_as_env_example_promises():
    from .s3server import production_settings

    names = (
        "DJANGO_ADMIN_PATH",
        "MEDIA_ROOT",
        "PRIVATE_MEDIA_ROOT",
        "STATIC_ROOT",
        "SITE_URL",
        "DATABASE_URL",
    )
    configured = production_settings(dict.fromkeys(names, ""))
    assert configured["ADMIN_PATH"] == "admin/"
    assert configured["MEDIA_ROOT"] == ROOT / "media"
    assert configured["PRIVATE_MEDIA_ROOT"] == ROOT / "private-media"
    assert configured["STATIC_ROOT"] == ROOT / "staticfiles"
    assert configured["DATABASES"]["default"]["ENGINE"] == "django.db.backends.sqlite3"
