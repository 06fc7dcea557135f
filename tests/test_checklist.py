"""The vetting checklist: each of the 12 items in each state it can take, the red-flag rules
one by one, the Vetted verdict, expiry, and that it is computed without queries."""

from datetime import date, datetime, timedelta

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from practitioners.checklist import HEALED_ITEMS_NEEDED, State, build_checklist
from practitioners.models import JurisdictionRule, Practitioner
from practitioners.services import jurisdiction_for, regional_price_medians

from .factories import (
    CertificationFactory,
    ClinicFactory,
    LicenceFactory,
    PortfolioItemFactory,
    PractitionerFactory,
    UserFactory,
)

pytestmark = pytest.mark.django_db

TODAY = date.today()
DAY = timedelta(days=1)
ITEM_KEYS = [
    "certification",
    "training",
    "licence",
    "healed",
    "hygiene",
    "pigment",
    "consultation",
    "sessions",
    "aftercare",
    "experience",
    "reviews",
    "red_flags",
]
PLACES = {
    # (country, region, city, currency)
    "Miami": ("US", "FL", "Miami", "USD"),
    "Austin": ("US", "TX", "Austin", "USD"),
    "Newark": ("US", "NJ", "Newark", "USD"),
    "Atlanta": ("US", "GA", "Atlanta", "USD"),  # Georgia: no shipped rule
    "London": ("GB", "ENG", "London", "GBP"),
    "Leeds": ("GB", "ENG", "Leeds", "GBP"),
}


def clinic_in(place: str, **fields):
    country, region, city, currency = PLACES[place]
    return ClinicFactory(
        country=country,
        region=region,
        city=city,
        currency=currency,
        jurisdiction=jurisdiction_for(country=country, region=region, city=city),
        **fields,
    )


def checklist(practitioner, *, medians=None, today=TODAY):
    fresh = Practitioner.objects.for_checklist().get(pk=practitioner.pk)
    return build_checklist(fresh, medians=medians, today=today)


def healed_items(practitioner, count=HEALED_ITEMS_NEEDED, **fields):
    months = [6, 9, 14, 18, 24]
    return [
        PortfolioItemFactory(practitioner=practitioner, months_since_treatment=months[i % 5], **fields)
        for i in range(count)
    ]


def well_documented(place="Miami", *, practitioner_licence=True, premises_licence=True, **fields):
    """A published practitioner at one clinic in `place` with what the badge needs there."""
    clinic = clinic_in(place)
    practitioner = PractitionerFactory(clinics=[clinic], **fields)
    CertificationFactory(practitioner=practitioner, verified=True)
    if practitioner_licence:
        LicenceFactory(practitioner=practitioner, verified=True, jurisdiction=clinic.jurisdiction)
    if premises_licence:
        LicenceFactory(clinic=clinic, premises=True, verified=True, jurisdiction=clinic.jurisdiction)
    healed_items(practitioner)
    return practitioner


def test_the_checklist_has_the_twelve_items_in_order(practitioner):
    result = checklist(practitioner)
    assert [item.key for item in result] == ITEM_KEYS
    assert [item.number for item in result] == list(range(1, 13))
    assert all(item.title and item.summary for item in result)
    assert result["healed"].number == 4
    with pytest.raises(KeyError):
        result["price"]


# 1. SMP certification


def test_certification_verified_with_who_checked_it_when_and_until_when(practitioner):
    reviewer = UserFactory(first_name="Dana", last_name="Reyes", is_staff=True)
    decided = timezone.make_aware(datetime(2026, 3, 2, 15, 0))
    certificate = CertificationFactory(
        practitioner=practitioner,
        verified=True,
        reviewer=reviewer,
        decided_at=decided,
        issuing_body="Northern SMP Academy",
        certificate_number="NSA-77",
        issued_on=date(2025, 1, 10),
        expires_on=TODAY + 100 * DAY,
    )
    item = checklist(practitioner)["certification"]
    assert item.state == State.VERIFIED
    assert "Northern SMP Academy" in item.summary
    (evidence,) = item.evidence
    assert evidence.text == "Northern SMP Academy certificate no. NSA-77, issued 10 Jan 2025"
    assert evidence.verified_by == "Dana Reyes"
    assert evidence.verified_on == decided.date()
    assert evidence.expires_on == certificate.expires_on


