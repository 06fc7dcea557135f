"""Staff decisions: every transition allowed and refused, the audit trail and the e-mails."""

import hashlib
from datetime import date, timedelta

import pytest
from django.core import mail
from django.core.exceptions import PermissionDenied, ValidationError
from django.utils import timezone

from practitioners.models import (
    Certification,
    ClinicMembership,
    CredentialStatus,
    ListingClaim,
    MembershipRole,
    Practitioner,
    PractitionerStatus,
    VerificationEvent,
)
from practitioners.services import (
    TransitionError,
    claim_approve,
    claim_reject,
    credential_approve,
    credential_expire,
    credential_reject,
    credential_request_info,
    portfolio_item_approve,
    portfolio_item_reject,
    practitioner_refresh_summary,
    practitioner_suspend,
    practitioner_unsuspend,
)
from practitioners.services.verification import credential_history, credential_warnings

from .factories import (
    CertificationFactory,
    ClinicFactory,
    LicenceFactory,
    PortfolioItemFactory,
    PractitionerFactory,
    UserFactory,
)

pytestmark = pytest.mark.django_db

WAITING = [CredentialStatus.PENDING, CredentialStatus.MORE_INFO]


def sha(text: str) -> str:
    return hashlib.sha256(text.encode()).hexdigest()


def events_for(obj):
    return list(VerificationEvent.objects.filter(content_type__model=obj._meta.model_name, object_id=obj.pk))


def make_certification(practitioner, status=CredentialStatus.PENDING, **kwargs):
    fields = {"status": status, "document_sha256": sha(f"cert-{practitioner.pk}-{status}")}
    if status in (CredentialStatus.MORE_INFO, CredentialStatus.REJECTED):
        fields["reason"] = "Earlier message"
    if status in (CredentialStatus.VERIFIED, CredentialStatus.EXPIRED):
        fields.update(reviewer=UserFactory(is_staff=True), decided_at=timezone.now())
    return CertificationFactory(practitioner=practitioner, **{**fields, **kwargs})


def nearly_vetted(practitioner):
    """Everything the badge needs except the SMP certificate."""
    LicenceFactory(practitioner=practitioner, verified=True)
    LicenceFactory(clinic=practitioner.clinics.first(), premises=True, verified=True)
    for months in (6, 9, 14):
        PortfolioItemFactory(practitioner=practitioner, months_since_treatment=months)
    practitioner_refresh_summary(practitioner=practitioner)


# Approving ---------------------------------------------------------------------------


@pytest.mark.parametrize("status", WAITING)
def test_verifier_approves_a_waiting_certificate(status, verifier, owner, practitioner):
    certification = make_certification(practitioner, status)
    result = credential_approve(credential=certification, reviewer=verifier, note="Checked with the academy")

    certification.refresh_from_db()
    assert certification.status == CredentialStatus.VERIFIED
    assert certification.reviewer == verifier
    assert certification.decided_at is not None
    assert certification.reason == ""
    assert result.status == CredentialStatus.VERIFIED
    [event] = events_for(certification)
    assert (event.actor, event.from_status, event.to_status) == (verifier, status, "verified")
    assert event.note == "Checked with the academy"


def test_approving_the_last_missing_document_gives_the_badge(verifier, owner, practitioner):
    nearly_vetted(practitioner)
    certification = make_certification(practitioner)
    practitioner.refresh_from_db()
    assert not practitioner.is_vetted

    credential_approve(credential=certification, reviewer=verifier)

    practitioner.refresh_from_db()
    assert practitioner.is_vetted


def test_approval_is_mailed_to_the_clinic_owners_and_managers_after_commit(
    verifier, owner, practitioner, clinic, other_owner, django_capture_on_commit_callbacks
):
    manager = UserFactory(username="manager")
    ClinicMembership.objects.create(clinic=clinic, user=manager, role=MembershipRole.MANAGER)
    certification = make_certification(practitioner)

    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        credential_approve(credential=certification, reviewer=verifier)
    assert mail.outbox == []  # nothing leaves before the commit
    for callback in callbacks:
        callback()

    [message] = mail.outbox
    assert sorted(message.to) == sorted([owner.email, manager.email])
    assert other_owner.email not in message.to
    assert "verified" in message.subject
    assert practitioner.name in message.subject
    html, mimetype = message.alternatives[0]
    assert mimetype == "text/html"
    assert practitioner.name in html


