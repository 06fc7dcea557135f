"""The stored summary search filters on is written from the checklist and published reviews."""

from datetime import date, timedelta
from decimal import Decimal

import pytest
from django.utils import timezone

from practitioners.checklist import build_checklist
from practitioners.models import Practitioner, Specialty
from practitioners.services import (
    invalidate_price_medians,
    practitioner_refresh_summary,
    practitioners_refresh_summaries,
    regional_price_medians,
)

from .factories import (
    CertificationFactory,
    ClinicFactory,
    LicenceFactory,
    PortfolioItemFactory,
    PractitionerFactory,
    ReviewFactory,
    ReviewInviteFactory,
    make_vetted_practitioner,
)
from .factories import TestimonialFactory as MakeTestimonial

pytestmark = pytest.mark.django_db

SUMMARY = [
    "is_vetted",
    "vetted_until",
    "verified_count",
    "healed_count",
    "review_count",
    "verified_review_count",
    "rating_average",
    "search_document",
]


def stored(practitioner) -> dict:
    return Practitioner.objects.filter(pk=practitioner.pk).values(*SUMMARY).get()


def verified_review(practitioner, **fields):
    invite = ReviewInviteFactory(practitioner=practitioner)
    return ReviewFactory(practitioner=practitioner, invite=invite, verified_client=True, **fields)


def test_refresh_writes_the_checklist_verdict_and_counts():
    practitioner = make_vetted_practitioner(name="Jonathan Smith", trainer="Apex Scalp Academy")
    practitioner.specialties.add(Specialty.objects.get(slug="scar-camouflage"))
    PortfolioItemFactory(practitioner=practitioner, status="pending")  # healed, not yet approved
    PortfolioItemFactory(practitioner=practitioner, stage="fresh", months_since_treatment=None)
    verified_review(practitioner, rating=5)
    ReviewFactory(practitioner=practitioner, rating=4)

    checklist = practitioner_refresh_summary(practitioner=practitioner)

    expected = build_checklist(Practitioner.objects.for_checklist().get(pk=practitioner.pk))
    assert [(i.key, i.state) for i in checklist] == [(i.key, i.state) for i in expected]
    clinic = practitioner.clinics.get()
    assert stored(practitioner) == {
        "is_vetted": True,
        "vetted_until": checklist.vetted_until,
        "verified_count": checklist.verified_count,
        "healed_count": 3,
        "review_count": 2,
        "verified_review_count": 1,
        "rating_average": Decimal("4.50"),
        "search_document": (
            f"jonathan smith apex scalp academy {clinic.name.lower()} miami florida 33132 scar camouflage"
        ),
    }
    assert checklist.vetted
    assert checklist.vetted_until == min(
        practitioner.certifications.get().expires_on,
        practitioner.licences.get().expires_on,
        clinic.licences.get().expires_on,
    ) - timedelta(days=1)
    assert checklist["reviews"].summary == "2 reviews, average 4.5 of 5; 50% from verified clients."


def test_refresh_updates_the_instance_it_was_given():
    practitioner = make_vetted_practitioner()
    ReviewFactory(practitioner=practitioner, rating=3)
    practitioner_refresh_summary(practitioner=practitioner)
    assert (practitioner.review_count, practitioner.rating_average) == (1, Decimal("3.00"))
    assert practitioner.is_vetted


@pytest.mark.parametrize(
    ("status", "confirmed"),
    [("unconfirmed", False), ("pending", True), ("rejected", True)],
)
def test_unpublished_reviews_do_not_count(practitioner, status, confirmed):
    review = ReviewFactory(practitioner=practitioner, status="unconfirmed", rating=1, email_confirmed_at=None)
    if confirmed:
        review.email_confirmed_at = timezone.now()
        review.status = status
        review.save()
    checklist = practitioner_refresh_summary(practitioner=practitioner)
    values = stored(practitioner)
    assert (values["review_count"], values["verified_review_count"], values["rating_average"]) == (0, 0, None)
    assert checklist["reviews"].summary == "No independent reviews yet."


def test_testimonials_never_count_as_reviews(practitioner):
    for _ in range(3):
        MakeTestimonial(practitioner=practitioner)
    ReviewFactory(practitioner=practitioner, rating=2)
    practitioner_refresh_summary(practitioner=practitioner)
    values = stored(practitioner)
    assert (values["review_count"], values["rating_average"]) == (1, Decimal("2.00"))


def test_rating_average_is_rounded_to_two_places(practitioner):
    for rating in (5, 4, 4):
        ReviewFactory(practitioner=practitioner, rating=rating)
    practitioner_refresh_summary(practitioner=practitioner)
    assert stored(practitioner)["rating_average"] == Decimal("4.33")


