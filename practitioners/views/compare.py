"""Compare up to three practitioners side by side, and the session shortlist they come from."""

import re

from django.contrib import messages
from django.http import JsonResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils.http import url_has_allowed_host_and_scheme
from django.views.decorators.http import require_GET, require_POST

from ..checklist import build_checklist
from ..models import Practitioner
from ..services import regional_price_medians
from ..shortlist import MAX_ITEMS, shortlist_add, shortlist_ids, shortlist_keep_only, shortlist_remove
from .cards import prepare_cards, with_card_data

MAX_COMPARED = 3
_SLUG_RE = re.compile(r"[-a-zA-Z0-9_]{1,140}")


def _requested_slugs(values: list[str], notices: list[str]) -> list[str]:
    slugs: list[str] = []
    for value in values[:50]:
        value = value.strip()
        if not _SLUG_RE.fullmatch(value):
            if value:
                notices.append("We ignored a practitioner address that is not valid.")
            continue
        if value not in slugs:
            slugs.append(value)
    if len(slugs) > MAX_COMPARED:
        notices.append(
            f"We compare up to {MAX_COMPARED} practitioners at a time, so we show the first three."
        )
        slugs = slugs[:MAX_COMPARED]
    return slugs


@require_GET
def compare(request):
    notices: list[str] = []
    slugs = _requested_slugs(request.GET.getlist("p"), notices)
    found = (
        {p.slug: p for p in Practitioner.objects.published().for_checklist().filter(slug__in=slugs)}
        if slugs
        else {}
    )
    missing = [slug for slug in slugs if slug not in found]
    if missing:
        notices.append(
            f"We couldn't find {len(missing)} of the practitioners asked for; "
            "they may have left the directory."
        )
    practitioners = [found[slug] for slug in slugs if slug in found]
    medians = regional_price_medians() if practitioners else {}
    columns = []
    for p in practitioners:
        p.has_badge = p.shows_badge()
        columns.append(
            {"p": p, "checklist": build_checklist(p, medians=medians), "clinics": list(p.clinics.all())}
        )
    rows = []
    if columns:
        for index, item in enumerate(columns[0]["checklist"].items):
            rows.append(
                {"title": item.title, "cells": [column["checklist"].items[index] for column in columns]}
            )
    context = {"columns": columns, "rows": rows, "notices": notices}
    return render(request, "practitioners/practitioner_compare.html", context)


@require_GET
def shortlist(request):
    ids = shortlist_ids(request)
    found = (
        {p.pk: p for p in with_card_data(Practitioner.objects.published().filter(pk__in=ids))} if ids else {}
    )
    shortlist_keep_only(request, found)
    cards = prepare_cards([found[pk] for pk in ids if pk in found], shortlisted=ids)
    return render(
        request,
        "practitioners/practitioner_shortlist.html",
        {
            "cards": cards,
            "compare_form": "compare-form",
            "max_items": MAX_ITEMS,
            "max_compared": MAX_COMPARED,
        },
    )


def _wants_json(request) -> bool:
    return "application/json" in request.headers.get("Accept", "")


@require_POST
def shortlist_toggle(request, slug):
    p = get_object_or_404(Practitioner.objects.published().only("pk", "name", "slug"), slug=slug)
    if request.POST.get("action") == "remove":
        shortlist_remove(request, p.pk)
        added, text = False, f"{p.name} is off your shortlist."
    elif shortlist_add(request, p.pk):
        added, text = True, f"{p.name} is on your shortlist."
    else:
        added, text = False, f"Your shortlist is full ({MAX_ITEMS}). Remove someone first."
    count = len(shortlist_ids(request))
    if _wants_json(request):
        return JsonResponse({"in_shortlist": added, "count": count, "message": text})
    messages.info(request, text)
    target = request.POST.get("next", "")
    if not (
        target.startswith("/")
        and target.isprintable()
        and url_has_allowed_host_and_scheme(target, allowed_hosts={request.get_host()}, require_https=False)
    ):
        target = reverse("practitioners:shortlist")
    return redirect(target)
