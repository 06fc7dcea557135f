"""The staff screens in the admin, as a verifier, as staff without the group and as an owner."""

import hashlib
from datetime import date, timedelta

import pytest
from django.core import mail
from django.urls import reverse
from django.utils import timezone

from practitioners.models import (
    Certification,
    ClinicMembership,
    CredentialStatus,
    ListingClaim,
    PortfolioItem,
    Practitioner,
    PractitionerStatus,
    VerificationEvent,
)
from practitioners.services import credential_request_info
from practitioners.services.verification import REJECTION_TEMPLATES
from reviews.models import ConcernStatus, ReviewStatus

from . import factories
from .factories import (
    CertificationFactory,
    ConcernReportFactory,
    LicenceFactory,
    PortfolioItemFactory,
    PractitionerFactory,
    ReviewFactory,
    UserFactory,
    image_bytes,
)

pytestmark = pytest.mark.django_db


def sha(text: str) -> str:
    return hashlib.sha256(text.encode()).hexdigest()


@pytest.fixture
def certification(practitioner):
    return CertificationFactory(practitioner=practitioner, document_sha256=sha("mine"))


@pytest.fixture
def licence(practitioner):
    return LicenceFactory(practitioner=practitioner)


@pytest.fixture
def claim(clinic):
    return ListingClaim.objects.create(
        clinic=clinic, user=UserFactory(username="claimant"), message="I am the owner; call the studio."
    )


@pytest.fixture
def image(practitioner):
    return PortfolioItemFactory(practitioner=practitioner, status="pending")


@pytest.fixture
def pages(certification, licence, claim, image, practitioner):
    return {
        "index": reverse("admin:index"),
        "queue": reverse("admin:practitioners_queue"),
        "certification": reverse("admin:practitioners_certification_review", args=[certification.pk]),
        "licence": reverse("admin:practitioners_licence_review", args=[licence.pk]),
        "claim": reverse("admin:practitioners_listingclaim_review", args=[claim.pk]),
        "image": reverse("admin:practitioners_portfolioitem_review", args=[image.pk]),
        "suspension": reverse("admin:practitioners_practitioner_suspension", args=[practitioner.pk]),
    }


DECISION_POSTS = {
    "certification": {"action": "approve", "approve-note": ""},
    "licence": {"action": "approve", "approve-note": ""},
    "claim": {"action": "approve", "approve-note": ""},
    "image": {"action": "approve", "approve-note": ""},
    "suspension": {"action": "suspend", "suspend-reason": "Unsafe"},
}


def unchanged(certification, licence, claim, image, practitioner):
    for obj in (certification, licence, claim, image, practitioner):
        before = obj.status
        obj.refresh_from_db()
        assert obj.status == before
    assert VerificationEvent.objects.count() == 0


# Who may see and who may decide ------------------------------------------------------


@pytest.mark.smoke
def test_verifier_sees_every_screen_with_its_decisions(client, verifier, pages):
    client.force_login(verifier)
    for name, url in pages.items():
        response = client.get(url)
        assert response.status_code == 200, name
        if name in DECISION_POSTS:
            assert b'name="action"' in response.content, name
    assert reverse("admin:practitioners_queue").encode() in client.get(pages["index"]).content


def test_staff_without_the_group_reads_but_cannot_decide(
    client, staff_without_group, pages, certification, licence, claim, image, practitioner
):
    client.force_login(staff_without_group)
    for name, url in pages.items():
        response = client.get(url)
        assert response.status_code == 200, name
        assert b'name="action"' not in response.content, name
    assert b"Read only" in client.get(pages["certification"]).content
    for name, data in DECISION_POSTS.items():
        assert client.post(pages[name], data).status_code == 403, name
    unchanged(certification, licence, claim, image, practitioner)


def test_staff_without_the_group_is_not_shown_the_document(client, staff_without_group, certification, pages):
    client.force_login(staff_without_group)
    response = client.get(pages["certification"])
    assert (
        reverse("staff:document", args=["certification", certification.pk]).encode() not in response.content
    )
    assert b"Only members of the Verifiers group can open documents" in response.content


