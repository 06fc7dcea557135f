"""Real outages for in-process tests: a connection to a database that isn't there."""

from contextlib import contextmanager

from django.db import connection, connections

from .s3server import free_ports


@contextmanager
def database_unreachable():
    """Swap in a connection to a database that isn't there: a closed port on PostgreSQL, a
    file in a missing folder on SQLite. The test's own connection is put back afterwards.

    Yields the closed port, so a test can check it is not revealed."""
    (closed_port,) = free_ports(1)
    broken_settings = {**connection.settings_dict}
    if connection.vendor == "postgresql":
        broken_settings.update(HOST="127.0.0.1", PORT=str(closed_port))
    else:
        broken_settings["NAME"] = "/nonexistent-folder/smpfinder.sqlite3"
    original = connections["default"]
    broken = original.__class__(broken_settings, alias="default")
    connections["default"] = broken
    try:
        yield str(closed_port)
    finally:
        connections["default"] = original
        broken.close()
