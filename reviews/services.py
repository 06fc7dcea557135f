"""State changes for reviews, invites, testimonials and concern reports.

Public views, the owner dashboard, the admin and the management command all call these.
Each checks who may act and from which status, records a VerificationEvent, and sends
its e-mail only once the transaction has committed.
"""

from datetime import date, datetime, timedelta

from django.conf import settings
from django.contrib.auth import get_user_model
from django.core import signing
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, transaction
from django.db.models import Q
from django.urls import reverse
from django.utils import timezone

from practitioners.models import ClinicMembership, ModerationStatus, Practitioner
from practitioners.services import practitioner_refresh_summary, practitioner_touch, record_event
from smpfinder.mail import send_after_commit

from .models import ConcernReport, ConcernStatus, Review, ReviewInvite, ReviewStatus, Testimonial

MODERATE_PERMISSION = "practitioners.moderate_content"
CONFIRM_SALT = "reviews.confirm-email"
CONFIRM_MAX_AGE = timedelta(days=7)
FOLLOW_UP_SALT = "reviews.follow-up"
FOLLOW_UP_MAX_AGE = timedelta(days=90)
REVIEW_FIELDS = [
    "rating",
    "rating_naturalness",
    "rating_hygiene",
    "rating_consultation",
    "rating_aftercare",
    "rating_comfort",
    "text",
    "treatment_month",
    "result_healed",
    "author_name",
]
CLINIC_MEMBER_REFUSAL = (
    "People who work at or run a clinic where this practitioner works cannot review them. "
    "Reviews here come only from clients."
)
ALREADY_REVIEWED = (
    "A review of this practitioner from this e-mail address already exists. "
    "Each person can review a practitioner once."
)
AWAITING_CONFIRMATION = (
    "A review from this e-mail address is waiting to be confirmed. Look for the e-mail we sent "
    "(check the spam folder too) and follow its link."
)


class ReviewRefused(ValidationError):
    """A submission the rules do not allow; the message is shown on the form."""


def _require_moderator(user) -> None:
    if user is None or not user.is_active or not user.has_perm(MODERATE_PERMISSION):
        raise PermissionDenied("Moderating content needs the moderate_content permission.")


def _absolute(path: str) -> str:
    return f"{settings.SITE_URL}{path}"


def is_clinic_member(*, practitioner: Practitioner, user=None, email: str = "") -> bool:
    """True if the user, or whoever owns the e-mail address, belongs to one of the
    practitioner's clinics."""
    people = Q(pk__in=[])
    if user is not None and user.is_authenticated:
        people |= Q(user=user)
    if email:
        people |= Q(user__email__iexact=email) | Q(user__emailaddress__email__iexact=email)
    return ClinicMembership.objects.filter(people, clinic__practitioners=practitioner).exists()


def _check_reviewer(*, practitioner: Practitioner, user, email: str) -> None:
    if is_clinic_member(practitioner=practitioner, user=user, email=email):
        raise ReviewRefused(CLINIC_MEMBER_REFUSAL)
    existing = Review.objects.filter(practitioner=practitioner, author_email__iexact=email).first()
    if existing is None:
        return
    if existing.status != ReviewStatus.UNCONFIRMED:
        raise ReviewRefused(ALREADY_REVIEWED)
    if existing.created_at > timezone.now() - CONFIRM_MAX_AGE:
        raise ReviewRefused(AWAITING_CONFIRMATION)
    # Its link has expired: whoever owns the address may start again.
    existing.delete()


def _save_new_review(review: Review) -> Review:
    review.full_clean(validate_constraints=False)
    try:
        with transaction.atomic():
            review.save()
    except IntegrityError:
        # Two submissions raced past the check above; the database constraint decided.
        raise ReviewRefused(ALREADY_REVIEWED) from None
    return review


# Reviews ------------------------------------------------------------------------------------


def review_confirmation_token(review: Review) -> str:
    return signing.dumps({"review": review.pk, "email": review.author_email.lower()}, salt=CONFIRM_SALT)


