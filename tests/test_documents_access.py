# ruff: noqa: F811
"""Credential documents and portfolio originals open only for Verifiers and the clinic's own
people; everyone else gets the same 404 as for a document that does not exist."""

import urllib.error
import urllib.request

import pytest
from django.contrib.auth.models import Permission
from django.core.files.base import ContentFile
from django.urls import reverse

from practitioners.models import ClinicMembership, MembershipRole

from .factories import (
    PDF_BYTES,
    CertificationFactory,
    ClinicFactory,
    LicenceFactory,
    PortfolioItemFactory,
    UserFactory,
    image_bytes,
)

# Imported so pytest finds the fixtures; using them as arguments is not a redefinition.
from .s3server import s3_server, s3_storages  # noqa: F401

pytestmark = pytest.mark.django_db


def url(kind, obj):
    return reverse("staff:document", args=[kind, obj.pk])


@pytest.fixture
def documents(practitioner, clinic):
    """One of each private file belonging to `clinic` (the `owner` fixture's clinic)."""
    return {
        "certification": CertificationFactory(practitioner=practitioner),
        "licence": LicenceFactory(practitioner=practitioner),
        "premises": LicenceFactory(clinic=clinic, premises=True),
        "portfolio": PortfolioItemFactory(practitioner=practitioner, status="pending"),
    }


def kind_of(name):
    return "licence" if name == "premises" else name


def all_urls(documents):
    return {name: url(kind_of(name), obj) for name, obj in documents.items()}


# Allowed -----------------------------------------------------------------------------


@pytest.mark.smoke
def test_verifier_opens_every_document(client, verifier, documents):
    client.force_login(verifier)
    for name, address in all_urls(documents).items():
        response = client.get(address)
        assert response.status_code == 200, name
        assert response["Content-Disposition"].startswith("inline"), name
    body = b"".join(client.get(url("certification", documents["certification"])).streaming_content)
    assert body == PDF_BYTES


def test_clinic_owner_and_manager_open_their_own_documents(client, owner, clinic, documents):
    manager = UserFactory(username="manager")
    ClinicMembership.objects.create(clinic=clinic, user=manager, role=MembershipRole.MANAGER)
    for user in (owner, manager):
        client.force_login(user)
        for name, address in all_urls(documents).items():
            assert client.get(address).status_code == 200, (user, name)


def test_a_practitioner_at_two_clinics_is_visible_to_both_clinics(client, practitioner, documents):
    second = ClinicFactory()
    practitioner.clinics.add(second)
    colleague = UserFactory(username="second-clinic")
    ClinicMembership.objects.create(clinic=second, user=colleague)
    client.force_login(colleague)
    assert client.get(url("certification", documents["certification"])).status_code == 200
    # The first clinic's premises licence is not the second clinic's business.
    assert client.get(url("licence", documents["premises"])).status_code == 404


def test_a_moderator_without_the_verify_permission_sees_originals_but_not_credentials(client, documents):
    moderator = UserFactory(username="moderator", is_staff=True)
    moderator.user_permissions.add(Permission.objects.get(codename="moderate_content"))
    client.force_login(moderator)
    assert client.get(url("portfolio", documents["portfolio"])).status_code == 200
    assert client.get(url("certification", documents["certification"])).status_code == 404


def test_document_headers_keep_it_private_and_inert(client, verifier, documents):
    client.force_login(verifier)
    response = client.get(url("certification", documents["certification"]))
    assert response["Content-Type"] == "application/pdf"
    assert (
        response["Content-Disposition"]
        == f'inline; filename="certification-{documents["certification"].pk}.pdf"'
    )
    assert response["Cache-Control"] == "private, no-store"
    assert response["X-Content-Type-Options"] == "nosniff"
    assert response["Content-Security-Policy"] == "sandbox"
    # Shown inside the staff review screen, so framing by our own pages is allowed.
    assert response["X-Frame-Options"] == "SAMEORIGIN"

    image = client.get(url("portfolio", documents["portfolio"]))
    assert image["Content-Type"] == "image/jpeg"


