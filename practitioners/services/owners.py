"""What clinic owners and managers change from the dashboard.

Views hand these functions cleaned form data. Uploaded files are checked (and images
re-encoded) before anything is written; files are then written to storage inside the
service and removed again if the database refuses the row, so a failure never leaves an
orphaned file and a failed storage write never leaves a row. Status fields and the stored
summary fields are never taken from the data an owner sends.
"""

import logging
from collections.abc import Iterator
from contextlib import contextmanager
from functools import partial

from django.conf import settings
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.files.base import ContentFile
from django.db import transaction
from django.db.models import Max
from django.utils import timezone
from django.utils.text import slugify

from smpfinder.mail import send_after_commit

from ..models import (
    Certification,
    ClaimStatus,
    Clinic,
    ClinicMembership,
    CredentialStatus,
    Licence,
    LicenceKind,
    ListingClaim,
    MembershipRole,
    ModerationStatus,
    PortfolioItem,
    Practitioner,
    PractitionerStatus,
)
from ..uploads import check_document, process_portfolio_image
from .core import (
    clinic_assign_jurisdiction,
    credential_practitioners,
    invalidate_price_medians,
    practitioner_refresh_summary,
    practitioner_touch,
    record_event,
)

logger = logging.getLogger(__name__)

CLINIC_FIELDS = (
    "name",
    "address_line",
    "city",
    "region",
    "postcode",
    "country",
    "latitude",
    "longitude",
    "phone",
    "website",
    "email",
    "sink_in_treatment_rooms",
    "single_use_needles",
    "gloves_and_mask",
    "sterilisation_procedure",
    "consultation",
    "consultation_price",
    "consultation_covers_assessment",
    "currency",
    "price_min",
    "price_max",
)
CLINIC_ADDRESS_FIELDS = {"address_line", "city", "region", "postcode", "country"}
# The regional price medians group clinics by country, region and currency.
CLINIC_PRICE_FIELDS = {"price_min", "price_max", "currency", "country", "region"}

PRACTITIONER_FIELDS = (
    "name",
    "bio",
    "years_practising",
    "procedures_performed",
    "trainer",
    "training_hours",
    "live_models_trained",
    "pigment",
    "pigment_brand",
    "typical_sessions",
    "written_aftercare",
)
PRACTITIONER_M2M_FIELDS = ("specialties", "languages")

CERTIFICATION_FIELDS = ("issuing_body", "certificate_number", "issued_on", "expires_on")
LICENCE_FIELDS = (
    "licence_number",
    "issuing_authority",
    "issued_on",
    "expires_on",
    "jurisdiction",
    "displayed_at_premises",
)
# Changing any of these on a decided credential means staff must look at it again.
CERTIFICATION_KEY_FIELDS = set(CERTIFICATION_FIELDS)
LICENCE_KEY_FIELDS = {"licence_number", "issuing_authority", "issued_on", "expires_on", "jurisdiction"}
DECIDED_STATUSES = {
    CredentialStatus.VERIFIED,
    CredentialStatus.REJECTED,
    CredentialStatus.MORE_INFO,
    CredentialStatus.EXPIRED,
}

PORTFOLIO_FIELDS = ("stage", "months_since_treatment", "sessions_done", "treatment_type", "caption")

CONSENT_REQUIRED = (
    "Please confirm that the client agreed to this photo being shown. "
    "We can't publish photos of clients without their consent."
)


# Files written during one service call ---------------------------------------------------


class StoredFiles:
    """Tracks the files one service call writes, so they can be removed if it fails."""

    def __init__(self):
        self._written: list[tuple[object, str]] = []

    def save(self, field_file, content: ContentFile) -> None:
        """Write `content` to the field's storage under a fresh name (the row is not saved)."""
        field_file.save(content.name, content, save=False)
        self._written.append((field_file.storage, field_file.name))

    def delete_on_commit(self, field_file) -> None:
        """Remove a file the row no longer points to, once the change is committed."""
        if field_file and field_file.name:
            transaction.on_commit(partial(field_file.storage.delete, field_file.name))

    def remove_written(self) -> None:
        for storage, name in reversed(self._written):
            try:
                storage.delete(name)
            except Exception:  # the error that got us here is the one to raise
                logger.exception("could not remove %s after a failed save", name)
        self._written.clear()


