"""The search results page: every filter in the URL, so a search can be shared."""

from django.conf import settings
from django.core.cache import cache
from django.core.paginator import Paginator
from django.shortcuts import render
from django.template.loader import render_to_string
from django.utils.functional import cached_property
from django.views.decorators.http import require_GET

from .. import pagecache
from ..filters import DEFAULT_RADIUS, MAX_RADIUS, PractitionerFilter
from .cards import prepare_cards, with_card_data

MAX_PAGE = 500


def _page_number(raw: str | None, notices: list[str]) -> int:
    if raw is None or raw == "":
        return 1
    try:
        number = int(raw.strip()) if len(raw) <= 6 else None
    except ValueError:
        number = None
    if number is None or not 1 <= number <= MAX_PAGE:
        notices.append(f"We ignored “page”: it must be a whole number from 1 to {MAX_PAGE}.")
        return 1
    return number


def _form_values(search: PractitionerFilter) -> dict:
    """What the search form shows: only values that validated, never the raw input."""
    cleaned = getattr(search.form, "cleaned_data", {})
    centre = search.centre
    values = {
        "q": search.text,
        "near": cleaned.get("near") or "",
        "lat": "",
        "lng": "",
        "radius": cleaned.get("radius") or DEFAULT_RADIUS[search.chosen_unit],
        "unit": search.chosen_unit,
        "vetted": "1" if search.vetted_only else "0",
        "sort": search.chosen_sort,
        "specialty": cleaned["specialty"].slug if cleaned.get("specialty") else "",
        "language": cleaned["language"].code if cleaned.get("language") else "",
        "min_rating": cleaned.get("min_rating") or "",
        "min_years": cleaned.get("min_years") if cleaned.get("min_years") is not None else "",
        "max_price": cleaned.get("max_price") or "",
        "free_consultation": cleaned.get("free_consultation") == "1",
        "healed_portfolio": cleaned.get("healed_portfolio") == "1",
    }
    if centre is not None and not values["near"]:
        values["lat"], values["lng"] = f"{centre.latitude:.5f}", f"{centre.longitude:.5f}"
    values["radius"] = format(values["radius"].normalize(), "f")
    advanced = [
        "specialty",
        "language",
        "min_rating",
        "min_years",
        "max_price",
        "free_consultation",
        "healed_portfolio",
    ]
    values["active_filters"] = sum(1 for name in advanced if values[name] not in ("", False)) + (
        0 if search.vetted_only else 1
    )
    # Open on wide screens (site.js) and whenever a filter inside is in use.
    values["more_open"] = values["active_filters"] > 0 or values["sort"] != "relevance"
    return values


class CappedPaginator(Paginator):
    """Counts matches only as far as the last page anyone may open.

    Counting all 100,000 practitioners costs more than the page shown; past MAX_PAGE pages
    the heading says "more than" instead of an exact number.
    """

    @cached_property
    def count(self) -> int:
        return self.object_list.order_by()[: self.count_limit + 1].count()

    @cached_property
    def num_pages(self) -> int:
        return min(super().num_pages, MAX_PAGE)

    @property
    def count_limit(self) -> int:
        return MAX_PAGE * self.per_page

    @property
    def capped(self) -> bool:
        return self.count > self.count_limit


def _render_parts(request) -> dict:
    search = PractitionerFilter(request.GET)
    queryset = with_card_data(search.qs)
    notices = search.notices
    paginator = CappedPaginator(queryset, settings.SMP_SEARCH_PAGE_SIZE)
    wanted = _page_number(request.GET.get("page"), notices)
    if wanted > paginator.num_pages:
        if paginator.count:
            notices.append(f"There are only {paginator.num_pages} pages of results; this is the last.")
        wanted = paginator.num_pages
    page = paginator.page(wanted)
    cards = prepare_cards(page.object_list, centre=search.centre, unit=search.chosen_unit, shortlisted=set())
    form = search.form
    context = {
        "search": search,
        "page": page,
        "cards": cards,
        "notices": notices,
        "values": _form_values(search),
        "specialties": list(form.fields["specialty"].queryset),
        "languages": list(form.fields["language"].queryset),
        "sort_choices": form.fields["sort"].choices[1:],
        "max_radius": MAX_RADIUS,
        "shortlist_slots": True,
    }
    return {
        "title": render_to_string("practitioners/includes/_search_title.txt", context).strip(),
        "meta_description": render_to_string("practitioners/includes/_search_meta.txt", context).strip(),
        "noindex": page.number > 1 or bool(request.GET),
        "body": render_to_string("practitioners/includes/_search_body.html", context, request),
        "cards": [(p.pk, p.slug, p.name) for p in cards],
    }


@require_GET
def search(request):
    """Results are the same for everyone asking the same question, so the rendered page is
    cached until any practitioner or clinic changes (and at midnight); only the shortlist
    buttons are drawn per visitor."""
    key = pagecache.key("search", pagecache.directory_version(), request)
    parts = cache.get(key) if key else None
    if parts is None:
        parts = _render_parts(request)
        if key:
            cache.set(key, parts, pagecache.SECONDS)
    body = pagecache.fill_shortlist_slots(request, parts["body"], parts["cards"])
    return render(request, "practitioners/practitioner_search.html", {"parts": parts, "body": body})
