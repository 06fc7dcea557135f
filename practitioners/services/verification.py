"""Staff decisions: one function per transition, each the only way that status changes.

Every function locks the row, checks who may act and from which status, saves, writes a
VerificationEvent, refreshes the stored summary of every practitioner whose checklist can
change, and queues its e-mail for after the commit. The admin screens and the management
commands call these; nothing else writes these statuses.
"""

from dataclasses import dataclass
from datetime import date

from django.conf import settings
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.urls import reverse
from django.utils import timezone

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
    VerificationEvent,
)
from .core import credential_practitioners, practitioner_refresh_summary, record_event

VERIFY = "practitioners.verify_credentials"
MODERATE = "practitioners.moderate_content"
APPROVE_CLAIMS = "practitioners.approve_claims"
SUSPEND = "practitioners.suspend_listing"

EXPIRY_NOTICE_DAYS = (30, 7)

# Starting points for a rejection: (key, label for staff, text the owner reads). Staff pick
# one and edit it before sending.
REJECTION_TEMPLATES = [
    (
        "unreadable",
        "Cannot read it",
        "We could not read the document. Please upload a clear scan or photo that shows the whole "
        "page, including every corner.",
    ),
    (
        "name_mismatch",
        "Name does not match",
        "The name on the document is not the name of the practitioner on this profile.",
    ),
    (
        "details_mismatch",
        "Number or dates do not match",
        "The number or dates on the document are different from the ones entered on the profile. "
        "Please correct them and upload the document again.",
    ),
    ("expired", "Expired", "This document has expired. Please upload the current one."),
    (
        "wrong_document",
        "Wrong kind of document",
        "This is not the kind of document we asked for. A certificate must come from the SMP "
        "academy or trainer; a licence must come from the authority that issues it.",
    ),
    (
        "issuer_unconfirmed",
        "Issuer could not confirm it",
        "We contacted the body named on the document and they could not confirm it.",
    ),
    (
        "wrong_jurisdiction",
        "Licence for another area",
        "This licence is for a different state or area from the clinic's address.",
    ),
]

Credential = Certification | Licence


class TransitionError(ValidationError):
    """The object is not in a status this decision can start from."""


def _require(user, permission: str) -> None:
    if user is None or not user.is_active or not user.has_perm(permission):
        raise PermissionDenied(f"This decision needs the {permission.split('.')[1]} permission.")


def _check_from(obj, allowed: set[str], action: str) -> None:
    if obj.status not in allowed:
        raise TransitionError(
            f"Cannot {action}: it is {obj.get_status_display().lower()}.", code="invalid_transition"
        )


def _lock(obj):
    return type(obj).objects.select_for_update().get(pk=obj.pk)


def _required_text(value: str, message: str) -> str:
    value = (value or "").strip()
    if not value:
        raise ValidationError(message, code="required")
    return value


def _dashboard_url() -> str:
    return settings.SITE_URL + reverse("dashboard:home")


# Who a decision concerns -------------------------------------------------------------


def credential_kind(credential: Credential) -> str:
    return "certification" if isinstance(credential, Certification) else "licence"


def credential_label(credential: Credential) -> str:
    """How the owner's e-mail names the document: "SMP certificate", "premises licence"."""
    if isinstance(credential, Certification):
        return "SMP certificate"
    return "premises licence" if credential.kind == LicenceKind.ESTABLISHMENT else "practitioner licence"


def credential_holder(credential: Credential) -> Practitioner | Clinic:
    return credential.practitioner if credential.practitioner_id else credential.clinic


def credential_clinics(credential: Credential) -> list[Clinic]:
    if credential.practitioner_id:
        return list(credential.practitioner.clinics.all())
    return [credential.clinic]


def member_emails(clinics) -> list[str]:
    """E-mail addresses of the owners and managers of the given clinics."""
    emails = (
        ClinicMembership.objects.filter(
            clinic__in=clinics,
            role__in=[MembershipRole.OWNER, MembershipRole.MANAGER],
            user__is_active=True,
        )
        .exclude(user__email="")
        .values_list("user__email", flat=True)
    )
    return sorted(set(emails))


