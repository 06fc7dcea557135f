"""The checks behind /healthz: can this app server reach what it needs right now?

Each check is cheap (one round trip or two), bounded by the client timeouts set in
settings, and reports only "ok" or the kind of error: never an address, a key or a
message that could carry either.
"""

import os
import secrets
import time
from collections.abc import Callable
from pathlib import Path

from django.core.cache import cache
from django.core.files.storage import FileSystemStorage, storages
from django.db import connection

OK = "ok"


def _error(exc: Exception) -> str:
    return f"error: {exc.__class__.__name__}"


def check_database() -> str:
    try:
        with connection.cursor() as cursor:
            cursor.execute("SELECT 1")
            cursor.fetchone()
    except Exception:
        # Drop a broken connection now, so the next request opens a fresh one.
        connection.close_if_unusable_or_obsolete()
        raise
    return OK


def check_cache() -> str:
    # A fresh key and value each time, so a stale value or a shared key can't pass for a
    # working cache.
    key = f"healthz:{secrets.token_hex(8)}"
    value = secrets.token_hex(8)
    cache.set(key, value, timeout=30)
    try:
        if cache.get(key) != value:
            return "error: value not returned"
    finally:
        cache.delete(key)
    return OK


def check_storage(alias: str = "private") -> str:
    """The private storage, where credential documents go: the one a failure would hurt most.

    On S3 this is one HEAD request on the bucket, which fails for a wrong endpoint, wrong
    keys or a missing bucket (a HEAD on a missing object would not notice the last).
    """
    storage = storages[alias]
    client = getattr(getattr(storage, "connection", None), "meta", None)
    if client is not None and getattr(storage, "bucket_name", None):
        client.client.head_bucket(Bucket=storage.bucket_name)
        return OK
    if isinstance(storage, FileSystemStorage):
        # The folder is created on first upload: it, or the folder it will be made in,
        # must be writable.
        folder = Path(storage.location)
        while not folder.exists() and folder.parent != folder:
            folder = folder.parent
        if not folder.is_dir() or not os.access(folder, os.W_OK):
            return "error: not writable"
        return OK
    storage.exists("healthz-probe")
    return OK


CHECKS: dict[str, Callable[[], str]] = {
    "database": check_database,
    "cache": check_cache,
    "storage": check_storage,
}


def run_checks() -> tuple[bool, dict[str, dict]]:
    """Every check, each timed; healthy only when all of them pass."""
    results = {}
    for name, check in CHECKS.items():
        started = time.monotonic()
        try:
            status = check()
        except Exception as exc:  # any failure means unhealthy; only its kind is reported
            status = _error(exc)
        results[name] = {"status": status, "ms": round((time.monotonic() - started) * 1000, 1)}
    return all(result["status"] == OK for result in results.values()), results