@pytest.mark.parametrize("who", ["owner", "anonymous"])
def test_owners_and_visitors_are_sent_to_the_admin_login(
    who, request, client, pages, certification, licence, claim, image, practitioner
):
    if who == "owner":
        client.force_login(request.getfixturevalue("owner"))
    login = reverse("admin:login")
    for name, url in pages.items():
        response = client.get(url)
        assert response.status_code == 302, name
        assert response["Location"].startswith(login), name
    for name, data in DECISION_POSTS.items():
        response = client.post(pages[name], data)
        assert response.status_code == 302 and response["Location"].startswith(login), name
    unchanged(certification, licence, claim, image, practitioner)


def test_unknown_objects_are_404(client, verifier):
    client.force_login(verifier)
    for name in (
        "practitioners_certification_review",
        "practitioners_licence_review",
        "practitioners_listingclaim_review",
        "practitioners_portfolioitem_review",
        "practitioners_practitioner_suspension",
    ):
        assert client.get(reverse(f"admin:{name}", args=[999999])).status_code == 404, name


# The queue ---------------------------------------------------------------------------


def test_queue_lists_every_kind_of_waiting_work_oldest_first(client, verifier, practitioner, clinic):
    older = CertificationFactory(practitioner=practitioner, issuing_body="Oldest Academy")
    newer = CertificationFactory(practitioner=practitioner, issuing_body="Newest Academy")
    Certification.objects.filter(pk=older.pk).update(created_at=timezone.now() - timedelta(days=9))
    asked = CertificationFactory(practitioner=practitioner, issuing_body="Asked Academy")
    credential_request_info(credential=asked, reviewer=verifier, message="Send page two.")
    CertificationFactory(practitioner=practitioner, issuing_body="Done Academy", verified=True)
    LicenceFactory(practitioner=practitioner, licence_number="FL-WAIT-1")
    ListingClaim.objects.create(clinic=clinic, user=UserFactory(), message="Mine")
    PortfolioItemFactory(practitioner=practitioner, status="pending")
    ConcernReportFactory(practitioner=practitioner)
    ConcernReportFactory(
        practitioner=practitioner, status=ConcernStatus.DISMISSED, resolved_at=timezone.now()
    )
    ReviewFactory(practitioner=practitioner, status=ReviewStatus.PENDING)
    ReviewFactory(practitioner=practitioner)
    factories.TestimonialFactory(practitioner=practitioner, status="pending", quote="Kind and careful")
    factories.TestimonialFactory(practitioner=practitioner)

    client.force_login(verifier)
    response = client.get(reverse("admin:practitioners_queue"))
    html = response.content.decode()

    counts = {section.key: section.count for section in response.context["sections"]}
    assert counts == {
        "certifications": 3,
        "licences": 1,
        "claims": 1,
        "portfolio_items": 1,
        "concerns": 1,
        "reviews": 1,
        "testimonials": 1,
    }
    assert html.index("Oldest Academy") < html.index("Newest Academy")
    assert "Done Academy" not in html
    assert "More information requested" in html
    certifications = response.context["sections"][0]
    assert certifications.oldest <= timezone.now() - timedelta(days=9)
    assert "1\xa0week, 2\xa0days" in html  # the age of the oldest item
    assert reverse("admin:practitioners_certification_review", args=[older.pk]) in html
    assert newer.issuing_body in html


def test_queue_counts_documents_expiring_in_30_60_and_90_days(client, verifier, practitioner):
    today = date.today()
    for days in (5, 29, 45, 80, 120):
        CertificationFactory(
            practitioner=practitioner, verified=True, expires_on=today + timedelta(days=days)
        )
    CertificationFactory(
        practitioner=practitioner, expires_on=today + timedelta(days=10)
    )  # pending: not counted
    LicenceFactory(practitioner=practitioner, verified=True, expires_on=today + timedelta(days=20))

    client.force_login(verifier)
    response = client.get(reverse("admin:practitioners_queue"))
    assert response.context["expiry_counts"] == [(30, 3), (60, 4), (90, 5)]
    days_left = [row.expires_on for row in response.context["expiring_rows"]]
    assert days_left == sorted(days_left) and len(days_left) == 5


def test_queue_shows_an_empty_state(client, verifier):
    client.force_login(verifier)
    response = client.get(reverse("admin:practitioners_queue"))
    assert b"Nothing waiting." in response.content
    assert response.context["total"] == 0


