"""Every structural rule is enforced by the database itself, not only by forms.

Each test saves a row that breaks one constraint with `.save()` or `bulk_create` (neither
runs model validation) and expects the database to refuse it. `covers()` records which
constraint a test proves; `test_every_constraint_has_a_test` fails when a model gains a
constraint (or a unique field) that no test here exercises.
"""

from contextlib import contextmanager
from datetime import timedelta
from decimal import Decimal

import pytest
from django.apps import apps
from django.db import IntegrityError, connection, models, transaction
from django.utils import timezone

from practitioners.models import (
    Certification,
    ClaimStatus,
    ClinicMembership,
    CredentialStatus,
    JurisdictionRule,
    Language,
    Licence,
    LicenceKind,
    ListingClaim,
    Practitioner,
    Specialty,
    VerificationEvent,
)
from reviews.models import ConcernReport, ReviewInvite

from .factories import (
    CertificationFactory,
    ClinicFactory,
    ConcernReportFactory,
    LicenceFactory,
    PortfolioItemFactory,
    ReviewFactory,
    ReviewInviteFactory,
    UserFactory,
)
from .factories import TestimonialFactory as MakeTestimonial

pytestmark = pytest.mark.django_db

APPS = ("practitioners", "reviews")
COVERED: set[str] = set()


def covers(*names: str):
    """Record the constraints a test proves (read by the meta-test below)."""
    COVERED.update(names)
    return lambda test: test


def _declared_constraints() -> dict[str, models.BaseConstraint]:
    return {
        constraint.name: constraint
        for app in APPS
        for model in apps.get_app_config(app).get_models()
        for constraint in model._meta.constraints
    }


def _unique_fields() -> set[str]:
    """Single-field uniqueness (unique=True, OneToOneField) as 'Model.field'."""
    return {
        f"{model.__name__}.{field.name}"
        for app in APPS
        for model in apps.get_app_config(app).get_models()
        for field in model._meta.local_fields
        if field.unique and not field.primary_key
    }


@contextmanager
def refused(name: str):
    """The body must fail with an IntegrityError raised by the named constraint."""
    with pytest.raises(IntegrityError) as excinfo, transaction.atomic():
        yield
    message = str(excinfo.value)
    constraint = _declared_constraints().get(name)
    if isinstance(constraint, models.CheckConstraint) or connection.vendor == "postgresql":
        if constraint is not None:
            assert name in message, message
        else:  # a unique field: PostgreSQL names it <table>_<column>_key
            assert "duplicate key" in message and name.split(".")[1] in message, message
    else:
        # SQLite reports unique violations by column (or index, for expressions), not by name.
        assert "UNIQUE constraint failed" in message, message


def save_with(obj, **changes):
    for field, value in changes.items():
        setattr(obj, field, value)
    obj.save()
    return obj


def _rule_fields(**overrides) -> dict:
    fields = dict(
        country="US",
        region="GA",
        locality="",
        practitioner_licence="required",
        establishment_licence="required",
        licence_displayed="unknown",
        source_url="https://example.org/rule",
        last_reviewed=timezone.localdate(),
    )
    return {**fields, **overrides}


# The meta-tests


def test_every_constraint_has_a_test():
    declared = set(_declared_constraints()) | _unique_fields()
    assert sorted(declared - COVERED) == [], "constraints without a test"
    assert sorted(COVERED - declared) == [], "tests for constraints that no longer exist"


def test_every_declared_constraint_exists_in_the_database():
    # A constraint declared on a model but missing from the migrations would pass the
    # meta-test above while protecting nothing.
    with connection.cursor() as cursor:
        for app in APPS:
            for model in apps.get_app_config(app).get_models():
                in_database = connection.introspection.get_constraints(cursor, model._meta.db_table)
                for constraint in model._meta.constraints:
                    assert constraint.name in in_database, constraint.name


# JurisdictionRule


@covers("jurisdiction_unique_place")
def test_second_rule_for_the_same_place_is_refused():
    JurisdictionRule.objects.create(**_rule_fields())
    JurisdictionRule.objects.create(**_rule_fields(locality="Atlanta"))  # a city rule is another place
    with refused("jurisdiction_unique_place"):
        JurisdictionRule.objects.bulk_create([JurisdictionRule(**_rule_fields())])


