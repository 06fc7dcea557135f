import secrets
from datetime import date

from django.conf import settings
from django.contrib.contenttypes.fields import GenericForeignKey
from django.contrib.contenttypes.models import ContentType
from django.core.files.storage import storages
from django.core.signals import setting_changed
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.db.models import Q
from django.dispatch import receiver
from django.urls import reverse
from django.utils import timezone
from django.utils.functional import LazyObject, empty

from .querysets import ClinicQuerySet, CredentialQuerySet, PractitionerQuerySet
from .regions import REGION_CHOICES, Country, region_name


class _PrivateStorage(LazyObject):
    """Credential documents and image originals: never served from a public URL.

    Resolved on first use so tests and deployments that change STORAGES take effect.
    """

    def _setup(self):
        self._wrapped = storages["private"]


private_storage = _PrivateStorage()


def get_private_storage():
    """The storage private fields use. Given to them as a callable so migrations record this
    function rather than one machine's folder or bucket."""
    return private_storage


@receiver(setting_changed)
def _forget_private_storage(*, setting, **kwargs):
    # Django resets storages[...] and default_storage when STORAGES changes; do the same here.
    if setting == "STORAGES":
        private_storage._wrapped = empty


def _random_name(prefix: str, instance, filename: str) -> str:
    # The client's file name is never used: it can carry paths, NUL bytes or personal data.
    extension = filename.rsplit(".", 1)[-1].lower() if "." in filename else "bin"
    if extension not in {"pdf", "jpg", "png", "webp"}:
        extension = "bin"
    today = timezone.now()
    return f"{prefix}/{today:%Y/%m}/{secrets.token_hex(16)}.{extension}"


def certification_upload_to(instance, filename):
    return _random_name("certifications", instance, filename)


def licence_upload_to(instance, filename):
    return _random_name("licences", instance, filename)


def portfolio_original_upload_to(instance, filename):
    return _random_name("portfolio-originals", instance, filename)


def portfolio_rendition_upload_to(instance, filename):
    return _random_name("portfolio", instance, filename)


def practitioner_photo_upload_to(instance, filename):
    return _random_name("photos", instance, filename)


class Requirement(models.TextChoices):
    REQUIRED = "required", "Required"
    NOT_REQUIRED = "not_required", "Not required"
    LOCAL = "local", "Set by the local authority"
    UNCLEAR = "unclear", "Unclear"
    UNKNOWN = "unknown", "Unknown"


class JurisdictionRule(models.Model):
    """What the law asks of SMP where a clinic is. Facts with their sources; staff keep them."""

    country = models.CharField(max_length=2, choices=Country)
    region = models.CharField(max_length=3, help_text="US state code or UK nation code.")
    locality = models.CharField(
        max_length=80,
        blank=True,
        help_text="A city with its own rule (e.g. New York City, London). Blank for the whole region.",
    )
    practitioner_licence = models.CharField(max_length=16, choices=Requirement)
    practitioner_licence_detail = models.CharField(max_length=200, blank=True)
    establishment_licence = models.CharField(max_length=16, choices=Requirement)
    establishment_licence_detail = models.CharField(max_length=200, blank=True)
    regulated_as = models.CharField(max_length=200, blank=True)
    licence_displayed = models.CharField(max_length=16, choices=Requirement)
    licence_displayed_detail = models.CharField(max_length=200, blank=True)
    renewal = models.CharField(max_length=200, blank=True)
    confidence = models.CharField(max_length=40, blank=True, help_text="sourced, partly sourced or inference")
    notes = models.TextField(blank=True)
    source_url = models.URLField(max_length=500, help_text="The main source a patient can read.")
    other_sources = models.TextField(blank=True, help_text="Further sources, one per line.")
    last_reviewed = models.DateField(help_text="When staff last checked this rule against its sources.")

    class Meta:
        ordering = ["country", "region", "locality"]
        constraints = [
            models.UniqueConstraint(
                fields=["country", "region", "locality"], name="jurisdiction_unique_place"
            ),
            models.CheckConstraint(
                condition=Q(country__in=Country.values), name="jurisdiction_country_valid"
            ),
            models.CheckConstraint(
                condition=Q(practitioner_licence__in=Requirement.values)
                & Q(establishment_licence__in=Requirement.values)
                & Q(licence_displayed__in=Requirement.values),
                name="jurisdiction_requirements_valid",
            ),
        ]

    def __str__(self):
        place = region_name(self.country, self.region)
        return f"{place} ({self.locality})" if self.locality else place

    @property
    def requires_practitioner_licence(self) -> bool:
        return self.practitioner_licence == Requirement.REQUIRED

    @property
    def requires_establishment_licence(self) -> bool:
        return self.establishment_licence == Requirement.REQUIRED

    @property
    def practitioner_licence_settled(self) -> bool:
        """True when the rule says plainly whether a practitioner licence is needed."""
        return self.practitioner_licence in {Requirement.REQUIRED, Requirement.NOT_REQUIRED}