def _refresh(practitioners) -> None:
    for practitioner in practitioners:
        practitioner_refresh_summary(practitioner=practitioner)


def _mail_members(template: str, credential: Credential, **context) -> None:
    send_after_commit(
        template,
        member_emails(credential_clinics(credential)),
        {
            "credential": credential,
            "label": credential_label(credential),
            "holder": credential_holder(credential),
            "dashboard_url": _dashboard_url(),
            **context,
        },
    )


# Certifications and licences ---------------------------------------------------------


@transaction.atomic
def credential_approve(
    *, credential: Credential, reviewer, note: str = "", today: date | None = None
) -> Credential:
    """pending or more_info → verified. The document must be current on the day of approval."""
    _require(reviewer, VERIFY)
    today = today or timezone.localdate()
    locked = _lock(credential)
    _check_from(locked, {CredentialStatus.PENDING, CredentialStatus.MORE_INFO}, "verify this document")
    if locked.issued_on > today:
        raise ValidationError(
            "The issue date is in the future. Check the date against the document, or ask the owner.",
            code="issued_in_future",
        )
    if locked.expires_on is not None and locked.expires_on <= today:
        raise ValidationError(
            f"This document expired on {locked.expires_on:%d %b %Y}; an expired document cannot be verified.",
            code="expired",
        )
    from_status = locked.status
    locked.status = CredentialStatus.VERIFIED
    locked.reviewer = reviewer
    locked.decided_at = timezone.now()
    locked.reason = ""
    locked.expiry_notice_days = None
    locked.full_clean()
    locked.save()
    record_event(subject=locked, actor=reviewer, from_status=from_status, to_status=locked.status, note=note)
    _refresh(credential_practitioners(locked))
    _mail_members("credential_approved", locked, note=note)
    return locked


@transaction.atomic
def credential_reject(*, credential: Credential, reviewer, reason: str) -> Credential:
    """pending, more_info or verified → rejected. Rejecting a verified document withdraws it
    (for instance after a reported concern) and removes what it proved from the checklist."""
    _require(reviewer, VERIFY)
    reason = _required_text(reason, "Give the reason for the rejection; the owner will read it.")
    locked = _lock(credential)
    _check_from(
        locked,
        {CredentialStatus.PENDING, CredentialStatus.MORE_INFO, CredentialStatus.VERIFIED},
        "reject this document",
    )
    from_status = locked.status
    locked.status = CredentialStatus.REJECTED
    locked.reviewer = reviewer
    locked.decided_at = timezone.now()
    locked.reason = reason
    locked.full_clean()
    locked.save()
    record_event(
        subject=locked, actor=reviewer, from_status=from_status, to_status=locked.status, note=reason
    )
    _refresh(credential_practitioners(locked))
    _mail_members("credential_rejected", locked, reason=reason, was_verified=from_status == "verified")
    return locked


@transaction.atomic
def credential_request_info(*, credential: Credential, reviewer, message: str) -> Credential:
    """pending → more_info: staff need something from the owner before deciding."""
    _require(reviewer, VERIFY)
    message = _required_text(message, "Write what the owner needs to send or correct.")
    locked = _lock(credential)
    _check_from(locked, {CredentialStatus.PENDING}, "ask for more information")
    from_status = locked.status
    locked.status = CredentialStatus.MORE_INFO
    locked.reviewer = reviewer
    locked.decided_at = timezone.now()
    locked.reason = message
    locked.full_clean()
    locked.save()
    record_event(
        subject=locked, actor=reviewer, from_status=from_status, to_status=locked.status, note=message
    )
    _mail_members("credential_more_info", locked, message=message)
    return locked