def test_certification_checked_by_a_reviewer_without_a_name_is_credited_to_staff(practitioner):
    CertificationFactory(
        practitioner=practitioner, verified=True, reviewer=UserFactory(first_name="", last_name="")
    )
    assert checklist(practitioner)["certification"].evidence[0].verified_by == "smpfinder staff"


@pytest.mark.parametrize("status", ["pending", "more_info"])
def test_certification_sent_but_not_checked_is_stated(practitioner, status):
    CertificationFactory(practitioner=practitioner, status=status, reason="Send the back page.")
    item = checklist(practitioner)["certification"]
    assert item.state == State.STATED
    assert "not checked yet" in item.summary
    assert item.evidence[0].verified_by == ""
    assert item.evidence[0].verified_on is None


def test_certification_missing_when_none_was_sent(practitioner):
    item = checklist(practitioner)["certification"]
    assert item.state == State.MISSING
    assert item.summary == "No SMP certificate has been sent to us."
    assert item.evidence == ()


def test_certification_missing_when_the_only_one_was_rejected(practitioner):
    CertificationFactory(practitioner=practitioner, status="rejected", reason="Not a certificate.")
    assert checklist(practitioner)["certification"].state == State.MISSING


@pytest.mark.parametrize(
    "fields",
    [
        {"verified": True, "expires_on": TODAY},  # verified, lapses today
        {"verified": True, "expires_on": TODAY - 30 * DAY},
        {"status": "expired", "expires_on": TODAY - DAY},
    ],
    ids=["expires-today", "expired-last-month", "marked-expired"],
)
def test_certification_missing_once_it_has_expired(practitioner, fields):
    CertificationFactory(practitioner=practitioner, issued_on=TODAY - 400 * DAY, **fields)
    item = checklist(practitioner)["certification"]
    assert item.state == State.MISSING
    assert item.summary == "The certificate we checked has expired."


def test_certification_waiting_but_already_expired_is_missing(practitioner):
    CertificationFactory(practitioner=practitioner, issued_on=TODAY - 400 * DAY, expires_on=TODAY)
    assert checklist(practitioner)["certification"].state == State.MISSING


def test_certification_expiring_tomorrow_still_counts_today(practitioner):
    CertificationFactory(practitioner=practitioner, verified=True, expires_on=TODAY + DAY)
    assert checklist(practitioner)["certification"].state == State.VERIFIED
    assert checklist(practitioner, today=TODAY + DAY)["certification"].state == State.MISSING


# 2. Training background


def test_training_missing_when_no_trainer_is_given(practitioner):
    practitioner.trainer = ""
    practitioner.save()
    item = checklist(practitioner)["training"]
    assert item.state == State.MISSING
    assert item.summary == "The clinic has not said who trained this practitioner."


def test_training_stated_with_trainer_hours_and_live_models(practitioner):
    item = checklist(practitioner)["training"]
    assert item.state == State.STATED
    assert item.summary == "Trained by Northern SMP Academy, 120 hours of training, 12 live models."
    assert item.evidence == ()


def test_training_verified_by_a_checked_certificate_from_the_same_trainer(practitioner):
    CertificationFactory(practitioner=practitioner, verified=True, issuing_body=" northern smp ACADEMY ")
    item = checklist(practitioner)["training"]
    assert item.state == State.VERIFIED
    assert item.evidence[0].verified_by
    assert item.evidence[0].text == "Certificate issued by Northern SMP Academy"


@pytest.mark.parametrize(
    "fields",
    [
        {"verified": True, "issuing_body": "Another Academy"},
        {"status": "pending", "issuing_body": "Northern SMP Academy"},
    ],
    ids=["other-issuer", "not-yet-checked"],
)
def test_training_only_stated_without_a_checked_certificate_from_that_trainer(practitioner, fields):
    CertificationFactory(practitioner=practitioner, **fields)
    assert checklist(practitioner)["training"].state == State.STATED


# 3. Licence for where they work


def test_licence_verified_with_the_rule_its_source_and_the_licences():
    practitioner = well_documented("Miami")
    rule = JurisdictionRule.objects.get(country="US", region="FL")
    item = checklist(practitioner)["licence"]
    assert item.state == State.VERIFIED
    rule_evidence = item.evidence[0]
    assert rule_evidence.text == (
        "Florida requires a practitioner licence and requires a premises licence for SMP."
    )
    assert rule_evidence.source_url == rule.source_url
    assert rule_evidence.source_url.startswith("https://")
    assert rule_evidence.verified_on == rule.last_reviewed
    licences = item.evidence[1:]
    assert [e.text.split(" ")[0] for e in licences] == ["Practitioner", "Premises"]
    assert all(e.verified_by and e.verified_on and e.expires_on for e in licences)
    assert "It is on display at the premises." in licences[1].text