def review_from_confirmation_token(token: str) -> Review | None:
    try:
        data = signing.loads(token, salt=CONFIRM_SALT, max_age=CONFIRM_MAX_AGE)
    except signing.BadSignature:
        return None
    return (
        Review.objects.select_related("practitioner")
        .filter(pk=data.get("review"), author_email__iexact=data.get("email", ""))
        .first()
    )


def review_submit(*, practitioner: Practitioner, data: dict, email: str, user=None) -> Review:
    """A review written from a profile: saved unconfirmed until its author follows the link
    e-mailed to them."""
    email = email.strip()
    with transaction.atomic():
        _check_reviewer(practitioner=practitioner, user=user, email=email)
        review = Review(practitioner=practitioner, author_email=email, **{f: data[f] for f in REVIEW_FIELDS})
        _save_new_review(review)
        link = reverse("reviews:confirm", args=[review_confirmation_token(review)])
        send_after_commit(
            "review_confirm",
            [email],
            {
                "review": review,
                "practitioner": practitioner,
                "confirm_url": _absolute(link),
                "days": CONFIRM_MAX_AGE.days,
            },
        )
    return review


@transaction.atomic
def review_confirm(*, review: Review) -> bool:
    """The author followed the e-mailed link: the review joins the moderation queue.
    Returns False if it had already been confirmed."""
    review = Review.objects.select_for_update().get(pk=review.pk)
    if review.status != ReviewStatus.UNCONFIRMED:
        return False
    review.status = ReviewStatus.PENDING
    review.email_confirmed_at = timezone.now()
    review.save(update_fields=["status", "email_confirmed_at"])
    record_event(
        subject=review,
        actor=None,
        from_status=ReviewStatus.UNCONFIRMED,
        to_status=ReviewStatus.PENDING,
        note="The reviewer confirmed their e-mail address.",
    )
    return True


def invite_for_token(token: str) -> ReviewInvite | None:
    return ReviewInvite.objects.select_related("practitioner").filter(token=token).first()


def review_submit_from_invite(*, token: str, data: dict, user=None) -> Review:
    """A review written through an owner's invite: the invite proves the address, so the
    review goes straight to moderation, marked as from a verified client. Works once."""
    with transaction.atomic():
        invite = (
            ReviewInvite.objects.select_for_update(of=("self",))
            .select_related("practitioner")
            .get(token=token)
        )
        if not invite.is_usable():
            raise ReviewRefused("This invite link has already been used or has expired.")
        practitioner = invite.practitioner
        _check_reviewer(practitioner=practitioner, user=user, email=invite.email)
        now = timezone.now()
        review = Review(
            practitioner=practitioner,
            author_email=invite.email,
            email_confirmed_at=now,
            status=ReviewStatus.PENDING,
            verified_client=True,
            invite=invite,
            **{f: data[f] for f in REVIEW_FIELDS},
        )
        _save_new_review(review)
        invite.used_at = now
        invite.save(update_fields=["used_at"])
        record_event(
            subject=review,
            actor=None,
            from_status="",
            to_status=ReviewStatus.PENDING,
            note="Written through an invite sent to a client.",
        )
    return review


@transaction.atomic
def review_publish(*, review: Review, moderator) -> Review:
    _require_moderator(moderator)
    review = Review.objects.select_for_update(of=("self",)).select_related("practitioner").get(pk=review.pk)
    if review.status not in {ReviewStatus.PENDING, ReviewStatus.REJECTED}:
        raise ValidationError(f"Only a confirmed review can be published (this one is {review.status}).")
    before = review.status
    review.status = ReviewStatus.PUBLISHED
    review.moderated_by = moderator
    review.moderated_at = timezone.now()
    review.reason = ""
    review.save(update_fields=["status", "moderated_by", "moderated_at", "reason"])
    record_event(subject=review, actor=moderator, from_status=before, to_status=review.status)
    practitioner_refresh_summary(practitioner=review.practitioner)
    send_after_commit(
        "review_published",
        [review.author_email],
        {"review": review, "practitioner": review.practitioner, "profile_url": _profile_url(review)},
    )
    return review


