"""The read rules: who the public sees, distance search, text search, the staff queues."""

import math
import random
import string
from datetime import timedelta

import pytest
from django.db import connection
from django.utils import timezone

from practitioners.models import (
    Certification,
    Clinic,
    CredentialStatus,
    Licence,
    Practitioner,
    PractitionerStatus,
)
from practitioners.querysets import bounding_box
from practitioners.services import practitioner_refresh_summary

from .factories import (
    CertificationFactory,
    ClinicFactory,
    LicenceFactory,
    PortfolioItemFactory,
    PractitionerFactory,
    ReviewFactory,
    make_vetted_practitioner,
)

pytestmark = pytest.mark.django_db

# Evaluated when each test runs, so the same module runs on both databases.
on_postgres = pytest.mark.skipif('connection.vendor != "postgresql"', reason="PostgreSQL-only behaviour")

# City centres (latitude, longitude, country, region).
CITIES = {
    "Miami": (25.7743, -80.1937, "US", "FL"),
    "Fort Lauderdale": (26.1224, -80.1373, "US", "FL"),
    "Orlando": (28.5383, -81.3792, "US", "FL"),
    "London": (51.5074, -0.1278, "GB", "ENG"),
    "Manchester": (53.4808, -2.2426, "GB", "ENG"),
}
# Published straight-line distances between those centres, in km.
KNOWN_DISTANCES = [
    ("Miami", "Fort Lauderdale", 39.1),  # 24.3 mi
    ("Miami", "Orlando", 329),  # 204 mi
    ("Fort Lauderdale", "Orlando", 295),  # 183 mi
    ("London", "Manchester", 262),  # 163 mi
]


def clinic_in(city: str, **fields) -> Clinic:
    lat, lng, country, region = CITIES[city]
    return ClinicFactory(
        city=city,
        latitude=lat,
        longitude=lng,
        country=country,
        region=region,
        currency="GBP" if country == "GB" else "USD",
        **fields,
    )


def practitioner_in(*cities: str, **fields) -> Practitioner:
    return PractitionerFactory(clinics=[clinic_in(city) for city in cities], **fields)


def point(city: str) -> tuple[float, float]:
    return CITIES[city][:2]


# published() and vetted()


def test_published_shows_only_published_practitioners():
    shown = PractitionerFactory(status=PractitionerStatus.PUBLISHED)
    PractitionerFactory(status=PractitionerStatus.DRAFT)
    PractitionerFactory(status=PractitionerStatus.SUSPENDED)
    assert list(Practitioner.objects.published()) == [shown]


def test_vetted_shows_published_practitioners_with_the_badge():
    vetted = make_vetted_practitioner()
    PractitionerFactory()  # published, no badge
    assert vetted.is_vetted
    assert list(Practitioner.objects.vetted()) == [vetted]


def test_vetted_badge_ending_yesterday_is_gone_today():
    practitioner = make_vetted_practitioner()
    today = timezone.localdate()
    Practitioner.objects.filter(pk=practitioner.pk).update(vetted_until=today - timedelta(days=1))
    assert list(Practitioner.objects.vetted(today=today)) == []
    assert list(Practitioner.objects.vetted(today=today - timedelta(days=1))) == [practitioner]


def test_vetted_badge_ending_today_still_shows_today():
    practitioner = make_vetted_practitioner()
    today = timezone.localdate()
    Practitioner.objects.filter(pk=practitioner.pk).update(vetted_until=today)
    assert list(Practitioner.objects.vetted(today=today)) == [practitioner]
    assert list(Practitioner.objects.vetted(today=today + timedelta(days=1))) == []


def test_vetted_badge_on_documents_that_never_expire_has_no_end():
    practitioner = make_vetted_practitioner()
    Practitioner.objects.filter(pk=practitioner.pk).update(vetted_until=None)
    assert list(Practitioner.objects.vetted(today=timezone.localdate() + timedelta(days=3650))) == [
        practitioner
    ]


# near()


@pytest.mark.parametrize(("origin", "target", "km"), KNOWN_DISTANCES)
def test_near_distance_matches_the_known_distance_between_cities(origin, target, km):
    there = practitioner_in(target)
    found = Practitioner.objects.near(*point(origin), km * 1.1)
    assert list(found) == [there]
    assert found[0].distance_km == pytest.approx(km, rel=0.015)
    # And the other way round.
    back = practitioner_in(origin)
    assert Practitioner.objects.near(*point(target), km * 1.1).get(pk=back.pk).distance_km == (
        pytest.approx(km, rel=0.015)
    )


