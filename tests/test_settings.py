"""Settings come from the environment, are safe by default, and refuse malformed values."""

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest
from django.conf import settings
from django.core.exceptions import ImproperlyConfigured

from smpfinder.settings import env_bool, env_int, env_list

BASE_DIR = Path(__file__).resolve().parent.parent
SHOW = (
    "import json, smpfinder.settings as s; db = s.DATABASES['default']; print(json.dumps({"
    "'DEBUG': s.DEBUG, 'SECRET_KEY': s.SECRET_KEY, 'ALLOWED_HOSTS': s.ALLOWED_HOSTS,"
    "'ENGINE': db['ENGINE'], 'NAME': str(db['NAME']), 'HOST': db.get('HOST'), 'PORT': db.get('PORT'),"
    "'USER': db.get('USER'), 'OPTIONS': db.get('OPTIONS', {}), 'CONN_MAX_AGE': db.get('CONN_MAX_AGE'),"
    "'SECURE_SSL_REDIRECT': s.SECURE_SSL_REDIRECT, 'SESSION_COOKIE_SECURE': s.SESSION_COOKIE_SECURE,"
    "'CSRF_COOKIE_SECURE': s.CSRF_COOKIE_SECURE, 'SECURE_HSTS_SECONDS': s.SECURE_HSTS_SECONDS,"
    "'CACHE': s.CACHES['default']['BACKEND'], 'STORAGE': s.STORAGES['default']['BACKEND']}))"
)
SECRET = "a-test-secret-key-that-is-long-enough-0123456789-abcdefghijklmnop"


def run_settings(**environ) -> subprocess.CompletedProcess:
    """Import the settings in a fresh interpreter that sees only the given variables."""
    clean = {"PATH": os.environ.get("PATH", "/usr/bin:/bin"), "LANG": "C.UTF-8", **environ}
    return subprocess.run(
        [sys.executable, "-c", SHOW],
        cwd=BASE_DIR,
        env=clean,
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )


def loaded(**environ) -> dict:
    result = run_settings(**environ)
    assert result.returncode == 0, result.stderr
    return json.loads(result.stdout)


# In a clean environment


@pytest.mark.parametrize("environ", [{}, {"DJANGO_SECRET_KEY": ""}, {"DJANGO_DEBUG": "0"}])
def test_missing_secret_key_outside_debug_is_an_error(environ):
    result = run_settings(**environ)
    assert result.returncode != 0
    assert "ImproperlyConfigured: Set DJANGO_SECRET_KEY (or DJANGO_DEBUG=1 for local work)." in result.stderr


def test_debug_without_a_secret_key_uses_a_local_key_and_plain_http():
    values = loaded(DJANGO_DEBUG="1")
    assert values["DEBUG"] is True
    assert "insecure" in values["SECRET_KEY"]
    assert values["ALLOWED_HOSTS"] == ["127.0.0.1", "localhost"]
    assert values["SECURE_SSL_REDIRECT"] is False
    assert values["SESSION_COOKIE_SECURE"] is False
    assert values["SECURE_HSTS_SECONDS"] == 0


def test_debug_is_off_and_everything_is_secure_by_default():
    values = loaded(DJANGO_SECRET_KEY=SECRET)
    assert values["DEBUG"] is False
    assert values["SECRET_KEY"] == SECRET
    assert values["ALLOWED_HOSTS"] == []
    assert values["SECURE_SSL_REDIRECT"] is True
    assert values["SESSION_COOKIE_SECURE"] is True
    assert values["CSRF_COOKIE_SECURE"] is True
    assert values["SECURE_HSTS_SECONDS"] == 31_536_000


def test_sqlite_local_memory_cache_and_local_files_when_nothing_is_set():
    values = loaded(DJANGO_SECRET_KEY=SECRET)
    assert values["ENGINE"] == "django.db.backends.sqlite3"
    assert values["NAME"] == str(BASE_DIR / "db.sqlite3")
    assert values["CACHE"] == "django.core.cache.backends.locmem.LocMemCache"
    assert values["STORAGE"] == "django.core.files.storage.FileSystemStorage"