class Specialty(models.Model):
    slug = models.SlugField(unique=True)
    name = models.CharField(max_length=80)

    class Meta:
        ordering = ["name"]
        verbose_name_plural = "specialties"

    def __str__(self):
        return self.name


class Language(models.Model):
    code = models.CharField(max_length=8, unique=True, help_text="ISO 639-1 code, e.g. en, es.")
    name = models.CharField(max_length=60)

    class Meta:
        ordering = ["name"]

    def __str__(self):
        return self.name


class Currency(models.TextChoices):
    USD = "USD", "US dollars"
    GBP = "GBP", "Pounds sterling"


class Consultation(models.TextChoices):
    FREE = "free", "Free consultation"
    PAID = "paid", "Paid consultation"
    NONE = "none", "No consultation"


class Clinic(models.Model):
    name = models.CharField(max_length=120)
    slug = models.SlugField(max_length=140, unique=True)
    address_line = models.CharField(max_length=200)
    city = models.CharField(max_length=80)
    region = models.CharField(max_length=3, choices=REGION_CHOICES, help_text="State or nation.")
    postcode = models.CharField(max_length=12)
    country = models.CharField(max_length=2, choices=Country)
    latitude = models.FloatField(validators=[MinValueValidator(-90), MaxValueValidator(90)])
    longitude = models.FloatField(validators=[MinValueValidator(-180), MaxValueValidator(180)])
    phone = models.CharField(max_length=30, blank=True)
    website = models.URLField(blank=True)
    email = models.EmailField(blank=True)
    jurisdiction = models.ForeignKey(
        JurisdictionRule,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="clinics",
        help_text="The licensing rule for this address; set from the address when it is saved.",
    )

    # Hygiene, as the clinic attests it. None means the clinic has not said.
    sink_in_treatment_rooms = models.BooleanField(null=True, blank=True)
    single_use_needles = models.BooleanField(
        null=True, blank=True, help_text="Needles come sealed and are opened in front of the client."
    )
    gloves_and_mask = models.BooleanField(null=True, blank=True)
    sterilisation_procedure = models.TextField(blank=True)

    consultation = models.CharField(max_length=8, choices=Consultation, blank=True)
    consultation_price = models.PositiveIntegerField(null=True, blank=True)
    consultation_covers_assessment = models.BooleanField(
        null=True,
        blank=True,
        help_text="The consultation looks at the hair-loss pattern, skin tone and hairline design.",
    )
    currency = models.CharField(max_length=3, choices=Currency, default=Currency.USD)
    price_min = models.PositiveIntegerField(
        null=True, blank=True, help_text="Lowest typical price per session."
    )
    price_max = models.PositiveIntegerField(
        null=True, blank=True, help_text="Highest typical price per session."
    )

    members = models.ManyToManyField(
        settings.AUTH_USER_MODEL, through="ClinicMembership", related_name="clinics"
    )
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    objects = ClinicQuerySet.as_manager()

    class Meta:
        ordering = ["name"]
        constraints = [
            models.CheckConstraint(condition=Q(country__in=Country.values), name="clinic_country_valid"),
            models.CheckConstraint(
                condition=Q(latitude__gte=-90, latitude__lte=90) & Q(longitude__gte=-180, longitude__lte=180),
                name="clinic_coordinates_valid",
            ),
            models.CheckConstraint(
                condition=Q(price_min__isnull=True)
                | Q(price_max__isnull=True)
                | Q(price_max__gte=models.F("price_min")),
                name="clinic_price_range_ordered",
            ),
            models.CheckConstraint(
                condition=~Q(consultation=Consultation.PAID) | Q(consultation_price__isnull=False),
                name="clinic_paid_consultation_has_price",
            ),
            models.CheckConstraint(
                condition=Q(consultation__in=[*Consultation.values, ""]),
                name="clinic_consultation_valid",
            ),
        ]
        indexes = [
            models.Index(fields=["latitude", "longitude"], name="clinic_lat_lng_idx"),
            models.Index(fields=["country", "region"], name="clinic_region_idx"),
            # The newest change is the version key of cached search pages.
            models.Index(fields=["updated_at"], name="clinic_updated_idx"),
        ]

    def __str__(self):
        return self.name

    @property
    def region_name(self) -> str:
        return region_name(self.country, self.region)

    @property
    def full_address(self) -> str:
        return ", ".join(
            part for part in [self.address_line, self.city, self.region_name, self.postcode] if part
        )

    @property
    def map_url(self) -> str:
        return (
            "https://www.openstreetmap.org/?mlat="
            f"{self.latitude:.5f}&mlon={self.longitude:.5f}#map=17/{self.latitude:.5f}/{self.longitude:.5f}"
        )

    @property
    def hygiene_attested(self) -> bool:
        return bool(self.sink_in_treatment_rooms and self.single_use_needles and self.gloves_and_mask)


