import hashlib
import io
from datetime import date, timedelta

import factory
from django.contrib.auth import get_user_model
from django.core.files.base import ContentFile
from django.utils import timezone
from PIL import Image

from practitioners import models as pm
from reviews import models as rm

PDF_BYTES = (
    b"%PDF-1.4\n1 0 obj<</Type/Catalog/Pages 2 0 R>>endobj\n"
    b"2 0 obj<</Type/Pages/Kids[3 0 R]/Count 1>>endobj\n"
    b"3 0 obj<</Type/Page/Parent 2 0 R/MediaBox[0 0 200 200]>>endobj\n"
    b"trailer<</Root 1 0 R>>\n%%EOF\n"
)


def image_bytes(fmt="WEBP", size=(40, 30), colour=(120, 90, 70)) -> bytes:
    buffer = io.BytesIO()
    Image.new("RGB", size, colour).save(buffer, fmt)
    return buffer.getvalue()


class UserFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = get_user_model()
        django_get_or_create = ("username",)

    username = factory.Sequence(lambda n: f"user{n}")
    email = factory.LazyAttribute(lambda u: f"{u.username}@example.com")
    first_name = factory.Faker("first_name")
    last_name = factory.Faker("last_name")
    password = factory.django.Password("correct horse battery staple")


class ClinicFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = pm.Clinic

    name = factory.Sequence(lambda n: f"Scalp Studio {n}")
    slug = factory.Sequence(lambda n: f"scalp-studio-{n}")
    address_line = "100 Biscayne Blvd"
    city = "Miami"
    region = "FL"
    postcode = "33132"
    country = "US"
    latitude = 25.7743
    longitude = -80.1937
    sink_in_treatment_rooms = True
    single_use_needles = True
    gloves_and_mask = True
    consultation = pm.Consultation.FREE
    consultation_covers_assessment = True
    currency = pm.Currency.USD
    price_min = 800
    price_max = 1200
    jurisdiction = factory.LazyAttribute(
        lambda c: (
            pm.JurisdictionRule.objects.filter(country=c.country, region=c.region)
            .order_by("locality")
            .first()
        )
    )


class PractitionerFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = pm.Practitioner
        skip_postgeneration_save = True

    name = factory.Faker("name")
    slug = factory.Sequence(lambda n: f"practitioner-{n}")
    status = pm.PractitionerStatus.PUBLISHED
    bio = "Careful, gradual scalp micropigmentation built up over several visits."
    years_practising = 6
    procedures_performed = 450
    trainer = "Northern SMP Academy"
    training_hours = 120
    live_models_trained = 12
    pigment = pm.Pigment.SMP
    pigment_brand = "Scalp Pigment Co"
    typical_sessions = 3
    written_aftercare = True

    @factory.post_generation
    def clinics(self, create, extracted, **kwargs):
        if not create:
            return
        self.clinics.set(extracted if extracted is not None else [ClinicFactory()])


class CertificationFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = pm.Certification

    practitioner = factory.SubFactory(PractitionerFactory)
    issuing_body = "Northern SMP Academy"
    certificate_number = factory.Sequence(lambda n: f"NSA-{1000 + n}")
    issued_on = factory.LazyFunction(lambda: date.today() - timedelta(days=400))
    expires_on = factory.LazyFunction(lambda: date.today() + timedelta(days=700))
    document = factory.LazyFunction(lambda: ContentFile(PDF_BYTES, name="certificate.pdf"))
    document_sha256 = hashlib.sha256(PDF_BYTES).hexdigest()
    status = pm.CredentialStatus.PENDING

    class Params:
        verified = factory.Trait(
            status=pm.CredentialStatus.VERIFIED,
            reviewer=factory.SubFactory(UserFactory, is_staff=True),
            decided_at=factory.LazyFunction(timezone.now),
        )


class LicenceFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = pm.Licence

    kind = pm.LicenceKind.PRACTITIONER
    practitioner = factory.SubFactory(PractitionerFactory)
    jurisdiction = factory.LazyAttribute(
        lambda lic: (lic.practitioner.clinics.first() if lic.practitioner else lic.clinic).jurisdiction
    )
    licence_number = factory.Sequence(lambda n: f"FL-TA-{5000 + n}")
    issuing_authority = "Florida Department of Health"
    issued_on = factory.LazyFunction(lambda: date.today() - timedelta(days=200))
    expires_on = factory.LazyFunction(lambda: date.today() + timedelta(days=300))
    document = factory.LazyFunction(lambda: ContentFile(PDF_BYTES, name="licence.pdf"))
    document_sha256 = factory.Sequence(lambda n: hashlib.sha256(f"licence-{n}".encode()).hexdigest())
    displayed_at_premises = True
    status = pm.CredentialStatus.PENDING

    class Params:
        verified = factory.Trait(
            status=pm.CredentialStatus.VERIFIED,
            reviewer=factory.SubFactory(UserFactory, is_staff=True),
            decided_at=factory.LazyFunction(timezone.now),
        )
        premises = factory.Trait(kind=pm.LicenceKind.ESTABLISHMENT, practitioner=None)


class PortfolioItemFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = pm.PortfolioItem

    practitioner = factory.SubFactory(PractitionerFactory)
    original = factory.LazyFunction(lambda: ContentFile(image_bytes("JPEG"), name="original.jpg"))
    display = factory.LazyFunction(lambda: ContentFile(image_bytes(), name="display.webp"))
    thumbnail = factory.LazyFunction(lambda: ContentFile(image_bytes(), name="thumb.webp"))
    width = 40
    height = 30
    stage = pm.PortfolioStage.HEALED
    months_since_treatment = 8
    sessions_done = 3
    treatment_type = pm.TreatmentType.HAIRLINE
    consent_confirmed_at = factory.LazyFunction(timezone.now)
    status = pm.ModerationStatus.APPROVED


class ReviewInviteFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = rm.ReviewInvite

    practitioner = factory.SubFactory(PractitionerFactory)
    email = factory.Sequence(lambda n: f"client{n}@example.com")
    expires_at = factory.LazyFunction(lambda: timezone.now() + timedelta(days=30))


class ReviewFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = rm.Review

    practitioner = factory.SubFactory(PractitionerFactory)
    author_name = factory.Faker("first_name")
    author_email = factory.Sequence(lambda n: f"reviewer{n}@example.com")
    email_confirmed_at = factory.LazyFunction(timezone.now)
    rating = 5
    rating_naturalness = 5
    rating_hygiene = 5
    text = "The hairline looks natural and the studio was spotless."
    treatment_month = factory.LazyFunction(lambda: date.today().replace(day=1) - timedelta(days=200))
    status = rm.ReviewStatus.PUBLISHED


class TestimonialFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = rm.Testimonial

    practitioner = factory.SubFactory(PractitionerFactory)
    quote = "Best decision I made."
    attribution = "Client, 2025"
    status = pm.ModerationStatus.APPROVED


class ConcernReportFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = rm.ConcernReport

    practitioner = factory.SubFactory(PractitionerFactory)
    reason = rm.ConcernReason.FALSE_CLAIM
    details = "The certificate number does not exist on the academy's list."


def make_vetted_practitioner(**kwargs) -> pm.Practitioner:
    """A published practitioner in Florida that passes every badge rule."""
    from practitioners.services import practitioner_refresh_summary

    practitioner = PractitionerFactory(**kwargs)
    CertificationFactory(practitioner=practitioner, verified=True)
    LicenceFactory(practitioner=practitioner, verified=True)
    clinic = practitioner.clinics.first()
    LicenceFactory(clinic=clinic, premises=True, verified=True, licence_number="FL-EST-1")
    for months in (6, 9, 14):
        PortfolioItemFactory(practitioner=practitioner, months_since_treatment=months)
    practitioner_refresh_summary(practitioner=practitioner)
    practitioner.refresh_from_db()
    return practitioner
