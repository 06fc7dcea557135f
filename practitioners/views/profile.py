"""A practitioner's public profile and the printable consultation question sheet."""

from dataclasses import dataclass
from datetime import date

from django.conf import settings
from django.core.cache import cache
from django.db.models import Max
from django.http import Http404
from django.shortcuts import render
from django.template.loader import render_to_string
from django.utils import timezone
from django.utils.safestring import mark_safe
from django.views.decorators.http import require_GET

from reviews.profile import reviews_context

from .. import pagecache
from ..checklist import State, build_checklist
from ..models import CredentialStatus, ModerationStatus, PortfolioStage, Practitioner
from ..services import regional_price_medians

META_DESCRIPTION_CHARS = 160


def _get_public_practitioner(slug: str) -> Practitioner:
    """Published practitioners only: drafts and suspended listings are a plain 404."""
    try:
        return (
            Practitioner.objects.published()
            .for_checklist()
            .prefetch_related("specialties", "languages")
            .get(slug=slug)
        )
    except Practitioner.DoesNotExist:
        raise Http404("No such practitioner") from None


@dataclass(frozen=True)
class PublicCredential:
    """What a patient may see of a document: never the file, only facts and our decision."""

    kind: str
    issuer: str
    number: str
    issued_on: date
    expires_on: date | None
    state: str  # verified / stated / missing, to reuse the checklist's colours
    status_text: str
    place: str = ""
    displayed: bool = False


def _public_credential(credential, *, kind: str, issuer: str, number: str, today: date, place: str = ""):
    if credential.status == CredentialStatus.REJECTED:
        return None  # a refused document is between the owner and our staff
    if credential.is_valid_on(today):
        state = State.VERIFIED
        checked_on = credential.decided_at.date() if credential.decided_at else None
        status_text = f"Verified by staff on {checked_on:%-d %b %Y}" if checked_on else "Verified by staff"
    elif credential.status in {CredentialStatus.PENDING, CredentialStatus.MORE_INFO} and (
        credential.expires_on is None or credential.expires_on > today
    ):
        state, status_text = State.STATED, "Sent to us, not checked yet"
    else:
        state = State.MISSING
        status_text = f"Expired on {credential.expires_on:%-d %b %Y}" if credential.expires_on else "Expired"
    return PublicCredential(
        kind=kind,
        issuer=issuer,
        number=number,
        issued_on=credential.issued_on,
        expires_on=credential.expires_on,
        state=state,
        status_text=status_text,
        place=place,
        displayed=getattr(credential, "displayed_at_premises", False),
    )


def _credentials(p: Practitioner, clinics, today: date) -> list[PublicCredential]:
    found = [
        _public_credential(
            c, kind="SMP certificate", issuer=c.issuing_body, number=c.certificate_number, today=today
        )
        for c in p.certifications.all()
    ]
    found += [
        _public_credential(
            lic,
            kind="Practitioner licence",
            issuer=lic.issuing_authority,
            number=lic.licence_number,
            today=today,
            place=str(lic.jurisdiction) if lic.jurisdiction else "",
        )
        for lic in p.licences.all()
    ]
    for clinic in clinics:
        found += [
            _public_credential(
                lic,
                kind=f"Premises licence for {clinic.name}",
                issuer=lic.issuing_authority,
                number=lic.licence_number,
                today=today,
                place=clinic.city,
            )
            for lic in clinic.licences.all()
        ]
    return [c for c in found if c is not None]


def _absolute(url: str) -> str:
    return url if url.startswith(("http://", "https://")) else f"{settings.SITE_URL}{url}"