def test_licence_not_on_display_says_nothing_about_display():
    practitioner = well_documented("Miami", premises_licence=False)
    LicenceFactory(
        clinic=practitioner.clinics.get(), premises=True, verified=True, displayed_at_premises=False
    )
    item = checklist(practitioner)["licence"]
    assert item.state == State.VERIFIED
    premises = item.evidence[2]
    assert premises.text.startswith("Premises (establishment) licence")
    assert "on display" not in premises.text


def test_licence_stated_while_one_waits_for_staff():
    practitioner = well_documented("Miami", practitioner_licence=False)
    LicenceFactory(practitioner=practitioner)  # pending
    item = checklist(practitioner)["licence"]
    assert item.state == State.STATED
    assert "A practitioner licence for Miami was sent and is not checked yet." in [
        e.text for e in item.evidence
    ]


@pytest.mark.parametrize(
    "fields",
    [
        None,
        {"status": "rejected", "reason": "Wrong name."},
        {"verified": True, "expires_on": TODAY},
        {"verified": True, "jurisdiction": "TX"},  # a Texas licence does not cover Florida
    ],
    ids=["none", "rejected", "expires-today", "other-state"],
)
def test_licence_missing_without_a_valid_one_for_that_place(fields):
    practitioner = well_documented("Miami", practitioner_licence=False)
    if fields is not None:
        if fields.get("jurisdiction") == "TX":
            fields["jurisdiction"] = JurisdictionRule.objects.get(region="TX")
        LicenceFactory(practitioner=practitioner, issued_on=TODAY - 400 * DAY, **fields)
    item = checklist(practitioner)["licence"]
    assert item.state == State.MISSING
    assert "No valid practitioner licence for Miami." in [e.text for e in item.evidence]


def test_licence_missing_when_no_clinic_is_listed():
    practitioner = PractitionerFactory(clinics=[])
    item = checklist(practitioner)["licence"]
    assert item.state == State.MISSING
    assert item.summary == "No clinic address is listed."


def test_licence_needed_at_every_clinic():
    practitioner = well_documented("Miami")
    practitioner.clinics.add(clinic_in("London"))
    assert checklist(practitioner)["licence"].state == State.MISSING  # no London premises licence
    LicenceFactory(clinic=practitioner.clinics.get(city="London"), premises=True, verified=True)
    assert checklist(practitioner)["licence"].state == State.VERIFIED


def test_licence_verified_where_the_rule_requires_none():
    rule = JurisdictionRule.objects.create(
        country="US",
        region="GA",
        practitioner_licence="not_required",
        establishment_licence="not_required",
        licence_displayed="not_required",
        source_url="https://example.org/georgia",
        last_reviewed=TODAY,
    )
    practitioner = PractitionerFactory(clinics=[clinic_in("Atlanta")])
    item = checklist(practitioner)["licence"]
    assert item.state == State.VERIFIED
    assert item.summary == "No licence is required where this practitioner works."
    assert item.evidence[0].source_url == rule.source_url


# 4. Healed results


def test_healed_verified_with_three_approved_healed_results(practitioner):
    healed_items(practitioner)
    item = checklist(practitioner)["healed"]
    assert item.state == State.VERIFIED
    assert item.summary == "3 healed results, 6 to 14 months after treatment, checked by our staff."


@pytest.mark.parametrize(
    ("approved", "pending"),
    [(2, 0), (0, 3), (2, 1), (1, 0)],
)
def test_healed_stated_until_three_are_approved(practitioner, approved, pending):
    healed_items(practitioner, approved)
    healed_items(practitioner, pending, status="pending")
    item = checklist(practitioner)["healed"]
    assert item.state == State.STATED
    assert item.summary.startswith(
        f"{approved + pending} healed result{'' if approved + pending == 1 else 's'} sent"
    )


def test_healed_rejected_items_do_not_count(practitioner):
    healed_items(practitioner, 2)
    healed_items(practitioner, 3, status="rejected", reason="Not this practitioner's work.")
    assert checklist(practitioner)["healed"].state == State.STATED


