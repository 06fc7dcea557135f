"""State changes that span models or have side effects. Views, the admin and commands call these."""

import re
import statistics
from collections import defaultdict
from decimal import Decimal

from django.contrib.contenttypes.models import ContentType
from django.core.cache import cache
from django.db import transaction
from django.db.models import Avg, Count, Q
from django.utils import timezone

from ..checklist import MIN_CLINICS_FOR_MEDIAN, Checklist, build_checklist
from ..models import Clinic, JurisdictionRule, Practitioner, VerificationEvent

PRICE_MEDIANS_KEY = "practitioners:price-medians:v1"
LONDON_CITIES = {"london", "city of london", "westminster"}
NEW_YORK_CITY = {
    "new york",
    "new york city",
    "nyc",
    "brooklyn",
    "queens",
    "bronx",
    "manhattan",
    "staten island",
}


def record_event(*, subject, actor, from_status: str, to_status: str, note: str = "") -> VerificationEvent:
    return VerificationEvent.objects.create(
        content_type=ContentType.objects.get_for_model(subject),
        object_id=subject.pk,
        actor=actor,
        from_status=from_status,
        to_status=to_status,
        note=note,
    )


def regional_price_medians() -> dict[tuple[str, str, str], int]:
    """Median lowest session price per (country, region, currency), for regions with enough clinics.

    Shared by every profile and recomputed only when a clinic's price changes
    (`invalidate_price_medians`), not on a timer.
    """
    medians = cache.get(PRICE_MEDIANS_KEY)
    if medians is None:
        prices = defaultdict(list)
        rows = Clinic.objects.filter(price_min__isnull=False).values_list(
            "country", "region", "currency", "price_min"
        )
        for country, region, currency, price in rows.iterator(chunk_size=5000):
            prices[(country, region, currency)].append(price)
        medians = {
            key: int(statistics.median(values))
            for key, values in prices.items()
            if len(values) >= MIN_CLINICS_FOR_MEDIAN
        }
        cache.set(PRICE_MEDIANS_KEY, medians, timeout=None)
    return medians


def invalidate_price_medians() -> None:
    cache.delete(PRICE_MEDIANS_KEY)


# Postcode areas and ZIP prefixes inside the cities that have their own rule. The city name a
# clinic types can be a borough ("Croydon", "Brooklyn"); its postcode settles it.
LONDON_POSTCODE_AREAS = {
    "E", "EC", "N", "NW", "SE", "SW", "W", "WC", "BR", "CR", "DA", "EN", "HA", "IG", "KT", "RM", "SM", "TW", "UB",
}  # fmt: skip
NEW_YORK_CITY_ZIP_PREFIXES = ("100", "101", "102", "103", "104", "110", "111", "112", "113", "114", "116")


def _postcode_locality(country: str, postcode: str) -> str:
    code = postcode.strip().upper()
    if country == "GB":
        area = re.match(r"[A-Z]{1,2}", code)
        # BR, CR, DA, EN, HA, IG, KT, RM, SM, TW and UB reach outside Greater London too; their
        # inner districts (e.g. CR0, HA1) are London, which is the common case for clinics.
        if area and area.group() in LONDON_POSTCODE_AREAS:
            return "london"
    if country == "US" and code[:3] in NEW_YORK_CITY_ZIP_PREFIXES:
        return "new york city"
    return ""


def jurisdiction_for(*, country: str, region: str, city: str, postcode: str = "") -> JurisdictionRule | None:
    """The most specific rule for an address: a city's own rule, else the region's."""
    rules = list(JurisdictionRule.objects.filter(country=country, region=region))
    city_key = " ".join(city.casefold().split())
    from_postcode = _postcode_locality(country, postcode)
    for rule in rules:
        locality = rule.locality.casefold()
        if not locality or locality.startswith("("):
            continue
        if locality in (from_postcode, city_key):
            return rule
        if locality == "london" and city_key in LONDON_CITIES:
            return rule
        if locality == "new york city" and city_key in NEW_YORK_CITY:
            return rule
    # A rule written "(outside London)" is the region's default outside the named city.
    for rule in rules:
        if not rule.locality or rule.locality.startswith("("):
            return rule
    return None


def clinic_assign_jurisdiction(*, clinic: Clinic) -> None:
    clinic.jurisdiction = jurisdiction_for(
        country=clinic.country, region=clinic.region, city=clinic.city, postcode=clinic.postcode
    )


