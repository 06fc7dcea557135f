"""Realistic, repeatable demo data: clinics in real US and UK cities, practitioners in every
state of vetting, drawn portfolio photos, reviews, testimonials and staff/owner logins."""

import hashlib
import random
from datetime import timedelta

from allauth.account.models import EmailAddress
from django.conf import settings
from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group
from django.core.files.base import ContentFile
from django.core.management.base import BaseCommand, CommandError
from django.db import transaction
from django.utils import timezone
from django.utils.text import slugify
from tqdm import tqdm

from practitioners.demo_images import draw_scalp
from practitioners.models import (
    Certification,
    Clinic,
    ClinicMembership,
    Consultation,
    CredentialStatus,
    Currency,
    Language,
    Licence,
    LicenceKind,
    ListingClaim,
    MembershipRole,
    ModerationStatus,
    Pigment,
    PortfolioItem,
    PortfolioStage,
    Practitioner,
    PractitionerStatus,
    Specialty,
    TreatmentType,
    VerificationEvent,
)
from practitioners.places import resolve_place
from practitioners.services.core import (
    invalidate_price_medians,
    jurisdiction_for,
    practitioners_refresh_summaries,
)
from practitioners.uploads import process_portfolio_image
from reviews.models import ConcernReport, Review, ReviewInvite, ReviewStatus, Testimonial

DEMO_PASSWORD = "demo-password-2026"  # noqa: S105 (printed for the demo, debug only)
DEMO_DOMAIN = "demo.smpfinder.example"

# (place to resolve, postcode prefix, weight): every city is in an area with a shipped rule.
CITIES = [
    ("Los Angeles, California", "900", 5), ("San Francisco, California", "941", 3),
    ("San Diego, California", "921", 3), ("Sacramento, California", "958", 2),
    ("San Jose, California", "951", 2), ("Miami, Florida", "331", 5), ("Orlando, Florida", "328", 3),
    ("Tampa, Florida", "336", 3), ("Jacksonville, Florida", "322", 2),
    ("Fort Lauderdale, Florida", "333", 2), ("Houston, Texas", "770", 4), ("Dallas, Texas", "752", 4),
    ("Austin, Texas", "787", 3), ("San Antonio, Texas", "782", 2), ("Portland, Oregon", "972", 3),
    ("Eugene, Oregon", "974", 1), ("Salem, Oregon", "973", 1), ("Newark, New Jersey", "071", 2),
    ("Jersey City, New Jersey", "073", 2), ("Trenton, New Jersey", "086", 1), ("New York", "100", 6),
    ("Charleston, South Carolina", "294", 2), ("Columbia, South Carolina", "292", 1),
    ("Greenville, South Carolina", "296", 1), ("London", "W1", 7), ("Manchester", "M1", 4),
    ("Birmingham", "B1", 3), ("Leeds", "LS1", 3), ("Bristol", "BS1", 2), ("Liverpool", "L1", 2),
    ("Newcastle upon Tyne", "NE1", 2), ("Nottingham", "NG1", 2), ("Glasgow", "G1", 3),
    ("Edinburgh", "EH1", 3), ("Aberdeen", "AB10", 1), ("Cardiff", "CF10", 2), ("Swansea", "SA1", 1),
    ("Belfast", "BT1", 2),
]  # fmt: skip

