"""Licensing rules: the shipped data, how its wording is read, and which rule an address gets."""

import csv
import importlib
from datetime import date

import pytest
from django.apps import apps as django_apps
from django.urls import reverse
from django.utils import timezone

from practitioners.models import Clinic, JurisdictionRule, Requirement
from practitioners.services import (
    clinic_assign_jurisdiction,
    jurisdiction_for,
    jurisdiction_rules_reassign,
    practitioner_refresh_summary,
)

from .factories import (
    CertificationFactory,
    ClinicFactory,
    LicenceFactory,
    PortfolioItemFactory,
    PractitionerFactory,
)

pytestmark = pytest.mark.django_db

reference_data = importlib.import_module("practitioners.migrations.0003_reference_data")
CSV_ROWS = list(csv.DictReader(reference_data.CSV_PATH.open(encoding="utf-8")))


def rule(region: str, locality: str = "") -> JurisdictionRule:
    country = "GB" if region in {"ENG", "SCT", "WLS", "NIR"} else "US"
    return JurisdictionRule.objects.get(country=country, region=region, locality=locality)


# The shipped data


def test_the_migration_loaded_every_row_of_the_csv():
    assert len(CSV_ROWS) == 12
    assert JurisdictionRule.objects.count() == 12
    loaded = set(JurisdictionRule.objects.values_list("country", "region", "locality"))
    assert loaded == {(row["country"], row["region"], row["locality"]) for row in CSV_ROWS}


@pytest.mark.parametrize("row", CSV_ROWS, ids=lambda row: f"{row['region']}-{row['locality'] or 'all'}")
def test_each_rule_keeps_its_sources_and_facts(row):
    loaded = JurisdictionRule.objects.get(
        country=row["country"], region=row["region"], locality=row["locality"]
    )
    sources = [s.strip() for s in row["sources"].split(";")]
    assert loaded.source_url == sources[0]
    assert loaded.other_sources.splitlines() == sources[1:]
    assert all(url.startswith(("https://", "http://")) for url in sources)
    assert loaded.last_reviewed == reference_data.RULES_REVIEWED
    assert isinstance(loaded.last_reviewed, date)
    assert (loaded.regulated_as, loaded.renewal, loaded.confidence, loaded.notes) == (
        row["regulated_as"],
        row["renewal"],
        row["confidence"],
        row["notes"],
    )
    loaded.full_clean()  # every loaded value is one the admin form accepts


def test_rules_with_more_than_one_source_keep_them_all():
    assert rule("FL").other_sources == (
        "https://floridahealth.gov/environmental-health/tattooing/tattoo-establishment.html"
    )
    assert rule("TX").other_sources == ""


@pytest.mark.parametrize(
    ("region", "locality", "field", "choice", "detail"),
    [
        ("TX", "", "practitioner_licence", Requirement.UNCLEAR, ""),
        ("TX", "", "establishment_licence", Requirement.REQUIRED, ""),
        ("ENG", "London", "practitioner_licence", Requirement.NOT_REQUIRED, "premises only"),
        ("ENG", "London", "establishment_licence", Requirement.REQUIRED, ""),
        ("ENG", "(outside London)", "practitioner_licence", Requirement.REQUIRED, "council registration"),
        ("NJ", "", "practitioner_licence", Requirement.LOCAL, "set by the local health department"),
        ("SCT", "", "practitioner_licence", Requirement.REQUIRED, "peripatetic workers"),
        ("SC", "", "establishment_licence", Requirement.UNCLEAR, ""),
        ("OR", "", "establishment_licence", Requirement.UNKNOWN, ""),
        ("FL", "", "licence_displayed", Requirement.UNKNOWN, ""),
        ("NY", "New York City", "licence_displayed", Requirement.REQUIRED, "badge carried while working"),
        ("ENG", "(outside London)", "licence_displayed", Requirement.REQUIRED, "registration and byelaws"),
    ],
)
def test_requirement_wording_is_read_into_a_choice_and_its_detail(region, locality, field, choice, detail):
    loaded = rule(region, locality)
    assert getattr(loaded, field) == choice
    assert getattr(loaded, f"{field}_detail") == detail


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("required", ("required", "")),
        (" Required (council registration) ", ("required", "council registration")),
        ("not required (premises only)", ("not_required", "premises only")),
        ("local", ("local", "set by the local health department")),
        ("unclear", ("unclear", "")),
        ("unknown", ("unknown", "")),
        ("", ("unknown", "")),
        ("badge carried while working", ("required", "badge carried while working")),
    ],
)
def test_requirement_parser(text, expected):
    assert reference_data.requirement(text) == expected


