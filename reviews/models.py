import secrets

from django.conf import settings
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.db.models import Q
from django.db.models.functions import Lower
from django.utils import timezone

from practitioners.models import ModerationStatus, PortfolioItem, Practitioner

RATING_VALIDATORS = [MinValueValidator(1), MaxValueValidator(5)]
SUB_RATINGS = {
    "rating_naturalness": "Natural-looking result",
    "rating_hygiene": "Hygiene",
    "rating_consultation": "Consultation and honesty",
    "rating_aftercare": "Aftercare guidance",
    "rating_comfort": "Comfort",
}


def _rating_in_range(field: str, *, nullable: bool) -> models.CheckConstraint:
    condition = Q(**{f"{field}__gte": 1, f"{field}__lte": 5})
    if nullable:
        condition |= Q(**{f"{field}__isnull": True})
    return models.CheckConstraint(condition=condition, name=f"review_{field}_1_to_5")


class ReviewStatus(models.TextChoices):
    UNCONFIRMED = "unconfirmed", "Waiting for the reviewer to confirm their e-mail"
    PENDING = "pending", "Waiting for moderation"
    PUBLISHED = "published", "Published"
    REJECTED = "rejected", "Rejected"


class ReviewQuerySet(models.QuerySet):
    def published(self):
        return self.filter(status=ReviewStatus.PUBLISHED)

    def pending_review(self):
        return self.filter(status=ReviewStatus.PENDING).order_by("created_at")


class ReviewInvite(models.Model):
    """A single-use link an owner sends to a client; a review written through it is marked
    as coming from a verified client."""

    practitioner = models.ForeignKey(Practitioner, on_delete=models.CASCADE, related_name="invites")
    email = models.EmailField()
    token = models.CharField(max_length=64, unique=True, default=secrets.token_urlsafe, editable=False)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(default=timezone.now)
    expires_at = models.DateTimeField()
    used_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at"]
        constraints = [
            models.CheckConstraint(
                condition=Q(expires_at__gt=models.F("created_at")), name="invite_expires_after_creation"
            ),
        ]
        indexes = [models.Index(fields=["created_by", "created_at"], name="invite_daily_cap_idx")]

    def __str__(self):
        return f"Invite to {self.email} for {self.practitioner}"

    def is_usable(self, now=None) -> bool:
        now = now or timezone.now()
        return self.used_at is None and self.expires_at > now


class Review(models.Model):
    practitioner = models.ForeignKey(Practitioner, on_delete=models.CASCADE, related_name="reviews")
    author_name = models.CharField(max_length=60, help_text="Shown with the review.")
    author_email = models.EmailField(help_text="Never shown. Used to confirm the review is real.")
    email_confirmed_at = models.DateTimeField(null=True, blank=True)
    rating = models.PositiveSmallIntegerField(validators=RATING_VALIDATORS)
    rating_naturalness = models.PositiveSmallIntegerField(null=True, blank=True, validators=RATING_VALIDATORS)
    rating_hygiene = models.PositiveSmallIntegerField(null=True, blank=True, validators=RATING_VALIDATORS)
    rating_consultation = models.PositiveSmallIntegerField(
        null=True, blank=True, validators=RATING_VALIDATORS
    )
    rating_aftercare = models.PositiveSmallIntegerField(null=True, blank=True, validators=RATING_VALIDATORS)
    rating_comfort = models.PositiveSmallIntegerField(null=True, blank=True, validators=RATING_VALIDATORS)
    text = models.TextField(max_length=5000)
    treatment_month = models.DateField(help_text="The first day of the month of treatment.")
    result_healed = models.BooleanField(
        default=False, help_text="The reviewer is describing a healed result, not a fresh one."
    )
    verified_client = models.BooleanField(default=False, editable=False)
    invite = models.OneToOneField(
        ReviewInvite, null=True, blank=True, on_delete=models.SET_NULL, related_name="review"
    )
    status = models.CharField(max_length=12, choices=ReviewStatus, default=ReviewStatus.UNCONFIRMED)
    moderated_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    moderated_at = models.DateTimeField(null=True, blank=True)
    reason = models.TextField(blank=True, help_text="Why staff rejected it (kept internal).")
    owner_reply = models.TextField(blank=True, max_length=2000)
    owner_reply_at = models.DateTimeField(null=True, blank=True)
    healed_prompt_sent_at = models.DateTimeField(null=True, blank=True)
    created_at = models.DateTimeField(default=timezone.now)

    objects = ReviewQuerySet.as_manager()

    class Meta:
        ordering = ["-created_at"]
        constraints = [
            _rating_in_range("rating", nullable=False),
            *(_rating_in_range(field, nullable=True) for field in SUB_RATINGS),
            models.CheckConstraint(condition=Q(status__in=ReviewStatus.values), name="review_status_valid"),
            models.UniqueConstraint(
                "practitioner", Lower("author_email"), name="review_one_per_email_per_practitioner"
            ),
            models.CheckConstraint(
                condition=Q(verified_client=False) | Q(invite__isnull=False),
                name="review_verified_client_needs_invite",
            ),
            models.CheckConstraint(
                condition=Q(status="unconfirmed") | Q(email_confirmed_at__isnull=False),
                name="review_moderated_only_after_confirmation",
            ),
            models.CheckConstraint(
                condition=Q(owner_reply="") | Q(owner_reply_at__isnull=False),
                name="review_reply_has_date",
            ),
        ]
        indexes = [
            models.Index(fields=["practitioner", "status", "-created_at"], name="review_profile_idx"),
            models.Index(fields=["status", "created_at"], name="review_queue_idx"),
        ]

    def __str__(self):
        return f"{self.rating}★ for {self.practitioner} by {self.author_name}"


