"""Production settings plus the benchmark's reference view (and, when asked, fault injection).

gunicorn serves the project with DJANGO_SETTINGS_MODULE=bench.settings: everything the
production settings say (DEBUG off, the full middleware, persistent database connections),
with ROOT_URLCONF adding `/bench/bare/` so the reference is served by the same workers.
"""

import os

from smpfinder.settings import *  # noqa: F403
from smpfinder.settings import BASE_DIR, MIDDLEWARE, STORAGES

ROOT_URLCONF = "bench.urls"
# The benchmark's own collected static files, apart from `make serve`'s.
STATIC_ROOT = BASE_DIR / "bench" / "data" / "static"

if os.environ.get("BENCH_FAULTS") == "1":
    # The resilience suite's fault injection: a request carrying X-Bench-Fault makes the
    # storage fail, or the database connection drop, right after a file is written.
    MIDDLEWARE = ["bench.faults.FaultMiddleware", *MIDDLEWARE]
    for alias in ("default", "private"):
        STORAGES[alias] = {**STORAGES[alias], "BACKEND": "bench.faults.FaultyFileSystemStorage"}