@covers("jurisdiction_country_valid")
def test_rule_for_an_unlisted_country_is_refused():
    with refused("jurisdiction_country_valid"):
        JurisdictionRule.objects.create(**_rule_fields(country="FR"))


@covers("jurisdiction_requirements_valid")
@pytest.mark.parametrize("field", ["practitioner_licence", "establishment_licence", "licence_displayed"])
def test_rule_with_an_unknown_requirement_is_refused(field):
    with refused("jurisdiction_requirements_valid"):
        JurisdictionRule.objects.create(**_rule_fields(**{field: "maybe"}))


# Clinic and its memberships and claims


@covers("clinic_country_valid")
def test_clinic_in_an_unlisted_country_is_refused(clinic):
    with refused("clinic_country_valid"):
        save_with(clinic, country="FR")


@covers("clinic_coordinates_valid")
@pytest.mark.parametrize(
    "changes",
    [{"latitude": 90.01}, {"latitude": -90.01}, {"longitude": 180.01}, {"longitude": -180.01}],
)
def test_clinic_off_the_globe_is_refused(clinic, changes):
    save_with(clinic, latitude=90, longitude=-180)  # the edges themselves are real places
    with refused("clinic_coordinates_valid"):
        save_with(clinic, **changes)


@covers("clinic_price_range_ordered")
def test_clinic_price_range_upside_down_is_refused(clinic):
    save_with(clinic, price_min=900, price_max=900)
    save_with(clinic, price_min=900, price_max=None)
    with refused("clinic_price_range_ordered"):
        save_with(clinic, price_min=900, price_max=899)


@covers("clinic_paid_consultation_has_price")
def test_paid_consultation_without_a_price_is_refused(clinic):
    save_with(clinic, consultation="paid", consultation_price=50)
    save_with(clinic, consultation="free", consultation_price=None)
    with refused("clinic_paid_consultation_has_price"):
        save_with(clinic, consultation="paid", consultation_price=None)


@covers("clinic_consultation_valid")
def test_unknown_consultation_kind_is_refused(clinic):
    save_with(clinic, consultation="")  # not said
    with refused("clinic_consultation_valid"):
        save_with(clinic, consultation="maybe")


@covers("membership_unique")
def test_second_membership_of_the_same_user_is_refused(clinic, owner):
    with refused("membership_unique"):
        ClinicMembership.objects.create(clinic=clinic, user=owner, role="manager")


@covers("membership_role_valid")
def test_unknown_membership_role_is_refused(clinic):
    with refused("membership_role_valid"):
        ClinicMembership.objects.create(clinic=clinic, user=UserFactory(), role="admin")


def _claim(clinic, user, **fields):
    return ListingClaim.objects.create(clinic=clinic, user=user, message="I run this clinic.", **fields)


@covers("claim_one_pending_per_user")
def test_second_pending_claim_by_the_same_user_is_refused(clinic):
    user = UserFactory()
    _claim(clinic, user, status="rejected", decided_at=timezone.now(), reason="No proof.")
    _claim(clinic, user)  # a new claim after a refusal is allowed
    _claim(ClinicFactory(), user)  # and so is a claim on another clinic
    with refused("claim_one_pending_per_user"):
        _claim(clinic, user)


@covers("claim_status_valid")
def test_unknown_claim_status_is_refused(clinic):
    with refused("claim_status_valid"):
        _claim(clinic, UserFactory(), status="maybe", decided_at=timezone.now())


@covers("claim_decision_has_date")
def test_decided_claim_without_a_date_is_refused(clinic):
    with refused("claim_decision_has_date"):
        _claim(clinic, UserFactory(), status=ClaimStatus.APPROVED)


@covers("claim_rejection_has_reason")
def test_rejected_claim_without_a_reason_is_refused(clinic):
    with refused("claim_rejection_has_reason"):
        _claim(clinic, UserFactory(), status=ClaimStatus.REJECTED, decided_at=timezone.now(), reason="")


# Practitioner


@covers("practitioner_status_valid")
def test_unknown_practitioner_status_is_refused(practitioner):
    with refused("practitioner_status_valid"):
        save_with(practitioner, status="hidden")


@covers("practitioner_pigment_valid")
def test_unknown_pigment_is_refused(practitioner):
    save_with(practitioner, pigment="")  # not said
    with refused("practitioner_pigment_valid"):
        save_with(practitioner, pigment="henna")