@transaction.atomic
def credential_expire(*, credential: Credential, today: date | None = None) -> Credential:
    """verified → expired once the expiry date is reached. The system acts, so no actor."""
    today = today or timezone.localdate()
    locked = _lock(credential)
    _check_from(locked, {CredentialStatus.VERIFIED}, "mark this document expired")
    if locked.expires_on is None or locked.expires_on > today:
        raise TransitionError("This document has not reached its expiry date.", code="not_expired")
    locked.status = CredentialStatus.EXPIRED
    locked.full_clean()
    locked.save()
    record_event(
        subject=locked,
        actor=None,
        from_status=CredentialStatus.VERIFIED,
        to_status=locked.status,
        note=f"Expiry date {locked.expires_on:%d %b %Y} reached.",
    )
    _refresh(credential_practitioners(locked))
    _mail_members("credential_expired", locked)
    return locked


def expiry_notice_due(credential: Credential, today: date) -> int | None:
    """Which reminder (30 or 7 days before expiry) is due and not yet sent, if any."""
    if credential.status != CredentialStatus.VERIFIED or credential.expires_on is None:
        return None
    days_left = (credential.expires_on - today).days
    if days_left <= 0:
        return None
    sent = credential.expiry_notice_days
    for days in sorted(EXPIRY_NOTICE_DAYS):
        if days_left <= days:
            return days if sent is None or sent > days else None
    return None


@transaction.atomic
def credential_send_expiry_notice(*, credential: Credential, today: date | None = None) -> int | None:
    """E-mail the clinic that a verified document expires soon; each notice goes once.

    Returns the notice sent (30 or 7), or None when none was due. A moved expiry date
    (more than 30 days away again) clears the record so the new date gets its notices.
    """
    today = today or timezone.localdate()
    locked = _lock(credential)
    if (
        locked.expiry_notice_days is not None
        and locked.expires_on is not None
        and (locked.expires_on - today).days > max(EXPIRY_NOTICE_DAYS)
    ):
        locked.expiry_notice_days = None
        locked.save(update_fields=["expiry_notice_days"])
    days = expiry_notice_due(locked, today)
    if days is None:
        return None
    locked.expiry_notice_days = days
    locked.save(update_fields=["expiry_notice_days"])
    _mail_members("expiry_notice", locked, days_left=(locked.expires_on - today).days, notice_days=days)
    return days


# What the review screen warns about ---------------------------------------------------


@dataclass(frozen=True)
class Warning:
    code: str
    text: str
    other: Credential | None = None


def credential_warnings(credential: Credential, today: date | None = None) -> list[Warning]:
    """Reasons to look twice: the same file or licence number elsewhere, dates that don't fit."""
    today = today or timezone.localdate()
    warnings = []
    same_file = [
        *Certification.objects.filter(document_sha256=credential.document_sha256).select_related(
            "practitioner"
        ),
        *Licence.objects.filter(document_sha256=credential.document_sha256).select_related(
            "practitioner", "clinic"
        ),
    ]
    holder = credential_holder(credential)
    for other in same_file:
        if other == credential:
            continue
        other_holder = credential_holder(other)
        if other_holder != holder:
            warnings.append(
                Warning(
                    "same_file",
                    f"The same file (identical SHA-256) was uploaded for {other_holder} "
                    f"as “{other}” ({other.get_status_display().lower()}).",
                    other,
                )
            )
        elif other.status == CredentialStatus.REJECTED:
            warnings.append(
                Warning("same_file_rejected", f"This exact file was rejected before as “{other}”.", other)
            )
    if isinstance(credential, Licence):
        number = credential.licence_number.strip()
        same_number = (
            Licence.objects.filter(licence_number__iexact=number)
            .exclude(pk=credential.pk)
            .select_related("practitioner", "clinic", "jurisdiction")
        )
        for other in same_number:
            other_holder = credential_holder(other)
            if other_holder != holder:
                warnings.append(
                    Warning(
                        "same_number",
                        f"Licence number {number} is also claimed for {other_holder} "
                        f"({other.get_status_display().lower()}, issued by {other.issuing_authority}).",
                        other,
                    )
                )
    if credential.expires_on is not None and credential.expires_on <= today:
        warnings.append(Warning("expired", f"The document expired on {credential.expires_on:%d %b %Y}."))
    if credential.issued_on > today:
        warnings.append(
            Warning("issued_in_future", f"The issue date, {credential.issued_on:%d %b %Y}, is in the future.")
        )
    return warnings


