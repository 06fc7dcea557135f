"""What a result card shows, shared by search and the shortlist: a fixed number of queries."""

import math
from dataclasses import dataclass

from django.db.models import Prefetch

from ..models import Clinic, ModerationStatus, PortfolioItem, PortfolioStage

KM_PER_MILE = 1.609344


@dataclass(frozen=True)
class PriceRange:
    low: int | None
    high: int | None
    currency: str


def with_card_data(queryset):
    """Prefetch the clinics and the approved healed photos the cards show."""
    healed = (
        PortfolioItem.objects.filter(status=ModerationStatus.APPROVED, stage=PortfolioStage.HEALED)
        .only("id", "practitioner_id", "thumbnail", "months_since_treatment", "position")
        .order_by("position", "id")
    )
    return queryset.prefetch_related(
        Prefetch("clinics", queryset=Clinic.objects.order_by("name")),
        Prefetch("portfolio_items", queryset=healed, to_attr="healed_items"),
    )


def _km_between(lat1: float, lng1: float, lat2: float, lng2: float) -> float:
    phi1, phi2 = math.radians(lat1), math.radians(lat2)
    dphi, dlmb = phi2 - phi1, math.radians(lng2 - lng1)
    a = math.sin(dphi / 2) ** 2 + math.cos(phi1) * math.cos(phi2) * math.sin(dlmb / 2) ** 2
    return 2 * 6371.0088 * math.asin(min(1.0, math.sqrt(a)))


def prepare_cards(practitioners, *, centre=None, unit: str = "km", shortlisted=()) -> list:
    """Attach the card's derived facts to each practitioner (no queries: all prefetched)."""
    shortlisted = set(shortlisted)
    cards = list(practitioners)
    for p in cards:
        clinics = list(p.clinics.all())
        if centre is not None and clinics:
            clinics.sort(
                key=lambda c: _km_between(centre.latitude, centre.longitude, c.latitude, c.longitude)
            )
        p.main_clinic = clinics[0] if clinics else None
        p.other_clinic_count = max(0, len(clinics) - 1)
        lows = [c.price_min for c in clinics if c.price_min is not None]
        highs = [c.price_max for c in clinics if c.price_max is not None]
        p.price_range = (
            PriceRange(min(lows) if lows else None, max(highs) if highs else None, clinics[0].currency)
            if (lows or highs)
            else None
        )
        p.free_consultation = any(c.consultation == "free" for c in clinics)
        p.healed_thumbnail = p.healed_items[0] if getattr(p, "healed_items", None) else None
        distance = getattr(p, "distance_km", None)
        p.distance = None if distance is None else (distance / KM_PER_MILE if unit == "mi" else distance)
        p.distance_unit = unit
        if not hasattr(p, "has_badge"):
            p.has_badge = p.shows_badge()
        p.in_shortlist = p.pk in shortlisted
    return cards