def test_near_includes_a_clinic_just_inside_the_radius_and_not_just_outside():
    practitioner_in("Fort Lauderdale")  # 39.1 km from Miami
    assert Practitioner.objects.near(*point("Miami"), 39.5).count() == 1
    assert Practitioner.objects.near(*point("Miami"), 38.5).count() == 0


def test_near_a_clinic_at_the_search_point_is_at_distance_zero():
    here = practitioner_in("Miami")
    found = Practitioner.objects.near(*point("Miami"), 0.001)
    assert list(found) == [here]
    assert found[0].distance_km == pytest.approx(0, abs=1e-6)


def test_near_orders_practitioners_by_distance():
    orlando = practitioner_in("Orlando")
    miami = practitioner_in("Miami")
    fort_lauderdale = practitioner_in("Fort Lauderdale")
    practitioner_in("London")
    found = list(Practitioner.objects.near(*point("Miami"), 400))
    assert found == [miami, fort_lauderdale, orlando]
    assert [round(p.distance_km) for p in found] == [0, 39, 329]


def test_near_uses_the_nearest_of_a_practitioners_clinics_and_lists_them_once():
    both = practitioner_in("Orlando", "Fort Lauderdale")
    found = list(Practitioner.objects.near(*point("Miami"), 400))
    assert found == [both]
    assert found[0].distance_km == pytest.approx(39.1, rel=0.015)


def test_near_ignores_a_second_clinic_outside_the_radius():
    both = practitioner_in("Orlando", "London")
    assert [p.distance_km for p in Practitioner.objects.near(*point("London"), 10)] == [
        pytest.approx(0, abs=1e-6)
    ]
    found = Practitioner.objects.near(*point("Miami"), 400).get()
    assert found == both
    assert found.distance_km == pytest.approx(329, rel=0.015)


def test_near_combines_with_published():
    shown = practitioner_in("Miami")
    practitioner_in("Miami", status=PractitionerStatus.DRAFT)
    assert list(Practitioner.objects.published().near(*point("Miami"), 10)) == [shown]


def _point_at(lat: float, lng: float, km: float, bearing_deg: float) -> tuple[float, float]:
    """The point km away from (lat, lng) along a great circle leaving at the given bearing."""
    d = km / 6371.0088
    phi, lam, theta = math.radians(lat), math.radians(lng), math.radians(bearing_deg)
    phi2 = math.asin(math.sin(phi) * math.cos(d) + math.cos(phi) * math.sin(d) * math.cos(theta))
    lam2 = lam + math.atan2(
        math.sin(theta) * math.sin(d) * math.cos(phi), math.cos(d) - math.sin(phi) * math.sin(phi2)
    )
    return math.degrees(phi2), math.degrees(lam2)


@pytest.mark.parametrize(("lat", "km"), [(53.48, 500), (60.15, 450), (64.84, 800), (25.77, 100)])
def test_near_finds_clinics_at_the_widest_point_of_a_large_circle(lat, km):
    # A circle's eastmost point lies poleward of its centre, a little further east than
    # km / cos(latitude) degrees; the bounding box must still hold it.
    d = km / 6371.0088
    bearing = math.degrees(math.acos(math.tan(d) * math.tan(math.radians(lat))))  # tangent to a meridian
    east = _point_at(lat, 0.0, km * 0.999, bearing)
    west = _point_at(lat, 0.0, km * 0.999, -bearing)
    for latitude, longitude in (east, west):
        ClinicFactory(latitude=latitude, longitude=longitude)
    south, north, box_west, box_east = bounding_box(lat, 0.0, km)
    assert box_west <= west[1] and east[1] <= box_east
    assert Clinic.objects.near(lat, 0.0, km).count() == 2


def test_bounding_box_reaching_a_pole_covers_every_longitude():
    south, north, west, east = bounding_box(85.0, 100.0, 1000)
    assert north > 90
    assert (west, east) == (-180.0, 180.0)


# Clinic.objects.near()