def test_publishing_a_review_shows_after_the_next_refresh(practitioner):
    review = ReviewFactory(practitioner=practitioner, status="pending")
    practitioner_refresh_summary(practitioner=practitioner)
    assert stored(practitioner)["review_count"] == 0
    review.status = "published"
    review.save()
    practitioner_refresh_summary(practitioner=practitioner)
    assert stored(practitioner)["review_count"] == 1


def test_refresh_takes_the_badge_away_when_a_document_lapses():
    practitioner = make_vetted_practitioner()
    practitioner.certifications.update(expires_on=date.today())
    practitioner_refresh_summary(practitioner=practitioner)
    values = stored(practitioner)
    assert (values["is_vetted"], values["vetted_until"]) == (False, None)
    assert list(Practitioner.objects.vetted()) == []


def test_refresh_of_a_suspended_practitioner_clears_the_badge():
    practitioner = make_vetted_practitioner()
    # The database refuses a vetted practitioner who is not published, so the status and
    # the summary change together.
    Practitioner.objects.filter(pk=practitioner.pk).update(status="suspended", is_vetted=False)
    practitioner_refresh_summary(practitioner=practitioner)
    assert stored(practitioner)["is_vetted"] is False


def test_refresh_counts_only_approved_healed_items(practitioner):
    PortfolioItemFactory(practitioner=practitioner)
    PortfolioItemFactory(practitioner=practitioner, status="pending")
    PortfolioItemFactory(practitioner=practitioner, status="rejected", reason="Not SMP.")
    PortfolioItemFactory(practitioner=practitioner, stage="before", months_since_treatment=None)
    practitioner_refresh_summary(practitioner=practitioner)
    assert stored(practitioner)["healed_count"] == 1


def test_refresh_uses_the_regional_price_median():
    practitioner = make_vetted_practitioner()
    practitioner.clinics.update(price_min=200, price_max=None)
    for _ in range(4):
        ClinicFactory(price_min=900)
    invalidate_price_medians()
    checklist = practitioner_refresh_summary(practitioner=practitioner)
    assert checklist.red_flags == ["The price ($200) is far below the usual $900 a session in Florida."]
    assert stored(practitioner)["is_vetted"] is False


def test_batch_refresh_writes_what_the_single_refresh_writes():
    vetted = make_vetted_practitioner()
    verified_review(vetted, rating=4)
    plain = PractitionerFactory()
    ReviewFactory(practitioner=plain, rating=2)
    ReviewFactory(practitioner=plain, rating=3, status="pending")
    CertificationFactory(practitioner=plain)
    LicenceFactory(practitioner=plain, verified=True)
    PortfolioItemFactory(practitioner=plain)

    for practitioner in (vetted, plain):
        practitioner_refresh_summary(practitioner=practitioner)
    single = {p.pk: stored(p) for p in (vetted, plain)}
    Practitioner.objects.update(
        is_vetted=False, vetted_until=None, verified_count=0, healed_count=0, search_document=""
    )
    Practitioner.objects.update(review_count=0, verified_review_count=0, rating_average=None)

    assert practitioners_refresh_summaries() == 2
    assert {p.pk: stored(p) for p in (vetted, plain)} == single
    assert single[vetted.pk]["is_vetted"] and not single[plain.pk]["is_vetted"]


# The regional price median cache


def test_price_medians_need_five_clinics_and_are_cached_until_invalidated(django_assert_num_queries):
    for price in (700, 800, 900, 1000):
        ClinicFactory(price_min=price, price_max=None)
    ClinicFactory(price_min=None)  # no price: not counted
    invalidate_price_medians()
    assert ("US", "FL", "USD") not in regional_price_medians()

    ClinicFactory(price_min=600)
    assert ("US", "FL", "USD") not in regional_price_medians()  # still the cached answer
    with django_assert_num_queries(0):
        regional_price_medians()

    invalidate_price_medians()
    with django_assert_num_queries(1):
        medians = regional_price_medians()
    assert medians[("US", "FL", "USD")] == 800


def test_price_medians_are_per_region_and_currency():
    for price in (100, 200, 300, 400, 500):
        ClinicFactory(
            price_min=price, price_max=None, country="GB", region="ENG", city="Leeds", currency="GBP"
        )
    for price in (1000, 1000, 1000, 1000, 2000, 2000):
        ClinicFactory(price_min=price, price_max=None)
    invalidate_price_medians()
    medians = regional_price_medians()
    assert medians == {("GB", "ENG", "GBP"): 300, ("US", "FL", "USD"): 1000}