def test_healed_missing_and_called_out_with_only_fresh_photos(practitioner):
    PortfolioItemFactory(practitioner=practitioner, stage="fresh", months_since_treatment=None)
    item = checklist(practitioner)["healed"]
    assert item.state == State.MISSING
    assert "Fresh work always looks sharper than it will once healed." in item.summary


@pytest.mark.parametrize("stage", [None, "before"])
def test_healed_missing_without_healed_or_fresh_photos(practitioner, stage):
    if stage:
        PortfolioItemFactory(practitioner=practitioner, stage=stage, months_since_treatment=None)
    item = checklist(practitioner)["healed"]
    assert item.state == State.MISSING
    assert item.summary == "No healed results to look at."


# 5. Hygiene


def test_hygiene_stated_when_the_clinic_attests_all_basics(practitioner):
    item = checklist(practitioner)["hygiene"]
    assert item.state == State.STATED
    assert "sink" in item.summary and "single-use" in item.summary and "gloves" in item.summary


@pytest.mark.parametrize("field", ["sink_in_treatment_rooms", "single_use_needles", "gloves_and_mask"])
def test_hygiene_missing_when_the_clinic_says_no_to_a_basic(field):
    practitioner = PractitionerFactory(clinics=[ClinicFactory(**{field: False})])
    item = checklist(practitioner)["hygiene"]
    assert item.state == State.MISSING
    assert item.summary.startswith("The clinic does not confirm all of the basics")


@pytest.mark.parametrize("field", ["sink_in_treatment_rooms", "single_use_needles", "gloves_and_mask"])
def test_hygiene_missing_when_the_clinic_has_not_said(field):
    practitioner = PractitionerFactory(clinics=[ClinicFactory(**{field: None})])
    item = checklist(practitioner)["hygiene"]
    assert item.state == State.MISSING
    assert item.summary == "The clinic has not told us about its hygiene."


def test_hygiene_must_be_attested_at_every_clinic():
    practitioner = PractitionerFactory(clinics=[ClinicFactory(), ClinicFactory(gloves_and_mask=None)])
    assert checklist(practitioner)["hygiene"].state == State.MISSING


def test_hygiene_missing_without_a_clinic():
    assert checklist(PractitionerFactory(clinics=[]))["hygiene"].state == State.MISSING


# 6. SMP-specific pigment


def test_pigment_stated_with_its_brand(practitioner):
    item = checklist(practitioner)["pigment"]
    assert item.state == State.STATED
    assert item.summary == "Uses pigment made for SMP (Scalp Pigment Co)."


def test_pigment_tattoo_ink_is_a_red_flag():
    item = checklist(PractitionerFactory(pigment="tattoo_ink"))["pigment"]
    assert item.state == State.RED_FLAG
    assert "tattoo ink" in item.summary


def test_pigment_missing_when_not_said():
    item = checklist(PractitionerFactory(pigment=""))["pigment"]
    assert item.state == State.MISSING


# 7. Consultation


def test_consultation_stated_free_and_covering_the_assessment(practitioner):
    item = checklist(practitioner)["consultation"]
    assert item.state == State.STATED
    assert item.summary == (
        "Consultation (free) covering your hair-loss pattern, skin tone and hairline design."
    )


def test_consultation_stated_paid_without_saying_what_it_covers():
    clinic = ClinicFactory(consultation="paid", consultation_price=60, consultation_covers_assessment=None)
    item = checklist(PractitionerFactory(clinics=[clinic]))["consultation"]
    assert item.state == State.STATED
    assert item.summary == "Consultation offered ($60); the clinic has not said what it covers."


@pytest.mark.parametrize("consultation", ["none", ""])
def test_consultation_missing_when_none_is_offered(consultation):
    item = checklist(PractitionerFactory(clinics=[ClinicFactory(consultation=consultation)]))["consultation"]
    assert item.state == State.MISSING


# 8. Treatment over several sessions


def test_sessions_stated_when_several_are_planned(practitioner):
    item = checklist(practitioner)["sessions"]
    assert (item.state, item.summary) == (State.STATED, "Usually 3 sessions.")


def test_sessions_single_session_is_a_red_flag():
    assert checklist(PractitionerFactory(typical_sessions=1))["sessions"].state == State.RED_FLAG