@contextmanager
def atomic_with_files() -> Iterator[StoredFiles]:
    """A transaction whose newly written files are deleted again if it does not succeed.

    Covers a failed storage write (nothing saved yet, earlier files removed) and a
    database error (the rows roll back, the files are removed). A caller's outer
    transaction that rolls back later is outside what this can see.
    """
    files = StoredFiles()
    try:
        with transaction.atomic():
            yield files
    except BaseException:
        files.remove_written()
        raise


def _field_errors(field: str, error: ValidationError) -> ValidationError:
    """Attach a checker's message to the form field it is about."""
    return ValidationError({field: error.error_list})


# Slugs that would collide with dashboard paths such as /dashboard/clinics/new/.
RESERVED_SLUGS = {"new"}


def _unique_slug(model, *parts: str, fallback: str) -> str:
    base = slugify(" ".join(p for p in parts if p))[:120].strip("-") or fallback
    slug, number = base, 2
    while slug in RESERVED_SLUGS or model.objects.filter(slug=slug).exists():
        slug = f"{base}-{number}"
        number += 1
    return slug


def _refresh(practitioners) -> None:
    for practitioner in practitioners:
        practitioner_refresh_summary(practitioner=practitioner)


def _forget_price_medians() -> None:
    # Now, so a summary refreshed in this transaction sees the new price, and again after
    # commit, in case another request cached the old medians in between.
    invalidate_price_medians()
    transaction.on_commit(invalidate_price_medians)


# Clinics -------------------------------------------------------------------------------


def clinic_create(*, user, data: dict) -> Clinic:
    """A new clinic; the person who creates it becomes its owner."""
    clinic = Clinic(**{name: data[name] for name in CLINIC_FIELDS if name in data})
    clinic.slug = _unique_slug(Clinic, clinic.name, clinic.city, fallback="clinic")
    clinic_assign_jurisdiction(clinic=clinic)
    with transaction.atomic():
        clinic.full_clean()
        clinic.save()
        ClinicMembership.objects.create(clinic=clinic, user=user, role=MembershipRole.OWNER)
        if clinic.price_min is not None or clinic.price_max is not None:
            _forget_price_medians()
    return clinic


def clinic_update(*, clinic: Clinic, user, data: dict) -> Clinic:
    with transaction.atomic():
        # Compare with what is stored, not with an instance a form may have changed.
        current = Clinic.objects.select_for_update().get(pk=clinic.pk)
        changed = {name for name in CLINIC_FIELDS if name in data and getattr(current, name) != data[name]}
        if not changed:
            return current
        for name in changed:
            setattr(current, name, data[name])
        if changed & CLINIC_ADDRESS_FIELDS:
            clinic_assign_jurisdiction(clinic=current)
        current.full_clean()
        current.save()
        if changed & CLINIC_PRICE_FIELDS:
            _forget_price_medians()
        # Hygiene, consultation, price and address all feed the checklist.
        _refresh(current.practitioners.all())
    return current


def membership_add(*, clinic: Clinic, user, email: str, role: str) -> ClinicMembership:
    """Give someone with a confirmed account access to the clinic. Only owners may do this."""
    from allauth.account.models import EmailAddress

    if not ClinicMembership.objects.filter(clinic=clinic, user=user, role=MembershipRole.OWNER).exists():
        raise PermissionDenied("Only the clinic's owners can add people.")
    address = (
        EmailAddress.objects.filter(email__iexact=email.strip(), verified=True).select_related("user").first()
    )
    if address is None:
        raise ValidationError(
            {
                "email": "Nobody with a confirmed smpfinder account uses this address. "
                "Ask them to sign up and confirm their e-mail first, then add them here."
            }
        )
    member = address.user
    if ClinicMembership.objects.filter(clinic=clinic, user=member).exists():
        raise ValidationError({"email": "This person can already manage the clinic."})
    with transaction.atomic():
        membership = ClinicMembership(clinic=clinic, user=member, role=role)
        membership.full_clean()
        membership.save()
        send_after_commit(
            "owner_member_added",
            [address.email],
            {"clinic": clinic, "role": membership.get_role_display(), "added_by": user},
        )
    return membership