@covers("practitioner_sessions_positive")
def test_zero_sessions_is_refused(practitioner):
    save_with(practitioner, typical_sessions=1)  # a red flag, but a fact the clinic may state
    with refused("practitioner_sessions_positive"):
        save_with(practitioner, typical_sessions=0)


@covers("practitioner_rating_in_range")
@pytest.mark.parametrize("rating", [Decimal("0.99"), Decimal("5.01")])
def test_rating_average_outside_one_to_five_is_refused(practitioner, rating):
    save_with(practitioner, rating_average=Decimal("1.00"), review_count=1)
    save_with(practitioner, rating_average=Decimal("5.00"))
    with refused("practitioner_rating_in_range"):
        save_with(practitioner, rating_average=rating)


@covers("practitioner_verified_reviews_subset")
def test_more_verified_reviews_than_reviews_is_refused(practitioner):
    save_with(practitioner, review_count=3, verified_review_count=3)
    with refused("practitioner_verified_reviews_subset"):
        save_with(practitioner, review_count=2, verified_review_count=3)


@covers("practitioner_vetted_only_if_published")
@pytest.mark.parametrize("status", ["draft", "suspended"])
def test_vetted_practitioner_must_be_published(practitioner, status):
    save_with(practitioner, is_vetted=True)
    with refused("practitioner_vetted_only_if_published"):
        save_with(practitioner, status=status)


# Certification and Licence share the credential rules.

CREDENTIALS = [
    pytest.param(CertificationFactory, "certification", id="certification"),
    pytest.param(LicenceFactory, "licence", id="licence"),
]


@covers("certification_status_valid", "licence_status_valid")
@pytest.mark.parametrize(("factory", "prefix"), CREDENTIALS)
def test_unknown_credential_status_is_refused(factory, prefix):
    credential = factory()
    with refused(f"{prefix}_status_valid"):
        save_with(credential, status="lost")


@covers("certification_expiry_after_issue", "licence_expiry_after_issue")
@pytest.mark.parametrize(("factory", "prefix"), CREDENTIALS)
def test_credential_expiring_before_it_is_issued_is_refused(factory, prefix):
    credential = factory()
    issued = credential.issued_on
    save_with(credential, expires_on=None)  # does not expire
    save_with(credential, expires_on=issued + timedelta(days=1))
    with refused(f"{prefix}_expiry_after_issue"):
        save_with(credential, expires_on=issued)


@covers("certification_verified_has_reviewer", "licence_verified_has_reviewer")
@pytest.mark.parametrize(("factory", "prefix"), CREDENTIALS)
@pytest.mark.parametrize("missing", ["reviewer", "decided_at"])
def test_verified_credential_needs_reviewer_and_date(factory, prefix, missing):
    credential = factory(verified=True)
    with refused(f"{prefix}_verified_has_reviewer"):
        save_with(credential, **{missing: None})


@covers("certification_refusal_has_reason", "licence_refusal_has_reason")
@pytest.mark.parametrize(("factory", "prefix"), CREDENTIALS)
@pytest.mark.parametrize("status", [CredentialStatus.REJECTED, CredentialStatus.MORE_INFO])
def test_refused_credential_needs_a_reason(factory, prefix, status):
    credential = factory()
    save_with(credential, status=status, reason="The document is unreadable.")
    with refused(f"{prefix}_refusal_has_reason"):
        save_with(credential, reason="")


@covers("certification_sha256_is_hex", "licence_sha256_is_hex")
@pytest.mark.parametrize(("factory", "prefix"), CREDENTIALS)
@pytest.mark.parametrize(
    "digest",
    ["", "a" * 63, " " + "a" * 63, "A" * 64, "g" * 64],
    ids=["empty", "short", "padded", "uppercase", "not-hex"],
)
def test_credential_digest_must_be_64_lowercase_hex(factory, prefix, digest):
    credential = factory()
    with refused(f"{prefix}_sha256_is_hex"):
        save_with(credential, document_sha256=digest)


