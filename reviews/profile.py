"""What a practitioner's profile shows of reviews and testimonials.

A fixed number of queries however many reviews there are: one aggregate for the whole
summary, one for the page of reviews, one for the testimonials.
"""

from django.core.paginator import Paginator
from django.db.models import Avg, Count, Q

from practitioners.models import ModerationStatus

from .models import SUB_RATINGS

REVIEWS_PER_PAGE = 10
SORTS = {
    "newest": ("Newest", ["-created_at", "-pk"]),
    "highest": ("Highest rated", ["-rating", "-created_at", "-pk"]),
    "lowest": ("Lowest rated", ["rating", "-created_at", "-pk"]),
}
DEFAULT_SORT = "newest"


def rating_summary(practitioner) -> dict:
    """Average, count, verified-client share, star distribution and sub-rating averages of
    the published reviews, in one query."""
    aggregates = {
        "count": Count("pk"),
        "verified": Count("pk", filter=Q(verified_client=True)),
        "healed": Count("pk", filter=Q(result_healed=True)),
        "average": Avg("rating"),
        **{f"stars_{n}": Count("pk", filter=Q(rating=n)) for n in range(1, 6)},
        **{field: Avg(field) for field in SUB_RATINGS},
    }
    row = practitioner.reviews.published().aggregate(**aggregates)
    count = row["count"]
    distribution = [
        {
            "stars": n,
            "count": row[f"stars_{n}"],
            "percent": round(100 * row[f"stars_{n}"] / count) if count else 0,
        }
        for n in range(5, 0, -1)
    ]
    sub_ratings = [
        {"field": field, "label": label, "average": round(row[field], 1)}
        for field, label in SUB_RATINGS.items()
        if row[field] is not None
    ]
    return {
        "count": count,
        "average": round(row["average"], 1) if row["average"] is not None else None,
        "stars": round(row["average"]) if row["average"] is not None else 0,
        "verified": row["verified"],
        "verified_percent": round(100 * row["verified"] / count) if count else 0,
        "healed": row["healed"],
        "distribution": distribution,
        "sub_ratings": sub_ratings,
    }


def _query_string(request, **changes) -> str:
    params = request.GET.copy()
    for key, value in changes.items():
        if value is None:
            params.pop(key, None)
        else:
            params[key] = value
    encoded = params.urlencode()
    return f"?{encoded}#reviews" if encoded else "?#reviews"


def reviews_context(request, practitioner) -> dict:
    summary = rating_summary(practitioner)
    sort = request.GET.get("reviews_sort", DEFAULT_SORT)
    if sort not in SORTS:
        sort = DEFAULT_SORT
    reviews = practitioner.reviews.published().order_by(*SORTS[sort][1])
    paginator = Paginator(reviews, REVIEWS_PER_PAGE)
    # The summary already counted them; this saves the paginator asking again.
    paginator.count = summary["count"]
    page = paginator.get_page(request.GET.get("reviews_page"))
    if summary["count"]:
        page.object_list = list(page.object_list)
    else:
        page.object_list = []
    testimonials = list(
        practitioner.testimonials.filter(status=ModerationStatus.APPROVED).order_by("-created_at")
    )
    return {
        "practitioner": practitioner,
        "rating_summary": summary,
        "reviews_page": page,
        "reviews_sort": sort,
        "reviews_sorts": [
            {"key": key, "label": label, "url": _query_string(request, reviews_sort=key, reviews_page=None)}
            for key, (label, _) in SORTS.items()
        ],
        "reviews_previous_url": _query_string(request, reviews_page=page.previous_page_number())
        if page.has_previous()
        else None,
        "reviews_next_url": _query_string(request, reviews_page=page.next_page_number())
        if page.has_next()
        else None,
        "testimonials": testimonials,
    }