def _json_ld(p: Practitioner, clinics, credentials, page_url: str, image_url: str) -> dict:
    data = {
        "@context": "https://schema.org",
        "@type": "Person",
        "name": p.name,
        "url": page_url,
        "jobTitle": "Scalp micropigmentation practitioner",
        "worksFor": [
            {
                "@type": "HealthAndBeautyBusiness",
                "name": clinic.name,
                "address": {
                    "@type": "PostalAddress",
                    "streetAddress": clinic.address_line,
                    "addressLocality": clinic.city,
                    "addressRegion": clinic.region,
                    "postalCode": clinic.postcode,
                    "addressCountry": clinic.country,
                },
                "geo": {
                    "@type": "GeoCoordinates",
                    "latitude": clinic.latitude,
                    "longitude": clinic.longitude,
                },
                **({"telephone": clinic.phone} if clinic.phone else {}),
                **({"url": clinic.website} if clinic.website else {}),
            }
            for clinic in clinics
        ],
        "hasCredential": [
            {
                "@type": "EducationalOccupationalCredential",
                "name": c.kind,
                "recognizedBy": {"@type": "Organization", "name": c.issuer},
            }
            for c in credentials
            if c.state == State.VERIFIED
        ],
    }
    if p.bio:
        data["description"] = p.bio[:500]
    if image_url:
        data["image"] = image_url
    languages = [language.name for language in p.languages.all()]
    if languages:
        data["knowsLanguage"] = languages
    specialties = [s.name for s in p.specialties.all()]
    if specialties:
        data["knowsAbout"] = ["Scalp micropigmentation", *specialties]
    return data


def _meta_description(p: Practitioner, checklist, clinics) -> str:
    where = f" in {clinics[0].city}, {clinics[0].region_name}" if clinics else ""
    badge = "Vetted by smpfinder" if p.shows_badge() else "Not vetted yet"
    text = (
        f"{p.name}, scalp micropigmentation practitioner{where}. {badge}: "
        f"{checklist.verified_count} of 12 checks verified by our staff, with healed results and reviews."
    )
    return text if len(text) <= META_DESCRIPTION_CHARS else text[: META_DESCRIPTION_CHARS - 1].rstrip() + "…"


def _profile_context(request, slug: str, today: date) -> dict:
    p = _get_public_practitioner(slug)
    checklist = build_checklist(p, medians=regional_price_medians(), today=today)
    clinics = list(p.clinics.all())
    approved = [item for item in p.portfolio_items.all() if item.status == ModerationStatus.APPROVED]
    portfolio = [
        (stage, label, [item for item in approved if item.stage == stage])
        for stage, label in PortfolioStage.choices
    ]
    credentials = _credentials(p, clinics, today)
    page_url = _absolute(p.get_absolute_url())
    healed = next((items for stage, _, items in portfolio if stage == PortfolioStage.HEALED), [])
    image_url = _absolute(p.photo.url) if p.photo else (_absolute(healed[0].display.url) if healed else "")
    p.has_badge = p.shows_badge(today)
    context = {
        "p": p,
        "checklist": checklist,
        "clinics": clinics,
        "rules": [c for c in clinics if c.jurisdiction_id],
        "credentials": credentials,
        "portfolio": [group for group in portfolio if group[2]],
        "portfolio_count": len(approved),
        "page_url": page_url,
        "image_url": image_url,
        "meta_description": _meta_description(p, checklist, clinics),
        "shortlist_slot": pagecache.shortlist_slot(p.pk),
    }
    context.update(reviews_context(request, p))
    context["json_ld"] = _json_ld(p, clinics, credentials, page_url, image_url)
    if p.review_count:
        # Independent, moderated reviews only; clinic testimonials are never counted.
        context["json_ld"]["aggregateRating"] = {
            "@type": "AggregateRating",
            "ratingValue": str(p.rating_average),
            "reviewCount": p.review_count,
            "bestRating": 5,
            "worstRating": 1,
        }
    return context


def _render_parts(request, slug: str, today: date) -> dict:
    context = _profile_context(request, slug, today)
    where = f" in {context['clinics'][0].city}" if context["clinics"] else ""
    return {
        "title": f"{context['p'].name} — SMP practitioner{where} · smpfinder",
        "meta_description": context["meta_description"],
        "head": render_to_string("practitioners/includes/_profile_head.html", context, request),
        "body": render_to_string("practitioners/includes/_profile_body.html", context, request),
    }