@pytest.mark.parametrize(("origin", "target", "km"), KNOWN_DISTANCES)
def test_clinic_near_distance_matches_the_known_distance(origin, target, km):
    there = clinic_in(target)
    clinic_in("London" if CITIES[origin][2] == "US" else "Miami")  # far away
    found = list(Clinic.objects.near(*point(origin), km * 1.05))
    assert found == [there]
    assert found[0].distance_km == pytest.approx(km, rel=0.015)


def test_clinic_near_orders_by_distance_and_respects_the_radius():
    orlando, miami, fort_lauderdale = clinic_in("Orlando"), clinic_in("Miami"), clinic_in("Fort Lauderdale")
    assert list(Clinic.objects.near(*point("Miami"), 400)) == [miami, fort_lauderdale, orlando]
    assert list(Clinic.objects.near(*point("Miami"), 300)) == [miami, fort_lauderdale]
    assert list(Clinic.objects.near(*point("Miami"), 38.5)) == [miami]


# search()


def indexed(practitioner: Practitioner) -> Practitioner:
    practitioner_refresh_summary(practitioner=practitioner)
    practitioner.refresh_from_db()
    return practitioner


def test_search_finds_by_name_trainer_clinic_and_city():
    smith = indexed(practitioner_in("Orlando", name="Jonathan Smith", trainer="Apex Scalp Academy"))
    other = indexed(practitioner_in("Manchester", name="Priya Patel", trainer="Northern SMP Academy"))
    assert list(Practitioner.objects.search("Smith")) == [smith]
    assert list(Practitioner.objects.search("apex")) == [smith]
    assert list(Practitioner.objects.search("Manchester")) == [other]
    assert list(Practitioner.objects.search(smith.clinics.get().name)) == [smith]
    assert list(Practitioner.objects.search("Florida")) == [smith]  # the region's name


def test_search_needs_every_word():
    smith = indexed(practitioner_in("Orlando", name="Jonathan Smith"))
    indexed(practitioner_in("Manchester", name="Jane Smith"))
    assert list(Practitioner.objects.search("smith orlando")) == [smith]
    assert list(Practitioner.objects.search("smith boston")) == []


def test_search_with_blank_text_returns_everything_unranked():
    indexed(practitioner_in("Miami"))
    found = Practitioner.objects.search("   \n ")
    assert found.count() == 1
    assert found[0].rank == 0


def test_search_finds_nothing_for_unknown_words():
    indexed(practitioner_in("Miami", name="Jonathan Smith"))
    assert list(Practitioner.objects.search("zzqx")) == []


def test_search_text_with_quotes_and_operators_is_harmless():
    smith = indexed(practitioner_in("Miami", name="Jonathan Smith"))
    assert list(Practitioner.objects.search("smith " * 200)) == [smith]
    for text in ['"smith', "smith & ' | !", "smith -", "%smith_", "'; drop table x; --", "\\"]:
        found = list(Practitioner.objects.search(text))  # no database error
        if connection.vendor == "postgresql" and "smith" in text:
            assert found == [smith], text


def test_search_combines_with_published():
    shown = indexed(practitioner_in("Miami", name="Jonathan Smith"))
    indexed(practitioner_in("Miami", name="Jonathan Smith", status=PractitionerStatus.DRAFT))
    assert list(Practitioner.objects.published().search("smith")) == [shown]


def test_search_ignores_case_and_only_postgresql_forgives_misspellings():
    # Not skipped on either database (CI fails skipped tests): the SQLite fallback matches
    # words exactly, PostgreSQL also by trigram similarity.
    smith = indexed(practitioner_in("Orlando", name="Jonathan Smith"))
    assert list(Practitioner.objects.search("JONATHAN smith")) == [smith]
    misspelt = list(Practitioner.objects.search("Jonathon Smyth"))
    assert misspelt == ([smith] if connection.vendor == "postgresql" else [])


@pytest.mark.postgres
@on_postgres
def test_search_finds_a_misspelt_name():
    smith = indexed(practitioner_in("Orlando", name="Jonathan Smith"))
    indexed(practitioner_in("London", name="Margaret Okafor"))
    assert list(Practitioner.objects.search("Jonathon Smyth")) == [smith]
    assert list(Practitioner.objects.search("Jonathon")) == [smith]
    assert list(Practitioner.objects.search("Margret Okafor")) != [smith]