@pytest.mark.parametrize(
    "status", [CredentialStatus.VERIFIED, CredentialStatus.REJECTED, CredentialStatus.EXPIRED]
)
def test_approval_is_refused_unless_waiting(
    status, verifier, owner, practitioner, django_capture_on_commit_callbacks
):
    certification = make_certification(practitioner, status)
    with django_capture_on_commit_callbacks(execute=True), pytest.raises(TransitionError):
        credential_approve(credential=certification, reviewer=verifier)
    certification.refresh_from_db()
    assert certification.status == status
    assert events_for(certification) == []
    assert mail.outbox == []


def test_an_expired_document_cannot_be_approved(verifier, practitioner):
    certification = make_certification(
        practitioner, issued_on=date.today() - timedelta(days=800), expires_on=date.today()
    )
    with pytest.raises(ValidationError, match="expired"):
        credential_approve(credential=certification, reviewer=verifier)
    certification.refresh_from_db()
    assert certification.status == CredentialStatus.PENDING


def test_a_document_issued_in_the_future_cannot_be_approved(verifier, practitioner):
    certification = make_certification(
        practitioner,
        issued_on=date.today() + timedelta(days=3),
        expires_on=date.today() + timedelta(days=900),
    )
    with pytest.raises(ValidationError, match="future"):
        credential_approve(credential=certification, reviewer=verifier)
    assert events_for(certification) == []


@pytest.mark.parametrize("who", ["staff_without_group", "owner", "anonymous"])
def test_only_verifiers_decide_on_documents(who, request, practitioner):
    user = None if who == "anonymous" else request.getfixturevalue(who)
    certification = make_certification(practitioner)
    for decide in (
        lambda: credential_approve(credential=certification, reviewer=user),
        lambda: credential_reject(credential=certification, reviewer=user, reason="No"),
        lambda: credential_request_info(credential=certification, reviewer=user, message="More"),
    ):
        with pytest.raises(PermissionDenied):
            decide()
    certification.refresh_from_db()
    assert certification.status == CredentialStatus.PENDING
    assert events_for(certification) == []


def test_an_inactive_verifier_cannot_decide(verifier, practitioner):
    verifier.is_active = False
    verifier.save()
    with pytest.raises(PermissionDenied):
        credential_approve(credential=make_certification(practitioner), reviewer=verifier)


# Rejecting ---------------------------------------------------------------------------


@pytest.mark.parametrize("status", [*WAITING, CredentialStatus.VERIFIED])
def test_verifier_rejects_with_a_reason(
    status, verifier, owner, practitioner, django_capture_on_commit_callbacks
):
    certification = make_certification(practitioner, status)
    with django_capture_on_commit_callbacks(execute=True):
        credential_reject(credential=certification, reviewer=verifier, reason="The name does not match.")

    certification.refresh_from_db()
    assert certification.status == CredentialStatus.REJECTED
    assert certification.reason == "The name does not match."
    assert certification.reviewer == verifier
    [event] = events_for(certification)
    assert (event.from_status, event.to_status, event.note) == (
        status,
        "rejected",
        "The name does not match.",
    )
    [message] = mail.outbox
    assert message.to == [owner.email]
    assert "The name does not match." in message.body
    assert "The name does not match." in message.alternatives[0][0]


def test_rejecting_a_verified_certificate_removes_the_badge(verifier, practitioner):
    nearly_vetted(practitioner)
    certification = make_certification(practitioner, CredentialStatus.VERIFIED)
    practitioner_refresh_summary(practitioner=practitioner)
    practitioner.refresh_from_db()
    assert practitioner.is_vetted

    credential_reject(credential=certification, reviewer=verifier, reason="The academy says it is forged.")

    practitioner.refresh_from_db()
    assert not practitioner.is_vetted


