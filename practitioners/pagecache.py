"""Rendered public pages, cached and shared between visitors.

A profile or a page of search results is the same for everyone except each practitioner's
shortlist button (its state and its CSRF token belong to the visitor). The cached HTML holds
a slot for each button; `fill_shortlist_slots` renders them for the visitor at hand.
Keys carry a version that moves whenever the data shown changes, plus today's date, because
documents expire at midnight without any write.
"""

import hashlib

from django.conf import settings
from django.db.models import Max
from django.template.loader import render_to_string
from django.utils import timezone
from django.utils.safestring import SafeString, mark_safe

from .models import Clinic, Practitioner
from .shortlist import shortlist_ids

SECONDS = 24 * 3600
MAX_QUERY_LENGTH = 300  # longer query strings are rendered but not cached
BUTTON_END = "<!-- button end -->"


def shortlist_slot(pk: int) -> SafeString:
    return mark_safe(f"<!-- shortlist:{int(pk)} -->")  # noqa: S308 (an integer in a fixed comment)


def key(kind: str, version: str, request) -> str | None:
    """The cache key for this page as asked, or None when it should not be cached."""
    query = request.GET.urlencode()
    if not settings.SMP_PAGE_CACHE or len(query) > MAX_QUERY_LENGTH:
        return None
    digest = hashlib.sha256(query.encode()).hexdigest()[:20]
    return f"page:{kind}:v1:{version}:{timezone.localdate().isoformat()}:{digest}"


def directory_version() -> str:
    """Changes whenever any practitioner or clinic changes: search results depend on both.

    Two index-only lookups (see the updated_at indexes)."""
    return version(
        Practitioner.objects.aggregate(at=Max("updated_at"))["at"],
        Clinic.objects.aggregate(at=Max("updated_at"))["at"],
    )


def version(*moments) -> str:
    """A cache-key version from the last-change times a page depends on."""
    return "-".join(f"{at.timestamp():.6f}" if at else "0" for at in moments)


def fill_shortlist_slots(request, html: str, practitioners: list[tuple[int, str, str]]) -> SafeString:
    """Put each listed practitioner's shortlist button, as this visitor sees it, in its slot.

    All buttons come from one template render: a render per card would cost more than the
    rest of a cached page."""
    chosen = shortlist_ids(request)
    people = []
    for pk, slug, name in practitioners:
        p = Practitioner(pk=pk, slug=slug, name=name)
        p.in_shortlist = pk in chosen
        people.append(p)
    rendered = render_to_string(
        "practitioners/includes/_shortlist_buttons.html", {"practitioners": people}, request
    ).split(BUTTON_END)
    for p, button in zip(people, rendered, strict=False):
        html = html.replace(shortlist_slot(p.pk), button)
    return mark_safe(html)  # noqa: S308 (our own rendered templates)
