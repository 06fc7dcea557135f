"""The dashboard's forms, through the pages that show them: what owners can change, what
they can't, and what bad input does (a message, never a server error)."""

import html
from datetime import date, timedelta

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from practitioners import models as pm
from practitioners.services import practitioner_suspend

from .factories import (
    CertificationFactory,
    ClinicFactory,
    LicenceFactory,
    PortfolioItemFactory,
    PractitionerFactory,
    image_bytes,
)
from .test_owner_services import pdf_bytes, stored_files

pytestmark = pytest.mark.django_db

CLINIC_POST = {
    "name": "Harbour Scalp Studio",
    "address_line": "12 Ocean Drive",
    "city": "Miami",
    "region": "FL",
    "postcode": "33139",
    "country": "US",
    "phone": "+1 305 555 0199",
    "website": "harbourscalp.example",
    "email": "hello@harbourscalp.example",
    "sink_in_treatment_rooms": "true",
    "single_use_needles": "true",
    "gloves_and_mask": "unknown",
    "sterilisation_procedure": "Autoclave for reusable tools; everything else single-use.",
    "consultation": "paid",
    "consultation_price": "50",
    "consultation_covers_assessment": "true",
    "currency": "USD",
    "price_min": "600",
    "price_max": "900",
}


def text(response) -> str:
    return html.unescape(response.content.decode())


@pytest.fixture
def owner_client(client, owner):
    client.force_login(owner)
    return client


# Clinics ---------------------------------------------------------------------------------


def test_owner_creates_a_clinic_placed_from_its_postcode(client, other_owner):
    client.force_login(other_owner)
    response = client.post(reverse("dashboard:clinic-create"), CLINIC_POST)
    clinic = pm.Clinic.objects.get(name="Harbour Scalp Studio")
    assert response.status_code == 302
    assert response["Location"] == reverse("dashboard:clinic-edit", args=[clinic.slug])
    assert clinic.memberships.get().user == other_owner
    assert clinic.latitude == pytest.approx(25.79, abs=0.05)
    assert clinic.longitude == pytest.approx(-80.15, abs=0.05)
    assert clinic.jurisdiction.region == "FL"
    assert clinic.website == "https://harbourscalp.example"
    assert (clinic.sink_in_treatment_rooms, clinic.gloves_and_mask) == (True, None)
    assert clinic.consultation_price == 50


def test_uk_clinic_takes_its_country_from_the_nation(owner_client):
    owner_client.post(
        reverse("dashboard:clinic-create"),
        {**CLINIC_POST, "city": "London", "postcode": "SW1A 1AA", "region": "ENG", "currency": "GBP"},
    )
    clinic = pm.Clinic.objects.get(name=CLINIC_POST["name"])
    assert (clinic.country, clinic.region, clinic.currency) == ("GB", "ENG", "GBP")
    assert clinic.jurisdiction is not None and clinic.jurisdiction.country == "GB"


@pytest.mark.parametrize(
    "change, field, message",
    [
        ({"region": "ENG"}, "postcode", "This postcode is in Florida, not England"),
        ({"postcode": "78701"}, "postcode", "This postcode is in Texas, not Florida"),
        ({"postcode": "ZZZZZ", "city": "Nowhereville"}, "postcode", "couldn't find this postcode"),
        ({"price_min": "900", "price_max": "600"}, "price_max", "can't be lower than the lowest"),
        ({"consultation_price": ""}, "consultation_price", "price of a paid consultation"),
        ({"price_min": "-5"}, "price_min", "greater than or equal to 0"),
        ({"price_min": "99999999999999999999"}, "price_min", "less than or equal to 100000"),
        ({"price_min": "ten"}, "price_min", "Enter a whole number"),
        ({"name": ""}, "name", "This field is required"),
        ({"region": "ZZ"}, "region", "Select a valid choice"),
    ],
)
def test_clinic_form_explains_bad_input(owner_client, change, field, message):
    response = owner_client.post(reverse("dashboard:clinic-create"), {**CLINIC_POST, **change})
    assert response.status_code == 200
    assert message in text(response)
    assert response.context["form"].errors[field]
    assert not pm.Clinic.objects.filter(name=CLINIC_POST["name"]).exists()


@pytest.mark.parametrize(
    "junk",
    ["\x00", "é" * 5000, "<script>alert(1)</script>", "9" * 400, ""],
    ids=["nul", "long-unicode", "script", "long-number", "empty"],
)
def test_clinic_form_survives_any_input(owner_client, clinic, junk):
    data = {key: junk for key in CLINIC_POST}
    response = owner_client.post(reverse("dashboard:clinic-edit", args=[clinic.slug]), data)
    assert response.status_code == 200
    assert "<script>alert(1)</script>" not in response.content.decode()
    clinic.refresh_from_db()
    assert clinic.name.startswith("Scalp Studio")