def test_queue_makes_the_same_number_of_queries_for_1_or_20_items(
    client, verifier, practitioner, clinic, django_assert_num_queries
):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    def fill(n):
        for _ in range(n):
            CertificationFactory(practitioner=practitioner)
            LicenceFactory(practitioner=practitioner)
            LicenceFactory(clinic=clinic, premises=True)
            ListingClaim.objects.create(clinic=clinic, user=UserFactory(), message="Mine")
            PortfolioItemFactory(practitioner=practitioner, status="pending")
            ConcernReportFactory(practitioner=practitioner)
            ReviewFactory(practitioner=practitioner, status=ReviewStatus.PENDING)
            factories.TestimonialFactory(practitioner=practitioner, status="pending")
            CertificationFactory(
                practitioner=practitioner, verified=True, expires_on=date.today() + timedelta(days=20)
            )

    client.force_login(verifier)
    fill(1)
    with CaptureQueriesContext(connection) as one:
        assert client.get(reverse("admin:practitioners_queue")).status_code == 200
    fill(19)
    with django_assert_num_queries(len(one)):
        assert client.get(reverse("admin:practitioners_queue")).status_code == 200


# Deciding on a credential ------------------------------------------------------------


def test_verifier_approves_from_the_review_screen(
    client, verifier, owner, certification, django_capture_on_commit_callbacks
):
    client.force_login(verifier)
    url = reverse("admin:practitioners_certification_review", args=[certification.pk])
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(url, {"action": "approve", "approve-note": "Academy confirmed by phone"})
    assert response.status_code == 302
    assert response["Location"] == reverse("admin:practitioners_queue")
    certification.refresh_from_db()
    assert certification.status == CredentialStatus.VERIFIED
    assert certification.reviewer == verifier
    assert [m.to for m in mail.outbox] == [[owner.email]]

    page = client.get(url).content.decode()
    assert "Academy confirmed by phone" in page  # in the history
    assert "Nothing to decide" not in page  # a verified document can still be withdrawn
    assert 'value="approve"' not in page


def test_rejection_uses_the_chosen_template_when_the_box_is_empty(
    client, verifier, owner, certification, django_capture_on_commit_callbacks
):
    client.force_login(verifier)
    key, _, text = REJECTION_TEMPLATES[1]
    url = reverse("admin:practitioners_certification_review", args=[certification.pk])
    with django_capture_on_commit_callbacks(execute=True):
        client.post(url, {"action": "reject", "reject-template": key, "reject-reason": ""})
    certification.refresh_from_db()
    assert certification.status == CredentialStatus.REJECTED
    assert certification.reason == text
    assert text in mail.outbox[0].body


def test_rejection_keeps_the_edited_reason(client, verifier, certification):
    client.force_login(verifier)
    url = reverse("admin:practitioners_certification_review", args=[certification.pk])
    client.post(
        url,
        {
            "action": "reject",
            "reject-template": "unreadable",
            "reject-reason": "Page 2 is missing; send both.",
        },
    )
    certification.refresh_from_db()
    assert certification.reason == "Page 2 is missing; send both."


def test_rejection_without_a_reason_is_shown_again_with_an_error(client, verifier, certification):
    client.force_login(verifier)
    url = reverse("admin:practitioners_certification_review", args=[certification.pk])
    response = client.post(url, {"action": "reject", "reject-template": "", "reject-reason": "  "})
    assert response.status_code == 200
    assert b"Give the reason" in response.content
    certification.refresh_from_db()
    assert certification.status == CredentialStatus.PENDING
    assert mail.outbox == []


def test_asking_for_more_information_from_the_screen(
    client, verifier, owner, licence, django_capture_on_commit_callbacks
):
    client.force_login(verifier)
    url = reverse("admin:practitioners_licence_review", args=[licence.pk])
    with django_capture_on_commit_callbacks(execute=True):
        client.post(url, {"action": "more_info", "more_info-message": "Which county issued this?"})
    licence.refresh_from_db()
    assert licence.status == CredentialStatus.MORE_INFO
    assert "Which county issued this?" in mail.outbox[0].body


def test_a_decision_no_longer_possible_is_refused_without_change(client, verifier, practitioner):
    verified = CertificationFactory(practitioner=practitioner, verified=True)
    client.force_login(verifier)
    url = reverse("admin:practitioners_certification_review", args=[verified.pk])
    response = client.post(url, {"action": "approve", "approve-note": ""}, follow=True)
    assert b"not possible any more" in response.content
    assert VerificationEvent.objects.count() == 0