def listing_claim_submit(*, clinic: Clinic, user, message: str) -> ListingClaim:
    """Ask staff to let this person manage a clinic that is already listed."""
    if ClinicMembership.objects.filter(clinic=clinic, user=user).exists():
        raise ValidationError("You already manage this clinic.")
    if ListingClaim.objects.filter(clinic=clinic, user=user, status=ClaimStatus.PENDING).exists():
        raise ValidationError("You have already asked to manage this clinic. Staff will reply by e-mail.")
    with transaction.atomic():
        claim = ListingClaim(clinic=clinic, user=user, message=message.strip())
        claim.full_clean()
        claim.save()
        record_event(subject=claim, actor=user, from_status="", to_status=ClaimStatus.PENDING)
        send_after_commit("owner_claim_received", [settings.STAFF_EMAIL], {"claim": claim})
    return claim


# Practitioners -------------------------------------------------------------------------


def _photo_content(photo) -> ContentFile:
    """A profile photo goes through the portfolio pipeline; the small rendition is kept."""
    try:
        renditions = process_portfolio_image(photo)
    except ValidationError as error:
        raise _field_errors("photo", error) from None
    return renditions.thumbnail


def _check_clinics(user, clinics) -> None:
    from ..access import user_clinics

    allowed = set(user_clinics(user).values_list("pk", flat=True))
    if not clinics:
        raise ValidationError({"clinics": "Choose at least one clinic where this practitioner works."})
    if any(clinic.pk not in allowed for clinic in clinics):
        raise PermissionDenied("You can only add practitioners to clinics you manage.")


def practitioner_create(*, user, data: dict, photo=None) -> Practitioner:
    """A new practitioner, as a draft the owner publishes when ready."""
    clinics = list(data.get("clinics") or [])
    _check_clinics(user, clinics)
    photo_file = _photo_content(photo) if photo else None
    practitioner = Practitioner(**{name: data[name] for name in PRACTITIONER_FIELDS if name in data})
    practitioner.status = PractitionerStatus.DRAFT
    practitioner.slug = _unique_slug(Practitioner, practitioner.name, fallback="practitioner")
    with atomic_with_files() as files:
        if photo_file is not None:
            files.save(practitioner.photo, photo_file)
        practitioner.full_clean()
        practitioner.save()
        practitioner.clinics.set(clinics)
        for name in PRACTITIONER_M2M_FIELDS:
            if name in data:
                getattr(practitioner, name).set(data[name])
        record_event(subject=practitioner, actor=user, from_status="", to_status=PractitionerStatus.DRAFT)
        practitioner_refresh_summary(practitioner=practitioner)
    return practitioner


def practitioner_update(
    *, practitioner: Practitioner, user, data: dict, photo=None, remove_photo: bool = False
) -> Practitioner:
    from ..access import user_clinics

    if "clinics" in data:
        _check_clinics(user, list(data["clinics"]))
    photo_file = _photo_content(photo) if photo else None
    with atomic_with_files() as files:
        current = Practitioner.objects.select_for_update().get(pk=practitioner.pk)
        for name in PRACTITIONER_FIELDS:
            if name in data:
                setattr(current, name, data[name])
        if photo_file is not None or remove_photo:
            files.delete_on_commit(current.photo)
            current.photo = ""
        if photo_file is not None:
            files.save(current.photo, photo_file)
        current.full_clean()
        current.save()
        if "clinics" in data:
            chosen = list(data["clinics"])
            # Clinics this person does not manage stay as they are.
            managed = set(user_clinics(user).values_list("pk", flat=True))
            kept = [c for c in current.clinics.all() if c.pk not in managed]
            current.clinics.set([*kept, *chosen])
        for name in PRACTITIONER_M2M_FIELDS:
            if name in data:
                getattr(current, name).set(data[name])
        practitioner_refresh_summary(practitioner=current)
    return current


SUSPENDED_MESSAGE = (
    "Our staff have suspended this listing, so it can't be published or unpublished from the "
    "dashboard. Please reply to the e-mail we sent you, or contact us."
)


