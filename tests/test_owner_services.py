"""The owner services: what changes, what is recorded, and what is refused."""

import hashlib
import io
import os
from datetime import date, timedelta

import pytest
from django.conf import settings
from django.core import mail
from django.core.cache import cache
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.files.storage import FileSystemStorage
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import IntegrityError, connection
from django.test import override_settings
from django.utils.functional import empty
from PIL import Image
from pypdf import PdfWriter

from practitioners import models as pm
from practitioners.services import (
    certification_submit,
    clinic_create,
    clinic_update,
    credential_replace_document,
    credential_update,
    licence_submit,
    listing_claim_submit,
    membership_add,
    portfolio_item_add,
    portfolio_item_delete,
    portfolio_reorder,
    practitioner_create,
    practitioner_publish,
    practitioner_suspend,
    practitioner_unpublish,
    practitioner_update,
)
from practitioners.services.core import PRICE_MEDIANS_KEY

from .factories import (
    CertificationFactory,
    ClinicFactory,
    LicenceFactory,
    PortfolioItemFactory,
    PractitionerFactory,
    UserFactory,
    image_bytes,
    make_vetted_practitioner,
)

pytestmark = pytest.mark.django_db

CLINIC_DATA = {
    "name": "Bayfront Scalp Clinic",
    "address_line": "200 Biscayne Blvd",
    "city": "Miami",
    "region": "FL",
    "postcode": "33132",
    "country": "US",
    "latitude": 25.78,
    "longitude": -80.19,
    "sink_in_treatment_rooms": True,
    "single_use_needles": True,
    "gloves_and_mask": True,
    "consultation": "free",
    "currency": "USD",
    "price_min": 700,
    "price_max": 1100,
}
PORTFOLIO_DATA = {
    "stage": "healed",
    "months_since_treatment": 9,
    "sessions_done": 3,
    "treatment_type": "hairline",
    "consent": True,
}


def stored_files() -> set[str]:
    """Every file in the public and private media folders the tests write to."""
    found = set()
    for root in (settings.MEDIA_ROOT, settings.PRIVATE_MEDIA_ROOT):
        for folder, _, names in os.walk(root):
            found |= {os.path.join(folder, name) for name in names}
    return found


def upload(content: bytes, name: str = "photo.jpg", content_type: str = "image/jpeg"):
    return SimpleUploadedFile(name, content, content_type=content_type)


def photo(size=(900, 600)) -> SimpleUploadedFile:
    return upload(image_bytes("JPEG", size=size))


def pdf_bytes(width: int = 200) -> bytes:
    writer = PdfWriter()
    writer.add_blank_page(width=width, height=200)
    buffer = io.BytesIO()
    writer.write(buffer)
    return buffer.getvalue()


def pdf(width: int = 200) -> SimpleUploadedFile:
    return upload(pdf_bytes(width), "certificate.pdf", "application/pdf")


def verify(user, email=None):
    from allauth.account.models import EmailAddress

    EmailAddress.objects.create(user=user, email=email or user.email, verified=True, primary=True)
    return user


# Clinics ---------------------------------------------------------------------------------


def test_clinic_creator_becomes_its_owner_with_the_rule_for_the_address():
    user = UserFactory()
    clinic = clinic_create(user=user, data=CLINIC_DATA)
    membership = pm.ClinicMembership.objects.get(clinic=clinic)
    assert membership.user == user and membership.role == pm.MembershipRole.OWNER
    assert clinic.jurisdiction.country == "US" and clinic.jurisdiction.region == "FL"
    assert clinic.slug == "bayfront-scalp-clinic-miami"


def test_clinic_slugs_are_unique_and_never_a_dashboard_word():
    user = UserFactory()
    first = clinic_create(user=user, data=CLINIC_DATA)
    second = clinic_create(user=user, data=CLINIC_DATA)
    assert first.slug != second.slug
    assert second.slug == "bayfront-scalp-clinic-miami-2"
    odd = clinic_create(user=user, data={**CLINIC_DATA, "name": "新", "city": "東"})
    assert odd.slug == "clinic"
    practitioner = practitioner_create(user=user, data={"name": "New", "clinics": [first]})
    assert practitioner.slug == "new-2"


