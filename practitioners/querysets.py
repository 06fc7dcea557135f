"""Read rules: which practitioners the public may see, and how search finds them."""

import math
from datetime import date, timedelta

from django.contrib.postgres.search import SearchQuery, SearchRank, SearchVectorField
from django.db import connection, models
from django.db.models import Exists, Func, Min, OuterRef, Prefetch, Q, Value
from django.db.models.functions import ACos, Cos, Greatest, Least, Radians, Sin
from django.utils import timezone

EARTH_RADIUS_KM = 6371.0088
KM_PER_DEGREE_LATITUDE = 111.045
SEARCH_CONFIG = "english"
MISSPELT_NAME_SIMILARITY = 0.4


class DocumentVector(Func):
    """to_tsvector over the stored search document, written exactly as the GIN index is.

    Django's SearchVector wraps its input in COALESCE, which would stop PostgreSQL from
    using the expression index; this spells the indexed expression out.
    """

    function = "to_tsvector"
    template = f"%(function)s('{SEARCH_CONFIG}'::regconfig, %(expressions)s)"
    output_field = SearchVectorField()


def bounding_box(lat: float, lng: float, km: float) -> tuple[float, float, float, float]:
    """Latitude/longitude limits of a box holding every point within km of (lat, lng)."""
    dlat = km / KM_PER_DEGREE_LATITUDE
    if abs(lat) + dlat >= 90:  # the circle holds a pole: every longitude is in it
        return lat - dlat, lat + dlat, -180.0, 180.0
    # The circle is widest poleward of its centre: asin(sin d / cos lat), not d / cos lat.
    dlng = math.degrees(math.asin(math.sin(math.radians(dlat)) / math.cos(math.radians(lat))))
    return lat - dlat, lat + dlat, lng - dlng, lng + dlng


def great_circle_km(lat: float, lng: float, lat_field: str, lng_field: str):
    """Distance in km from a fixed point to the row's coordinates (spherical law of cosines)."""
    cosine = Value(math.cos(math.radians(lat))) * Cos(Radians(lat_field)) * Cos(
        Radians(lng_field) - Value(math.radians(lng))
    ) + Value(math.sin(math.radians(lat))) * Sin(Radians(lat_field))
    # Rounding can push the cosine a hair past 1 for the same point; ACos would then fail.
    return EARTH_RADIUS_KM * ACos(Least(Value(1.0), Greatest(Value(-1.0), cosine)))


class ClinicQuerySet(models.QuerySet):
    def near(self, lat: float, lng: float, km: float):
        south, north, west, east = bounding_box(lat, lng, km)
        return (
            self.filter(latitude__range=(south, north), longitude__range=(west, east))
            .annotate(distance_km=great_circle_km(lat, lng, "latitude", "longitude"))
            .filter(distance_km__lte=km)
            .order_by("distance_km")
        )


class PractitionerQuerySet(models.QuerySet):
    def published(self):
        return self.filter(status="published")

    def vetted(self, today: date | None = None):
        """Published, with the badge, and no document behind the badge expired yet today."""
        today = today or timezone.localdate()
        return self.published().filter(
            Q(vetted_until__isnull=True) | Q(vetted_until__gte=today), is_vetted=True
        )

    def near(self, lat: float, lng: float, km: float):
        """Practitioners with a clinic within km, annotated with the nearest clinic's distance.

        The bounding box lets the latitude/longitude index narrow the clinics before the
        exact great-circle distance is computed for the few that remain.
        """
        south, north, west, east = bounding_box(lat, lng, km)
        return (
            self.filter(clinics__latitude__range=(south, north), clinics__longitude__range=(west, east))
            .annotate(distance_km=Min(great_circle_km(lat, lng, "clinics__latitude", "clinics__longitude")))
            .filter(distance_km__lte=km)
            .order_by("distance_km")
        )

    def search(self, text: str):
        """Practitioners matching free text, annotated with a relevance `rank`.

        PostgreSQL ranks full-text matches over name, trainer, clinics, places and
        specialties, and also finds misspelt names by trigram word similarity. SQLite (the
        try-it-out database) needs every word to appear somewhere in the same document.
        """
        text = " ".join(text.split())[:200]
        if not text:
            return self.annotate(rank=Value(0.0))
        if connection.vendor == "postgresql":
            from django.contrib.postgres.search import TrigramSimilarity, TrigramWordSimilarity

            query = SearchQuery(text, config=SEARCH_CONFIG, search_type="websearch")
            vector = DocumentVector("search_document")
            return (
                self.alias(document=vector, name_similarity=TrigramSimilarity("name", text))
                # Word similarity finds one misspelt word in a longer name ("Jonathon");
                # whole-name similarity finds a name misspelt throughout ("Jonathon Smyth"),
                # above pg_trgm's loose default so "smith orlando" is not any Smith anywhere.
                .filter(
                    Q(document=query)
                    | Q(name__trigram_word_similar=text)
                    | Q(name__trigram_similar=text, name_similarity__gte=MISSPELT_NAME_SIMILARITY)
                )
                .annotate(rank=SearchRank(vector, query) + TrigramWordSimilarity(text, "name"))
            )
        matches = Q()
        for word in text.lower().split()[:8]:
            matches &= Q(search_document__contains=word)
        return self.filter(matches).annotate(rank=Value(0.0))

    def pending_review(self):
        """Practitioners with something waiting for staff: a document (their own or their
        clinic's premises licence), a portfolio image or a review."""
        from reviews.models import Review, ReviewStatus

        from .models import Certification, Licence, PortfolioItem

        waiting = ["pending", "more_info"]
        me = OuterRef("pk")
        return self.filter(
            Exists(Certification.objects.filter(practitioner=me, status__in=waiting))
            | Exists(
                Licence.objects.filter(Q(practitioner=me) | Q(clinic__practitioners=me), status__in=waiting)
            )
            | Exists(PortfolioItem.objects.filter(practitioner=me, status="pending"))
            | Exists(Review.objects.filter(practitioner=me, status=ReviewStatus.PENDING))
        )

    def for_checklist(self):
        """Everything the checklist reads, fetched up front: a fixed number of queries."""
        from .models import Clinic, PortfolioItem

        return self.prefetch_related(
            "certifications__reviewer",
            "licences__reviewer",
            "licences__jurisdiction",
            Prefetch(
                "clinics",
                queryset=Clinic.objects.select_related("jurisdiction").prefetch_related(
                    "licences__reviewer", "licences__jurisdiction"
                ),
            ),
            Prefetch(
                "portfolio_items",
                queryset=PortfolioItem.objects.exclude(status="rejected"),
            ),
        )


class CredentialQuerySet(models.QuerySet):
    def waiting(self):
        """The staff queue: pending or waiting on the owner, oldest first."""
        return self.filter(status__in=["pending", "more_info"]).order_by("created_at")

    def expiring_within(self, days: int, today: date | None = None):
        today = today or timezone.localdate()
        return self.filter(
            status="verified", expires_on__gt=today, expires_on__lte=today + timedelta(days=days)
        ).order_by("expires_on")