class Testimonial(models.Model):
    """A quote the clinic supplies. Always labelled as the clinic's, never in the rating."""

    practitioner = models.ForeignKey(Practitioner, on_delete=models.CASCADE, related_name="testimonials")
    quote = models.TextField(max_length=1500)
    attribution = models.CharField(max_length=80, blank=True, help_text='e.g. "Client, 2024"')
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )
    status = models.CharField(max_length=10, choices=ModerationStatus, default=ModerationStatus.PENDING)
    moderated_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    moderated_at = models.DateTimeField(null=True, blank=True)
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["-created_at"]
        constraints = [
            models.CheckConstraint(
                condition=Q(status__in=ModerationStatus.values), name="testimonial_status_valid"
            ),
        ]

    def __str__(self):
        return f"Testimonial for {self.practitioner}"


class ConcernReason(models.TextChoices):
    FALSE_CLAIM = "false_claim", "A claim on the profile looks untrue"
    UNSAFE = "unsafe", "Unsafe or unhygienic practice"
    FAKE_REVIEW = "fake_review", "The review looks fake or paid for"
    ABUSIVE = "abusive", "Abusive or personal content"
    NO_CONSENT = "no_consent", "A photo shown without the person's consent"
    OTHER = "other", "Something else"


class ConcernStatus(models.TextChoices):
    OPEN = "open", "Open"
    RESOLVED = "resolved", "Resolved: action taken"
    DISMISSED = "dismissed", "Dismissed: no action needed"


class ConcernReport(models.Model):
    """Anyone can flag a profile, a review or a portfolio image for staff to look at."""

    practitioner = models.ForeignKey(Practitioner, on_delete=models.CASCADE, related_name="concern_reports")
    review = models.ForeignKey(
        Review, null=True, blank=True, on_delete=models.CASCADE, related_name="concern_reports"
    )
    portfolio_item = models.ForeignKey(
        PortfolioItem, null=True, blank=True, on_delete=models.CASCADE, related_name="concern_reports"
    )
    reason = models.CharField(max_length=12, choices=ConcernReason)
    details = models.TextField(max_length=3000)
    reporter_email = models.EmailField(blank=True, help_text="Optional; only staff see it.")
    status = models.CharField(max_length=10, choices=ConcernStatus, default=ConcernStatus.OPEN)
    resolved_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    resolved_at = models.DateTimeField(null=True, blank=True)
    resolution_note = models.TextField(blank=True)
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["created_at"]
        constraints = [
            models.CheckConstraint(condition=Q(reason__in=ConcernReason.values), name="concern_reason_valid"),
            models.CheckConstraint(condition=Q(status__in=ConcernStatus.values), name="concern_status_valid"),
            models.CheckConstraint(
                condition=Q(review__isnull=True) | Q(portfolio_item__isnull=True),
                name="concern_one_target",
            ),
            models.CheckConstraint(
                condition=Q(status="open") | Q(resolved_at__isnull=False),
                name="concern_closed_has_date",
            ),
        ]
        indexes = [models.Index(fields=["status", "created_at"], name="concern_queue_idx")]

    def __str__(self):
        return f"{self.get_reason_display()} — {self.practitioner}"

    @property
    def target_label(self) -> str:
        if self.review_id:
            return "review"
        if self.portfolio_item_id:
            return "portfolio image"
        return "profile"