def test_clinic_create_with_prices_forgets_the_cached_medians():
    cache.set(PRICE_MEDIANS_KEY, {("US", "FL", "USD"): 1000})
    clinic_create(user=UserFactory(), data=CLINIC_DATA)
    assert cache.get(PRICE_MEDIANS_KEY) is None


def test_clinic_price_change_forgets_medians_but_other_edits_do_not(owner, clinic):
    cache.set(PRICE_MEDIANS_KEY, {("US", "FL", "USD"): 1000})
    clinic_update(clinic=clinic, user=owner, data={"phone": "+1 305 555 0100"})
    assert cache.get(PRICE_MEDIANS_KEY) is not None
    clinic_update(clinic=clinic, user=owner, data={"price_min": 500, "price_max": 900})
    assert cache.get(PRICE_MEDIANS_KEY) is None


def test_clinic_move_to_another_state_takes_that_states_rule(owner, clinic):
    updated = clinic_update(
        clinic=clinic,
        user=owner,
        data={"city": "Austin", "region": "TX", "postcode": "78701", "latitude": 30.27, "longitude": -97.74},
    )
    assert updated.jurisdiction.region == "TX"
    clinic.refresh_from_db()
    assert clinic.city == "Austin"


def test_clinic_hygiene_answer_changes_the_practitioners_badge(owner):
    practitioner = make_vetted_practitioner()
    clinic = practitioner.clinics.get()
    pm.ClinicMembership.objects.create(clinic=clinic, user=owner)
    assert practitioner.is_vetted
    clinic_update(clinic=clinic, user=owner, data={"sink_in_treatment_rooms": False})
    practitioner.refresh_from_db()
    assert not practitioner.is_vetted


def test_clinic_update_refuses_a_paid_consultation_without_a_price(owner, clinic):
    with pytest.raises(ValidationError):
        clinic_update(clinic=clinic, user=owner, data={"consultation": "paid", "consultation_price": None})
    clinic.refresh_from_db()
    assert clinic.consultation == "free"


# People ----------------------------------------------------------------------------------


def test_owner_adds_a_confirmed_user_as_manager_and_they_are_told(
    owner, clinic, django_capture_on_commit_callbacks
):
    newcomer = verify(UserFactory(username="newcomer"))
    with django_capture_on_commit_callbacks(execute=True):
        membership = membership_add(clinic=clinic, user=owner, email="NEWCOMER@example.com", role="manager")
    assert membership.user == newcomer and membership.role == "manager"
    assert len(mail.outbox) == 1
    assert mail.outbox[0].to == ["newcomer@example.com"]
    assert clinic.name in mail.outbox[0].subject


def test_only_owners_add_members(clinic):
    manager = UserFactory(username="manager")
    pm.ClinicMembership.objects.create(clinic=clinic, user=manager, role=pm.MembershipRole.MANAGER)
    verify(UserFactory(username="friend"))
    with pytest.raises(PermissionDenied):
        membership_add(clinic=clinic, user=manager, email="friend@example.com", role="owner")
    assert clinic.memberships.count() == 1


def test_members_need_a_confirmed_account(owner, clinic):
    UserFactory(username="unconfirmed")
    for email in ("unconfirmed@example.com", "nobody@example.com"):
        with pytest.raises(ValidationError) as error:
            membership_add(clinic=clinic, user=owner, email=email, role="manager")
        assert "email" in error.value.message_dict
    with pytest.raises(ValidationError):
        membership_add(clinic=clinic, user=owner, email=verify(owner).email, role="manager")