@covers("licence_holder_matches_kind")
@pytest.mark.parametrize(
    ("kind", "holder"),
    [
        (LicenceKind.PRACTITIONER, "clinic"),  # a practitioner licence held by premises
        (LicenceKind.PRACTITIONER, "both"),
        (LicenceKind.PRACTITIONER, "none"),
        (LicenceKind.ESTABLISHMENT, "practitioner"),  # a premises licence held by a person
        (LicenceKind.ESTABLISHMENT, "both"),
        (LicenceKind.ESTABLISHMENT, "none"),
        ("other", "practitioner"),
    ],
)
def test_licence_holder_must_match_its_kind(practitioner, clinic, kind, holder):
    licence = LicenceFactory(practitioner=practitioner)
    holders = {
        "clinic": (None, clinic),
        "practitioner": (practitioner, None),
        "both": (practitioner, clinic),
        "none": (None, None),
    }
    person, premises = holders[holder]
    with refused("licence_holder_matches_kind"):
        save_with(licence, kind=kind, practitioner=person, clinic=premises)


def test_licence_holder_matching_its_kind_is_accepted(practitioner, clinic):
    LicenceFactory(practitioner=practitioner)
    LicenceFactory(clinic=clinic, premises=True)
    assert Licence.objects.count() == 2


# Portfolio


@covers("portfolio_stage_valid")
def test_unknown_portfolio_stage_is_refused():
    item = PortfolioItemFactory(stage="fresh", months_since_treatment=None)
    with refused("portfolio_stage_valid"):
        save_with(item, stage="during")


@covers("portfolio_healed_has_months")
def test_healed_item_without_months_since_treatment_is_refused():
    item = PortfolioItemFactory(stage="healed", months_since_treatment=0)
    with refused("portfolio_healed_has_months"):
        save_with(item, months_since_treatment=None)


@covers("portfolio_before_has_no_months")
def test_before_photo_with_months_since_treatment_is_refused():
    item = PortfolioItemFactory(stage="before", months_since_treatment=None)
    with refused("portfolio_before_has_no_months"):
        save_with(item, months_since_treatment=3)


@covers("portfolio_status_valid")
def test_unknown_portfolio_moderation_status_is_refused():
    item = PortfolioItemFactory()
    with refused("portfolio_status_valid"):
        save_with(item, status="hidden")


@covers("portfolio_treatment_type_valid")
def test_unknown_treatment_type_is_refused():
    item = PortfolioItemFactory()
    with refused("portfolio_treatment_type_valid"):
        save_with(item, treatment_type="eyebrows")


@covers("portfolio_rejection_has_reason")
def test_rejected_portfolio_item_without_a_reason_is_refused():
    item = PortfolioItemFactory()
    save_with(item, status="rejected", reason="The client's face is visible.")
    with refused("portfolio_rejection_has_reason"):
        save_with(item, reason="")


# Audit log


@covers("event_has_to_status")
def test_event_without_a_new_status_is_refused(practitioner):
    from django.contrib.contenttypes.models import ContentType

    fields = dict(content_type=ContentType.objects.get_for_model(Practitioner), object_id=practitioner.pk)
    VerificationEvent.objects.create(**fields, to_status="published")
    with refused("event_has_to_status"):
        VerificationEvent.objects.bulk_create(
            [VerificationEvent(**fields, from_status="draft", to_status="")]
        )


# Reviews app


@covers("invite_expires_after_creation")
def test_invite_expiring_when_it_is_created_is_refused(practitioner):
    now = timezone.now()
    with refused("invite_expires_after_creation"):
        ReviewInvite.objects.create(
            practitioner=practitioner, email="a@example.com", created_at=now, expires_at=now
        )


@covers("review_rating_1_to_5")
@pytest.mark.parametrize("rating", [0, 6])
def test_overall_rating_outside_one_to_five_is_refused(rating):
    review = ReviewFactory(rating=1)
    save_with(review, rating=5)
    with refused("review_rating_1_to_5"):
        save_with(review, rating=rating)


SUB_RATINGS = ["naturalness", "hygiene", "consultation", "aftercare", "comfort"]


@covers(*(f"review_rating_{name}_1_to_5" for name in SUB_RATINGS))
@pytest.mark.parametrize("name", SUB_RATINGS)
@pytest.mark.parametrize("rating", [0, 6])
def test_sub_rating_outside_one_to_five_is_refused(name, rating):
    field = f"rating_{name}"
    review = ReviewFactory(**{field: None})  # a sub-rating may be left out
    save_with(review, **{field: 1})
    with refused(f"review_{field}_1_to_5"):
        save_with(review, **{field: rating})


@covers("review_status_valid")
def test_unknown_review_status_is_refused():
    review = ReviewFactory()
    with refused("review_status_valid"):
        save_with(review, status="spam")