def test_unpaid_consultation_drops_a_stale_price(owner_client, clinic):
    owner_client.post(
        reverse("dashboard:clinic-edit", args=[clinic.slug]),
        {**CLINIC_POST, "consultation": "free", "consultation_price": "80"},
    )
    clinic.refresh_from_db()
    assert clinic.consultation == "free" and clinic.consultation_price is None


def test_clinic_edit_shows_the_licensing_rule_and_premises_licence(owner_client, clinic):
    LicenceFactory(clinic=clinic, premises=True, licence_number="EST-777")
    response = owner_client.get(reverse("dashboard:clinic-edit", args=[clinic.slug]))
    page = text(response)
    assert "Licensing where you are" in page and clinic.jurisdiction.source_url in page
    assert "EST-777" in page and "Waiting for staff" in page


# People and claims ----------------------------------------------------------------------


def test_owner_adds_a_member_through_the_form(owner_client, clinic):
    from allauth.account.models import EmailAddress

    from .factories import UserFactory

    colleague = UserFactory(username="colleague")
    EmailAddress.objects.create(user=colleague, email=colleague.email, verified=True, primary=True)
    url = reverse("dashboard:clinic-members", args=[clinic.slug])
    response = owner_client.post(url, {"email": "nobody@example.com", "role": "manager"})
    assert "Ask them to sign up" in text(response)
    response = owner_client.post(url, {"email": colleague.email, "role": "manager"})
    assert response.status_code == 302
    assert clinic.memberships.get(user=colleague).role == "manager"
    assert colleague.email in text(owner_client.get(url))


def test_claiming_a_listed_clinic(client, other_owner, clinic):
    client.force_login(other_owner)
    url = reverse("dashboard:listing-claim")
    results = client.get(url, {"q": clinic.name})
    assert clinic.name in text(results)
    form_page = client.get(url, {"q": clinic.name, "clinic": clinic.slug})
    assert f"Ask to manage {clinic.name}" in text(form_page)
    short = client.post(url, {"clinic": clinic.slug, "message": "mine"})
    assert "at least 20 characters" in text(short)
    response = client.post(
        url, {"clinic": clinic.slug, "message": "I own it; the number on our website reaches me."}
    )
    assert response.status_code == 302
    assert pm.ListingClaim.objects.get().user == other_owner
    home = text(client.get(reverse("dashboard:home")))
    assert clinic.name in home and "Waiting for staff" in home


def test_own_clinics_are_not_offered_for_claiming(owner_client, clinic):
    response = owner_client.get(reverse("dashboard:listing-claim"), {"q": clinic.name, "clinic": clinic.slug})
    assert response.context["results"] == [] and response.context["chosen"] is None
    response = owner_client.post(
        reverse("dashboard:listing-claim"), {"clinic": clinic.slug, "message": "x" * 30}
    )
    assert response.status_code == 200
    assert not pm.ListingClaim.objects.exists()


# Practitioners ---------------------------------------------------------------------------


def test_every_owner_editable_field_is_saved(owner_client, clinic):
    specialties = list(pm.Specialty.objects.all()[:2])
    languages = list(pm.Language.objects.filter(code__in=["en", "es"]))
    response = owner_client.post(
        reverse("dashboard:practitioner-create"),
        {
            "name": "  Maria   Lopez ",
            "clinics": [clinic.pk],
            "bio": "Gradual density work over three visits.",
            "years_practising": "7",
            "procedures_performed": "600",
            "trainer": "Northern SMP Academy",
            "training_hours": "150",
            "live_models_trained": "20",
            "specialties": [s.pk for s in specialties],
            "languages": [lang.pk for lang in languages],
            "pigment": "smp",
            "pigment_brand": "Scalp Pigment Co",
            "typical_sessions": "3",
            "written_aftercare": "true",
            "photo": SimpleUploadedFile("me.png", image_bytes("PNG", size=(600, 800))),
            # Not on the form: an owner can't set these.
            "status": "published",
            "is_vetted": "on",
            "rating_average": "5",
            "review_count": "99",
        },
    )
    practitioner = pm.Practitioner.objects.get(name="Maria Lopez")
    assert response.status_code == 302
    assert response["Location"] == reverse("dashboard:practitioner-detail", args=[practitioner.slug])
    assert practitioner.status == "draft"
    assert (
        not practitioner.is_vetted and practitioner.review_count == 0 and practitioner.rating_average is None
    )
    assert (practitioner.years_practising, practitioner.procedures_performed) == (7, 600)
    assert (practitioner.training_hours, practitioner.live_models_trained, practitioner.typical_sessions) == (
        150,
        20,
        3,
    )
    assert practitioner.pigment == "smp" and practitioner.written_aftercare is True
    assert set(practitioner.specialties.all()) == set(specialties)
    assert set(practitioner.languages.all()) == set(languages)
    assert practitioner.photo.name.endswith(".webp")