def test_listing_claim_goes_to_staff_once(other_owner, clinic, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        claim = listing_claim_submit(
            clinic=clinic, user=other_owner, message="I am the owner; call the desk."
        )
    assert claim.status == "pending"
    assert mail.outbox[0].to == [settings.STAFF_EMAIL]
    assert pm.VerificationEvent.objects.filter(object_id=claim.pk, to_status="pending").exists()
    with pytest.raises(ValidationError):
        listing_claim_submit(clinic=clinic, user=other_owner, message="Again, please.")


def test_members_cannot_claim_their_own_clinic(owner, clinic):
    with pytest.raises(ValidationError):
        listing_claim_submit(clinic=clinic, user=owner, message="Mine already.")
    assert not pm.ListingClaim.objects.exists()


# Practitioners ---------------------------------------------------------------------------


def test_new_practitioner_is_a_draft_with_an_event(owner, clinic):
    practitioner = practitioner_create(
        user=owner,
        data={
            "name": "Ana Ruiz",
            "clinics": [clinic],
            "specialties": pm.Specialty.objects.all()[:2],
            "languages": pm.Language.objects.filter(code="es"),
            "pigment": "smp",
            "typical_sessions": 3,
        },
    )
    assert practitioner.status == "draft"
    assert practitioner.specialties.count() == 2
    assert list(practitioner.languages.values_list("code", flat=True)) == ["es"]
    event = pm.VerificationEvent.objects.get(object_id=practitioner.pk, content_type__model="practitioner")
    assert (event.from_status, event.to_status, event.actor) == ("", "draft", owner)
    assert practitioner.search_document.startswith("ana ruiz")


def test_practitioners_only_go_to_clinics_the_user_manages(owner, other_owner):
    elsewhere = other_owner.clinics.get()
    with pytest.raises(PermissionDenied):
        practitioner_create(user=owner, data={"name": "Sneaky", "clinics": [elsewhere]})
    assert not pm.Practitioner.objects.filter(name="Sneaky").exists()


def test_editing_keeps_clinics_the_user_does_not_manage(owner, clinic, other_owner):
    elsewhere = other_owner.clinics.get()
    practitioner = PractitionerFactory(clinics=[clinic, elsewhere])
    second = ClinicFactory()
    pm.ClinicMembership.objects.create(clinic=second, user=owner)
    practitioner_update(practitioner=practitioner, user=owner, data={"clinics": [second]})
    assert set(practitioner.clinics.all()) == {second, elsewhere}


def test_profile_photo_is_re_encoded_and_the_old_one_removed(
    owner, practitioner, django_capture_on_commit_callbacks
):
    practitioner_update(practitioner=practitioner, user=owner, data={}, photo=photo())
    practitioner.refresh_from_db()
    first = practitioner.photo.name
    assert first.endswith(".webp")
    with Image.open(practitioner.photo.path) as image:
        assert image.format == "WEBP" and max(image.size) <= 400
    with django_capture_on_commit_callbacks(execute=True):
        practitioner_update(practitioner=practitioner, user=owner, data={}, photo=photo())
    practitioner.refresh_from_db()
    assert practitioner.photo.name != first
    assert not practitioner.photo.storage.exists(first)


def test_publish_and_unpublish_record_each_change(owner, clinic):
    practitioner = PractitionerFactory(clinics=[clinic], status="draft")
    practitioner_publish(practitioner=practitioner, user=owner)
    practitioner.refresh_from_db()
    assert practitioner.status == "published"
    practitioner_unpublish(practitioner=practitioner, user=owner)
    practitioner.refresh_from_db()
    assert practitioner.status == "draft"
    moves = pm.VerificationEvent.objects.filter(object_id=practitioner.pk, content_type__model="practitioner")
    assert sorted((e.from_status, e.to_status) for e in moves) == [
        ("draft", "published"),
        ("published", "draft"),
    ]


def test_publishing_a_vetted_profile_gives_the_badge_back(owner):
    practitioner = make_vetted_practitioner()
    pm.ClinicMembership.objects.create(clinic=practitioner.clinics.get(), user=owner)
    practitioner_unpublish(practitioner=practitioner, user=owner)
    practitioner.refresh_from_db()
    assert not practitioner.is_vetted
    practitioner_publish(practitioner=practitioner, user=owner)
    practitioner.refresh_from_db()
    assert practitioner.is_vetted


@pytest.mark.parametrize("change", [practitioner_publish, practitioner_unpublish])
def test_a_staff_suspension_survives_publish_and_unpublish(change, owner, practitioner, verifier):
    practitioner_suspend(practitioner=practitioner, actor=verifier, reason="Certificate looks altered.")
    with pytest.raises(ValidationError):
        change(practitioner=practitioner, user=owner)
    practitioner.refresh_from_db()
    assert practitioner.status == "suspended"


def test_publish_reads_the_stored_status_not_a_stale_object(owner, practitioner):
    stale = pm.Practitioner.objects.get(pk=practitioner.pk)
    pm.Practitioner.objects.filter(pk=practitioner.pk).update(status="suspended")
    with pytest.raises(ValidationError):
        practitioner_publish(practitioner=stale, user=owner)
    assert pm.Practitioner.objects.get(pk=practitioner.pk).status == "suspended"


# Credentials -----------------------------------------------------------------------------


def test_certificate_is_stored_privately_and_waits_for_staff(owner, practitioner):
    certification = certification_submit(
        practitioner=practitioner,
        user=owner,
        data={"issuing_body": "Northern SMP Academy", "issued_on": date(2023, 5, 1)},
        document=pdf(),
    )
    assert certification.status == "pending"
    assert certification.document_sha256 == hashlib.sha256(pdf_bytes()).hexdigest()
    assert certification.document.path.startswith(str(settings.PRIVATE_MEDIA_ROOT))
    assert "certificate" not in os.path.basename(certification.document.name)
    assert pm.VerificationEvent.objects.filter(object_id=certification.pk, to_status="pending").exists()


def test_certificate_upload_makes_the_item_stated(owner, clinic):
    practitioner = PractitionerFactory(clinics=[clinic])
    certification_submit(
        practitioner=practitioner,
        user=owner,
        data={"issuing_body": "Northern SMP Academy", "issued_on": date(2023, 5, 1)},
        document=pdf(),
    )
    from practitioners.checklist import build_checklist

    checklist = build_checklist(pm.Practitioner.objects.for_checklist().get(pk=practitioner.pk))
    assert checklist["certification"].state == "stated"


def test_licences_belong_to_a_practitioner_or_a_clinic(owner, practitioner, clinic):
    data = {"licence_number": "FL-1", "issuing_authority": "Florida DOH", "issued_on": date(2024, 1, 2)}
    own = licence_submit(
        practitioner=practitioner,
        user=owner,
        data={**data, "jurisdiction": clinic.jurisdiction},
        document=pdf(),
    )
    premises = licence_submit(clinic=clinic, user=owner, data=data, document=pdf())
    assert (own.kind, own.practitioner, own.clinic) == ("practitioner", practitioner, None)
    assert (premises.kind, premises.clinic, premises.jurisdiction) == (
        "establishment",
        clinic,
        clinic.jurisdiction,
    )
    with pytest.raises(ValueError):
        licence_submit(practitioner=practitioner, clinic=clinic, user=owner, data=data, document=pdf())


@pytest.mark.parametrize(
    "change",
    [
        {"certificate_number": "NSA-9999"},
        {"issuing_body": "Another Academy"},
        {"expires_on": date.today() + timedelta(days=900)},
    ],
    ids=["number", "issuer", "dates"],
)
@pytest.mark.parametrize("status", ["verified", "rejected", "more_info"])
def test_key_changes_send_a_decided_certificate_back_to_staff(change, status, owner, practitioner, verifier):
    certification = CertificationFactory(
        practitioner=practitioner,
        status=status,
        reviewer=verifier,
        decided_at="2025-01-01T00:00Z",
        reason="x",
    )
    updated = credential_update(credential=certification, user=owner, data=change)
    assert updated.status == "pending"
    assert updated.reviewer is None and updated.decided_at is None and updated.reason == ""
    event = pm.VerificationEvent.objects.get(object_id=certification.pk, content_type__model="certification")
    assert (event.from_status, event.to_status, event.actor) == (status, "pending", owner)


def test_unchanged_or_minor_edits_keep_a_verified_licence(owner, practitioner, verifier):
    licence = LicenceFactory(practitioner=practitioner, verified=True, displayed_at_premises=False)
    credential_update(credential=licence, user=owner, data={"licence_number": licence.licence_number})
    credential_update(credential=licence, user=owner, data={"displayed_at_premises": True})
    licence.refresh_from_db()
    assert licence.status == "verified" and licence.displayed_at_premises
    assert not pm.VerificationEvent.objects.filter(
        object_id=licence.pk, content_type__model="licence"
    ).exists()


def test_replacing_a_document_sends_it_back_and_removes_the_old_file(
    owner, practitioner, django_capture_on_commit_callbacks
):
    certification = CertificationFactory(practitioner=practitioner, verified=True)
    old_name = certification.document.name
    new_pdf = pdf_bytes(300)
    with django_capture_on_commit_callbacks(execute=True):
        updated = credential_replace_document(
            credential=certification, user=owner, document=upload(new_pdf, "scan.pdf", "application/pdf")
        )
    assert updated.status == "pending"
    assert updated.document_sha256 == hashlib.sha256(new_pdf).hexdigest()
    assert updated.document.name != old_name
    assert not updated.document.storage.exists(old_name)
    assert updated.document.storage.exists(updated.document.name)


def test_a_refused_replacement_keeps_the_old_document(owner, practitioner):
    certification = CertificationFactory(practitioner=practitioner, verified=True)
    with pytest.raises(ValidationError) as error:
        credential_replace_document(
            credential=certification, user=owner, document=upload(b"MZ\x90\x00" * 100, "c.pdf")
        )
    assert "document" in error.value.message_dict
    certification.refresh_from_db()
    assert certification.status == "verified"
    assert certification.document.storage.exists(certification.document.name)


# Portfolio -------------------------------------------------------------------------------


def test_portfolio_photo_waits_for_staff_with_its_renditions(owner, practitioner):
    item = portfolio_item_add(practitioner=practitioner, user=owner, data=PORTFOLIO_DATA, image=photo())
    assert item.status == "pending" and item.consent_confirmed_at is not None
    assert item.original.path.startswith(str(settings.PRIVATE_MEDIA_ROOT))
    assert item.display.path.startswith(str(settings.MEDIA_ROOT))
    with Image.open(item.thumbnail.path) as thumb:
        assert max(thumb.size) <= 400
    second = portfolio_item_add(practitioner=practitioner, user=owner, data=PORTFOLIO_DATA, image=photo())
    assert second.position == item.position + 1


def test_portfolio_photo_needs_consent(owner, practitioner):
    before = stored_files()
    with pytest.raises(ValidationError) as error:
        portfolio_item_add(
            practitioner=practitioner, user=owner, data={**PORTFOLIO_DATA, "consent": False}, image=photo()
        )
    assert "consent" in error.value.message_dict
    assert stored_files() == before
    assert not pm.PortfolioItem.objects.filter(practitioner=practitioner).exists()


def test_deleting_a_photo_removes_every_file(owner, practitioner, django_capture_on_commit_callbacks):
    item = portfolio_item_add(practitioner=practitioner, user=owner, data=PORTFOLIO_DATA, image=photo())
    paths = [item.original.path, item.display.path, item.thumbnail.path]
    pk = item.pk
    assert all(os.path.exists(path) for path in paths)
    with django_capture_on_commit_callbacks(execute=True):
        portfolio_item_delete(item=item, user=owner)
    assert not pm.PortfolioItem.objects.filter(pk=pk).exists()
    assert not any(os.path.exists(path) for path in paths)
    assert pm.VerificationEvent.objects.filter(object_id=pk, to_status="deleted").exists()


def test_deleting_a_reported_photo_keeps_the_report(owner, practitioner):
    from reviews.models import ConcernReport

    from .factories import ConcernReportFactory

    item = PortfolioItemFactory(practitioner=practitioner)
    report = ConcernReportFactory(practitioner=practitioner, portfolio_item=item, reason="no_consent")
    portfolio_item_delete(item=item, user=owner)
    report = ConcernReport.objects.get(pk=report.pk)
    assert report.portfolio_item is None and report.practitioner == practitioner and report.status == "open"


def test_photos_move_up_and_down_even_from_equal_positions(owner, practitioner):
    items = [PortfolioItemFactory(practitioner=practitioner, position=0) for _ in range(3)]
    portfolio_reorder(item=items[2], user=owner, direction="up")
    order = list(practitioner.portfolio_items.order_by("position", "id"))
    assert order == [items[0], items[2], items[1]]
    portfolio_reorder(item=items[0], user=owner, direction="up")  # already first: nothing moves
    portfolio_reorder(item=items[1], user=owner, direction="down")  # already last
    assert list(practitioner.portfolio_items.order_by("position", "id")) == order
    with pytest.raises(ValidationError):
        portfolio_reorder(item=items[0], user=owner, direction="sideways")


# Failures after files were written -------------------------------------------------------


class ExplodingFileSystemStorage(FileSystemStorage):
    """A file-system storage whose writes fail, as a full disk or an S3 outage would."""

    def _save(self, name, content):
        raise OSError("storage is unavailable")


@pytest.fixture
def failing_storage(request):
    """Swap one storage ("default" or "private") for one whose writes fail."""

    def use(alias: str):
        storages = {key: dict(value) for key, value in settings.STORAGES.items()}
        storages[alias] = {
            "BACKEND": f"{__name__}.ExplodingFileSystemStorage",
            "OPTIONS": settings.STORAGES[alias]["OPTIONS"],
        }
        override = override_settings(STORAGES=storages)
        override.enable()
        pm.private_storage._wrapped = empty  # resolve the private storage again
        request.addfinalizer(override.disable)
        request.addfinalizer(lambda: setattr(pm.private_storage, "_wrapped", empty))

    return use


def test_failed_public_write_leaves_no_row_and_removes_the_private_original(
    owner, practitioner, failing_storage
):
    failing_storage("default")
    before = stored_files()
    with pytest.raises(OSError):
        portfolio_item_add(practitioner=practitioner, user=owner, data=PORTFOLIO_DATA, image=photo())
    assert not pm.PortfolioItem.objects.filter(practitioner=practitioner).exists()
    assert stored_files() == before


def test_failed_private_write_leaves_no_certificate(owner, practitioner, failing_storage):
    failing_storage("private")
    before = stored_files()
    with pytest.raises(OSError):
        certification_submit(
            practitioner=practitioner,
            user=owner,
            data={"issuing_body": "Academy", "issued_on": date(2023, 1, 1)},
            document=pdf(),
        )
    assert not pm.Certification.objects.exists()
    assert stored_files() == before


@pytest.fixture
def database_refuses(db):
    """Make the database itself refuse new rows in a table, as a constraint would."""

    def refuse(table: str):
        with connection.cursor() as cursor:
            if connection.vendor == "postgresql":
                cursor.execute(
                    "CREATE FUNCTION refuse_row() RETURNS trigger AS $$ BEGIN "
                    "RAISE EXCEPTION 'refused' USING ERRCODE = 'check_violation'; END $$ LANGUAGE plpgsql"
                )
                cursor.execute(
                    f"CREATE TRIGGER refuse_insert BEFORE INSERT ON {table} "
                    "FOR EACH ROW EXECUTE FUNCTION refuse_row()"
                )
            else:
                cursor.execute(
                    f"CREATE TRIGGER refuse_insert BEFORE INSERT ON {table} "
                    "BEGIN SELECT RAISE(ABORT, 'refused'); END"
                )

    # The test's transaction is rolled back afterwards, and the trigger with it.
    return refuse


def test_database_refusing_the_photo_leaves_no_file(owner, practitioner, database_refuses):
    database_refuses(pm.PortfolioItem._meta.db_table)
    before = stored_files()
    with pytest.raises(IntegrityError):
        portfolio_item_add(practitioner=practitioner, user=owner, data=PORTFOLIO_DATA, image=photo())
    assert stored_files() == before


def test_database_refusing_the_certificate_leaves_no_file(owner, practitioner, database_refuses):
    database_refuses(pm.Certification._meta.db_table)
    before = stored_files()
    with pytest.raises(IntegrityError):
        certification_submit(
            practitioner=practitioner,
            user=owner,
            data={"issuing_body": "Academy", "issued_on": date(2023, 1, 1)},
            document=pdf(),
        )
    assert stored_files() == before


def test_database_refusing_a_replacement_keeps_the_old_file_and_removes_the_new(
    owner, practitioner, database_refuses
):
    certification = CertificationFactory(practitioner=practitioner, verified=True)
    # Refusing the audit event fails the replacement after the new file was written.
    database_refuses(pm.VerificationEvent._meta.db_table)
    before = stored_files()
    with pytest.raises(IntegrityError):
        credential_replace_document(
            credential=certification, user=owner, document=upload(image_bytes("PNG"), "scan.png", "image/png")
        )
    assert stored_files() == before
    certification.refresh_from_db()
    assert certification.status == "verified"
    assert certification.document.storage.exists(certification.document.name)


def test_upload_names_never_come_from_the_client(owner, practitioner):
    item = portfolio_item_add(
        practitioner=practitioner,
        user=owner,
        data=PORTFOLIO_DATA,
        image=upload(image_bytes("JPEG"), "../../x.jpg"),
    )
    for field_file in (item.original, item.display, item.thumbnail):
        assert os.path.splitext(os.path.basename(field_file.name))[0] != "x"
        assert ".." not in field_file.name