def test_sessions_missing_when_not_said():
    assert checklist(PractitionerFactory(typical_sessions=None))["sessions"].state == State.MISSING


# 9. Written aftercare


def test_aftercare_stated_when_written_instructions_are_given(practitioner):
    assert checklist(practitioner)["aftercare"].state == State.STATED


@pytest.mark.parametrize("value", [False, None])
def test_aftercare_missing_otherwise(value):
    assert checklist(PractitionerFactory(written_aftercare=value))["aftercare"].state == State.MISSING


# 10. Experience


@pytest.mark.parametrize(
    ("years", "procedures", "summary"),
    [
        (6, 450, "6 years practising, about 450 procedures."),
        (1, None, "1 year practising."),
        (None, 1200, "About 1,200 procedures."),
        (0, None, "0 years practising."),
    ],
)
def test_experience_stated(years, procedures, summary):
    practitioner = PractitionerFactory(years_practising=years, procedures_performed=procedures)
    item = checklist(practitioner)["experience"]
    assert (item.state, item.summary) == (State.STATED, summary)


def test_experience_missing_when_nothing_is_given():
    practitioner = PractitionerFactory(years_practising=None, procedures_performed=None)
    assert checklist(practitioner)["experience"].state == State.MISSING


# 11. Independent reviews (from the stored counts of published reviews)


def _with_reviews(practitioner, count, verified, average):
    Practitioner.objects.filter(pk=practitioner.pk).update(
        review_count=count, verified_review_count=verified, rating_average=average
    )
    return practitioner


def test_reviews_missing_without_any(practitioner):
    item = checklist(practitioner)["reviews"]
    assert (item.state, item.summary) == (State.MISSING, "No independent reviews yet.")


def test_reviews_stated_when_none_come_from_verified_clients(practitioner):
    item = checklist(_with_reviews(practitioner, 1, 0, "4.00"))["reviews"]
    assert (item.state, item.summary) == (
        State.STATED,
        "1 review, average 4.0 of 5; 0% from verified clients.",
    )


def test_reviews_verified_when_some_come_from_verified_clients(practitioner):
    item = checklist(_with_reviews(practitioner, 3, 2, "4.67"))["reviews"]
    assert (item.state, item.summary) == (
        State.VERIFIED,
        "3 reviews, average 4.7 of 5; 67% from verified clients.",
    )


# 12. Red flags: each rule on its own


def _flags(practitioner, medians=None):
    result = checklist(practitioner, medians=medians)
    assert (result["red_flags"].state == State.RED_FLAG) == bool(result.red_flags)
    assert [e.text for e in result["red_flags"].evidence] == result.red_flags
    return result.red_flags


def test_no_red_flags_is_verified(practitioner):
    PortfolioItemFactory(practitioner=practitioner)
    result = checklist(practitioner)
    assert result.red_flags == []
    assert result["red_flags"].state == State.VERIFIED
    assert result["red_flags"].summary == "We found none of the warning signs we look for."


PROMISES = [
    ("Instant results, no downtime.", "instant results"),
    ("See results instantly.", "instant results"),
    ("Results are immediate.", "instant results"),
    ("Walk out with immediately fuller hair.", "instant results"),
    ("An overnight transformation.", "instant results"),
    ("Instantly thicker, fuller hair.", "instant results"),
    ("Done in one session.", "a single session"),
    ("A single-session treatment.", "a single session"),
    ("All it takes is 1 visit.", "a single session"),
    ("Just one appointment!", "a single session"),
    ("Permanent results.", "a permanent result"),
    ("A permanently dense look.", "a permanent result"),
    ("Pigment that will never fade.", "a permanent result"),
    ("It lasts forever.", "a permanent result"),
    ("No pain, permanent results!", "a permanent result"),
]


@pytest.mark.parametrize(("bio", "promise"), PROMISES)
def test_red_flag_for_a_promise_in_the_profile_text(bio, promise):
    practitioner = PractitionerFactory(bio=f"Friendly studio. {bio} Free parking.")
    PortfolioItemFactory(practitioner=practitioner)
    assert _flags(practitioner) == [f"The profile promises {promise}."]


