"""Fault injection for the resilience suite (bench.settings turns it on with BENCH_FAULTS=1).

A request with the header `X-Bench-Fault: <kind>` arms one fault for that request:

- `after-storage-write`: the file is written, then the storage raises as if the write
  had failed half-way (disk full, S3 timing out on the response).
- `db-down-at-commit`: the file is written, then this worker's database connection is
  terminated from the server side, so the INSERT and the commit that follow fail.

Never used outside bench.settings.
"""

import threading

import psycopg2
from django.conf import settings
from django.core.files.storage import FileSystemStorage
from django.db import connection

_armed = threading.local()


class FaultMiddleware:
    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        _armed.kind = request.headers.get("X-Bench-Fault", "")
        try:
            return self.get_response(request)
        finally:
            _armed.kind = ""


def _terminate_own_backend():
    pid = connection.connection.info.backend_pid if connection.connection else None
    if pid is None:
        return
    db = settings.DATABASES["default"]
    other = psycopg2.connect(
        dbname=db["NAME"], user=db["USER"], password=db["PASSWORD"], host=db["HOST"], port=db["PORT"] or 5432
    )
    try:
        other.autocommit = True
        with other.cursor() as cursor:
            cursor.execute("SELECT pg_terminate_backend(%s)", [pid])
    finally:
        other.close()


class FaultyFileSystemStorage(FileSystemStorage):
    def _save(self, name, content):
        saved = super()._save(name, content)
        kind = getattr(_armed, "kind", "")
        if kind == "after-storage-write":
            raise OSError("bench fault: the storage failed after writing")
        if kind == "db-down-at-commit":
            _armed.kind = ""  # once per request: the 503 page must still render
            _terminate_own_backend()
        return saved