@pytest.mark.parametrize("reason", ["", "   \n "])
def test_rejection_needs_a_reason(reason, verifier, practitioner):
    certification = make_certification(practitioner)
    with pytest.raises(ValidationError):
        credential_reject(credential=certification, reviewer=verifier, reason=reason)
    certification.refresh_from_db()
    assert certification.status == CredentialStatus.PENDING


@pytest.mark.parametrize("status", [CredentialStatus.REJECTED, CredentialStatus.EXPIRED])
def test_rejection_is_refused_once_decided(status, verifier, practitioner):
    certification = make_certification(practitioner, status)
    with pytest.raises(TransitionError):
        credential_reject(credential=certification, reviewer=verifier, reason="No")
    assert events_for(certification) == []


# Asking for more information ---------------------------------------------------------


def test_verifier_asks_for_more_information(
    verifier, owner, practitioner, django_capture_on_commit_callbacks
):
    certification = make_certification(practitioner)
    with django_capture_on_commit_callbacks(execute=True):
        credential_request_info(
            credential=certification, reviewer=verifier, message="Please send the back of the card too."
        )
    certification.refresh_from_db()
    assert certification.status == CredentialStatus.MORE_INFO
    assert certification.reason == "Please send the back of the card too."
    [event] = events_for(certification)
    assert (event.from_status, event.to_status) == ("pending", "more_info")
    [message] = mail.outbox
    assert message.to == [owner.email]
    assert "Please send the back of the card too." in message.body


def test_asking_for_more_information_needs_a_message(verifier, practitioner):
    with pytest.raises(ValidationError):
        credential_request_info(credential=make_certification(practitioner), reviewer=verifier, message=" ")


@pytest.mark.parametrize(
    "status",
    [
        CredentialStatus.MORE_INFO,
        CredentialStatus.VERIFIED,
        CredentialStatus.REJECTED,
        CredentialStatus.EXPIRED,
    ],
)
def test_more_information_only_from_pending(status, verifier, practitioner):
    certification = make_certification(practitioner, status)
    with pytest.raises(TransitionError):
        credential_request_info(credential=certification, reviewer=verifier, message="More")
    assert events_for(certification) == []


# Licences ----------------------------------------------------------------------------


def test_premises_licence_decision_reaches_the_clinic_and_refreshes_every_practitioner(
    verifier, owner, clinic, django_capture_on_commit_callbacks
):
    first = PractitionerFactory(clinics=[clinic])
    second = PractitionerFactory(clinics=[clinic])
    for practitioner in (first, second):
        CertificationFactory(practitioner=practitioner, verified=True)
        LicenceFactory(practitioner=practitioner, verified=True)
        for months in (6, 9, 14):
            PortfolioItemFactory(practitioner=practitioner, months_since_treatment=months)
    premises = LicenceFactory(clinic=clinic, premises=True, practitioner=None)

    with django_capture_on_commit_callbacks(execute=True):
        credential_approve(credential=premises, reviewer=verifier)

    assert set(Practitioner.objects.filter(is_vetted=True)) == {first, second}
    [message] = mail.outbox
    assert message.to == [owner.email]
    assert "premises licence" in message.subject
    [event] = events_for(premises)
    assert event.to_status == "verified"


def test_practitioner_licence_rejection(verifier, owner, practitioner, django_capture_on_commit_callbacks):
    licence = LicenceFactory(practitioner=practitioner)
    with django_capture_on_commit_callbacks(execute=True):
        credential_reject(credential=licence, reviewer=verifier, reason="Wrong state.")
    licence.refresh_from_db()
    assert licence.status == CredentialStatus.REJECTED
    assert "practitioner licence" in mail.outbox[0].subject


# Expiry ------------------------------------------------------------------------------


def test_expiry_marks_the_document_and_removes_the_badge(
    owner, practitioner, django_capture_on_commit_callbacks
):
    nearly_vetted(practitioner)
    certification = make_certification(practitioner, CredentialStatus.VERIFIED)
    practitioner_refresh_summary(practitioner=practitioner)
    practitioner.refresh_from_db()
    assert practitioner.is_vetted

    with django_capture_on_commit_callbacks(execute=True):
        credential_expire(credential=certification, today=certification.expires_on)

    certification.refresh_from_db()
    practitioner.refresh_from_db()
    assert certification.status == CredentialStatus.EXPIRED
    assert not practitioner.is_vetted
    [event] = events_for(certification)
    assert (event.actor, event.from_status, event.to_status) == (None, "verified", "expired")
    [message] = mail.outbox
    assert "expired" in message.subject


