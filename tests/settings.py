"""Settings for the test suite: production settings with test-only speed-ups.

DATABASE_URL, REDIS_URL and the S3 variables work as in production, so the same suite runs
on SQLite or PostgreSQL. Files go to a temporary folder the session fixture creates.
"""

import os
import tempfile

os.environ.setdefault("DJANGO_SECRET_KEY", "tests-only-secret-key-0123456789-abcdefghijklmnopqrstuvwxyz")
os.environ.setdefault("DJANGO_ALLOWED_HOSTS", "testserver,localhost,127.0.0.1")
os.environ.setdefault("DJANGO_SECURE_SSL_REDIRECT", "0")

_media = tempfile.mkdtemp(prefix="smpfinder-tests-")
os.environ.setdefault("MEDIA_ROOT", os.path.join(_media, "public"))
os.environ.setdefault("PRIVATE_MEDIA_ROOT", os.path.join(_media, "private"))

from smpfinder.settings import *  # noqa: E402,F403

PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
STORAGES["staticfiles"] = {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"}  # noqa: F405
SESSION_COOKIE_SECURE = False
CSRF_COOKIE_SECURE = False
LOGGING = {"version": 1, "disable_existing_loggers": False}
WHITENOISE_AUTOREFRESH = True
WHITENOISE_USE_FINDERS = True
# Query-count tests pin numbers that include the session read; keep that one backend whether
# or not REDIS_URL is set. tests/test_redis.py switches to cache sessions where it tests them.
SESSION_ENGINE = "django.contrib.sessions.backends.db"
