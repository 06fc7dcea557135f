"""The parts of the benchmark that run inside Django, against a benchmark database.

`python bench/django_side.py <command> [args]` with the environment from bench.server.django_env;
each command prints one JSON document.

- targets: the URLs the benchmarks request (a busy profile, three to compare, a deep page).
- plans URL...: every query those pages make, each run under EXPLAIN ANALYZE.
- session EMAIL: a logged-in owner's cookies (the owner is created if needed).
"""

import json
import os
import statistics
import sys
from pathlib import Path
from urllib.parse import urlencode

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "bench.settings")

import django  # noqa: E402

django.setup()

from django.conf import settings  # noqa: E402
from django.db import connection  # noqa: E402
from django.test import Client  # noqa: E402
from django.test.utils import CaptureQueriesContext, override_settings  # noqa: E402

from practitioners.models import Practitioner  # noqa: E402

CITY = "Houston, Texas"
EXPLAIN_RUNS = 3


def _url(path: str, **params) -> str:
    return f"{path}?{urlencode(params)}" if params else path


def targets() -> dict:
    published = Practitioner.objects.published()
    busy = published.order_by("-review_count", "pk").first()
    # The query count must not depend on how much there is: compare the busiest profile with
    # one that has a single review and a little of everything else.
    quiet = published.filter(review_count=1, healed_count__gte=1).order_by("pk").first()
    compared = list(published.vetted().order_by("-review_count", "pk").values_list("slug", flat=True)[:3])
    listing = {"vetted": "0", "sort": "rating"}
    pages = -(-published.count() // settings.SMP_SEARCH_PAGE_SIZE)
    deep = min(pages, 500)  # the search page refuses page numbers past 500
    from django.http import QueryDict

    from practitioners.filters import PractitionerFilter

    paths = {
        "search": _url("/practitioners/", q="scar", near=CITY, specialty="scar-camouflage", min_rating="4"),
        "search_distance": _url("/practitioners/", near=CITY, sort="distance"),
        # Text and place with a page full of results at 10k too, for growth at equal page size.
        "search_text": _url("/practitioners/", q="hairline", near=CITY, vetted="0"),
    }
    results = {
        name: PractitionerFilter(QueryDict(path.split("?", 1)[1])).qs.count() for name, path in paths.items()
    }
    return {
        "counts": {"practitioners": Practitioner.objects.count(), "published": published.count()},
        "results": results,
        "paths": {
            "bare": "/bench/bare/",
            "home": "/",
            **paths,
            "search_page1": _url("/practitioners/", **listing),
            "search_deep": _url("/practitioners/", **listing, page=str(deep)),
            "profile": busy.get_absolute_url(),
            "profile_quiet": quiet.get_absolute_url() if quiet else busy.get_absolute_url(),
            "compare": "/compare/?" + "&".join(f"p={slug}" for slug in compared),
        },
        "profile_reviews": busy.review_count,
        "profile_portfolio": busy.portfolio_items.count(),
        "deep_page": deep,
    }


def _walk(node):
    yield node
    for child in node.get("Plans", []):
        yield from _walk(child)


def explain(sql: str) -> dict:
    times, plan = [], None
    with connection.cursor() as cursor:
        for _ in range(EXPLAIN_RUNS):
            cursor.execute("EXPLAIN (ANALYZE, BUFFERS, FORMAT JSON) " + sql)
            result = cursor.fetchone()[0]
            result = json.loads(result) if isinstance(result, str) else result
            plan = result[0]
            times.append(plan["Execution Time"])
    nodes = list(_walk(plan["Plan"]))
    return {
        "execution_ms": round(statistics.median(times), 3),
        "planning_ms": round(plan["Planning Time"], 3),
        "seq_scans": sorted({n["Relation Name"] for n in nodes if n["Node Type"] == "Seq Scan"}),
        "rows": plan["Plan"].get("Actual Rows"),
        "plan": plan["Plan"],
    }


def plans(paths: dict[str, str]) -> dict:
    client = Client(HTTP_HOST="127.0.0.1")
    out = {}
    for name, path in paths.items():
        client.get(path)  # warm caches (price medians, places) as a running site has them
        # Measure the queries that build the page: a cached page would make only the
        # version look-ups.
        with override_settings(SMP_PAGE_CACHE=False), CaptureQueriesContext(connection) as captured:
            response = client.get(path)
        queries = []
        for query in captured.captured_queries:
            sql = query["sql"]
            entry = {"sql": sql}
            if sql.lstrip().upper().startswith("SELECT"):
                entry.update(explain(sql))
            queries.append(entry)
        out[name] = {"path": path, "status": response.status_code, "queries": queries}
    return out


def session(email: str) -> dict:
    from allauth.account.models import EmailAddress
    from django.contrib.auth import get_user_model

    from practitioners.models import ClinicMembership, PractitionerStatus

    user, _ = get_user_model().objects.get_or_create(username=email, defaults={"email": email})
    EmailAddress.objects.get_or_create(user=user, email=email, defaults={"verified": True, "primary": True})
    practitioner = Practitioner.objects.filter(status=PractitionerStatus.PUBLISHED).order_by("pk").first()
    clinic = practitioner.clinics.order_by("pk").first()
    ClinicMembership.objects.get_or_create(clinic=clinic, user=user, defaults={"role": "owner"})
    client = Client(HTTP_HOST="127.0.0.1")
    client.force_login(user)
    return {
        "cookies": {name: morsel.value for name, morsel in client.cookies.items()},
        "practitioner": practitioner.slug,
        "practitioner_id": practitioner.pk,
        "clinic": clinic.slug,
    }


if __name__ == "__main__":
    command, *args = sys.argv[1:]
    if command == "targets":
        print(json.dumps(targets()))
    elif command == "plans":
        print(json.dumps(plans(json.loads(args[0]))))
    elif command == "session":
        print(json.dumps(session(args[0])))
    else:
        sys.exit(f"unknown command {command}")