def test_postgresql_when_database_url_is_set():
    values = loaded(
        DJANGO_SECRET_KEY=SECRET,
        DATABASE_URL="postgres://smp:pw@db.internal:6543/smpfinder",
        DATABASE_CONN_MAX_AGE="120",
    )
    assert values["ENGINE"] == "django.db.backends.postgresql"
    assert (values["NAME"], values["USER"], values["HOST"], values["PORT"]) == (
        "smpfinder",
        "smp",
        "db.internal",
        6543,
    )
    assert values["CONN_MAX_AGE"] == 120
    assert values["OPTIONS"]["connect_timeout"] == 3  # an unreachable database fails fast


def test_redis_cache_when_redis_url_is_set():
    values = loaded(DJANGO_SECRET_KEY=SECRET, REDIS_URL="redis://127.0.0.1:6379/9")
    assert values["CACHE"] == "django.core.cache.backends.redis.RedisCache"


@pytest.mark.parametrize(
    ("variable", "value", "message"),
    [
        ("DJANGO_DEBUG", "maybe", "DJANGO_DEBUG must be a boolean (1/0, true/false), not 'maybe'"),
        ("DJANGO_SECURE_SSL_REDIRECT", "yes please", "DJANGO_SECURE_SSL_REDIRECT must be a boolean"),
        ("DATABASE_CONN_MAX_AGE", "ten", "DATABASE_CONN_MAX_AGE must be an integer, not 'ten'"),
        ("DJANGO_HSTS_SECONDS", "1.5", "DJANGO_HSTS_SECONDS must be an integer"),
    ],
)
def test_malformed_values_stop_the_site_from_starting(variable, value, message):
    result = run_settings(DJANGO_SECRET_KEY=SECRET, **{variable: value})
    assert result.returncode != 0
    assert "ImproperlyConfigured" in result.stderr
    assert message in result.stderr


# The helpers themselves


@pytest.mark.parametrize("value", ["1", "true", "TRUE", "yes", "on", "On"])
def test_env_bool_reads_true(monkeypatch, value):
    monkeypatch.setenv("X", value)
    assert env_bool("X") is True


@pytest.mark.parametrize("value", ["0", "false", "False", "no", "off"])
def test_env_bool_reads_false(monkeypatch, value):
    monkeypatch.setenv("X", value)
    assert env_bool("X", default=True) is False


@pytest.mark.parametrize("value", ["maybe", "2", "y", "truthy", " "])
def test_env_bool_rejects_anything_else(monkeypatch, value):
    monkeypatch.setenv("X", value)
    with pytest.raises(ImproperlyConfigured, match="X must be a boolean"):
        env_bool("X")


def test_env_bool_unset_or_empty_is_the_default(monkeypatch):
    monkeypatch.delenv("X", raising=False)
    assert env_bool("X") is False
    assert env_bool("X", default=True) is True
    monkeypatch.setenv("X", "")
    assert env_bool("X", default=True) is True


@pytest.mark.parametrize(("value", "expected"), [("10", 10), ("0", 0), ("-3", -3)])
def test_env_int_reads_integers(monkeypatch, value, expected):
    monkeypatch.setenv("X", value)
    assert env_int("X", 5) == expected


@pytest.mark.parametrize("value", ["ten", "1.5", "1e3", "0x10"])
def test_env_int_rejects_anything_else(monkeypatch, value):
    monkeypatch.setenv("X", value)
    with pytest.raises(ImproperlyConfigured, match=f"X must be an integer, not '{value}'"):
        env_int("X", 5)


def test_env_int_unset_or_empty_is_the_default(monkeypatch):
    monkeypatch.delenv("X", raising=False)
    assert env_int("X", 5) == 5
    monkeypatch.setenv("X", "")
    assert env_int("X", 5) == 5


def test_env_list_splits_on_commas_and_drops_blanks(monkeypatch):
    monkeypatch.setenv("X", " a.example , ,b.example,")
    assert env_list("X") == ["a.example", "b.example"]
    monkeypatch.delenv("X")
    assert env_list("X", "c.example") == ["c.example"]


def test_the_suite_runs_with_debug_off():
    # tests/settings.py starts from the production settings; debug-only paths are not tested.
    assert settings.DEBUG is False