def _practitioner_move(*, practitioner: Practitioner, user, to_status: str) -> Practitioner:
    with transaction.atomic():
        # Read the status under a lock: staff may have suspended the listing a moment ago.
        current = Practitioner.objects.select_for_update().get(pk=practitioner.pk)
        if current.status == PractitionerStatus.SUSPENDED:
            raise ValidationError(SUSPENDED_MESSAGE, code="suspended")
        if current.status == to_status:
            return current
        from_status = current.status
        changes = {"status": to_status, "updated_at": timezone.now()}
        if to_status != PractitionerStatus.PUBLISHED:
            # Only a published profile can carry the badge; the refresh below recomputes it.
            changes["is_vetted"] = False
        Practitioner.objects.filter(pk=current.pk).update(**changes)
        current.status = to_status
        record_event(subject=current, actor=user, from_status=from_status, to_status=to_status)
        practitioner_refresh_summary(practitioner=current)
    return current


def practitioner_publish(*, practitioner: Practitioner, user) -> Practitioner:
    """Show the profile to patients. A listing staff suspended stays suspended."""
    return _practitioner_move(practitioner=practitioner, user=user, to_status=PractitionerStatus.PUBLISHED)


def practitioner_unpublish(*, practitioner: Practitioner, user) -> Practitioner:
    """Take the profile back to a draft patients can't see. A suspension stays as it is."""
    return _practitioner_move(practitioner=practitioner, user=user, to_status=PractitionerStatus.DRAFT)


# Credentials ---------------------------------------------------------------------------


def _checked_document(document):
    try:
        return check_document(document)
    except ValidationError as error:
        raise _field_errors("document", error) from None


def certification_submit(*, practitioner: Practitioner, user, data: dict, document) -> Certification:
    """A certificate for staff to check; it counts as "stated" until they do."""
    checked = _checked_document(document)
    with atomic_with_files() as files:
        certification = Certification(
            practitioner=practitioner,
            document_sha256=checked.sha256,
            status=CredentialStatus.PENDING,
            **{name: data[name] for name in CERTIFICATION_FIELDS if name in data},
        )
        files.save(certification.document, checked.content)
        certification.full_clean()
        certification.save()
        record_event(
            subject=certification,
            actor=user,
            from_status="",
            to_status=CredentialStatus.PENDING,
            note="Sent by the clinic.",
        )
        practitioner_refresh_summary(practitioner=practitioner)
    return certification


def licence_submit(
    *, user, data: dict, document, practitioner: Practitioner | None = None, clinic: Clinic | None = None
) -> Licence:
    """A practitioner's own licence, or a clinic's premises licence, for staff to check."""
    if (practitioner is None) == (clinic is None):
        raise ValueError("A licence belongs to either a practitioner or a clinic.")
    checked = _checked_document(document)
    fields = {name: data[name] for name in LICENCE_FIELDS if name in data}
    if clinic is not None:
        # A premises licence is always for the place the clinic is.
        fields["jurisdiction"] = clinic.jurisdiction
    with atomic_with_files() as files:
        licence = Licence(
            kind=LicenceKind.PRACTITIONER if practitioner else LicenceKind.ESTABLISHMENT,
            practitioner=practitioner,
            clinic=clinic,
            document_sha256=checked.sha256,
            status=CredentialStatus.PENDING,
            **fields,
        )
        files.save(licence.document, checked.content)
        licence.full_clean()
        licence.save()
        record_event(
            subject=licence,
            actor=user,
            from_status="",
            to_status=CredentialStatus.PENDING,
            note="Sent by the clinic.",
        )
        _refresh([practitioner] if practitioner else clinic.practitioners.all())
    return licence