@transaction.atomic
def review_reject(*, review: Review, moderator, reason: str) -> Review:
    _require_moderator(moderator)
    reason = reason.strip()
    if not reason:
        raise ValidationError("Give a reason for rejecting the review; it is kept for staff.")
    review = Review.objects.select_for_update(of=("self",)).select_related("practitioner").get(pk=review.pk)
    if review.status not in {ReviewStatus.PENDING, ReviewStatus.PUBLISHED}:
        raise ValidationError(f"Only a confirmed review can be rejected (this one is {review.status}).")
    before = review.status
    review.status = ReviewStatus.REJECTED
    review.moderated_by = moderator
    review.moderated_at = timezone.now()
    review.reason = reason
    review.save(update_fields=["status", "moderated_by", "moderated_at", "reason"])
    record_event(subject=review, actor=moderator, from_status=before, to_status=review.status, note=reason)
    if before == ReviewStatus.PUBLISHED:
        practitioner_refresh_summary(practitioner=review.practitioner)
    send_after_commit(
        "review_rejected", [review.author_email], {"review": review, "practitioner": review.practitioner}
    )
    return review


def _profile_url(review: Review) -> str:
    return _absolute(reverse("practitioners:profile", args=[review.practitioner.slug]))


@transaction.atomic
def review_reply(*, review: Review, user, text: str) -> Review:
    """The clinic's one public answer to a published review; saving again replaces it."""
    if not ClinicMembership.objects.filter(user=user, clinic__practitioners=review.practitioner_id).exists():
        raise PermissionDenied("Only the practitioner's clinic can reply.")
    text = text.strip()
    if not text:
        raise ValidationError("Write a reply, or leave the page without saving.")
    review = Review.objects.select_for_update(of=("self",)).select_related("practitioner").get(pk=review.pk)
    if review.status != ReviewStatus.PUBLISHED:
        raise ValidationError("Only published reviews can be answered.")
    first_reply = not review.owner_reply
    review.owner_reply = text
    review.owner_reply_at = timezone.now()
    review.full_clean(validate_constraints=False)
    review.save(update_fields=["owner_reply", "owner_reply_at"])
    practitioner_touch(practitioner_id=review.practitioner_id)
    record_event(
        subject=review,
        actor=user,
        from_status=review.status,
        to_status=review.status,
        note="The clinic replied." if first_reply else "The clinic edited its reply.",
    )
    if first_reply:
        send_after_commit(
            "review_reply",
            [review.author_email],
            {"review": review, "practitioner": review.practitioner, "profile_url": _profile_url(review)},
        )
    return review


# Follow-up on the healed result ------------------------------------------------------------


def review_follow_up_token(review: Review) -> str:
    return signing.dumps({"review": review.pk, "email": review.author_email.lower()}, salt=FOLLOW_UP_SALT)


def review_from_follow_up_token(token: str) -> Review | None:
    try:
        data = signing.loads(token, salt=FOLLOW_UP_SALT, max_age=FOLLOW_UP_MAX_AGE)
    except signing.BadSignature:
        return None
    return (
        Review.objects.select_related("practitioner")
        .filter(
            pk=data.get("review"),
            author_email__iexact=data.get("email", ""),
            healed_prompt_sent_at__isnull=False,
            status__in=[ReviewStatus.PUBLISHED, ReviewStatus.PENDING],
        )
        .first()
    )


@transaction.atomic
def review_follow_up(*, review: Review, rating: int, text: str, result_healed: bool) -> Review:
    """The reviewer updates their review once the result has healed. Changed words need a
    fresh look, so the review goes back to moderation until staff publish it again."""
    review = Review.objects.select_for_update(of=("self",)).select_related("practitioner").get(pk=review.pk)
    if review.status not in {ReviewStatus.PUBLISHED, ReviewStatus.PENDING}:
        raise ValidationError("This review can no longer be updated.")
    before = review.status
    review.rating = rating
    review.text = text
    review.result_healed = result_healed
    review.status = ReviewStatus.PENDING
    review.full_clean(validate_constraints=False)
    review.save(update_fields=["rating", "text", "result_healed", "status"])
    record_event(
        subject=review,
        actor=None,
        from_status=before,
        to_status=review.status,
        note="The reviewer updated their review after healing.",
    )
    if before == ReviewStatus.PUBLISHED:
        practitioner_refresh_summary(practitioner=review.practitioner)
    return review