def test_approving_an_expired_document_shows_why_it_was_refused(client, verifier, practitioner):
    stale = CertificationFactory(
        practitioner=practitioner,
        issued_on=date.today() - timedelta(days=900),
        expires_on=date.today() - timedelta(days=2),
    )
    client.force_login(verifier)
    url = reverse("admin:practitioners_certification_review", args=[stale.pk])
    response = client.post(url, {"action": "approve", "approve-note": ""})
    assert response.status_code == 200
    assert b"cannot be verified" in response.content
    stale.refresh_from_db()
    assert stale.status == CredentialStatus.PENDING


def test_review_screen_shows_claims_rule_others_warnings_and_history(client, verifier, practitioner, clinic):
    licence = LicenceFactory(
        practitioner=practitioner, licence_number="FL-777", document_sha256=sha("copied")
    )
    CertificationFactory(
        practitioner=practitioner, issuing_body="Sister Academy", document_sha256=sha("other")
    )
    copier = PractitionerFactory(name="Copy Cat")
    LicenceFactory(practitioner=copier, licence_number="fl-777", document_sha256=sha("copied"))
    credential_request_info(credential=licence, reviewer=verifier, message="Send the back side.")

    client.force_login(verifier)
    response = client.get(reverse("admin:practitioners_licence_review", args=[licence.pk]))
    html = response.content.decode()
    assert "FL-777" in html and "Florida Department of Health" in html
    assert 'data-warning="same_file"' in html
    assert 'data-warning="same_number"' in html
    assert "Copy Cat" in html
    assert "Sister Academy" in html  # the practitioner's other documents
    assert clinic.jurisdiction.source_url in html
    assert "Send the back side." in html
    assert "pending → more_info" in html
    assert (
        f'<iframe class="staff-document" src="{reverse("staff:document", args=["licence", licence.pk])}"'
        in html
    )


def test_review_screen_warns_about_dates(client, verifier, practitioner):
    future = CertificationFactory(
        practitioner=practitioner,
        document_sha256=sha("future"),
        issued_on=date.today() + timedelta(days=5),
        expires_on=date.today() + timedelta(days=800),
    )
    client.force_login(verifier)
    html = client.get(reverse("admin:practitioners_certification_review", args=[future.pk])).content.decode()
    assert 'data-warning="issued_in_future"' in html
    assert 'data-warning="same_file"' not in html


def test_image_documents_are_shown_as_images(client, verifier, practitioner):
    from django.core.files.base import ContentFile

    scan = CertificationFactory(
        practitioner=practitioner,
        document=ContentFile(image_bytes("PNG"), name="scan.png"),
        document_sha256=sha("png"),
    )
    client.force_login(verifier)
    html = client.get(reverse("admin:practitioners_certification_review", args=[scan.pk])).content.decode()
    assert (
        f'<img class="staff-document" src="{reverse("staff:document", args=["certification", scan.pk])}"'
        in html
    )


def test_user_text_is_escaped_on_the_review_screen(client, verifier, practitioner):
    nasty = CertificationFactory(practitioner=practitioner, issuing_body="<script>alert(1)</script>")
    client.force_login(verifier)
    html = client.get(reverse("admin:practitioners_certification_review", args=[nasty.pk])).content.decode()
    assert "<script>alert(1)</script>" not in html
    assert "&lt;script&gt;" in html


# Claims, images, suspension ----------------------------------------------------------


def test_verifier_approves_a_claim_from_its_screen(
    client, verifier, claim, django_capture_on_commit_callbacks
):
    client.force_login(verifier)
    with django_capture_on_commit_callbacks(execute=True):
        client.post(
            reverse("admin:practitioners_listingclaim_review", args=[claim.pk]),
            {"action": "approve", "approve-note": "Phoned the studio"},
        )
    claim.refresh_from_db()
    assert claim.status == "approved"
    assert ClinicMembership.objects.filter(clinic=claim.clinic, user=claim.user, role="owner").exists()
    assert mail.outbox[0].to == [claim.user.email]