@require_GET
def profile(request, slug):
    """The profile is the same for every visitor but for the shortlist button, so its rendered
    parts are cached per version of the practitioner and their clinics: services move
    `updated_at` whenever something the page shows changes. A hit costs one small query
    instead of a dozen and the template."""
    row = (
        Practitioner.objects.published()
        .filter(slug=slug)
        .values("pk", "slug", "name", "updated_at")
        .annotate(clinics_at=Max("clinics__updated_at"))
        .first()
    )
    if row is None:
        raise Http404("No such practitioner")
    version = pagecache.version(row["updated_at"], row["clinics_at"])
    key = pagecache.key(f"profile:{row['pk']}", version, request)
    parts = cache.get(key) if key else None
    if parts is None:
        parts = _render_parts(request, slug, timezone.localdate())
        if key:
            cache.set(key, parts, pagecache.SECONDS)
    body = pagecache.fill_shortlist_slots(request, parts["body"], [(row["pk"], row["slug"], row["name"])])
    return render(
        request,
        "practitioners/practitioner_profile.html",
        {"parts": {**parts, "head": mark_safe(parts["head"])}, "body": body},  # noqa: S308
    )


# What to ask about each checklist item that our staff have not verified.
QUESTIONS = {
    "certification": [
        "Can I see your SMP certificate? Who issued it, and when?",
    ],
    "training": [
        "Who trained you in SMP, how many hours did the course take, and how many live clients "
        "did you treat under supervision?",
    ],
    "licence": [
        "Which licence does SMP need here, and may I see yours? Is it on display in the clinic?",
        "Does the clinic itself hold a premises licence where one is required?",
    ],
    "healed": [
        "May I see photos of your work after it healed, several months after the last session, "
        "in daylight and without filters?",
    ],
    "hygiene": [
        "Does the treatment room have its own sink?",
        "Are the needles single-use, and will you open them from a sealed pack in front of me?",
        "Will you wear fresh gloves and a mask?",
    ],
    "pigment": [
        "Which pigment will you use? Is it made for SMP rather than tattoo ink?",
    ],
    "consultation": [
        "Will the consultation look at my pattern of hair loss, my skin tone and where my hairline "
        "should sit as I get older?",
    ],
    "sessions": [
        "How many sessions do you plan for me, and how many weeks apart?",
    ],
    "aftercare": [
        "Will I get aftercare instructions in writing? What should I avoid (sun, sweating, "
        "washing) and for how long?",
    ],
    "experience": [
        "How long have you practised SMP, and roughly how many clients have you treated?",
    ],
    "reviews": [
        "Could you put me in touch with past clients whose results have healed?",
    ],
    "red_flags": [
        "What result can I realistically expect, and how will it fade over the years?",
    ],
}

VISIT_CHECKLIST = [
    "A licence is on display where the law asks for one.",
    "The treatment room is clean and has a sink of its own.",
    "The practitioner wears fresh gloves and a mask.",
    "Needles come out of sealed, single-use packs opened in front of you.",
    "The pigment is made for SMP, not tattoo ink.",
    "You are shown healed results, not only fresh ones.",
    "Nobody promises instant results, one session or a result that never fades.",
    "You are not pressed to book or pay on the day.",
]


@require_GET
def questions(request, slug):
    p = _get_public_practitioner(slug)
    checklist = build_checklist(p, medians=regional_price_medians())
    to_ask = [
        {"item": item, "questions": QUESTIONS.get(item.key, [])}
        for item in checklist.open_items
        if QUESTIONS.get(item.key)
    ]
    context = {
        "p": p,
        "checklist": checklist,
        "to_ask": to_ask,
        "clinics": list(p.clinics.all()),
        "visit_checklist": VISIT_CHECKLIST,
        "printed_on": timezone.localdate(),
    }
    return render(request, "practitioners/practitioner_questions.html", context)