NEAR_MISSES = [
    "We use semi-permanent pigment.",
    "Semi permanent pigment, topped up every few years.",
    "Results build over several sessions.",
    "Each session lasts about three hours.",
    "Most clients need two or three sessions.",
    "SMP always takes more than one session.",
    "You will need at least one touch-up session.",
    "We book one session at a time.",
    "One of the first SMP studios in the state.",
    "Immediately after treatment, do not wash your hair.",
    "Keep the scalp dry overnight and do not wash your hair for four days.",
    "Results are not instant: they build over several sessions.",
    "We never promise instant results.",
    "SMP is not permanent: it softens over the years.",
    "Pigment designed to fade gradually rather than permanently discolour.",
    "Certified Permanent Cosmetic Professional (CPCP).",
]


@pytest.mark.parametrize("bio", NEAR_MISSES)
def test_no_red_flag_for_careful_wording(bio):
    practitioner = PractitionerFactory(bio=bio)
    PortfolioItemFactory(practitioner=practitioner)
    assert _flags(practitioner) == []


def test_several_promises_are_each_named():
    practitioner = PractitionerFactory(bio="Instant results in one session, permanent and natural.")
    PortfolioItemFactory(practitioner=practitioner)
    assert _flags(practitioner) == [
        "The profile promises instant results.",
        "The profile promises a single session.",
        "The profile promises a permanent result.",
    ]


def _region_with_prices(own_price, other_prices, **clinic_fields):
    for price in other_prices:
        ClinicFactory(price_min=price, price_max=None)
    practitioner = PractitionerFactory(
        clinics=[ClinicFactory(price_min=own_price, price_max=None, **clinic_fields)]
    )
    PortfolioItemFactory(practitioner=practitioner)
    return practitioner


def test_red_flag_for_a_price_far_below_the_regional_median():
    practitioner = _region_with_prices(399, [800, 800, 800, 900])
    medians = regional_price_medians()
    assert medians[("US", "FL", "USD")] == 800
    assert _flags(practitioner, medians) == [
        "The price ($399) is far below the usual $800 a session in Florida."
    ]


def test_no_red_flag_for_a_price_at_half_the_regional_median():
    practitioner = _region_with_prices(400, [800, 800, 800, 900])
    assert _flags(practitioner, regional_price_medians()) == []


def test_no_price_red_flag_with_fewer_than_five_clinics_in_the_region():
    practitioner = _region_with_prices(100, [800, 800, 900])
    assert ("US", "FL", "USD") not in regional_price_medians()
    assert _flags(practitioner, regional_price_medians()) == []


def test_price_median_is_per_region_and_currency():
    for _ in range(5):
        clinic_in("London", price_min=300, price_max=None)
    practitioner = _region_with_prices(120, [])  # Florida, USD: London's pounds do not count
    assert _flags(practitioner, regional_price_medians()) == []


def test_no_price_red_flag_when_the_clinic_gives_no_price():
    practitioner = _region_with_prices(None, [800, 800, 800, 900, 900])
    assert _flags(practitioner, regional_price_medians()) == []


def test_red_flag_for_no_portfolio_at_all(practitioner):
    assert _flags(practitioner) == ["There is no portfolio at all."]


def test_a_single_fresh_photo_is_a_portfolio(practitioner):
    PortfolioItemFactory(practitioner=practitioner, stage="fresh", months_since_treatment=None)
    assert _flags(practitioner) == []


def test_red_flag_for_tattoo_ink():
    practitioner = PractitionerFactory(pigment="tattoo_ink")
    PortfolioItemFactory(practitioner=practitioner)
    assert _flags(practitioner) == ["Tattoo ink is used instead of SMP pigment."]


def test_red_flag_for_a_single_planned_session():
    practitioner = PractitionerFactory(typical_sessions=1)
    PortfolioItemFactory(practitioner=practitioner)
    assert _flags(practitioner) == ["Treatment is planned as a single session."]


def test_no_red_flag_for_two_planned_sessions():
    practitioner = PractitionerFactory(typical_sessions=2)
    PortfolioItemFactory(practitioner=practitioner)
    assert _flags(practitioner) == []


# The Vetted verdict


def test_vetted_in_florida_with_certificate_healed_results_both_licences_and_hygiene():
    result = checklist(well_documented("Miami"))
    assert result.vetted
    assert result.red_flags == []
    assert {item.key for item in result.open_items} == {
        "hygiene",
        "pigment",
        "consultation",
        "sessions",
        "aftercare",
        "experience",
        "reviews",
    }
    assert result.verified_count == 5  # certification, training, licence, healed, no red flags