def credential_history(credential: Credential):
    return VerificationEvent.objects.filter(
        content_type__app_label="practitioners",
        content_type__model=credential._meta.model_name,
        object_id=credential.pk,
    ).select_related("actor")


# Listing claims ----------------------------------------------------------------------


def _mail_claimant(template: str, claim: ListingClaim, **context) -> None:
    if claim.user.email:
        send_after_commit(
            template,
            [claim.user.email],
            {"claim": claim, "clinic": claim.clinic, "dashboard_url": _dashboard_url(), **context},
        )


@transaction.atomic
def claim_approve(*, claim: ListingClaim, reviewer, note: str = "") -> ListingClaim:
    """pending → approved; the claimant becomes an owner of the clinic."""
    _require(reviewer, APPROVE_CLAIMS)
    locked = _lock(claim)
    _check_from(locked, {ClaimStatus.PENDING}, "approve this claim")
    locked.status = ClaimStatus.APPROVED
    locked.decided_by = reviewer
    locked.decided_at = timezone.now()
    locked.full_clean()
    locked.save()
    ClinicMembership.objects.update_or_create(
        clinic=locked.clinic, user=locked.user, defaults={"role": MembershipRole.OWNER}
    )
    record_event(
        subject=locked, actor=reviewer, from_status=ClaimStatus.PENDING, to_status=locked.status, note=note
    )
    _mail_claimant("claim_approved", locked, note=note)
    return locked


@transaction.atomic
def claim_reject(*, claim: ListingClaim, reviewer, reason: str) -> ListingClaim:
    _require(reviewer, APPROVE_CLAIMS)
    reason = _required_text(reason, "Give the reason for the rejection; the person who asked will read it.")
    locked = _lock(claim)
    _check_from(locked, {ClaimStatus.PENDING}, "reject this claim")
    locked.status = ClaimStatus.REJECTED
    locked.decided_by = reviewer
    locked.decided_at = timezone.now()
    locked.reason = reason
    locked.full_clean()
    locked.save()
    record_event(
        subject=locked, actor=reviewer, from_status=ClaimStatus.PENDING, to_status=locked.status, note=reason
    )
    _mail_claimant("claim_rejected", locked, reason=reason)
    return locked


# Portfolio images --------------------------------------------------------------------


@transaction.atomic
def portfolio_item_approve(*, portfolio_item: PortfolioItem, reviewer, note: str = "") -> PortfolioItem:
    """pending → approved. No e-mail: owners upload many images, and approval needs no action."""
    _require(reviewer, MODERATE)
    locked = _lock(portfolio_item)
    _check_from(locked, {ModerationStatus.PENDING}, "approve this image")
    locked.status = ModerationStatus.APPROVED
    locked.moderated_by = reviewer
    locked.moderated_at = timezone.now()
    locked.reason = ""
    locked.full_clean()
    locked.save()
    record_event(
        subject=locked,
        actor=reviewer,
        from_status=ModerationStatus.PENDING,
        to_status=locked.status,
        note=note,
    )
    _refresh([locked.practitioner])
    return locked


@transaction.atomic
def portfolio_item_reject(*, portfolio_item: PortfolioItem, reviewer, reason: str) -> PortfolioItem:
    """pending or approved → rejected; taking down an approved image (say, shown without
    consent) also takes it out of the healed-results count."""
    _require(reviewer, MODERATE)
    reason = _required_text(reason, "Give the reason; the clinic will read it.")
    locked = _lock(portfolio_item)
    _check_from(locked, {ModerationStatus.PENDING, ModerationStatus.APPROVED}, "reject this image")
    from_status = locked.status
    locked.status = ModerationStatus.REJECTED
    locked.moderated_by = reviewer
    locked.moderated_at = timezone.now()
    locked.reason = reason
    locked.full_clean()
    locked.save()
    record_event(
        subject=locked, actor=reviewer, from_status=from_status, to_status=locked.status, note=reason
    )
    _refresh([locked.practitioner])
    send_after_commit(
        "portfolio_item_rejected",
        member_emails(locked.practitioner.clinics.all()),
        {
            "item": locked,
            "practitioner": locked.practitioner,
            "reason": reason,
            "dashboard_url": _dashboard_url(),
        },
    )
    return locked