@pytest.mark.postgres
@on_postgres
def test_search_stems_english_words():
    # "scars" finds the specialty "Scar camouflage"; "trained" nothing in particular.
    from practitioners.models import Specialty

    scarred = practitioner_in("Miami", name="Ana Lopez")
    scarred.specialties.add(Specialty.objects.get(slug="scar-camouflage"))
    indexed(scarred)
    indexed(practitioner_in("Miami", name="Bo Chen"))
    assert list(Practitioner.objects.search("scars")) == [scarred]


@pytest.mark.postgres
@on_postgres
def test_search_ranks_a_name_match_above_a_trainer_match():
    by_trainer = indexed(practitioner_in("Miami", name="Ada Lovell", trainer="Northern SMP Academy"))
    by_name = indexed(practitioner_in("Miami", name="Tom Northern", trainer="Apex Scalp Academy"))
    found = list(Practitioner.objects.search("Northern").order_by("-rank"))
    assert found == [by_name, by_trainer]
    assert found[0].rank > found[1].rank > 0


@pytest.mark.postgres
@on_postgres
def test_search_ranks_an_exact_name_above_a_misspelt_one():
    exact = indexed(practitioner_in("Miami", name="Jonathon Smyth"))
    close = indexed(practitioner_in("Miami", name="Jonathan Smith"))
    assert list(Practitioner.objects.search("Jonathon Smyth").order_by("-rank")) == [exact, close]


# pending_review()


def test_pending_review_lists_practitioners_with_something_waiting_once():
    quiet = PractitionerFactory()
    CertificationFactory(practitioner=quiet, verified=True)
    PortfolioItemFactory(practitioner=quiet)
    ReviewFactory(practitioner=quiet)

    pending_certificate = CertificationFactory().practitioner
    more_info = CertificationFactory(status="more_info", reason="Send the back page.").practitioner
    pending_licence = LicenceFactory().practitioner
    pending_image = PortfolioItemFactory(status="pending").practitioner
    pending_review = ReviewFactory(status="pending").practitioner
    busy = PractitionerFactory()
    CertificationFactory(practitioner=busy)
    CertificationFactory(practitioner=busy)
    LicenceFactory(practitioner=busy)
    PortfolioItemFactory(practitioner=busy, status="pending")
    ReviewFactory(practitioner=busy, status="pending")

    found = list(Practitioner.objects.pending_review())
    assert sorted(p.pk for p in found) == sorted(
        p.pk for p in [pending_certificate, more_info, pending_licence, pending_image, pending_review, busy]
    )


@pytest.mark.parametrize("status", ["verified", "rejected", "expired"])
def test_pending_review_ignores_decided_credentials(status):
    fields = {"verified": True} if status == "verified" else {"status": status, "reason": "Unreadable."}
    CertificationFactory(**fields)
    LicenceFactory(**fields)
    assert list(Practitioner.objects.pending_review()) == []


@pytest.mark.parametrize("status", ["unconfirmed", "published", "rejected"])
def test_pending_review_ignores_reviews_not_waiting_for_staff(status):
    ReviewFactory(status=status, email_confirmed_at=None if status == "unconfirmed" else timezone.now())
    PortfolioItemFactory(status="rejected", reason="Blurred.")
    assert list(Practitioner.objects.pending_review()) == []


# Credential queues


@pytest.mark.parametrize("model", [Certification, Licence])
def test_waiting_lists_pending_and_more_info_oldest_first(model):
    factory = CertificationFactory if model is Certification else LicenceFactory
    newest = factory()
    oldest = factory(status="more_info", reason="Send a clearer scan.")
    middle = factory()
    factory(verified=True)
    factory(status="rejected", reason="Not a certificate.")
    factory(status="expired")
    now = timezone.now()
    for age, credential in [(3, oldest), (2, middle), (1, newest)]:
        model.objects.filter(pk=credential.pk).update(created_at=now - timedelta(days=age))
    assert list(model.objects.waiting()) == [oldest, middle, newest]


@pytest.mark.parametrize("model", [Certification, Licence])
def test_expiring_within_counts_verified_documents_up_to_the_last_day(model):
    factory = CertificationFactory if model is Certification else LicenceFactory
    today = timezone.localdate()

    def verified_until(days):
        return factory(verified=True, expires_on=today + timedelta(days=days) if days is not None else None)

    tomorrow = verified_until(1)
    last_day = verified_until(30)
    verified_until(0)  # expires today: already expired, not "expiring"
    verified_until(-5)
    verified_until(31)
    verified_until(None)
    factory(expires_on=today + timedelta(days=10))  # pending
    assert list(model.objects.expiring_within(30, today=today)) == [tomorrow, last_day]
    assert list(model.objects.expiring_within(7, today=today)) == [tomorrow]