def test_practitioner_form_refuses_other_owners_clinics_and_bad_numbers(
    owner_client, practitioner, other_owner
):
    elsewhere = other_owner.clinics.get()
    response = owner_client.post(
        reverse("dashboard:practitioner-edit", args=[practitioner.slug]),
        {
            "name": practitioner.name,
            "clinics": [elsewhere.pk],
            "typical_sessions": "0",
            "years_practising": "-1",
        },
    )
    assert response.status_code == 200
    errors = response.context["form"].errors
    assert "clinics" in errors and "typical_sessions" in errors and "years_practising" in errors
    assert elsewhere not in practitioner.clinics.all()


def test_owners_cannot_change_status_through_the_edit_form(owner_client, practitioner, verifier):
    practitioner_suspend(practitioner=practitioner, actor=verifier, reason="Checking a complaint.")
    owner_client.post(
        reverse("dashboard:practitioner-edit", args=[practitioner.slug]),
        {"name": "New Name", "clinics": [c.pk for c in practitioner.clinics.all()], "status": "published"},
    )
    practitioner.refresh_from_db()
    assert practitioner.name == "New Name" and practitioner.status == "suspended"


def test_practitioner_without_a_clinic_is_sent_to_set_one_up(client):
    from .factories import UserFactory

    client.force_login(UserFactory(username="newbie"))
    response = client.get(reverse("dashboard:practitioner-create"))
    assert response["Location"] == reverse("dashboard:clinic-create")


def test_publish_and_unpublish_buttons(owner_client, clinic):
    practitioner = PractitionerFactory(clinics=[clinic], status="draft")
    detail = reverse("dashboard:practitioner-detail", args=[practitioner.slug])
    assert "Publish the profile" in text(owner_client.get(detail))
    owner_client.post(reverse("dashboard:practitioner-publish", args=[practitioner.slug]))
    practitioner.refresh_from_db()
    assert practitioner.status == "published"
    assert "Hide it from patients" in text(owner_client.get(detail))
    owner_client.post(reverse("dashboard:practitioner-unpublish", args=[practitioner.slug]))
    practitioner.refresh_from_db()
    assert practitioner.status == "draft"


def test_suspended_practitioner_cannot_be_republished_from_the_dashboard(
    owner_client, practitioner, verifier
):
    practitioner_suspend(practitioner=practitioner, actor=verifier, reason="Checking a complaint.")
    page = text(owner_client.get(reverse("dashboard:practitioner-detail", args=[practitioner.slug])))
    assert "Publish the profile" not in page and "suspended" in page
    response = owner_client.post(
        reverse("dashboard:practitioner-publish", args=[practitioner.slug]), follow=True
    )
    assert "suspended this listing" in text(response)
    practitioner.refresh_from_db()
    assert practitioner.status == "suspended"


def test_publish_needs_post(owner_client, practitioner):
    assert (
        owner_client.get(reverse("dashboard:practitioner-publish", args=[practitioner.slug])).status_code
        == 405
    )


# Credentials -----------------------------------------------------------------------------


@pytest.mark.parametrize(
    "dates, field, message",
    [
        (
            {"issued_on": (date.today() + timedelta(days=3)).isoformat()},
            "issued_on",
            "can't be in the future",
        ),
        (
            {"issued_on": "2023-01-01", "expires_on": "2022-01-01"},
            "expires_on",
            "must be after the issue date",
        ),
        ({"issued_on": "1890-01-01"}, "issued_on", "check the issue date"),
        ({"issued_on": "99999-01-01"}, "issued_on", "Enter a valid date"),
        ({"issued_on": "2023-02-30"}, "issued_on", "Enter a valid date"),
    ],
)
def test_certificate_dates_are_checked(owner_client, practitioner, dates, field, message):
    response = owner_client.post(
        reverse("dashboard:certification-create", args=[practitioner.slug]),
        {
            "issuing_body": "Academy",
            **dates,
            "document": SimpleUploadedFile("c.pdf", pdf_bytes(), "application/pdf"),
        },
    )
    assert response.status_code == 200
    assert message in text(response)
    assert field in response.context["form"].errors
    assert not pm.Certification.objects.exists()