FIRST_NAMES = [
    "James", "Maria", "David", "Aisha", "Daniel", "Sofia", "Marcus", "Priya", "Tom", "Grace",
    "Luis", "Hannah", "Kwame", "Chloe", "Omar", "Emily", "Ryan", "Fatima", "Sean", "Isabel",
    "Jamal", "Olivia", "Connor", "Mei", "Andre", "Zara", "Lewis", "Nadia", "Ethan", "Ruth",
]  # fmt: skip
LAST_NAMES = [
    "Carter", "Nguyen", "Okafor", "Patel", "Murphy", "Garcia", "Walsh", "Hughes", "Rossi", "Khan",
    "Brooks", "Silva", "Campbell", "Reid", "Morgan", "Lopez", "Evans", "Thompson", "Kowalski",
    "Adeyemi", "Bennett", "Fraser", "Davies", "Chen", "Hassan", "Price", "Doyle", "Ortiz",
]  # fmt: skip
CLINIC_WORDS = [
    "Scalp Studio",
    "SMP Clinic",
    "Hairline Lab",
    "Follicle Studio",
    "Scalp Care",
    "Density Clinic",
]
STREETS = [
    "High Street",
    "Main Street",
    "Market Street",
    "Park Road",
    "King Street",
    "Elm Avenue",
    "Church Lane",
]
ACADEMIES = [
    "Northern SMP Academy", "Precision Scalp Institute", "Coastal Micropigmentation School",
    "Hairline Craft Academy", "Scalp Artistry Training Centre",
]  # fmt: skip
CAREFUL_BIOS = [
    "I build density gradually over three sessions so the result softens naturally as it heals. "
    "Every treatment starts with a consultation about your hair-loss pattern and hairline.",
    "Most of my clients come to me for scar camouflage after transplants. I match the dot size "
    "and tone to your own hair and check the healed result with you a few weeks later.",
    "I trained for a year before treating clients on my own and still keep my needle depth "
    "shallow: the aim is soft, natural-looking impressions, not a bold tattoo.",
    "Women's thinning and diffuse loss are most of my work. We plan density together and take it "
    "slowly, session by session.",
]
RED_FLAG_BIOS = [
    "Instant results in just one session! Permanent hair for life, guaranteed.",
    "Walk out with a full head of hair the same day. One session, permanent results.",
]
REVIEW_TEXTS = {
    5: "The hairline looks completely natural, even up close. The studio was spotless and the "
       "needles were opened in front of me.",
    4: "Very happy with the density after three sessions. A little sore after the first one, but "
       "the aftercare sheet answered every question.",
    3: "Decent result, though the second session was rescheduled twice. Healed a bit lighter than I expected.",
    2: "The hairline came out higher than we agreed and I needed an extra session to fix it.",
    1: "Dots spread after healing and now look blurry. I was not given any aftercare advice.",
}  # fmt: skip


def _pdf(label: str) -> bytes:
    """A small, valid one-page PDF whose bytes differ per document (so hashes differ)."""
    text = label.replace("(", "").replace(")", "")[:60]
    stream = f"BT /F1 14 Tf 40 150 Td ({text}) Tj ET".encode()
    objects = [
        b"<</Type/Catalog/Pages 2 0 R>>",
        b"<</Type/Pages/Kids[3 0 R]/Count 1>>",
        b"<</Type/Page/Parent 2 0 R/MediaBox[0 0 420 200]/Contents 4 0 R/Resources<</Font<</F1 5 0 R>>>>>>",
        b"<</Length " + str(len(stream)).encode() + b">>stream\n" + stream + b"\nendstream",
        b"<</Type/Font/Subtype/Type1/BaseFont/Helvetica>>",
    ]
    out = bytearray(b"%PDF-1.4\n")
    offsets = []
    for number, body in enumerate(objects, start=1):
        offsets.append(len(out))
        out += f"{number} 0 obj\n".encode() + body + b"\nendobj\n"
    xref = len(out)
    out += f"xref\n0 {len(objects) + 1}\n0000000000 65535 f \n".encode()
    out += b"".join(f"{offset:010d} 00000 n \n".encode() for offset in offsets)
    out += f"trailer<</Size {len(objects) + 1}/Root 1 0 R>>\nstartxref\n{xref}\n%%EOF\n".encode()
    return bytes(out)