@covers("review_one_per_email_per_practitioner")
def test_second_review_from_the_same_email_in_any_case_is_refused(practitioner):
    ReviewFactory(practitioner=practitioner, author_email="Sam@Example.com")
    ReviewFactory(author_email="sam@example.com")  # another practitioner is fine
    with refused("review_one_per_email_per_practitioner"):
        ReviewFactory(practitioner=practitioner, author_email="sam@EXAMPLE.com")


@covers("review_verified_client_needs_invite")
def test_verified_client_review_without_an_invite_is_refused(practitioner):
    invite = ReviewInviteFactory(practitioner=practitioner)
    review = ReviewFactory(practitioner=practitioner, invite=invite, verified_client=True)
    with refused("review_verified_client_needs_invite"):
        save_with(review, invite=None)


@covers("review_moderated_only_after_confirmation")
@pytest.mark.parametrize("status", ["pending", "published", "rejected"])
def test_review_past_confirmation_needs_a_confirmed_email(status):
    review = ReviewFactory(status="unconfirmed", email_confirmed_at=None)
    with refused("review_moderated_only_after_confirmation"):
        save_with(review, status=status)


@covers("review_reply_has_date")
def test_owner_reply_without_a_date_is_refused():
    review = ReviewFactory(owner_reply="Thank you.", owner_reply_at=timezone.now())
    with refused("review_reply_has_date"):
        save_with(review, owner_reply_at=None)


@covers("testimonial_status_valid")
def test_unknown_testimonial_status_is_refused():
    testimonial = MakeTestimonial()
    with refused("testimonial_status_valid"):
        save_with(testimonial, status="featured")


@covers("concern_reason_valid")
def test_unknown_concern_reason_is_refused():
    report = ConcernReportFactory()
    with refused("concern_reason_valid"):
        save_with(report, reason="dislike")


@covers("concern_status_valid")
def test_unknown_concern_status_is_refused():
    report = ConcernReportFactory()
    with refused("concern_status_valid"):
        save_with(report, status="ignored", resolved_at=timezone.now())


@covers("concern_one_target")
def test_concern_about_a_review_and_an_image_at_once_is_refused(practitioner):
    review = ReviewFactory(practitioner=practitioner)
    item = PortfolioItemFactory(practitioner=practitioner)
    ConcernReportFactory(practitioner=practitioner, review=review)
    ConcernReportFactory(practitioner=practitioner, portfolio_item=item)
    with refused("concern_one_target"):
        ConcernReport.objects.bulk_create(
            [ConcernReport(practitioner=practitioner, review=review, portfolio_item=item, reason="other")]
        )


@covers("concern_closed_has_date")
@pytest.mark.parametrize("status", ["resolved", "dismissed"])
def test_closed_concern_without_a_date_is_refused(status):
    report = ConcernReportFactory()
    with refused("concern_closed_has_date"):
        save_with(report, status=status)


# Single-field uniqueness


@covers("Clinic.slug")
def test_clinic_slug_is_unique(clinic):
    with refused("Clinic.slug"):
        ClinicFactory(slug=clinic.slug)


@covers("Practitioner.slug")
def test_practitioner_slug_is_unique(practitioner):
    with refused("Practitioner.slug"):
        Practitioner.objects.bulk_create([Practitioner(name="Someone Else", slug=practitioner.slug)])


@covers("Specialty.slug")
def test_specialty_slug_is_unique():
    with refused("Specialty.slug"):
        Specialty.objects.create(slug="density", name="Density again")


@covers("Language.code")
def test_language_code_is_unique():
    with refused("Language.code"):
        Language.objects.create(code="en", name="English again")


@covers("ReviewInvite.token")
def test_invite_token_is_unique():
    invite = ReviewInviteFactory()
    with refused("ReviewInvite.token"):
        ReviewInviteFactory(token=invite.token)


@covers("Review.invite")
def test_an_invite_gives_one_review_only(practitioner):
    invite = ReviewInviteFactory(practitioner=practitioner)
    ReviewFactory(practitioner=practitioner, invite=invite, verified_client=True)
    with refused("Review.invite"):
        ReviewFactory(practitioner=practitioner, invite=invite, verified_client=True)


def test_certification_and_licence_declare_the_same_credential_rules():
    def rules(model):
        return {c.name.split("_", 1)[1] for c in model._meta.constraints}

    assert rules(Certification) <= rules(Licence)