def jurisdiction_rules_reassign(*, country: str, region: str) -> int:
    """After staff add or change a rule, point the region's clinics at the right one."""
    changed = 0
    for clinic in Clinic.objects.filter(country=country, region=region):
        before = clinic.jurisdiction_id
        clinic_assign_jurisdiction(clinic=clinic)
        if clinic.jurisdiction_id != before:
            clinic.save(update_fields=["jurisdiction"])
            changed += 1
    for practitioner in Practitioner.objects.filter(
        clinics__country=country, clinics__region=region
    ).distinct():
        practitioner_refresh_summary(practitioner=practitioner)
    return changed


def _search_document(practitioner: Practitioner) -> str:
    parts = [practitioner.name, practitioner.trainer]
    for clinic in practitioner.clinics.all():
        parts += [clinic.name, clinic.city, clinic.region_name, clinic.postcode]
    parts += [s.name for s in practitioner.specialties.all()]
    return " ".join(p for p in parts if p).lower()


def credential_practitioners(credential) -> list[Practitioner]:
    """Practitioners whose checklist reads this document: its holder, or everyone working at
    the clinic a premises licence belongs to."""
    if credential.practitioner_id:
        return [credential.practitioner]
    return list(credential.clinic.practitioners.all())


def practitioner_touch(*, practitioner_id: int) -> None:
    """Mark a profile as changed without a checklist change (an owner reply, a testimonial,
    the gallery order), so its cached rendering is replaced."""
    Practitioner.objects.filter(pk=practitioner_id).update(updated_at=timezone.now())


SUMMARY_FIELDS = [
    "is_vetted", "vetted_until", "verified_count", "healed_count", "review_count",
    "verified_review_count", "rating_average", "search_document", "updated_at",
]  # fmt: skip


def _apply_summary(practitioner: Practitioner, stats: dict, medians: dict) -> Checklist:
    """Write the stored summary onto a practitioner fetched with for_checklist()."""
    practitioner.review_count = stats.get("count", 0)
    practitioner.verified_review_count = stats.get("verified", 0)
    average = stats.get("average")
    practitioner.rating_average = round(Decimal(average), 2) if average is not None else None
    checklist = build_checklist(practitioner, medians=medians)
    practitioner.is_vetted = checklist.vetted
    practitioner.vetted_until = checklist.vetted_until
    practitioner.verified_count = checklist.verified_count
    practitioner.healed_count = sum(
        1
        for item in practitioner.portfolio_items.all()
        if item.stage == "healed" and item.status == "approved"
    )
    practitioner.search_document = _search_document(practitioner)
    practitioner.updated_at = timezone.now()
    return checklist


def _review_stats(ids) -> dict[int, dict]:
    from reviews.models import Review

    rows = (
        Review.objects.published()
        .filter(practitioner_id__in=ids)
        .values("practitioner_id")
        .annotate(
            count=Count("id"), verified=Count("id", filter=Q(verified_client=True)), average=Avg("rating")
        )
    )
    return {row["practitioner_id"]: row for row in rows}


def practitioners_refresh_summaries(*, queryset=None, batch_size: int = 500, progress=None) -> int:
    """The same refresh for many practitioners, a batch at a time: a fixed number of queries
    per batch, so loading 100k practitioners takes minutes. Returns how many were refreshed."""
    ids = list(
        (queryset if queryset is not None else Practitioner.objects.all()).values_list("pk", flat=True)
    )
    medians = regional_price_medians()
    for start in range(0, len(ids), batch_size):
        batch_ids = ids[start : start + batch_size]
        stats = _review_stats(batch_ids)
        batch = list(
            Practitioner.objects.for_checklist().prefetch_related("specialties").filter(pk__in=batch_ids)
        )
        for practitioner in batch:
            _apply_summary(practitioner, stats.get(practitioner.pk, {}), medians)
        Practitioner.objects.bulk_update(batch, SUMMARY_FIELDS)
        if progress is not None:
            progress(len(batch))
    return len(ids)


@transaction.atomic
def practitioner_refresh_summary(*, practitioner: Practitioner) -> Checklist:
    """Recompute what search filters and sorts on, from the checklist and published reviews.

    Call after anything that can change the checklist: a credential decision, an image
    moderated, a profile or clinic edit, a review published. The instance passed in is
    updated too.
    """
    fresh = Practitioner.objects.for_checklist().prefetch_related("specialties").get(pk=practitioner.pk)
    checklist = _apply_summary(fresh, _review_stats([fresh.pk]).get(fresh.pk, {}), regional_price_medians())
    Practitioner.objects.filter(pk=fresh.pk).update(**{name: getattr(fresh, name) for name in SUMMARY_FIELDS})
    for name in SUMMARY_FIELDS:
        setattr(practitioner, name, getattr(fresh, name))
    return checklist