def healed_prompts_due(*, today: date | None = None):
    today = today or timezone.localdate()
    cutoff = today - timedelta(days=settings.SMP_HEALED_PROMPT_DAYS)
    return Review.objects.published().filter(
        result_healed=False, healed_prompt_sent_at__isnull=True, treatment_month__lte=cutoff
    )


def healed_prompts_send(*, today: date | None = None, now: datetime | None = None) -> int:
    """E-mail each reviewer whose result was still fresh, once, when it should have healed."""
    sent = 0
    with transaction.atomic():
        # skip_locked: a second run at the same moment leaves these rows to this one.
        due = (
            healed_prompts_due(today=today)
            .select_for_update(skip_locked=True, of=("self",))
            .select_related("practitioner")
            .order_by("pk")
        )
        for review in due:
            review.healed_prompt_sent_at = now or timezone.now()
            review.save(update_fields=["healed_prompt_sent_at"])
            link = reverse("reviews:follow-up", args=[review_follow_up_token(review)])
            send_after_commit(
                "review_healed_prompt",
                [review.author_email],
                {
                    "review": review,
                    "practitioner": review.practitioner,
                    "follow_up_url": _absolute(link),
                    "days": FOLLOW_UP_MAX_AGE.days,
                },
            )
            sent += 1
    return sent


# Invites -------------------------------------------------------------------------------------


def invites_sent_today(user) -> int:
    return ReviewInvite.objects.filter(
        created_by=user, created_at__gte=timezone.now() - timedelta(days=1)
    ).count()


def review_invites_send(*, practitioner: Practitioner, user, emails: list[str]) -> list[ReviewInvite]:
    """Send one single-use invite per address, within the sender's daily cap."""
    if not ClinicMembership.objects.filter(user=user, clinic__practitioners=practitioner).exists():
        raise PermissionDenied("Only the practitioner's clinic can send invites.")
    if not practitioner.is_public:
        raise ValidationError("Invites can be sent once the profile is published.")
    with transaction.atomic():
        # Lock the sender so two submissions at once cannot both slip under the cap.
        get_user_model().objects.select_for_update().get(pk=user.pk)
        left = settings.SMP_INVITES_PER_DAY - invites_sent_today(user)
        if len(emails) > left:
            raise ValidationError(
                f"You can send {settings.SMP_INVITES_PER_DAY} invites a day. {max(left, 0)} left for today."
            )
        reviewed = {
            email.lower()
            for email in Review.objects.filter(practitioner=practitioner).values_list(
                "author_email", flat=True
            )
        }
        waiting = {
            email.lower()
            for email in ReviewInvite.objects.filter(
                practitioner=practitioner, used_at__isnull=True, expires_at__gt=timezone.now()
            ).values_list("email", flat=True)
        }
        problems = []
        for email in emails:
            if email.lower() in waiting:
                problems.append(f"{email} already has an invite waiting; it has not expired yet.")
            elif email.lower() in reviewed:
                problems.append(f"{email} has already reviewed {practitioner.name}.")
            elif is_clinic_member(practitioner=practitioner, email=email):
                problems.append(f"{email} belongs to someone at the clinic; invites are for clients.")
        if problems:
            raise ValidationError(problems)
        now = timezone.now()
        invites = []
        for email in emails:
            invite = ReviewInvite.objects.create(
                practitioner=practitioner,
                email=email,
                created_by=user,
                created_at=now,
                expires_at=now + timedelta(days=settings.SMP_INVITE_DAYS),
            )
            record_event(subject=invite, actor=user, from_status="", to_status="sent")
            send_after_commit(
                "review_invite",
                [email],
                {
                    "invite": invite,
                    "practitioner": practitioner,
                    "invite_url": _absolute(reverse("reviews:invite-review", args=[invite.token])),
                    "days": settings.SMP_INVITE_DAYS,
                },
            )
            invites.append(invite)
    return invites


# Testimonials --------------------------------------------------------------------------------