def test_loading_the_rules_again_changes_nothing():
    before = list(JurisdictionRule.objects.order_by("pk").values())
    reference_data.load_rules(django_apps, None)
    assert list(JurisdictionRule.objects.order_by("pk").values()) == before


def test_rule_properties_read_the_choices():
    assert rule("FL").requires_practitioner_licence and rule("FL").requires_establishment_licence
    assert not rule("ENG", "London").requires_practitioner_licence
    assert rule("ENG", "London").practitioner_licence_settled
    assert not rule("TX").practitioner_licence_settled
    assert not rule("NJ").practitioner_licence_settled
    assert str(rule("ENG", "London")) == "England (London)"
    assert str(rule("FL")) == "Florida"


# Which rule an address gets


@pytest.mark.parametrize(
    ("country", "region", "city", "expected"),
    [
        ("GB", "ENG", "London", ("ENG", "London")),
        ("GB", "ENG", "  LONDON ", ("ENG", "London")),
        ("GB", "ENG", "City of London", ("ENG", "London")),
        ("GB", "ENG", "Westminster", ("ENG", "London")),
        ("GB", "ENG", "Manchester", ("ENG", "(outside London)")),
        ("GB", "ENG", "Londonderry", ("ENG", "(outside London)")),
        ("GB", "SCT", "Glasgow", ("SCT", "")),
        ("US", "NY", "New York", ("NY", "New York City")),
        ("US", "NY", "new york city", ("NY", "New York City")),
        ("US", "NY", "Brooklyn", ("NY", "New York City")),
        ("US", "NY", "Staten  Island", ("NY", "New York City")),
        ("US", "TX", "Houston", ("TX", "")),
        ("US", "FL", "Miami", ("FL", "")),
    ],
)
def test_jurisdiction_for_picks_the_most_specific_rule(country, region, city, expected):
    found = jurisdiction_for(country=country, region=region, city=city)
    assert (found.region, found.locality) == expected


@pytest.mark.parametrize(
    ("country", "region", "city"),
    [("US", "NY", "Buffalo"), ("US", "GA", "Atlanta"), ("US", "NY", "")],
)
def test_jurisdiction_for_an_address_without_a_rule_is_none(country, region, city):
    # New York's only rule is New York City's: the rest of the state has none on file.
    assert jurisdiction_for(country=country, region=region, city=city) is None


def test_clinic_assign_jurisdiction_sets_the_rule_without_saving():
    clinic = ClinicFactory(country="GB", region="ENG", city="London", currency="GBP", jurisdiction=None)
    clinic_assign_jurisdiction(clinic=clinic)
    assert clinic.jurisdiction == rule("ENG", "London")
    assert Clinic.objects.get(pk=clinic.pk).jurisdiction is None


def _placed(city, region, country="US"):
    clinic = ClinicFactory(city=city, region=region, country=country, jurisdiction=None)
    clinic_assign_jurisdiction(clinic=clinic)
    clinic.save()
    return clinic


def _new_rule(region, locality="", country="US", **fields):
    return JurisdictionRule.objects.create(
        country=country,
        region=region,
        locality=locality,
        practitioner_licence=fields.pop("practitioner_licence", "required"),
        establishment_licence=fields.pop("establishment_licence", "required"),
        licence_displayed="unknown",
        source_url="https://example.org/new-rule",
        last_reviewed=timezone.localdate(),
        **fields,
    )