def test_a_document_not_yet_expired_is_not_expired(practitioner):
    certification = make_certification(practitioner, CredentialStatus.VERIFIED)
    with pytest.raises(TransitionError):
        credential_expire(credential=certification, today=certification.expires_on - timedelta(days=1))


@pytest.mark.parametrize("status", [*WAITING, CredentialStatus.REJECTED, CredentialStatus.EXPIRED])
def test_only_verified_documents_expire(status, practitioner):
    certification = make_certification(practitioner, status)
    with pytest.raises(TransitionError):
        credential_expire(credential=certification, today=certification.expires_on + timedelta(days=1))


# The audit trail ---------------------------------------------------------------------


def test_every_decision_is_in_the_history_newest_first(verifier, practitioner):
    certification = make_certification(practitioner)
    credential_request_info(credential=certification, reviewer=verifier, message="Send a clearer scan.")
    Certification.objects.filter(pk=certification.pk).update(status=CredentialStatus.PENDING)
    credential_approve(credential=certification, reviewer=verifier)
    credential_reject(credential=certification, reviewer=verifier, reason="Withdrawn by the academy.")

    history = [(e.from_status, e.to_status) for e in credential_history(certification)]
    assert history == [("verified", "rejected"), ("pending", "verified"), ("pending", "more_info")]


def test_a_refused_decision_leaves_no_trace(verifier, practitioner):
    certification = make_certification(practitioner, CredentialStatus.REJECTED)
    with pytest.raises(TransitionError):
        credential_approve(credential=certification, reviewer=verifier)
    assert VerificationEvent.objects.count() == 0


# Warnings on the review screen -------------------------------------------------------


def test_no_warnings_for_a_clean_document(practitioner):
    certification = make_certification(practitioner)
    assert credential_warnings(certification) == []


def test_same_file_on_another_practitioner_is_a_warning(practitioner):
    certification = make_certification(practitioner, document_sha256=sha("shared"))
    other = CertificationFactory(document_sha256=sha("shared"))
    [warning] = credential_warnings(certification)
    assert warning.code == "same_file"
    assert warning.other == other
    assert other.practitioner.name in warning.text


def test_same_file_as_another_practitioners_licence_is_a_warning(practitioner):
    certification = make_certification(practitioner, document_sha256=sha("shared"))
    LicenceFactory(document_sha256=sha("shared"))
    assert [w.code for w in credential_warnings(certification)] == ["same_file"]


def test_same_file_resent_after_a_rejection_is_pointed_out(practitioner):
    make_certification(practitioner, CredentialStatus.REJECTED, document_sha256=sha("again"))
    resent = make_certification(practitioner, document_sha256=sha("again"))
    assert [w.code for w in credential_warnings(resent)] == ["same_file_rejected"]


def test_same_licence_number_on_another_practitioner_is_a_warning(practitioner):
    licence = LicenceFactory(practitioner=practitioner, licence_number="FL-123")
    other = LicenceFactory(licence_number="fl-123")
    [warning] = credential_warnings(licence)
    assert warning.code == "same_number"
    assert warning.other == other


def test_same_licence_number_on_the_same_practitioner_is_not_a_warning(practitioner):
    licence = LicenceFactory(practitioner=practitioner, licence_number="FL-123")
    LicenceFactory(
        practitioner=practitioner,
        licence_number="FL-123",
        status=CredentialStatus.VERIFIED,
        reviewer=UserFactory(is_staff=True),
        decided_at=timezone.now(),
    )
    assert credential_warnings(licence) == []