# Suspending a listing ----------------------------------------------------------------


@transaction.atomic
def practitioner_suspend(*, practitioner: Practitioner, actor, reason: str) -> Practitioner:
    """draft or published → suspended: the profile disappears from every public page at once."""
    _require(actor, SUSPEND)
    reason = _required_text(reason, "Give the reason for suspending the listing; the clinic will read it.")
    locked = _lock(practitioner)
    _check_from(locked, {PractitionerStatus.DRAFT, PractitionerStatus.PUBLISHED}, "suspend this listing")
    from_status = locked.status
    locked.status = PractitionerStatus.SUSPENDED
    # The badge belongs only to published listings (a database constraint says so).
    locked.is_vetted = False
    locked.save(update_fields=["status", "is_vetted", "updated_at"])
    record_event(subject=locked, actor=actor, from_status=from_status, to_status=locked.status, note=reason)
    _refresh([locked])
    send_after_commit(
        "practitioner_suspended",
        member_emails(locked.clinics.all()),
        {"practitioner": locked, "reason": reason, "dashboard_url": _dashboard_url()},
    )
    return locked


@transaction.atomic
def practitioner_unsuspend(*, practitioner: Practitioner, actor, note: str = "") -> Practitioner:
    """suspended → the status it had before the suspension (published unless it was a draft)."""
    _require(actor, SUSPEND)
    locked = _lock(practitioner)
    _check_from(locked, {PractitionerStatus.SUSPENDED}, "lift the suspension")
    last = (
        VerificationEvent.objects.filter(
            content_type__app_label="practitioners",
            content_type__model="practitioner",
            object_id=locked.pk,
            to_status=PractitionerStatus.SUSPENDED,
        )
        .order_by("-created_at", "-id")
        .first()
    )
    restored = last.from_status if last and last.from_status else PractitionerStatus.PUBLISHED
    locked.status = restored
    locked.save(update_fields=["status", "updated_at"])
    record_event(
        subject=locked, actor=actor, from_status=PractitionerStatus.SUSPENDED, to_status=restored, note=note
    )
    _refresh([locked])
    send_after_commit(
        "practitioner_unsuspended",
        member_emails(locked.clinics.all()),
        {"practitioner": locked, "note": note, "dashboard_url": _dashboard_url()},
    )
    return locked


# The queue -------------------------------------------------------------------------------


def waiting_counts(*, older_than=None) -> dict[str, int]:
    """How many items wait for staff in each section, optionally only those created before a time."""
    from reviews.models import ConcernReport, ConcernStatus, Review, ReviewStatus, Testimonial

    def created(qs):
        return qs.filter(created_at__lt=older_than) if older_than is not None else qs

    return {
        "certifications": created(Certification.objects.filter(status=CredentialStatus.PENDING)).count(),
        "licences": created(Licence.objects.filter(status=CredentialStatus.PENDING)).count(),
        "claims": created(ListingClaim.objects.filter(status=ClaimStatus.PENDING)).count(),
        "portfolio_items": created(PortfolioItem.objects.filter(status=ModerationStatus.PENDING)).count(),
        "concerns": created(ConcernReport.objects.filter(status=ConcernStatus.OPEN)).count(),
        "reviews": created(Review.objects.filter(status=ReviewStatus.PENDING)).count(),
        "testimonials": created(Testimonial.objects.filter(status=ModerationStatus.PENDING)).count(),
    }


__all__ = [
    "REJECTION_TEMPLATES",
    "TransitionError",
    "claim_approve",
    "claim_reject",
    "credential_approve",
    "credential_expire",
    "credential_history",
    "credential_reject",
    "credential_request_info",
    "credential_send_expiry_notice",
    "credential_warnings",
    "expiry_notice_due",
    "member_emails",
    "portfolio_item_approve",
    "portfolio_item_reject",
    "practitioner_suspend",
    "practitioner_unsuspend",
    "waiting_counts",
]