def credential_update(*, credential: Certification | Licence, user, data: dict, document=None):
    """Change a certificate or licence. A new document, number, issuer or date on one staff
    already decided sends it back to them: the old decision was about the old facts."""
    is_licence = isinstance(credential, Licence)
    editable = LICENCE_FIELDS if is_licence else CERTIFICATION_FIELDS
    key_fields = LICENCE_KEY_FIELDS if is_licence else CERTIFICATION_KEY_FIELDS
    checked = _checked_document(document) if document else None
    model = type(credential)
    with atomic_with_files() as files:
        current = model.objects.select_for_update().get(pk=credential.pk)
        if is_licence and current.kind == LicenceKind.ESTABLISHMENT:
            editable = tuple(name for name in editable if name != "jurisdiction")
        changed = [name for name in editable if name in data and getattr(current, name) != data[name]]
        for name in changed:
            setattr(current, name, data[name])
        if "expires_on" in changed:
            current.expiry_notice_days = None
        if checked is not None:
            files.delete_on_commit(current.document)
            files.save(current.document, checked.content)
            current.document_sha256 = checked.sha256
            changed.append("document")
        if not changed:
            return current
        key_changes = [name for name in changed if name in key_fields or name == "document"]
        from_status = current.status
        if key_changes and from_status in DECIDED_STATUSES:
            current.status = CredentialStatus.PENDING
            current.reviewer = None
            current.decided_at = None
            current.reason = ""
        current.full_clean()
        current.save()
        if key_changes:
            labels = ", ".join(
                "document" if name == "document" else model._meta.get_field(name).verbose_name
                for name in key_changes
            )
            record_event(
                subject=current,
                actor=user,
                from_status=from_status,
                to_status=current.status,
                note=f"Changed by the clinic: {labels}.",
            )
        _refresh(credential_practitioners(current))
    return current


def credential_replace_document(*, credential: Certification | Licence, user, document):
    """A new scan or file for the same credential; staff check it again."""
    return credential_update(credential=credential, user=user, data={}, document=document)


# Portfolio -----------------------------------------------------------------------------


def portfolio_item_add(*, practitioner: Practitioner, user, data: dict, image) -> PortfolioItem:
    """A result photo, re-encoded without metadata, waiting for staff to approve it."""
    if not data.get("consent"):
        raise ValidationError({"consent": CONSENT_REQUIRED})
    try:
        renditions = process_portfolio_image(image)
    except ValidationError as error:
        raise _field_errors("image", error) from None
    with atomic_with_files() as files:
        last = practitioner.portfolio_items.aggregate(last=Max("position"))["last"]
        item = PortfolioItem(
            practitioner=practitioner,
            width=renditions.width,
            height=renditions.height,
            consent_confirmed_at=timezone.now(),
            status=ModerationStatus.PENDING,
            position=0 if last is None else last + 1,
            **{name: data[name] for name in PORTFOLIO_FIELDS if name in data},
        )
        files.save(item.original, renditions.original)
        files.save(item.display, renditions.display)
        files.save(item.thumbnail, renditions.thumbnail)
        item.full_clean()
        item.save()
        record_event(
            subject=item,
            actor=user,
            from_status="",
            to_status=ModerationStatus.PENDING,
            note="Added by the clinic; the clinic confirmed the client's consent.",
        )
        practitioner_refresh_summary(practitioner=practitioner)
    return item


def portfolio_item_delete(*, item: PortfolioItem, user) -> None:
    """Remove the photo and, once that is committed, every file made from it."""
    practitioner = item.practitioner
    with transaction.atomic():
        record_event(
            subject=item,
            actor=user,
            from_status=item.status,
            to_status="deleted",
            note="Deleted by the clinic.",
        )
        files = StoredFiles()
        for field_file in (item.original, item.display, item.thumbnail):
            files.delete_on_commit(field_file)
        # Concerns reported about the photo stay on record against the practitioner:
        # deleting it must not delete the complaint with it.
        item.concern_reports.update(portfolio_item=None)
        item.delete()
        practitioner_refresh_summary(practitioner=practitioner)


def portfolio_reorder(*, item: PortfolioItem, user, direction: str) -> None:
    """Move a photo one place up or down in the practitioner's gallery."""
    if direction not in {"up", "down"}:
        raise ValidationError("Choose up or down.")
    with transaction.atomic():
        items = list(
            PortfolioItem.objects.select_for_update()
            .filter(practitioner_id=item.practitioner_id)
            .order_by("position", "id")
        )
        index = next(i for i, other in enumerate(items) if other.pk == item.pk)
        target = index - 1 if direction == "up" else index + 1
        if not 0 <= target < len(items):
            return
        items[index], items[target] = items[target], items[index]
        # Renumber every item, so equal positions left by older data can't make a move a no-op.
        changed = []
        for position, other in enumerate(items):
            if other.position != position:
                other.position = position
                changed.append(other)
        PortfolioItem.objects.bulk_update(changed, ["position"])
        practitioner_touch(practitioner_id=item.practitioner_id)