class MembershipRole(models.TextChoices):
    OWNER = "owner", "Owner"
    MANAGER = "manager", "Manager"


class ClinicMembership(models.Model):
    clinic = models.ForeignKey(Clinic, on_delete=models.CASCADE, related_name="memberships")
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="clinic_memberships"
    )
    role = models.CharField(max_length=8, choices=MembershipRole, default=MembershipRole.OWNER)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["clinic", "user"], name="membership_unique"),
            models.CheckConstraint(condition=Q(role__in=MembershipRole.values), name="membership_role_valid"),
        ]

    def __str__(self):
        return f"{self.user} — {self.clinic} ({self.get_role_display()})"


class ClaimStatus(models.TextChoices):
    PENDING = "pending", "Waiting for staff"
    APPROVED = "approved", "Approved"
    REJECTED = "rejected", "Rejected"


class ListingClaim(models.Model):
    """An owner asks to manage a clinic that is already listed; staff decide."""

    clinic = models.ForeignKey(Clinic, on_delete=models.CASCADE, related_name="claims")
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="listing_claims"
    )
    message = models.TextField(help_text="How the person shows they run this clinic.")
    status = models.CharField(max_length=10, choices=ClaimStatus, default=ClaimStatus.PENDING)
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    decided_at = models.DateTimeField(null=True, blank=True)
    reason = models.TextField(blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["created_at"]
        constraints = [
            models.UniqueConstraint(
                fields=["clinic", "user"],
                condition=Q(status="pending"),
                name="claim_one_pending_per_user",
            ),
            models.CheckConstraint(condition=Q(status__in=ClaimStatus.values), name="claim_status_valid"),
            models.CheckConstraint(
                condition=Q(status="pending") | Q(decided_at__isnull=False),
                name="claim_decision_has_date",
            ),
            models.CheckConstraint(
                condition=~Q(status="rejected") | ~Q(reason=""), name="claim_rejection_has_reason"
            ),
        ]

    def __str__(self):
        return f"Claim on {self.clinic} by {self.user}"


class PractitionerStatus(models.TextChoices):
    DRAFT = "draft", "Draft"
    PUBLISHED = "published", "Published"
    SUSPENDED = "suspended", "Suspended by staff"


class Pigment(models.TextChoices):
    SMP = "smp", "SMP-specific pigment"
    TATTOO_INK = "tattoo_ink", "Tattoo ink"


class Practitioner(models.Model):
    name = models.CharField(max_length=120)
    slug = models.SlugField(max_length=140, unique=True)
    clinics = models.ManyToManyField(Clinic, related_name="practitioners")
    status = models.CharField(max_length=10, choices=PractitionerStatus, default=PractitionerStatus.DRAFT)
    photo = models.ImageField(upload_to=practitioner_photo_upload_to, blank=True)
    bio = models.TextField(blank=True, max_length=4000)

    years_practising = models.PositiveSmallIntegerField(
        null=True, blank=True, validators=[MaxValueValidator(70)]
    )
    procedures_performed = models.PositiveIntegerField(
        null=True,
        blank=True,
        help_text="Approximate number of SMP procedures.",
        validators=[MaxValueValidator(100_000)],
    )
    trainer = models.CharField(max_length=160, blank=True, help_text="Trainer or academy.")
    training_hours = models.PositiveSmallIntegerField(
        null=True, blank=True, validators=[MaxValueValidator(5000)]
    )
    live_models_trained = models.PositiveSmallIntegerField(
        null=True,
        blank=True,
        help_text="Live models treated under supervision during training.",
        validators=[MaxValueValidator(1000)],
    )
    specialties = models.ManyToManyField(Specialty, blank=True, related_name="practitioners")
    languages = models.ManyToManyField(Language, blank=True, related_name="practitioners")
    pigment = models.CharField(max_length=12, choices=Pigment, blank=True)
    pigment_brand = models.CharField(max_length=80, blank=True)
    typical_sessions = models.PositiveSmallIntegerField(
        null=True, blank=True, validators=[MinValueValidator(1), MaxValueValidator(10)]
    )
    written_aftercare = models.BooleanField(null=True, blank=True)

    # Kept up to date by practitioners.services.practitioner_refresh_summary from the
    # checklist and the published reviews, so search can filter and sort in SQL.
    is_vetted = models.BooleanField(default=False, editable=False)
    vetted_until = models.DateField(
        null=True,
        blank=True,
        editable=False,
        help_text="The badge lapses on this day: the first expiry among the documents it rests on.",
    )
    verified_count = models.PositiveSmallIntegerField(default=0, editable=False)
    healed_count = models.PositiveSmallIntegerField(default=0, editable=False)
    review_count = models.PositiveIntegerField(default=0, editable=False)
    verified_review_count = models.PositiveIntegerField(default=0, editable=False)
    rating_average = models.DecimalField(
        max_digits=3, decimal_places=2, null=True, blank=True, editable=False
    )
    search_document = models.TextField(blank=True, editable=False)

    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    objects = PractitionerQuerySet.as_manager()

    class Meta:
        ordering = ["name"]
        permissions = [
            ("verify_credentials", "Can verify certifications and licences"),
            ("moderate_content", "Can moderate reviews, images, testimonials and concerns"),
            ("approve_claims", "Can approve listing claims"),
            ("suspend_listing", "Can suspend a listing"),
        ]
        constraints = [
            models.CheckConstraint(
                condition=Q(status__in=PractitionerStatus.values), name="practitioner_status_valid"
            ),
            models.CheckConstraint(
                condition=Q(pigment__in=[*Pigment.values, ""]), name="practitioner_pigment_valid"
            ),
            models.CheckConstraint(
                condition=Q(typical_sessions__isnull=True) | Q(typical_sessions__gte=1),
                name="practitioner_sessions_positive",
            ),
            models.CheckConstraint(
                condition=Q(rating_average__isnull=True) | Q(rating_average__gte=1, rating_average__lte=5),
                name="practitioner_rating_in_range",
            ),
            models.CheckConstraint(
                condition=Q(verified_review_count__lte=models.F("review_count")),
                name="practitioner_verified_reviews_subset",
            ),
            models.CheckConstraint(
                condition=Q(is_vetted=False) | Q(status="published"),
                name="practitioner_vetted_only_if_published",
            ),
        ]
        indexes = [
            models.Index(fields=["status", "is_vetted"], name="practitioner_status_vetted_idx"),
            models.Index(fields=["status", "-rating_average"], name="practitioner_rating_idx"),
            models.Index(fields=["status", "-years_practising"], name="practitioner_experience_idx"),
            models.Index(fields=["updated_at"], name="practitioner_updated_idx"),
        ]

    def __str__(self):
        return self.name

    def get_absolute_url(self):
        return reverse("practitioners:profile", args=[self.slug])

    @property
    def is_public(self) -> bool:
        return self.status == PractitionerStatus.PUBLISHED

    def shows_badge(self, today: date | None = None) -> bool:
        today = today or timezone.localdate()
        return self.is_vetted and (self.vetted_until is None or self.vetted_until >= today)


class CredentialStatus(models.TextChoices):
    PENDING = "pending", "Waiting for staff"
    MORE_INFO = "more_info", "More information requested"
    VERIFIED = "verified", "Verified"
    REJECTED = "rejected", "Rejected"
    EXPIRED = "expired", "Expired"


class Credential(models.Model):
    """Fields shared by certifications and licences: a document staff check and decide on."""

    issued_on = models.DateField()
    expires_on = models.DateField(null=True, blank=True, help_text="Blank if it does not expire.")
    document_sha256 = models.CharField(max_length=64, db_index=True, editable=False)
    status = models.CharField(max_length=10, choices=CredentialStatus, default=CredentialStatus.PENDING)
    reviewer = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    decided_at = models.DateTimeField(null=True, blank=True)
    reason = models.TextField(
        blank=True, help_text="Why it was rejected, or what else staff need. The owner sees this."
    )
    expiry_notice_days = models.PositiveSmallIntegerField(
        null=True,
        blank=True,
        editable=False,
        help_text="The last expiry reminder sent (30 or 7 days before), so none is sent twice.",
    )
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    objects = CredentialQuerySet.as_manager()

    class Meta:
        abstract = True

    @classmethod
    def credential_constraints(cls, prefix: str) -> list:
        return [
            models.CheckConstraint(
                condition=Q(status__in=CredentialStatus.values), name=f"{prefix}_status_valid"
            ),
            models.CheckConstraint(
                condition=Q(expires_on__isnull=True) | Q(expires_on__gt=models.F("issued_on")),
                name=f"{prefix}_expiry_after_issue",
            ),
            models.CheckConstraint(
                condition=~Q(status="verified") | Q(reviewer__isnull=False, decided_at__isnull=False),
                name=f"{prefix}_verified_has_reviewer",
            ),
            models.CheckConstraint(
                condition=~Q(status__in=["rejected", "more_info"]) | ~Q(reason=""),
                name=f"{prefix}_refusal_has_reason",
            ),
            models.CheckConstraint(
                condition=Q(document_sha256__regex=r"^[0-9a-f]{64}$"),
                name=f"{prefix}_sha256_is_hex",
            ),
        ]

    def is_valid_on(self, day: date) -> bool:
        """Verified and not past its expiry date: what the checklist counts."""
        return self.status == CredentialStatus.VERIFIED and (self.expires_on is None or self.expires_on > day)


class Certification(Credential):
    practitioner = models.ForeignKey(Practitioner, on_delete=models.CASCADE, related_name="certifications")
    issuing_body = models.CharField(max_length=160, help_text="The academy or trainer that issued it.")
    certificate_number = models.CharField(max_length=60, blank=True)
    document = models.FileField(
        storage=get_private_storage, upload_to=certification_upload_to, max_length=200
    )

    class Meta:
        ordering = ["created_at"]
        constraints = Credential.credential_constraints("certification")
        indexes = [models.Index(fields=["status", "created_at"], name="certification_queue_idx")]

    def __str__(self):
        return f"{self.issuing_body} certificate — {self.practitioner}"


class LicenceKind(models.TextChoices):
    PRACTITIONER = "practitioner", "Practitioner licence"
    ESTABLISHMENT = "establishment", "Premises (establishment) licence"


class Licence(Credential):
    kind = models.CharField(max_length=14, choices=LicenceKind)
    practitioner = models.ForeignKey(
        Practitioner, null=True, blank=True, on_delete=models.CASCADE, related_name="licences"
    )
    clinic = models.ForeignKey(
        Clinic, null=True, blank=True, on_delete=models.CASCADE, related_name="licences"
    )
    jurisdiction = models.ForeignKey(
        JurisdictionRule, null=True, blank=True, on_delete=models.PROTECT, related_name="licences"
    )
    licence_number = models.CharField(max_length=60, db_index=True)
    issuing_authority = models.CharField(max_length=160)
    displayed_at_premises = models.BooleanField(
        default=False, help_text="The clinic attests the licence hangs where clients can see it."
    )
    document = models.FileField(storage=get_private_storage, upload_to=licence_upload_to, max_length=200)

    class Meta:
        ordering = ["created_at"]
        constraints = [
            *Credential.credential_constraints("licence"),
            models.CheckConstraint(
                condition=Q(kind="practitioner", practitioner__isnull=False, clinic__isnull=True)
                | Q(kind="establishment", clinic__isnull=False, practitioner__isnull=True),
                name="licence_holder_matches_kind",
            ),
        ]
        indexes = [models.Index(fields=["status", "created_at"], name="licence_queue_idx")]

    def __str__(self):
        holder = self.practitioner or self.clinic
        return f"{self.get_kind_display()} {self.licence_number} — {holder}"


class PortfolioStage(models.TextChoices):
    BEFORE = "before", "Before treatment"
    FRESH = "fresh", "Freshly treated"
    HEALED = "healed", "Healed"


class TreatmentType(models.TextChoices):
    HAIRLINE = "hairline", "Hairline and full shaved look"
    DENSITY = "density", "Density for thinning hair"
    SCAR = "scar", "Scar camouflage"
    ALOPECIA = "alopecia", "Alopecia"
    CORRECTION = "correction", "Correction of earlier work"


class ModerationStatus(models.TextChoices):
    PENDING = "pending", "Waiting for staff"
    APPROVED = "approved", "Approved"
    REJECTED = "rejected", "Rejected"


class PortfolioItem(models.Model):
    practitioner = models.ForeignKey(Practitioner, on_delete=models.CASCADE, related_name="portfolio_items")
    original = models.ImageField(
        storage=get_private_storage, upload_to=portfolio_original_upload_to, max_length=200
    )
    display = models.ImageField(upload_to=portfolio_rendition_upload_to, max_length=200)
    thumbnail = models.ImageField(upload_to=portfolio_rendition_upload_to, max_length=200)
    width = models.PositiveIntegerField()
    height = models.PositiveIntegerField()
    stage = models.CharField(max_length=8, choices=PortfolioStage)
    months_since_treatment = models.PositiveSmallIntegerField(
        null=True,
        blank=True,
        validators=[MaxValueValidator(240)],
        help_text="For healed results: months since the last session.",
    )
    sessions_done = models.PositiveSmallIntegerField(
        null=True, blank=True, validators=[MinValueValidator(1), MaxValueValidator(10)]
    )
    treatment_type = models.CharField(max_length=12, choices=TreatmentType)
    caption = models.CharField(max_length=200, blank=True)
    consent_confirmed_at = models.DateTimeField(
        help_text="When the owner confirmed the client agreed to this photo being shown."
    )
    status = models.CharField(max_length=10, choices=ModerationStatus, default=ModerationStatus.PENDING)
    moderated_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    moderated_at = models.DateTimeField(null=True, blank=True)
    reason = models.TextField(blank=True)
    position = models.PositiveIntegerField(default=0)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["position", "id"]
        constraints = [
            models.CheckConstraint(
                condition=Q(stage__in=PortfolioStage.values), name="portfolio_stage_valid"
            ),
            models.CheckConstraint(
                condition=~Q(stage="healed") | Q(months_since_treatment__isnull=False),
                name="portfolio_healed_has_months",
            ),
            models.CheckConstraint(
                condition=~Q(stage="before") | Q(months_since_treatment__isnull=True),
                name="portfolio_before_has_no_months",
            ),
            models.CheckConstraint(
                condition=Q(status__in=ModerationStatus.values), name="portfolio_status_valid"
            ),
            models.CheckConstraint(
                condition=Q(treatment_type__in=TreatmentType.values),
                name="portfolio_treatment_type_valid",
            ),
            models.CheckConstraint(
                condition=~Q(status="rejected") | ~Q(reason=""),
                name="portfolio_rejection_has_reason",
            ),
        ]
        indexes = [
            models.Index(fields=["practitioner", "status", "stage"], name="portfolio_lookup_idx"),
            models.Index(fields=["status", "created_at"], name="portfolio_queue_idx"),
        ]

    def __str__(self):
        return f"{self.get_stage_display()} — {self.practitioner}"


class VerificationEvent(models.Model):
    """Append-only record of every decision: who changed what, from which status to which."""

    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        help_text="Empty when the system acted (e.g. a document expired).",
    )
    content_type = models.ForeignKey(ContentType, on_delete=models.PROTECT)
    object_id = models.PositiveBigIntegerField()
    subject = GenericForeignKey("content_type", "object_id")
    from_status = models.CharField(max_length=12, blank=True)
    to_status = models.CharField(max_length=12)
    note = models.TextField(blank=True)
    created_at = models.DateTimeField(default=timezone.now, editable=False)

    class Meta:
        ordering = ["-created_at", "-id"]
        indexes = [models.Index(fields=["content_type", "object_id", "created_at"], name="event_subject_idx")]
        constraints = [
            models.CheckConstraint(condition=~Q(to_status=""), name="event_has_to_status"),
        ]

    def __str__(self):
        return f"{self.content_type.model} #{self.object_id}: {self.from_status or '—'} → {self.to_status}"