def test_certificate_needs_a_document(owner_client, practitioner):
    response = owner_client.post(
        reverse("dashboard:certification-create", args=[practitioner.slug]),
        {"issuing_body": "Academy", "issued_on": "2023-01-01"},
    )
    assert "document" in response.context["form"].errors


def test_practitioner_licence_offers_the_clinics_jurisdiction(owner_client, practitioner, clinic):
    url = reverse("dashboard:licence-create", args=[practitioner.slug])
    form = owner_client.get(url).context["form"]
    assert list(form.fields["jurisdiction"].queryset) == [clinic.jurisdiction]
    response = owner_client.post(
        url,
        {
            "licence_number": "FL-TA-1",
            "issuing_authority": "Florida Department of Health",
            "jurisdiction": clinic.jurisdiction.pk,
            "issued_on": "2024-02-01",
            "expires_on": "2026-02-01",
            "displayed_at_premises": "on",
            "document": SimpleUploadedFile("l.pdf", pdf_bytes(), "application/pdf"),
        },
    )
    assert response.status_code == 302
    licence = pm.Licence.objects.get()
    assert (licence.kind, licence.jurisdiction, licence.displayed_at_premises) == (
        "practitioner",
        clinic.jurisdiction,
        True,
    )


def test_editing_a_verified_certificate_sends_it_back_and_says_so(owner_client, practitioner):
    certification = CertificationFactory(practitioner=practitioner, verified=True)
    url = reverse("dashboard:certification-edit", args=[certification.pk])
    page = text(owner_client.get(url))
    assert "Checked by" in page and "they check it again" in page
    response = owner_client.post(
        url,
        {
            "issuing_body": certification.issuing_body,
            "certificate_number": "NSA-NEW",
            "issued_on": certification.issued_on.isoformat(),
            "expires_on": certification.expires_on.isoformat(),
        },
        follow=True,
    )
    assert "check it again" in text(response)
    certification.refresh_from_db()
    assert certification.status == "pending" and certification.certificate_number == "NSA-NEW"


def test_rejection_reason_and_document_link_are_shown(owner_client, practitioner, verifier):
    certification = CertificationFactory(
        practitioner=practitioner,
        status="rejected",
        reviewer=verifier,
        decided_at="2025-03-01T10:00Z",
        reason="The name on the certificate is not the practitioner's.",
    )
    page = text(owner_client.get(reverse("dashboard:practitioner-detail", args=[practitioner.slug])))
    assert "Not accepted on 1 Mar 2025" in page
    assert "The name on the certificate is not the practitioner's." in page
    assert reverse("staff:document", args=["certification", certification.pk]) in page


# Portfolio -------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "data, field",
    [
        ({"stage": "healed", "months_since_treatment": ""}, "months_since_treatment"),
        ({"consent": ""}, "consent"),
        ({"stage": "sideways"}, "stage"),
        ({"sessions_done": "11"}, "sessions_done"),
        ({"months_since_treatment": "-3"}, "months_since_treatment"),
    ],
)
def test_portfolio_form_refusals_leave_nothing(owner_client, practitioner, data, field):
    before = stored_files()
    post = {
        "stage": "healed",
        "months_since_treatment": "6",
        "sessions_done": "3",
        "treatment_type": "scar",
        "consent": "on",
        "image": SimpleUploadedFile("p.jpg", image_bytes("JPEG", size=(300, 200))),
        **data,
    }
    response = owner_client.post(reverse("dashboard:portfolio", args=[practitioner.slug]), post)
    assert response.status_code == 200
    assert field in response.context["form"].errors
    assert not pm.PortfolioItem.objects.filter(practitioner=practitioner).exists()
    assert stored_files() == before


def test_before_photos_carry_no_months(owner_client, practitioner):
    owner_client.post(
        reverse("dashboard:portfolio", args=[practitioner.slug]),
        {
            "stage": "before",
            "months_since_treatment": "4",
            "treatment_type": "hairline",
            "consent": "on",
            "image": SimpleUploadedFile("p.jpg", image_bytes("JPEG", size=(300, 200))),
        },
    )
    assert pm.PortfolioItem.objects.get().months_since_treatment is None


def test_move_buttons_reorder_without_javascript(owner_client, practitioner):
    first, second = (PortfolioItemFactory(practitioner=practitioner, position=n) for n in (0, 1))
    response = owner_client.post(reverse("dashboard:portfolio-move", args=[second.pk]), {"direction": "up"})
    assert response.status_code == 302
    assert list(practitioner.portfolio_items.order_by("position")) == [second, first]
    owner_client.post(reverse("dashboard:portfolio-move", args=[second.pk]), {"direction": "nonsense"})
    assert list(practitioner.portfolio_items.order_by("position")) == [second, first]