def test_past_expiry_and_future_issue_are_warnings(practitioner):
    today = date.today()
    expired = make_certification(
        practitioner, issued_on=today - timedelta(days=900), expires_on=today - timedelta(days=1)
    )
    future = make_certification(
        practitioner,
        CredentialStatus.MORE_INFO,
        issued_on=today + timedelta(days=10),
        expires_on=today + timedelta(days=900),
    )
    assert [w.code for w in credential_warnings(expired)] == ["expired"]
    assert [w.code for w in credential_warnings(future)] == ["issued_in_future"]


# Listing claims ----------------------------------------------------------------------


@pytest.fixture
def claim(db, clinic):
    return ListingClaim.objects.create(
        clinic=clinic,
        user=UserFactory(username="claimant"),
        message="I run this studio; call the front desk.",
    )


def test_approving_a_claim_makes_the_claimant_an_owner(verifier, claim, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        claim_approve(claim=claim, reviewer=verifier, note="Confirmed by phone.")
    claim.refresh_from_db()
    assert claim.status == "approved"
    assert claim.decided_by == verifier
    assert ClinicMembership.objects.get(clinic=claim.clinic, user=claim.user).role == MembershipRole.OWNER
    [event] = events_for(claim)
    assert (event.from_status, event.to_status, event.note) == ("pending", "approved", "Confirmed by phone.")
    [message] = mail.outbox
    assert message.to == [claim.user.email]
    assert claim.clinic.name in message.subject


def test_rejecting_a_claim_needs_a_reason_and_grants_nothing(
    verifier, claim, django_capture_on_commit_callbacks
):
    with pytest.raises(ValidationError):
        claim_reject(claim=claim, reviewer=verifier, reason="")
    with django_capture_on_commit_callbacks(execute=True):
        claim_reject(claim=claim, reviewer=verifier, reason="The studio says it does not know you.")
    claim.refresh_from_db()
    assert claim.status == "rejected"
    assert not ClinicMembership.objects.filter(user=claim.user).exists()
    assert "does not know you" in mail.outbox[0].body


@pytest.mark.parametrize("decided", ["approved", "rejected"])
def test_a_decided_claim_cannot_be_decided_again(decided, verifier, claim):
    claim.status = decided
    claim.decided_at = timezone.now()
    claim.reason = "Earlier"
    claim.save()
    with pytest.raises(TransitionError):
        claim_approve(claim=claim, reviewer=verifier)
    with pytest.raises(TransitionError):
        claim_reject(claim=claim, reviewer=verifier, reason="No")
    assert not ClinicMembership.objects.filter(user=claim.user).exists()


@pytest.mark.parametrize("who", ["staff_without_group", "owner"])
def test_only_verifiers_decide_claims(who, request, claim):
    user = request.getfixturevalue(who)
    with pytest.raises(PermissionDenied):
        claim_approve(claim=claim, reviewer=user)
    with pytest.raises(PermissionDenied):
        claim_reject(claim=claim, reviewer=user, reason="No")
    claim.refresh_from_db()
    assert claim.status == "pending"


# Portfolio images --------------------------------------------------------------------


def test_approving_a_healed_image_counts_it(verifier, practitioner):
    item = PortfolioItemFactory(practitioner=practitioner, status="pending")
    portfolio_item_approve(portfolio_item=item, reviewer=verifier)
    item.refresh_from_db()
    practitioner.refresh_from_db()
    assert item.status == "approved"
    assert item.moderated_by == verifier
    assert practitioner.healed_count == 1
    assert [(e.from_status, e.to_status) for e in events_for(item)] == [("pending", "approved")]


@pytest.mark.parametrize("status", ["pending", "approved"])
def test_rejecting_an_image_takes_it_out_and_tells_the_clinic(
    status, verifier, owner, practitioner, django_capture_on_commit_callbacks
):
    item = PortfolioItemFactory(practitioner=practitioner, status=status)
    practitioner_refresh_summary(practitioner=practitioner)
    with django_capture_on_commit_callbacks(execute=True):
        portfolio_item_reject(
            portfolio_item=item, reviewer=verifier, reason="The client did not agree to this."
        )
    item.refresh_from_db()
    practitioner.refresh_from_db()
    assert item.status == "rejected"
    assert practitioner.healed_count == 0
    assert "did not agree" in mail.outbox[0].body
    assert mail.outbox[0].to == [owner.email]


def test_image_decisions_are_refused_from_the_wrong_status(verifier, practitioner):
    rejected = PortfolioItemFactory(practitioner=practitioner, status="rejected", reason="Blurry")
    approved = PortfolioItemFactory(practitioner=practitioner, status="approved")
    with pytest.raises(TransitionError):
        portfolio_item_approve(portfolio_item=rejected, reviewer=verifier)
    with pytest.raises(TransitionError):
        portfolio_item_approve(portfolio_item=approved, reviewer=verifier)
    with pytest.raises(TransitionError):
        portfolio_item_reject(portfolio_item=rejected, reviewer=verifier, reason="Again")
    with pytest.raises(ValidationError):
        portfolio_item_reject(portfolio_item=approved, reviewer=verifier, reason="")


def test_only_moderators_decide_images(staff_without_group, practitioner):
    item = PortfolioItemFactory(practitioner=practitioner, status="pending")
    with pytest.raises(PermissionDenied):
        portfolio_item_approve(portfolio_item=item, reviewer=staff_without_group)


# Suspending --------------------------------------------------------------------------


def test_suspending_hides_the_listing_at_once_and_lifting_restores_it(
    verifier, owner, django_capture_on_commit_callbacks
):
    practitioner = Practitioner.objects.get(pk=make_vetted(owner).pk)
    assert practitioner.is_vetted

    with django_capture_on_commit_callbacks(execute=True):
        practitioner_suspend(
            practitioner=practitioner, actor=verifier, reason="Several unsafe-practice reports."
        )
    practitioner.refresh_from_db()
    assert practitioner.status == PractitionerStatus.SUSPENDED
    assert not practitioner.is_vetted
    assert not Practitioner.objects.published().filter(pk=practitioner.pk).exists()
    assert "unsafe-practice" in mail.outbox[0].body

    practitioner_unsuspend(practitioner=practitioner, actor=verifier, note="Inspection passed.")
    practitioner.refresh_from_db()
    assert practitioner.status == PractitionerStatus.PUBLISHED
    assert practitioner.is_vetted
    assert [(e.from_status, e.to_status) for e in events_for(practitioner)] == [
        ("suspended", "published"),
        ("published", "suspended"),
    ]


def make_vetted(owner):
    from .factories import make_vetted_practitioner

    practitioner = make_vetted_practitioner()
    ClinicMembership.objects.create(clinic=practitioner.clinics.first(), user=owner)
    return practitioner


def test_a_suspended_draft_goes_back_to_draft(verifier):
    draft = PractitionerFactory(status=PractitionerStatus.DRAFT)
    practitioner_suspend(practitioner=draft, actor=verifier, reason="Fake address.")
    practitioner_unsuspend(practitioner=draft, actor=verifier)
    draft.refresh_from_db()
    assert draft.status == PractitionerStatus.DRAFT


def test_suspension_rules(verifier, staff_without_group, practitioner):
    with pytest.raises(ValidationError):
        practitioner_suspend(practitioner=practitioner, actor=verifier, reason="")
    with pytest.raises(PermissionDenied):
        practitioner_suspend(practitioner=practitioner, actor=staff_without_group, reason="No")
    with pytest.raises(TransitionError):
        practitioner_unsuspend(practitioner=practitioner, actor=verifier)
    practitioner_suspend(practitioner=practitioner, actor=verifier, reason="Reports")
    with pytest.raises(TransitionError):
        practitioner_suspend(practitioner=practitioner, actor=verifier, reason="Again")
    with pytest.raises(PermissionDenied):
        practitioner_unsuspend(practitioner=practitioner, actor=staff_without_group)


def test_mail_goes_only_to_the_clinics_of_the_practitioner(
    verifier, owner, other_owner, django_capture_on_commit_callbacks
):
    elsewhere = PractitionerFactory(clinics=[ClinicFactory()])
    with django_capture_on_commit_callbacks(execute=True):
        credential_approve(credential=make_certification(elsewhere), reviewer=verifier)
    assert mail.outbox == []  # nobody manages that clinic
