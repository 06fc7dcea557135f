"""The patient search: one FilterSet over published practitioners.

Every GET parameter is validated by the FilterSet's form. A parameter that does not validate
is left out (django-filter drops it from `cleaned_data`) and named in `notices`, so a
mistyped or hostile URL still gives a page of results rather than an error. Filtering and
sorting happen in SQL on the summary fields `practitioner_refresh_summary` keeps.
"""

from dataclasses import dataclass
from decimal import Decimal

import django_filters
from django.db.models import BooleanField, Exists, ExpressionWrapper, F, OuterRef, Q
from django.utils import timezone

from .checklist import HEALED_ITEMS_NEEDED
from .models import Clinic, Consultation, Language, Practitioner, Specialty
from .places import Place, resolve_place, suggest_places

KM_PER_MILE = Decimal("1.609344")
DEFAULT_RADIUS = {"km": Decimal(40), "mi": Decimal(25)}
MAX_RADIUS = Decimal(500)  # in the chosen unit; a wider circle is a different kind of search
MAX_TEXT = 200

UNIT_CHOICES = [("km", "km"), ("mi", "miles")]
VETTED_CHOICES = [("1", "Vetted only"), ("0", "Include practitioners not yet vetted")]
YES_CHOICES = [("1", "Yes"), ("0", "No")]
SORT_CHOICES = [
    ("relevance", "Best match"),
    ("distance", "Nearest first"),
    ("rating", "Highest rated"),
    ("experience", "Most experienced"),
]

# What to tell the patient when a parameter is ignored, in words rather than validator output.
PLAIN_ERRORS = {
    "q": f"search text must be at most {MAX_TEXT} characters of ordinary text",
    "near": "a place must be a town, a US ZIP code or a UK postcode of ordinary text",
    "lat": "a latitude is a number between -90 and 90",
    "lng": "a longitude is a number between -180 and 180",
    "radius": f"the distance must be a number from 1 to {MAX_RADIUS}",
    "unit": "the unit is km or mi",
    "vetted": "use 1 for vetted practitioners only or 0 to include everyone",
    "specialty": "that is not one of the specialties we list",
    "min_rating": "the lowest rating is a number from 1 to 5",
    "min_years": "years of experience is a number from 0 to 70",
    "max_price": "the highest price is a whole number of dollars or pounds",
    "free_consultation": "use 1 to show only clinics with a free consultation",
    "healed_portfolio": f"use 1 to show only practitioners with {HEALED_ITEMS_NEEDED} or more healed results",
    "language": "that is not one of the languages we list",
    "sort": "sort by relevance, distance, rating or experience",
}


@dataclass(frozen=True)
class SearchCentre:
    """Where distances are measured from, and what to call it on the page."""

    label: str
    latitude: float
    longitude: float
    radius: Decimal  # in `unit`
    unit: str

    @property
    def radius_km(self) -> float:
        return float(self.radius * KM_PER_MILE if self.unit == "mi" else self.radius)


class _Noop:
    """For parameters `filter_queryset` applies itself, in a fixed order."""

    @staticmethod
    def method(queryset, name, value):
        return queryset