def test_delete_asks_first_then_removes_the_files(
    owner_client, practitioner, django_capture_on_commit_callbacks
):
    item = PortfolioItemFactory(practitioner=practitioner)
    paths = [item.original.path, item.display.path, item.thumbnail.path]
    url = reverse("dashboard:portfolio-delete", args=[item.pk])
    assert "Delete this photo?" in text(owner_client.get(url))
    with django_capture_on_commit_callbacks(execute=True):
        owner_client.post(url)
    assert not pm.PortfolioItem.objects.filter(pk=item.pk).exists()
    import os

    assert not any(os.path.exists(path) for path in paths)


# Dashboard home --------------------------------------------------------------------------


def test_home_says_what_to_do_next_with_the_jurisdiction_rule(owner_client, clinic):
    practitioner = PractitionerFactory(clinics=[clinic], name="Lee Park", status="draft")
    page = text(owner_client.get(reverse("dashboard:home")))
    assert "Lee Park" in page
    # Warnings patients see come first, each linked to where it is fixed.
    assert page.index("Patients are warned: There is no portfolio at all.") < page.index(
        "Upload a practitioner"
    )
    assert "Upload a practitioner licence for Miami: Florida requires one." in page
    assert "Upload Lee Park's SMP training certificate." in page
    detail = text(owner_client.get(reverse("dashboard:practitioner-detail", args=[practitioner.slug])))
    assert "Add 3 more healed results" in detail
    assert "Upload the premises licence for " in detail


def test_home_asks_for_more_information_requested_by_staff(owner_client, practitioner, verifier):
    CertificationFactory(
        practitioner=practitioner,
        status="more_info",
        reviewer=verifier,
        decided_at="2025-03-01T10:00Z",
        reason="Please send the back of the certificate too.",
    )
    page = text(owner_client.get(reverse("dashboard:home")))
    assert "Please send the back of the certificate too." in page


def test_home_without_clinics_invites_setting_one_up(client):
    from .factories import UserFactory

    client.force_login(UserFactory(username="fresh"))
    page = text(client.get(reverse("dashboard:home")))
    assert "Start with your clinic" in page


@pytest.mark.parametrize("count", [1, 6])
def test_home_query_count_does_not_grow_with_practitioners(
    owner_client, clinic, count, django_assert_num_queries
):
    for _ in range(count):
        practitioner = PractitionerFactory(clinics=[clinic])
        CertificationFactory(practitioner=practitioner)
        LicenceFactory(practitioner=practitioner)
        PortfolioItemFactory(practitioner=practitioner)
    second = ClinicFactory()
    pm.ClinicMembership.objects.create(clinic=second, user=clinic.memberships.get().user)
    owner_client.get(reverse("dashboard:home"))  # warm the session and the price medians
    with django_assert_num_queries(11):
        response = owner_client.get(reverse("dashboard:home"))
    assert response.status_code == 200


def test_home_counts_warning_signs_only_when_there_are_some(owner_client, clinic):
    clean = PractitionerFactory(clinics=[clinic], name="Clean Practice")
    PortfolioItemFactory(practitioner=clean)
    page = text(owner_client.get(reverse("dashboard:home")))
    assert "warning sign" not in page
    PractitionerFactory(clinics=[clinic], name="Ink User", pigment="tattoo_ink")
    page = text(owner_client.get(reverse("dashboard:home")))
    assert "2 warning signs" in page  # tattoo ink, and no portfolio at all
    assert "Patients are warned: Tattoo ink is used instead of SMP pigment." in page


@pytest.mark.parametrize("count", [1, 10])
def test_practitioner_page_query_count_does_not_grow(
    owner_client, practitioner, verifier, count, django_assert_num_queries
):
    for n in range(count):
        CertificationFactory(practitioner=practitioner, verified=True, reviewer=verifier)
        LicenceFactory(
            practitioner=practitioner,
            status="rejected",
            reviewer=verifier,
            decided_at="2025-01-01T00:00Z",
            reason="Blurred.",
        )
        PortfolioItemFactory(practitioner=practitioner, position=n)
    url = reverse("dashboard:practitioner-detail", args=[practitioner.slug])
    owner_client.get(url)
    with django_assert_num_queries(13):
        response = owner_client.get(url)
    assert response.status_code == 200
    assert text(response).count("Blurred.") == count