class Command(BaseCommand):
    help = "Fill the database with realistic demo data (deterministic for a given --seed)."

    def add_arguments(self, parser):
        parser.add_argument("--seed", type=int, default=7)
        parser.add_argument("--practitioners", type=int, default=220)
        parser.add_argument("--reset", action="store_true", help="Remove earlier demo data first.")

    def handle(self, *args, seed, practitioners, reset, **options):
        if practitioners < 1 or practitioners > 5000:
            raise CommandError("--practitioners must be between 1 and 5000.")
        if reset:
            self._reset()
        elif Practitioner.objects.exists():
            raise CommandError("The database already has practitioners; use --reset to replace demo data.")
        self.rng = random.Random(seed)
        self.today = timezone.localdate()
        self.now = timezone.now()
        with transaction.atomic():
            self._people()
            self._images()
            clinics = self._clinics(max(20, practitioners * 11 // 20))
            created = self._practitioners(clinics, practitioners)
            self._backdate()
        invalidate_price_medians()
        with tqdm(
            total=len(created), desc="Checklists", unit="practitioner", disable=options["verbosity"] < 1
        ) as bar:
            practitioners_refresh_summaries(progress=bar.update)
        vetted = Practitioner.objects.vetted().count()
        self.stdout.write(
            f"Created {len(created)} practitioners at {len(clinics)} clinics in {len(CITIES)} cities; "
            f"{vetted} carry the Vetted badge."
        )
        if settings.DEBUG:
            self.stdout.write(
                f"Demo logins (password {DEMO_PASSWORD}): verifier@{DEMO_DOMAIN} (staff, /admin/), "
                f"owner@{DEMO_DOMAIN} (clinic owner, /dashboard/)."
            )

    def _reset(self):
        """Delete demo rows and the files they point at, so a reset leaves nothing behind."""
        file_rows = [
            (Certification.objects.all(), ["document"]),
            (Licence.objects.all(), ["document"]),
            (PortfolioItem.objects.all(), ["original", "display", "thumbnail"]),
        ]
        for queryset, fields in file_rows:
            for row in queryset.only(*fields).iterator():
                for name in fields:
                    field_file = getattr(row, name)
                    if field_file:
                        field_file.storage.delete(field_file.name)
        with transaction.atomic():
            VerificationEvent.objects.all().delete()
            ConcernReport.objects.all().delete()
            Review.objects.all().delete()
            ReviewInvite.objects.all().delete()
            Testimonial.objects.all().delete()
            Practitioner.objects.all().delete()
            Clinic.objects.all().delete()
            get_user_model().objects.filter(email__endswith=f"@{DEMO_DOMAIN}").delete()

    def _people(self):
        User = get_user_model()
        self.verifier = User.objects.create_user(
            "verifier", f"verifier@{DEMO_DOMAIN}", DEMO_PASSWORD,
            first_name="Vera", last_name="Okoro", is_staff=True,
        )  # fmt: skip
        self.verifier.groups.add(Group.objects.get(name="Verifiers"))
        self.owner = User.objects.create_user(
            "owner", f"owner@{DEMO_DOMAIN}", DEMO_PASSWORD, first_name="Olly", last_name="Owens"
        )
        self.claimant = User.objects.create_user(
            "claimant", f"claimant@{DEMO_DOMAIN}", DEMO_PASSWORD, first_name="Cara", last_name="Lane"
        )
        for user in (self.verifier, self.owner, self.claimant):
            EmailAddress.objects.create(user=user, email=user.email, verified=True, primary=True)

    def _images(self):
        """Draw a small pool of scalps per stage; every portfolio item gets its own copies."""
        self.pool = {}
        for stage in PortfolioStage.values:
            renditions = []
            for _ in range(8):
                upload = ContentFile(draw_scalp(stage, seed=self.rng.randrange(10_000)), name="demo.jpg")
                renditions.append(process_portfolio_image(upload))
            self.pool[stage] = renditions

    def _clinics(self, count: int) -> list[Clinic]:
        rng = self.rng
        places = []
        for query, prefix, weight in CITIES:
            place = resolve_place(query)
            if place is None:
                raise CommandError(f"The demo city {query!r} is not in the offline gazetteer.")
            places.append((place, prefix, weight))
        weights = [weight for _, _, weight in places]
        clinics = []
        for n in range(count):
            place, prefix, _ = places[n] if n < len(places) else rng.choices(places, weights)[0]
            city = place.name.split(",")[0]
            name = f"{rng.choice(LAST_NAMES)} {rng.choice(CLINIC_WORDS)}"
            is_uk = place.country == "GB"
            postcode = (f"{prefix} {rng.randint(1, 9)}{rng.choice('ABDEFGHJLNPQRSTUWXYZ')}{rng.choice('ABDEFGHJLNPQRSTUWXYZ')}"
                        if is_uk else f"{prefix}{rng.randint(0, 99):02d}")  # fmt: skip
            price = (
                rng.choice([350, 400, 450, 500, 550, 600])
                if is_uk
                else rng.choice([600, 700, 800, 900, 1000, 1200, 1500])
            )
            if n % 29 == 5:
                price = price // 4  # a suspiciously cheap clinic: a red flag on its profile
            consultation = rng.choices(
                [Consultation.FREE, Consultation.PAID, Consultation.NONE, ""], [6, 2, 1, 1]
            )[0]
            complete = rng.random() < 0.85
            clinic = Clinic(
                name=name,
                slug=f"{slugify(name)}-{slugify(city)}-{n}",
                address_line=f"{rng.randint(1, 240)} {rng.choice(STREETS)}",
                city=city,
                region=place.region,
                postcode=postcode,
                country=place.country,
                latitude=round(place.latitude + rng.uniform(-0.05, 0.05), 5),
                longitude=round(place.longitude + rng.uniform(-0.06, 0.06), 5),
                phone=f"+44 20 7946 {rng.randint(1000, 9999)}"
                if is_uk
                else f"+1 555 01{rng.randint(10, 99)}",
                website=f"https://{slugify(name)}.example",
                email=f"hello@{slugify(name)}.example",
                sink_in_treatment_rooms=True if complete else None,
                single_use_needles=True if complete else rng.choice([None, True]),
                gloves_and_mask=True if complete else None,
                sterilisation_procedure="Autoclave for reusable tools; everything touching skin is single-use."
                if complete
                else "",
                consultation=consultation,
                consultation_price=rng.choice([30, 50, 75]) if consultation == Consultation.PAID else None,
                consultation_covers_assessment=True
                if consultation in {"free", "paid"} and complete
                else None,
                currency=Currency.GBP if is_uk else Currency.USD,
                price_min=price,
                price_max=price + rng.choice([100, 200, 400]),
                jurisdiction=jurisdiction_for(
                    country=place.country, region=place.region, city=city, postcode=postcode
                ),
            )
            clinic.full_clean(exclude=["slug"])
            clinics.append(clinic)
        Clinic.objects.bulk_create(clinics)
        clinics = list(Clinic.objects.order_by("id"))
        for clinic in clinics[:3]:
            ClinicMembership.objects.create(clinic=clinic, user=self.owner, role=MembershipRole.OWNER)
        ListingClaim.objects.create(
            clinic=clinics[5], user=self.claimant,
            message="I run this studio; my name is on the lease and the council licence.",
        )  # fmt: skip
        return clinics

    def _practitioners(self, clinics: list[Clinic], count: int) -> list[Practitioner]:
        rng = self.rng
        specialties = list(Specialty.objects.all())
        languages = {lang.code: lang for lang in Language.objects.all()}
        created = []
        used_slugs = set()
        for n in tqdm(range(count), desc="Practitioners", unit="practitioner"):
            name = f"{rng.choice(FIRST_NAMES)} {rng.choice(LAST_NAMES)}"
            slug = slugify(name)
            while slug in used_slugs:
                slug = f"{slugify(name)}-{len(used_slugs)}"
            used_slugs.add(slug)
            profile = rng.choices(["vetted", "partial", "new", "red_flag"], [45, 35, 12, 8])[0]
            status = PractitionerStatus.PUBLISHED
            if n % 37 == 3:
                status = PractitionerStatus.DRAFT
            elif n % 53 == 7:
                status = PractitionerStatus.SUSPENDED
            academy = rng.choice(ACADEMIES)
            practitioner = Practitioner.objects.create(
                name=name,
                slug=slug,
                status=status,
                bio=rng.choice(RED_FLAG_BIOS if profile == "red_flag" else CAREFUL_BIOS),
                years_practising=rng.randint(1, 15) if profile != "new" else None,
                procedures_performed=rng.randint(40, 2500) if profile != "new" else None,
                trainer=academy if profile != "new" or rng.random() < 0.5 else "",
                training_hours=rng.choice([40, 80, 120, 200]) if profile != "new" else None,
                live_models_trained=rng.choice([5, 10, 20, 30]) if profile != "new" else None,
                pigment=Pigment.TATTOO_INK
                if profile == "red_flag" and rng.random() < 0.5
                else (Pigment.SMP if profile != "new" else ""),
                pigment_brand=rng.choice(["", "Scalp Pigment Co", "DermaTone SMP"]),
                typical_sessions=1 if profile == "red_flag" else rng.choice([2, 3, 3, 4]),
                written_aftercare=profile != "new" or None,
            )
            clinic = clinics[n % len(clinics)]
            work_at = [clinic]
            if rng.random() < 0.08:
                neighbours = [c for c in clinics if c.city == clinic.city and c.pk != clinic.pk]
                work_at += neighbours[:1]
            practitioner.clinics.set(work_at)
            practitioner.specialties.set(rng.sample(specialties, rng.randint(1, 3)))
            spoken = ["en"] + rng.sample(["es", "fr", "pl", "pt", "ar", "ur", "zh", "vi"], rng.randint(0, 2))
            practitioner.languages.set([languages[code] for code in spoken])
            self._credentials(practitioner, work_at, profile, n)
            self._portfolio(practitioner, profile)
            self._reviews(practitioner, n)
            created.append(practitioner)
        return created

    def _backdate(self):
        """Give every row an arrival time some days before its decision (or before now, if it
        still waits), so the staff queue and the histories read in a realistic order."""
        decided = {Certification: "decided_at", Licence: "decided_at", PortfolioItem: "moderated_at",
                   ListingClaim: "decided_at", ConcernReport: "resolved_at"}  # fmt: skip
        for model, field in decided.items():
            for pk, when in model.objects.order_by("pk").values_list("pk", field):
                arrived = (when or self.now) - timedelta(
                    days=self.rng.randint(1, 40), hours=self.rng.randint(0, 23)
                )
                model.objects.filter(pk=pk).update(created_at=arrived)

    def _decision(self, status: str) -> dict:
        decided = self.now - timedelta(days=self.rng.randint(3, 300))
        reasons = {
            CredentialStatus.REJECTED: "The name on the certificate does not match the practitioner's name.",
            CredentialStatus.MORE_INFO: "Please send a clearer scan: the certificate number is unreadable.",
        }
        if status == CredentialStatus.PENDING:
            return {"status": status}
        return {
            "status": status,
            "reviewer": self.verifier,
            "decided_at": decided,
            "reason": reasons.get(status, ""),
        }

    def _credentials(self, practitioner: Practitioner, clinics: list[Clinic], profile: str, n: int):
        rng = self.rng
        status = CredentialStatus.VERIFIED if profile == "vetted" else rng.choice(list(CredentialStatus))
        issued = self.today - timedelta(days=rng.randint(200, 2000))
        expires = issued + timedelta(days=rng.choice([730, 1095, 1825]))
        if status == CredentialStatus.EXPIRED:
            expires = self.today - timedelta(days=rng.randint(1, 90))
            issued = expires - timedelta(days=730)
        elif expires <= self.today:
            expires = self.today + timedelta(days=rng.randint(60, 700))
        if status == CredentialStatus.VERIFIED and rng.random() < 0.06:
            expires = self.today + timedelta(days=rng.randint(5, 80))  # shows up under "expiring soon"
        label = f"{practitioner.trainer or 'Academy'} certificate for {practitioner.name}"
        content = _pdf(label)
        Certification.objects.create(
            practitioner=practitioner,
            issuing_body=practitioner.trainer or rng.choice(ACADEMIES),
            certificate_number=f"C-{10000 + n}",
            issued_on=issued,
            expires_on=expires,
            document=ContentFile(content, name="certificate.pdf"),
            document_sha256=hashlib.sha256(content).hexdigest(),
            **self._decision(status),
        )
        if profile == "new":
            return
        licence_status = (
            CredentialStatus.VERIFIED
            if profile == "vetted"
            else rng.choice([CredentialStatus.VERIFIED, CredentialStatus.PENDING, CredentialStatus.MORE_INFO])
        )
        for clinic in clinics[:1]:
            rule = clinic.jurisdiction
            if rule and rule.practitioner_licence != "not_required":
                content = _pdf(f"Practitioner licence {practitioner.name}")
                Licence.objects.create(
                    kind=LicenceKind.PRACTITIONER, practitioner=practitioner, jurisdiction=rule,
                    licence_number=f"{clinic.region}-P-{20000 + n}",
                    issuing_authority=f"{clinic.region_name} licensing authority",
                    issued_on=self.today - timedelta(days=rng.randint(30, 300)),
                    expires_on=self.today + timedelta(days=rng.randint(120, 700)),
                    document=ContentFile(content, name="licence.pdf"),
                    document_sha256=hashlib.sha256(content).hexdigest(),
                    displayed_at_premises=True, **self._decision(licence_status),
                )  # fmt: skip
            if rule and rule.establishment_licence == "required" and not clinic.licences.exists():
                content = _pdf(f"Premises licence {clinic.name}")
                Licence.objects.create(
                    kind=LicenceKind.ESTABLISHMENT, clinic=clinic, jurisdiction=rule,
                    licence_number=f"{clinic.region}-E-{30000 + clinic.pk}",
                    issuing_authority=f"{clinic.city} council" if clinic.country == "GB"
                    else f"{clinic.region_name} health department",
                    issued_on=self.today - timedelta(days=rng.randint(30, 300)),
                    expires_on=self.today + timedelta(days=rng.randint(200, 700)),
                    document=ContentFile(content, name="premises.pdf"),
                    document_sha256=hashlib.sha256(content).hexdigest(),
                    displayed_at_premises=True, **self._decision(CredentialStatus.VERIFIED),
                )  # fmt: skip

    def _portfolio(self, practitioner: Practitioner, profile: str):
        rng = self.rng
        if profile == "red_flag" and rng.random() < 0.5:
            return  # no portfolio at all
        if profile == "vetted":
            stages = ["before", "fresh"] + ["healed"] * rng.randint(3, 5)
        elif profile == "partial":
            stages = ["before", "fresh", "fresh"] + ["healed"] * rng.randint(0, 2)
        else:
            stages = ["fresh"] * rng.randint(1, 3)
        for position, stage in enumerate(stages):
            rendition = rng.choice(self.pool[stage])
            status = ModerationStatus.APPROVED
            if profile != "vetted" and rng.random() < 0.2:
                status = ModerationStatus.PENDING
            PortfolioItem.objects.create(
                practitioner=practitioner,
                original=ContentFile(rendition.original.read(), name="original.jpg"),
                display=ContentFile(rendition.display.read(), name="display.webp"),
                thumbnail=ContentFile(rendition.thumbnail.read(), name="thumb.webp"),
                width=rendition.width,
                height=rendition.height,
                stage=stage,
                months_since_treatment=rng.randint(4, 30)
                if stage == "healed"
                else (0 if stage == "fresh" else None),
                sessions_done=rng.randint(2, 4) if stage != "before" else None,
                treatment_type=rng.choice(TreatmentType.values),
                consent_confirmed_at=self.now - timedelta(days=rng.randint(10, 400)),
                status=status,
                moderated_by=self.verifier if status == ModerationStatus.APPROVED else None,
                moderated_at=self.now - timedelta(days=rng.randint(1, 200)) if status == "approved" else None,
                position=position,
            )
            for part in (rendition.original, rendition.display, rendition.thumbnail):
                part.seek(0)

    def _reviews(self, practitioner: Practitioner, n: int):
        rng = self.rng
        if practitioner.status != PractitionerStatus.PUBLISHED:
            return
        for k in range(rng.choice([0, 0, 1, 2, 3, 4, 6, 8])):
            rating = rng.choices([5, 4, 3, 2, 1], [50, 28, 10, 7, 5])[0]
            email = f"client{n}-{k}@{DEMO_DOMAIN}"
            invite = None
            if rng.random() < 0.4:
                invite = ReviewInvite.objects.create(
                    practitioner=practitioner, email=email, created_by=self.owner,
                    created_at=self.now - timedelta(days=100), expires_at=self.now - timedelta(days=70),
                    used_at=self.now - timedelta(days=90),
                )  # fmt: skip
            status = rng.choices(
                [ReviewStatus.PUBLISHED, ReviewStatus.PENDING, ReviewStatus.REJECTED], [85, 10, 5]
            )[0]
            treated = (self.today - timedelta(days=rng.randint(60, 700))).replace(day=1)
            # Written some weeks after the treatment, never in the future.
            days_after = (self.today - treated).days
            written = self.now - timedelta(days=rng.randint(2, max(3, days_after - 30)))
            Review.objects.create(
                practitioner=practitioner,
                author_name=f"{rng.choice(FIRST_NAMES)} {rng.choice(LAST_NAMES)[0]}.",
                author_email=email,
                email_confirmed_at=written,
                rating=rating,
                rating_naturalness=max(1, min(5, rating + rng.choice([-1, 0, 0, 1]))),
                rating_hygiene=max(1, min(5, rating + rng.choice([0, 0, 1]))),
                rating_consultation=max(1, min(5, rating + rng.choice([-1, 0, 0]))),
                rating_aftercare=max(1, min(5, rating + rng.choice([-1, 0, 1]))),
                rating_comfort=rng.randint(2, 5),
                text=REVIEW_TEXTS[rating],
                treatment_month=treated,
                result_healed=rng.random() < 0.6,
                verified_client=invite is not None,
                invite=invite,
                status=status,
                moderated_by=self.verifier if status != ReviewStatus.PENDING else None,
                moderated_at=self.now - timedelta(days=rng.randint(1, 60))
                if status != ReviewStatus.PENDING
                else None,
                reason="Describes a different clinic." if status == ReviewStatus.REJECTED else "",
                owner_reply="Thank you, it was a pleasure working with you."
                if rating >= 4 and k == 0
                else "",
                owner_reply_at=self.now - timedelta(days=2) if rating >= 4 and k == 0 else None,
                created_at=written,
            )
        if rng.random() < 0.3:
            Testimonial.objects.create(
                practitioner=practitioner, quote="I finally stopped wearing a cap everywhere.",
                attribution=f"Client, {self.today.year - 1}", created_by=self.owner,
                status=ModerationStatus.APPROVED, moderated_by=self.verifier, moderated_at=self.now,
            )  # fmt: skip
        if n % 41 == 9:
            ConcernReport.objects.create(
                practitioner=practitioner, reason="false_claim",
                details="The academy named here says it never trained this person.",
            )  # fmt: skip