@pytest.mark.parametrize("missing", ["practitioner_licence", "premises_licence"])
def test_not_vetted_in_florida_without_either_licence(missing):
    result = checklist(well_documented("Miami", **{missing: False}))
    assert result["licence"].state == State.MISSING
    assert not result.vetted


def test_vetted_in_london_with_the_premises_licence_only():
    practitioner = well_documented("London", practitioner_licence=False)
    result = checklist(practitioner)
    assert practitioner.clinics.get().jurisdiction.locality == "London"
    assert result["licence"].evidence[0].text == (
        "England (London) does not require a practitioner licence and requires a premises licence for SMP."
    )
    assert result.vetted


def test_not_vetted_in_london_without_the_premises_licence():
    result = checklist(well_documented("London", practitioner_licence=False, premises_licence=False))
    assert not result.vetted


def test_elsewhere_in_england_a_practitioner_registration_is_needed_too():
    assert not checklist(well_documented("Leeds", practitioner_licence=False)).vetted
    assert checklist(well_documented("Leeds")).vetted


def test_texas_rule_unclear_about_practitioners_still_needs_a_practitioner_licence():
    assert not checklist(well_documented("Austin", practitioner_licence=False)).vetted
    assert checklist(well_documented("Austin")).vetted


def test_new_jersey_local_rule_still_needs_a_practitioner_licence():
    assert not checklist(well_documented("Newark", practitioner_licence=False)).vetted
    assert checklist(well_documented("Newark")).vetted


def test_without_a_shipped_rule_a_practitioner_licence_is_still_needed():
    practitioner = well_documented("Atlanta", practitioner_licence=False, premises_licence=False)
    assert practitioner.clinics.get().jurisdiction is None
    result = checklist(practitioner)
    assert result["licence"].evidence[0].text == "We have no licensing rule on file for Georgia."
    assert not result.vetted
    LicenceFactory(practitioner=practitioner, verified=True, jurisdiction=None)
    assert checklist(practitioner).vetted  # no premises licence asked for without a rule


@pytest.mark.parametrize(
    "fields",
    [
        {"pigment": ""},
        {"typical_sessions": None},
        {"written_aftercare": None},
        {"years_practising": None, "procedures_performed": None},
        {"trainer": ""},
    ],
)
def test_vetted_does_not_need_the_other_items(fields):
    assert checklist(well_documented("Miami", **fields)).vetted


def test_not_vetted_with_the_certificate_only_stated():
    practitioner = well_documented("Miami")
    practitioner.certifications.update(status="pending", reviewer=None, decided_at=None)
    assert checklist(practitioner)["certification"].state == State.STATED
    assert not checklist(practitioner).vetted


def test_not_vetted_with_fewer_than_three_approved_healed_results():
    practitioner = well_documented("Miami")
    practitioner.portfolio_items.filter(pk=practitioner.portfolio_items.first().pk).update(status="pending")
    assert checklist(practitioner)["healed"].state == State.STATED
    assert not checklist(practitioner).vetted


def test_not_vetted_with_hygiene_missing():
    practitioner = well_documented("Miami")
    practitioner.clinics.update(single_use_needles=None)
    assert not checklist(practitioner).vetted


@pytest.mark.parametrize(
    "fields",
    [{"bio": "Instant results."}, {"pigment": "tattoo_ink"}, {"typical_sessions": 1}],
)
def test_not_vetted_with_any_red_flag(fields):
    assert not checklist(well_documented("Miami", **fields)).vetted


def test_not_vetted_with_a_price_red_flag():
    practitioner = well_documented("Miami")
    practitioner.clinics.update(price_min=100, price_max=None)
    for _ in range(4):
        ClinicFactory(price_min=900)
    assert checklist(practitioner).vetted  # without the medians there is no comparison
    assert not checklist(practitioner, medians=regional_price_medians()).vetted


@pytest.mark.parametrize("status", ["draft", "suspended"])
def test_not_vetted_unless_published(status):
    assert not checklist(well_documented("Miami", status=status)).vetted


# Expiry