def test_reassign_moves_clinics_to_a_rule_staff_add():
    buffalo = _placed("Buffalo", "NY")
    manhattan = _placed("Manhattan", "NY")
    miami = _placed("Miami", "FL")
    assert buffalo.jurisdiction is None
    state_rule = _new_rule("NY")

    assert jurisdiction_rules_reassign(country="US", region="NY") == 1
    buffalo.refresh_from_db()
    manhattan.refresh_from_db()
    miami.refresh_from_db()
    assert buffalo.jurisdiction == state_rule
    assert manhattan.jurisdiction == rule("NY", "New York City")  # the city's own rule still wins
    assert miami.jurisdiction == rule("FL")
    assert jurisdiction_rules_reassign(country="US", region="NY") == 0  # nothing left to move


def test_reassign_moves_a_city_to_its_own_new_rule():
    leeds = _placed("Leeds", "ENG", country="GB")
    london = _placed("London", "ENG", country="GB")
    assert leeds.jurisdiction == rule("ENG", "(outside London)")
    leeds_rule = _new_rule("ENG", "Leeds", country="GB")
    assert jurisdiction_rules_reassign(country="GB", region="ENG") == 1
    leeds.refresh_from_db()
    london.refresh_from_db()
    assert leeds.jurisdiction == leeds_rule
    assert london.jurisdiction == rule("ENG", "London")


def test_reassign_refreshes_the_badge_of_practitioners_there():
    # In Buffalo (no rule) a practitioner licence is needed and no premises licence; a new
    # state rule asking for a premises licence takes the badge away until one is checked.
    clinic = _placed("Buffalo", "NY")
    practitioner = PractitionerFactory(clinics=[clinic])
    CertificationFactory(practitioner=practitioner, verified=True)
    LicenceFactory(practitioner=practitioner, verified=True, jurisdiction=None)
    for months in (6, 9, 14):
        PortfolioItemFactory(practitioner=practitioner, months_since_treatment=months)
    practitioner_refresh_summary(practitioner=practitioner)
    practitioner.refresh_from_db()
    assert practitioner.is_vetted

    _new_rule("NY", practitioner_licence="local", establishment_licence="required")
    jurisdiction_rules_reassign(country="US", region="NY")
    practitioner.refresh_from_db()
    assert not practitioner.is_vetted


def test_verifier_adding_a_rule_in_the_admin_moves_the_clinics(client, verifier):
    buffalo = _placed("Buffalo", "NY")
    client.force_login(verifier)
    response = client.post(
        reverse("admin:practitioners_jurisdictionrule_add"),
        {
            "country": "US",
            "region": "NY",
            "locality": "",
            "practitioner_licence": "required",
            "establishment_licence": "required",
            "licence_displayed": "unknown",
            "source_url": "https://example.org/new-york-state",
            "last_reviewed": "2026-12-01",
        },
    )
    assert response.status_code == 302, response.content.decode()[:2000]
    buffalo.refresh_from_db()
    assert buffalo.jurisdiction.source_url == "https://example.org/new-york-state"


def test_staff_without_the_permission_cannot_add_a_rule(client, staff_without_group):
    client.force_login(staff_without_group)
    response = client.get(reverse("admin:practitioners_jurisdictionrule_add"))
    assert response.status_code == 403


@pytest.mark.parametrize(
    ("country", "region", "city", "postcode", "locality"),
    [
        ("GB", "ENG", "Croydon", "CR0 2RA", "London"),
        ("GB", "ENG", "Islington", "N1 9GU", "London"),
        ("GB", "ENG", "Manchester", "M1 1AE", "(outside London)"),
        ("US", "NY", "Brooklyn", "11201", "New York City"),
        ("US", "NY", "Astoria", "11102", "New York City"),
    ],
)
def test_the_postcode_settles_boroughs_typed_as_the_city(country, region, city, postcode, locality):
    found = jurisdiction_for(country=country, region=region, city=city, postcode=postcode)
    assert found == JurisdictionRule.objects.get(country=country, region=region, locality=locality)


def test_a_zip_outside_new_york_city_gets_no_city_rule():
    assert jurisdiction_for(country="US", region="NY", city="Buffalo", postcode="14201") is None