@transaction.atomic
def testimonial_add(*, practitioner: Practitioner, user, quote: str, attribution: str) -> Testimonial:
    if not ClinicMembership.objects.filter(user=user, clinic__practitioners=practitioner).exists():
        raise PermissionDenied("Only the practitioner's clinic can add testimonials.")
    testimonial = Testimonial(
        practitioner=practitioner, quote=quote.strip(), attribution=attribution.strip(), created_by=user
    )
    testimonial.full_clean()
    testimonial.save()
    record_event(subject=testimonial, actor=user, from_status="", to_status=testimonial.status)
    return testimonial


def _testimonial_decide(*, testimonial: Testimonial, moderator, to_status: str, note: str) -> Testimonial:
    _require_moderator(moderator)
    testimonial = (
        Testimonial.objects.select_for_update(of=("self",))
        .select_related("practitioner")
        .get(pk=testimonial.pk)
    )
    if testimonial.status == to_status:
        raise ValidationError(f"This testimonial is already {to_status}.")
    before = testimonial.status
    testimonial.status = to_status
    testimonial.moderated_by = moderator
    testimonial.moderated_at = timezone.now()
    testimonial.save(update_fields=["status", "moderated_by", "moderated_at"])
    practitioner_touch(practitioner_id=testimonial.practitioner_id)
    record_event(subject=testimonial, actor=moderator, from_status=before, to_status=to_status, note=note)
    if testimonial.created_by_id:
        send_after_commit(
            "review_testimonial_decided",
            [testimonial.created_by.email],
            {"testimonial": testimonial, "practitioner": testimonial.practitioner, "note": note},
        )
    return testimonial


@transaction.atomic
def testimonial_approve(*, testimonial: Testimonial, moderator, note: str = "") -> Testimonial:
    return _testimonial_decide(
        testimonial=testimonial, moderator=moderator, to_status=ModerationStatus.APPROVED, note=note
    )


@transaction.atomic
def testimonial_reject(*, testimonial: Testimonial, moderator, note: str) -> Testimonial:
    if not note.strip():
        raise ValidationError("Give a reason for rejecting the testimonial; the clinic sees it.")
    return _testimonial_decide(
        testimonial=testimonial, moderator=moderator, to_status=ModerationStatus.REJECTED, note=note.strip()
    )


# Concern reports -----------------------------------------------------------------------------


@transaction.atomic
def concern_report(
    *,
    practitioner: Practitioner,
    reason: str,
    details: str,
    reporter_email: str = "",
    review: Review | None = None,
    portfolio_item=None,
) -> ConcernReport:
    report = ConcernReport(
        practitioner=practitioner,
        review=review,
        portfolio_item=portfolio_item,
        reason=reason,
        details=details.strip(),
        reporter_email=reporter_email.strip(),
    )
    report.full_clean()
    report.save()
    record_event(subject=report, actor=None, from_status="", to_status=report.status)
    send_after_commit("review_concern_received", [settings.STAFF_EMAIL], {"report": report})
    return report


def _concern_close(*, report: ConcernReport, moderator, to_status: str, note: str) -> ConcernReport:
    _require_moderator(moderator)
    report = ConcernReport.objects.select_for_update().get(pk=report.pk)
    if report.status != ConcernStatus.OPEN:
        raise ValidationError("This report has already been closed.")
    report.status = to_status
    report.resolved_by = moderator
    report.resolved_at = timezone.now()
    report.resolution_note = note.strip()
    report.save(update_fields=["status", "resolved_by", "resolved_at", "resolution_note"])
    record_event(
        subject=report, actor=moderator, from_status=ConcernStatus.OPEN, to_status=to_status, note=note
    )
    return report


@transaction.atomic
def concern_resolve(*, report: ConcernReport, moderator, note: str) -> ConcernReport:
    if not note.strip():
        raise ValidationError("Say what was done about the report.")
    return _concern_close(report=report, moderator=moderator, to_status=ConcernStatus.RESOLVED, note=note)


@transaction.atomic
def concern_dismiss(*, report: ConcernReport, moderator, note: str = "") -> ConcernReport:
    return _concern_close(report=report, moderator=moderator, to_status=ConcernStatus.DISMISSED, note=note)