def test_image_scans_are_served_as_images(client, verifier, practitioner):
    scan = CertificationFactory(
        practitioner=practitioner, document=ContentFile(image_bytes("PNG"), name="scan.png")
    )
    client.force_login(verifier)
    response = client.get(url("certification", scan))
    assert response["Content-Type"] == "image/png"
    assert b"".join(response.streaming_content).startswith(b"\x89PNG")


# Refused -----------------------------------------------------------------------------


def test_anonymous_visitors_are_sent_to_log_in(client, documents):
    for name, address in all_urls(documents).items():
        response = client.get(address)
        assert response.status_code == 302, name
        assert response["Location"].startswith(reverse("account_login")), name


def test_owner_of_another_clinic_gets_404(client, other_owner, documents):
    client.force_login(other_owner)
    for name, address in all_urls(documents).items():
        assert client.get(address).status_code == 404, name


def test_staff_outside_the_verifiers_group_gets_404(client, staff_without_group, documents):
    client.force_login(staff_without_group)
    for name, address in all_urls(documents).items():
        assert client.get(address).status_code == 404, name


def test_a_plain_account_gets_404(client, documents):
    client.force_login(UserFactory(username="stranger"))
    for name, address in all_urls(documents).items():
        assert client.get(address).status_code == 404, name


def test_unknown_kinds_ids_and_missing_files_are_404(client, verifier, documents):
    client.force_login(verifier)
    certification = documents["certification"]
    assert client.get(f"/documents/photo/{certification.pk}/").status_code == 404
    assert client.get(reverse("staff:document", args=["certification", 999999])).status_code == 404
    certification.document.storage.delete(certification.document.name)
    assert client.get(url("certification", certification)).status_code == 404


def test_documents_are_get_only(client, verifier, documents):
    client.force_login(verifier)
    assert client.post(url("certification", documents["certification"])).status_code == 405


# On S3 --------------------------------------------------------------------------------


def fetch(address):
    try:
        with urllib.request.urlopen(address, timeout=10) as response:
            return response.status, response.read(), dict(response.headers)
    except urllib.error.HTTPError as error:
        return error.code, error.read(), dict(error.headers)


@pytest.mark.s3
def test_on_s3_the_view_redirects_to_a_short_lived_signed_url(
    client, verifier, other_owner, practitioner, s3_storages
):
    certification = CertificationFactory(practitioner=practitioner)
    assert certification.document.name in s3_storages.keys(s3_storages.private_bucket)

    client.force_login(verifier)
    response = client.get(url("certification", certification))
    assert response.status_code == 302
    signed = response["Location"]
    assert signed.startswith(s3_storages.endpoint_url)
    assert "X-Amz-Signature=" in signed
    assert "X-Amz-Expires=60" in signed
    assert response["Cache-Control"] == "private, no-store"

    status, body, headers = fetch(signed)
    assert status == 200
    assert body == PDF_BYTES
    assert headers.get("Content-Disposition", "").startswith("inline")

    # Without the signature the private bucket refuses.
    assert fetch(signed.split("?")[0])[0] == 403

    client.force_login(other_owner)
    assert client.get(url("certification", certification)).status_code == 404


@pytest.mark.s3
def test_on_s3_the_review_screen_lets_the_signed_url_load_in_its_frame(
    client, verifier, practitioner, s3_storages
):
    certification = CertificationFactory(practitioner=practitioner)
    client.force_login(verifier)
    response = client.get(reverse("admin:practitioners_certification_review", args=[certification.pk]))
    policy = dict(
        part.strip().split(" ", 1) for part in response["Content-Security-Policy"].split(";") if part.strip()
    )
    assert s3_storages.endpoint_url in policy["frame-src"]
    assert s3_storages.endpoint_url in policy["img-src"]
    assert "'self'" in policy["frame-src"]


def test_on_disk_the_review_screen_allows_only_its_own_origin(client, verifier, practitioner):
    certification = CertificationFactory(practitioner=practitioner)
    client.force_login(verifier)
    response = client.get(reverse("admin:practitioners_certification_review", args=[certification.pk]))
    policy = dict(
        part.strip().split(" ", 1) for part in response["Content-Security-Policy"].split(";") if part.strip()
    )
    assert policy["frame-src"] == "'self'"