def test_expiring_within_defaults_to_today():
    soon = CertificationFactory(verified=True, expires_on=timezone.localdate() + timedelta(days=2))
    assert list(Certification.objects.expiring_within(7)) == [soon]
    assert soon.status == CredentialStatus.VERIFIED


# Indexes: PostgreSQL's planner must be able to serve search() and near() from them.


def _many_clinics(count: int) -> list[Clinic]:
    """count clinics spread over the globe, each with one published practitioner."""
    clinics = Clinic.objects.bulk_create(
        Clinic(
            name=f"Clinic {i}",
            slug=f"bulk-clinic-{i}",
            address_line="1 Main Street",
            city="Somewhere",
            region="FL",
            postcode="00000",
            country="US",
            latitude=-60 + (i * 7.31) % 130,
            longitude=-180 + (i * 13.17) % 360,
        )
        for i in range(count)
    )
    people = _many_practitioners(count)
    Practitioner.clinics.through.objects.bulk_create(
        Practitioner.clinics.through(practitioner_id=p.pk, clinic_id=c.pk)
        for p, c in zip(people, clinics, strict=True)
    )
    _analyze()
    return clinics


def _many_practitioners(count: int) -> list[Practitioner]:
    """count published practitioners with made-up names and search documents."""
    letters = random.Random(count)
    names = [
        " ".join("".join(letters.choices(string.ascii_lowercase, k=k)).title() for k in (6, 8))
        for _ in range(count)
    ]
    people = Practitioner.objects.bulk_create(
        Practitioner(
            name=name,
            slug=f"bulk-person-{i}",
            status="published",
            search_document=f"{name.lower()} clinic {i} somewhere florida",
        )
        for i, name in enumerate(names)
    )
    _analyze()
    return people


def _analyze() -> None:
    with connection.cursor() as cursor:
        for table in (
            "practitioners_clinic",
            "practitioners_practitioner",
            "practitioners_practitioner_clinics",
        ):
            cursor.execute(f"ANALYZE {table}")


def _plan(queryset) -> str:
    # Sequential scans are switched off for this transaction only: on a small test table a
    # scan is cheaper, and what this proves is that the query's shape lets an index serve it.
    with connection.cursor() as cursor:
        cursor.execute("SET LOCAL enable_seqscan = off")
    return queryset.explain()


@pytest.mark.postgres
@on_postgres
def test_search_is_served_by_the_gin_indexes():
    someone = _many_practitioners(2000)[17]
    plan = _plan(Practitioner.objects.search(someone.name))
    assert "practitioner_search_document_fts" in plan, plan
    assert "practitioner_name_trgm" in plan, plan
    assert "Seq Scan on practitioners_practitioner" not in plan, plan


@pytest.mark.postgres
@on_postgres
def test_near_is_served_by_the_latitude_longitude_index():
    _many_clinics(2000)
    for queryset in (Practitioner.objects.near(25.77, -80.19, 50), Clinic.objects.near(25.77, -80.19, 50)):
        plan = _plan(queryset)
        assert "clinic_lat_lng_idx" in plan, plan
        assert "Seq Scan on practitioners_clinic" not in plan, plan


@pytest.mark.postgres
@on_postgres
def test_near_chooses_the_index_without_hints_once_there_are_enough_clinics():
    # With statistics for 2,000 spread-out clinics the planner picks the index by itself.
    _many_clinics(2000)
    assert "clinic_lat_lng_idx" in Clinic.objects.near(25.77, -80.19, 50).explain()
    assert "clinic_lat_lng_idx" in Practitioner.objects.near(25.77, -80.19, 50).explain()


@pytest.mark.postgres
@on_postgres
def test_search_chooses_the_gin_indexes_without_hints_once_there_are_enough_practitioners():
    # Below about 5,000 rows a sequential scan is cheaper than three bitmap index scans.
    someone = _many_practitioners(10_000)[17]
    plan = Practitioner.objects.search(someone.name).explain()
    assert "practitioner_search_document_fts" in plan and "practitioner_name_trgm" in plan, plan