def test_vetted_until_is_the_day_before_the_first_expiry():
    practitioner = well_documented("Miami")
    practitioner.certifications.update(expires_on=TODAY + 90 * DAY)
    practitioner.licences.update(expires_on=TODAY + 40 * DAY)
    practitioner.clinics.get().licences.update(expires_on=TODAY + 60 * DAY)
    assert checklist(practitioner).vetted_until == TODAY + 39 * DAY
    practitioner.clinics.get().licences.update(expires_on=TODAY + 20 * DAY)
    assert checklist(practitioner).vetted_until == TODAY + 19 * DAY
    practitioner.certifications.update(expires_on=TODAY + 5 * DAY)
    assert checklist(practitioner).vetted_until == TODAY + 4 * DAY


def test_certificate_expiring_today_removes_the_badge_today():
    practitioner = well_documented("Miami")
    practitioner.certifications.update(expires_on=TODAY + DAY)
    yesterday = checklist(practitioner, today=TODAY - DAY)
    assert yesterday.vetted
    assert yesterday.vetted_until == TODAY
    today = checklist(practitioner, today=TODAY + DAY)
    assert today["certification"].state == State.MISSING
    assert not today.vetted
    assert today.vetted_until is None


def test_licence_expiring_today_removes_the_badge_today():
    practitioner = well_documented("Miami")
    practitioner.licences.update(expires_on=TODAY)
    result = checklist(practitioner)
    assert result["licence"].state == State.MISSING
    assert not result.vetted


def test_badge_on_documents_that_never_expire_has_no_end():
    practitioner = well_documented("Miami")
    practitioner.certifications.update(expires_on=None)
    practitioner.licences.update(expires_on=None)
    practitioner.clinics.get().licences.update(expires_on=None)
    result = checklist(practitioner)
    assert result.vetted
    assert result.vetted_until is None


def test_a_second_certificate_keeps_the_badge_until_the_later_one_expires():
    practitioner = well_documented("Miami", practitioner_licence=False, premises_licence=False)
    practitioner.clinics.update(jurisdiction=JurisdictionRule.objects.get(locality="London"))
    LicenceFactory(clinic=practitioner.clinics.get(), premises=True, verified=True, expires_on=None)
    practitioner.certifications.update(expires_on=TODAY + 10 * DAY)
    CertificationFactory(practitioner=practitioner, verified=True, expires_on=TODAY + 300 * DAY)
    assert checklist(practitioner).vetted_until == TODAY + 299 * DAY


def test_a_renewed_licence_keeps_the_badge_past_the_old_licence_expiry():
    practitioner = well_documented("Miami")
    practitioner.certifications.update(expires_on=None)
    practitioner.clinics.get().licences.update(expires_on=None)
    practitioner.licences.update(expires_on=TODAY + 10 * DAY)
    renewed = LicenceFactory(practitioner=practitioner, verified=True, expires_on=TODAY + 400 * DAY)
    result = checklist(practitioner)
    assert result.vetted_until == TODAY + 399 * DAY
    assert renewed.licence_number in result["licence"].evidence[1].text


# Queries


@pytest.mark.parametrize("count", [1, 20])
def test_build_checklist_makes_no_queries(django_assert_num_queries, count):
    practitioner = well_documented("Miami", practitioner_licence=False, premises_licence=False)
    clinic = practitioner.clinics.get()
    practitioner.clinics.add(clinic_in("London"))
    for _ in range(count):
        CertificationFactory(practitioner=practitioner, verified=True)
        LicenceFactory(practitioner=practitioner, verified=True)
        LicenceFactory(clinic=clinic, premises=True, verified=True)
    healed_items(practitioner, count)
    fresh = Practitioner.objects.for_checklist().get(pk=practitioner.pk)
    medians = regional_price_medians()
    with django_assert_num_queries(0):
        result = build_checklist(fresh, medians=medians, today=TODAY)
        [(item.state, item.summary, item.evidence) for item in result]
        assert result.vetted is False  # the London clinic has no premises licence


def test_for_checklist_fetches_in_the_same_number_of_queries_for_1_and_20():
    def fetch_count(count):
        practitioner = well_documented("Miami")
        clinic = practitioner.clinics.get()
        for _ in range(count - 1):
            CertificationFactory(practitioner=practitioner, verified=True)
            LicenceFactory(practitioner=practitioner, verified=True)
            LicenceFactory(clinic=clinic, premises=True, verified=True)
            practitioner.clinics.add(ClinicFactory())
        healed_items(practitioner, count)
        with CaptureQueriesContext(connection) as queries:
            build_checklist(Practitioner.objects.for_checklist().get(pk=practitioner.pk))
        return len(queries)

    assert fetch_count(1) == fetch_count(20)