def test_claim_rejection_needs_a_reason(client, verifier, claim):
    client.force_login(verifier)
    url = reverse("admin:practitioners_listingclaim_review", args=[claim.pk])
    response = client.post(url, {"action": "reject", "reject-reason": ""})
    assert response.status_code == 200
    claim.refresh_from_db()
    assert claim.status == "pending"
    client.post(url, {"action": "reject", "reject-reason": "The studio does not know you."})
    claim.refresh_from_db()
    assert claim.status == "rejected"


def test_verifier_moderates_an_image(client, verifier, image):
    client.force_login(verifier)
    url = reverse("admin:practitioners_portfolioitem_review", args=[image.pk])
    page = client.get(url).content.decode()
    assert image.display.url in page
    assert reverse("staff:document", args=["portfolio", image.pk]) in page
    client.post(url, {"action": "reject", "reject-reason": "A face is visible."})
    image.refresh_from_db()
    assert image.status == "rejected"
    assert image.reason == "A face is visible."


def test_verifier_suspends_and_restores_a_listing(client, verifier, practitioner):
    client.force_login(verifier)
    url = reverse("admin:practitioners_practitioner_suspension", args=[practitioner.pk])
    response = client.post(url, {"action": "suspend", "suspend-reason": "Unsafe practice reported twice."})
    assert response.status_code == 302
    practitioner.refresh_from_db()
    assert practitioner.status == PractitionerStatus.SUSPENDED
    assert not Practitioner.objects.published().filter(pk=practitioner.pk).exists()
    client.post(url, {"action": "unsuspend", "unsuspend-note": "Inspection passed."})
    practitioner.refresh_from_db()
    assert practitioner.status == PractitionerStatus.PUBLISHED


# The raw admin cannot go around the decisions ----------------------------------------


def test_raw_change_forms_are_read_only(client, verifier, certification, licence, claim, image, practitioner):
    client.force_login(verifier)
    for model, obj in (
        ("certification", certification),
        ("licence", licence),
        ("listingclaim", claim),
        ("portfolioitem", image),
    ):
        url = reverse(f"admin:practitioners_{model}_change", args=[obj.pk])
        response = client.get(url)
        assert response.status_code == 200, model
        assert b'name="status"' not in response.content, model
        assert client.post(url, {"status": "verified"}).status_code == 403, model
        assert client.get(reverse(f"admin:practitioners_{model}_add")).status_code == 403, model
    unchanged(certification, licence, claim, image, practitioner)


def test_superuser_cannot_flip_statuses_in_raw_forms_either(client, certification, practitioner):
    admin_user = UserFactory(username="root", is_staff=True, is_superuser=True)
    client.force_login(admin_user)
    change = client.get(reverse("admin:practitioners_certification_change", args=[certification.pk]))
    assert b'name="status"' not in change.content
    practitioner_page = client.get(reverse("admin:practitioners_practitioner_change", args=[practitioner.pk]))
    assert practitioner_page.status_code == 200
    assert b'name="status"' not in practitioner_page.content
    assert b'name="is_vetted"' not in practitioner_page.content


def test_the_audit_trail_cannot_be_edited_or_deleted(client, verifier, certification):
    credential_request_info(credential=certification, reviewer=verifier, message="More")
    event = VerificationEvent.objects.get()
    admin_user = UserFactory(username="root", is_staff=True, is_superuser=True)
    for user in (verifier, admin_user):
        client.force_login(user)
        change = reverse("admin:practitioners_verificationevent_change", args=[event.pk])
        assert client.get(change).status_code == 200
        assert client.post(change, {"note": "rewritten"}).status_code == 403
        delete = reverse("admin:practitioners_verificationevent_delete", args=[event.pk])
        assert client.post(delete, {"post": "yes"}).status_code == 403
    event.refresh_from_db()
    assert event.note == "More"


def test_changelists_link_to_the_decision_screens(client, verifier, certification, image):
    client.force_login(verifier)
    page = client.get(reverse("admin:practitioners_certification_changelist")).content.decode()
    assert reverse("admin:practitioners_certification_review", args=[certification.pk]) in page
    page = client.get(reverse("admin:practitioners_portfolioitem_changelist")).content.decode()
    assert reverse("admin:practitioners_portfolioitem_review", args=[image.pk]) in page
    assert PortfolioItem.objects.count() == 1