class PractitionerFilter(django_filters.FilterSet):
    q = django_filters.CharFilter(method=_Noop.method, max_length=MAX_TEXT, label="Name, clinic or town")
    near = django_filters.CharFilter(method=_Noop.method, max_length=100, label="Near")
    lat = django_filters.NumberFilter(method=_Noop.method, min_value=-90, max_value=90)
    lng = django_filters.NumberFilter(method=_Noop.method, min_value=-180, max_value=180)
    radius = django_filters.NumberFilter(method=_Noop.method, min_value=1, max_value=MAX_RADIUS)
    unit = django_filters.ChoiceFilter(method=_Noop.method, choices=UNIT_CHOICES)
    vetted = django_filters.ChoiceFilter(method=_Noop.method, choices=VETTED_CHOICES)
    sort = django_filters.ChoiceFilter(method=_Noop.method, choices=SORT_CHOICES)
    specialty = django_filters.ModelChoiceFilter(
        queryset=Specialty.objects.all(), to_field_name="slug", method="filter_specialty"
    )
    language = django_filters.ModelChoiceFilter(
        queryset=Language.objects.all(), to_field_name="code", method="filter_language"
    )
    min_rating = django_filters.NumberFilter(
        field_name="rating_average", lookup_expr="gte", min_value=1, max_value=5
    )
    min_years = django_filters.NumberFilter(
        field_name="years_practising", lookup_expr="gte", min_value=0, max_value=70
    )
    max_price = django_filters.NumberFilter(
        method="filter_max_price", min_value=0, max_value=1_000_000, decimal_places=0
    )
    free_consultation = django_filters.ChoiceFilter(choices=YES_CHOICES, method="filter_free_consultation")
    healed_portfolio = django_filters.ChoiceFilter(choices=YES_CHOICES, method="filter_healed_portfolio")

    class Meta:
        model = Practitioner
        fields: list[str] = []

    def __init__(self, data=None, *args, **kwargs):
        super().__init__(data, *args, queryset=Practitioner.objects.published(), **kwargs)
        self.notices: list[str] = []
        self.suggestions: list[str] = []
        self.centre: SearchCentre | None = None
        self.unknown_place = ""

    # Filters over clinics use EXISTS so a practitioner at two clinics is never listed twice.
    def filter_specialty(self, queryset, name, value):
        return queryset.filter(
            Exists(
                Practitioner.specialties.through.objects.filter(practitioner=OuterRef("pk"), specialty=value)
            )
        )

    def filter_language(self, queryset, name, value):
        return queryset.filter(
            Exists(Practitioner.languages.through.objects.filter(practitioner=OuterRef("pk"), language=value))
        )

    def filter_max_price(self, queryset, name, value):
        return queryset.filter(
            Exists(Clinic.objects.filter(practitioners=OuterRef("pk"), price_min__lte=int(value)))
        )

    def filter_free_consultation(self, queryset, name, value):
        if value != "1":
            return queryset
        return queryset.filter(
            Exists(Clinic.objects.filter(practitioners=OuterRef("pk"), consultation=Consultation.FREE))
        )

    def filter_healed_portfolio(self, queryset, name, value):
        if value != "1":
            return queryset
        return queryset.filter(healed_count__gte=HEALED_ITEMS_NEEDED)

    # What the page shows about the search itself.
    @property
    def text(self) -> str:
        return self._cleaned("q") or ""

    @property
    def chosen_unit(self) -> str:
        return self._cleaned("unit") or "km"

    @property
    def vetted_only(self) -> bool:
        return self._cleaned("vetted") != "0"

    @property
    def chosen_sort(self) -> str:
        sort = self._cleaned("sort") or "relevance"
        return "relevance" if sort == "distance" and self.centre is None else sort

    def _cleaned(self, name):
        return getattr(self.form, "cleaned_data", {}).get(name)

    def filter_queryset(self, queryset):
        for name in self.form.errors:
            if name in PLAIN_ERRORS:
                self.notices.append(f"We ignored “{name}”: {PLAIN_ERRORS[name]}.")
        queryset = super().filter_queryset(queryset)
        today = timezone.localdate()
        if self.vetted_only:
            queryset = queryset.vetted(today)
        if self.text:
            queryset = queryset.search(self.text)
        self.centre = self._resolve_centre()
        if self.unknown_place:
            return queryset.none()
        if self.centre is not None:
            queryset = queryset.near(self.centre.latitude, self.centre.longitude, self.centre.radius_km)
        elif self._cleaned("sort") == "distance":
            self.notices.append("Sorting by distance needs a place, so results are in the usual order.")
        badge = ExpressionWrapper(
            Q(is_vetted=True) & (Q(vetted_until__isnull=True) | Q(vetted_until__gte=today)),
            output_field=BooleanField(),
        )
        return queryset.annotate(has_badge=badge).order_by(*self._ordering())

    def _resolve_centre(self) -> SearchCentre | None:
        unit = self.chosen_unit
        radius = self._cleaned("radius") or DEFAULT_RADIUS[unit]
        near = (self._cleaned("near") or "").strip()
        if near:
            place: Place | None = resolve_place(near)
            if place is None:
                self.unknown_place = near
                self.suggestions = suggest_places(near)
                return None
            return SearchCentre(place.name, place.latitude, place.longitude, radius, unit)
        lat, lng = self._cleaned("lat"), self._cleaned("lng")
        if lat is not None and lng is not None:
            return SearchCentre("your location", float(lat), float(lng), radius, unit)
        if (lat is None) != (lng is None) and "lat" not in self.form.errors and "lng" not in self.form.errors:
            self.notices.append(
                "We need both “lat” and “lng” to search near a point, so we ignored the one given."
            )
        return None

    def _ordering(self) -> list:
        by_rating = [F("rating_average").desc(nulls_last=True), F("review_count").desc()]
        nearest = [F("distance_km").asc()] if self.centre else []
        tie_break = [*nearest, "name", "pk"]
        if self.chosen_sort == "distance":
            return [*nearest, F("has_badge").desc(), F("verified_count").desc(), "name", "pk"]
        if self.chosen_sort == "rating":
            return [*by_rating, F("has_badge").desc(), *tie_break]
        if self.chosen_sort == "experience":
            return [F("years_practising").desc(nulls_last=True), F("has_badge").desc(), *tie_break]
        ranked = [F("rank").desc()] if self.text else []
        return [*ranked, F("has_badge").desc(), F("verified_count").desc(), *by_rating, *tie_break]
