"""The vetting checklist: twelve things a careful patient would check, each with how we know it.

`build_checklist` is the one place the rules live. It reads only what
`Practitioner.objects.for_checklist()` prefetched (plus the stored review counts), so it
makes no queries of its own; the search summary fields are written from it by
`practitioners.services.practitioner_refresh_summary`.
"""

import re
from dataclasses import dataclass, field
from datetime import date, timedelta
from decimal import Decimal
from enum import StrEnum

from django.utils import timezone

from .models import (
    Certification,
    Clinic,
    CredentialStatus,
    Licence,
    LicenceKind,
    ModerationStatus,
    Pigment,
    PortfolioStage,
    Practitioner,
    Requirement,
)
from .regions import region_name

HEALED_ITEMS_NEEDED = 3
LOW_PRICE_SHARE = Decimal("0.5")  # a price under half the regional median is a warning sign
MIN_CLINICS_FOR_MEDIAN = 5

# Up to two words between the promise and what is promised ("instantly thicker, fuller
# hair"); aftercare advice ("immediately after treatment, do not wash your hair") is not one.
_GAP = r"(?:\s+[\w'-]+,?){0,2}?\s+"
PROMISE_PATTERNS = {
    "instant results": re.compile(
        r"\b(instant(ly)?|immediate(ly)?|overnight)\b(?!\s+(after|before)\b)"
        + _GAP
        + r"(results?|hair|look|transformation)\b"
        r"|\b(results?|transformation)\b"
        + _GAP
        + r"(?<!\bnot )(?<!\bno )(instant(ly)?|immediate(ly)?|overnight)\b",
        re.IGNORECASE,
    ),
    "a single session": re.compile(
        r"\b(one|single|1)[- ](session|visit|sitting|appointment)\b(?!s)(?! at a time)", re.IGNORECASE
    ),
    "a permanent result": re.compile(
        r"(?<!semi-)(?<!semi )\bpermanent(ly)?\b(?!\s+(cosmetics?|make-?up)\b)"
        r"|\b(never|won'?t) fade\b|\blasts? forever\b",
        re.IGNORECASE,
    ),
}
# A promise denied in the same clause ("we never promise instant results", "more than one
# session", "rather than permanently") is the opposite of a red flag.
DENIAL = re.compile(r"\b(not|no|never|without|than|least)\b|n't\b", re.IGNORECASE)


def _promises(text: str, pattern: re.Pattern) -> bool:
    for match in pattern.finditer(text):
        clause = re.split(r"[.!?;:,\n]", text[: match.start()])[-1]
        if not DENIAL.search(" ".join(clause.split()[-3:])):
            return True
    return False


CURRENCY_SYMBOLS = {"USD": "$", "GBP": "£"}


def money(amount: int, currency: str) -> str:
    return f"{CURRENCY_SYMBOLS.get(currency, currency + ' ')}{amount:,}"


def _count(number: int, noun: str) -> str:
    return f"{number} {noun}{'' if number == 1 else 's'}"


class State(StrEnum):
    VERIFIED = "verified"
    STATED = "stated"
    MISSING = "missing"
    RED_FLAG = "red_flag"


STATE_LABELS = {
    State.VERIFIED: "Verified by staff",
    State.STATED: "Stated by the clinic",
    State.MISSING: "Missing",
    State.RED_FLAG: "Red flag",
}


@dataclass(frozen=True)
class Evidence:
    """One fact behind an item: what it is, and who vouches for it."""

    text: str
    verified_by: str = ""
    verified_on: date | None = None
    expires_on: date | None = None
    source_url: str = ""


@dataclass(frozen=True)
class Item:
    number: int
    key: str
    title: str
    state: State
    summary: str
    evidence: tuple[Evidence, ...] = ()

    @property
    def state_label(self) -> str:
        return STATE_LABELS[self.state]


@dataclass
class Checklist:
    items: list[Item]
    red_flags: list[str] = field(default_factory=list)
    vetted: bool = False
    vetted_until: date | None = None

    def __iter__(self):
        return iter(self.items)

    def __getitem__(self, key: str) -> Item:
        for item in self.items:
            if item.key == key:
                return item
        raise KeyError(key)

    @property
    def verified_count(self) -> int:
        return sum(item.state == State.VERIFIED for item in self.items)

    @property
    def open_items(self) -> list[Item]:
        """Items a patient should still ask about: not verified by staff."""
        return [item for item in self.items if item.state != State.VERIFIED]


def _reviewer_name(credential) -> str:
    if credential.reviewer is None:
        return "smpfinder staff"
    return credential.reviewer.get_full_name() or "smpfinder staff"


def _credential_evidence(credential, text: str) -> Evidence:
    verified = credential.status == CredentialStatus.VERIFIED
    return Evidence(
        text=text,
        verified_by=_reviewer_name(credential) if verified else "",
        verified_on=credential.decided_at.date() if verified and credential.decided_at else None,
        expires_on=credential.expires_on,
    )


def _is_waiting(credential, today: date) -> bool:
    return credential.status in {CredentialStatus.PENDING, CredentialStatus.MORE_INFO} and (
        credential.expires_on is None or credential.expires_on > today
    )


def _certification_item(certifications: list[Certification], today: date) -> Item:
    valid = [c for c in certifications if c.is_valid_on(today)]
    if valid:
        evidence = tuple(
            _credential_evidence(
                c,
                f"{c.issuing_body} certificate"
                + (f" no. {c.certificate_number}" if c.certificate_number else "")
                + f", issued {c.issued_on:%d %b %Y}",
            )
            for c in valid
        )
        return Item(
            1,
            "certification",
            "SMP certification",
            State.VERIFIED,
            f"Certificate from {valid[0].issuing_body} checked by our staff.",
            evidence,
        )
    waiting = [c for c in certifications if _is_waiting(c, today)]
    if waiting:
        return Item(
            1,
            "certification",
            "SMP certification",
            State.STATED,
            f"A certificate from {waiting[0].issuing_body} was sent to us and is not checked yet.",
            tuple(
                _credential_evidence(c, f"{c.issuing_body} certificate (not yet checked)") for c in waiting
            ),
        )
    lapsed = [
        c
        for c in certifications
        if c.status == CredentialStatus.VERIFIED or c.status == CredentialStatus.EXPIRED
    ]
    summary = (
        "The certificate we checked has expired." if lapsed else "No SMP certificate has been sent to us."
    )
    return Item(1, "certification", "SMP certification", State.MISSING, summary)


def _training_item(p: Practitioner, certifications: list[Certification], today: date) -> Item:
    if not p.trainer:
        return Item(
            2,
            "training",
            "Training background",
            State.MISSING,
            "The clinic has not said who trained this practitioner.",
        )
    parts = [f"Trained by {p.trainer}"]
    if p.training_hours:
        parts.append(f"{p.training_hours} hours of training")
    if p.live_models_trained:
        parts.append(f"{p.live_models_trained} live models")
    summary = ", ".join(parts) + "."
    confirming = [
        c
        for c in certifications
        if c.is_valid_on(today) and c.issuing_body.strip().casefold() == p.trainer.strip().casefold()
    ]
    if confirming:
        return Item(
            2,
            "training",
            "Training background",
            State.VERIFIED,
            summary,
            (_credential_evidence(confirming[0], f"Certificate issued by {p.trainer}"),),
        )
    return Item(2, "training", "Training background", State.STATED, summary)


def _licence_needs(clinic: Clinic) -> tuple[bool, bool, str]:
    """(practitioner licence needed, premises licence needed, plain description) for a clinic.

    Where the rule is unclear or we have none, a practitioner licence counts as needed:
    the badge is never given on the strength of a rule we could not confirm.
    """
    rule = clinic.jurisdiction
    place = region_name(clinic.country, clinic.region)
    if rule is None:
        return True, False, f"We have no licensing rule on file for {place}."
    practitioner = rule.practitioner_licence != Requirement.NOT_REQUIRED
    premises = rule.establishment_licence == Requirement.REQUIRED
    wording = {
        Requirement.REQUIRED: "requires",
        Requirement.NOT_REQUIRED: "does not require",
        Requirement.LOCAL: "leaves to the local authority",
        Requirement.UNCLEAR: "is unclear about",
        Requirement.UNKNOWN: "has no known rule for",
    }
    description = (
        f"{rule} {wording[rule.practitioner_licence]} a practitioner licence"
        f" and {wording[rule.establishment_licence]} a premises licence for SMP."
    )
    return practitioner, premises, description


def _licence_item(p: Practitioner, clinics: list[Clinic], today: date) -> Item:
    title = "Licence for where they work"
    if not clinics:
        return Item(3, "licence", title, State.MISSING, "No clinic address is listed.")
    own_licences: list[Licence] = list(p.licences.all())
    evidence: list[Evidence] = []
    states: list[State] = []
    for clinic in clinics:
        needs_practitioner, needs_premises, description = _licence_needs(clinic)
        rule = clinic.jurisdiction
        evidence.append(
            Evidence(
                text=description,
                source_url=rule.source_url if rule else "",
                verified_on=rule.last_reviewed if rule else None,
            )
        )
        needed: list[tuple[str, list[Licence]]] = []
        if needs_practitioner:
            needed.append(
                (
                    "practitioner",
                    [
                        lic
                        for lic in own_licences
                        if lic.kind == LicenceKind.PRACTITIONER
                        and (lic.jurisdiction_id is None or lic.jurisdiction_id == clinic.jurisdiction_id)
                    ],
                )
            )
        if needs_premises:
            needed.append(
                ("premises", [lic for lic in clinic.licences.all() if lic.kind == LicenceKind.ESTABLISHMENT])
            )
        for label, candidates in needed:
            valid = [lic for lic in candidates if lic.is_valid_on(today)]
            if valid:
                states.append(State.VERIFIED)
                # The one lasting longest: a renewal must carry the badge past the old expiry.
                lic = max(valid, key=lambda lic: lic.expires_on or date.max)
                shown = " It is on display at the premises." if lic.displayed_at_premises else ""
                evidence.append(
                    _credential_evidence(
                        lic,
                        f"{lic.get_kind_display()} {lic.licence_number} from {lic.issuing_authority}.{shown}",
                    )
                )
            elif any(_is_waiting(lic, today) for lic in candidates):
                states.append(State.STATED)
                evidence.append(
                    Evidence(text=f"A {label} licence for {clinic.city} was sent and is not checked yet.")
                )
            else:
                states.append(State.MISSING)
                evidence.append(Evidence(text=f"No valid {label} licence for {clinic.city}."))
    if not states:
        return Item(
            3,
            "licence",
            title,
            State.VERIFIED,
            "No licence is required where this practitioner works.",
            tuple(dict.fromkeys(evidence)),
        )
    if all(s == State.VERIFIED for s in states):
        summary = "Every licence required where they work was checked by our staff."
        state = State.VERIFIED
    elif State.MISSING in states:
        summary = "A licence that is required where they work is missing or has expired."
        state = State.MISSING
    else:
        summary = "Licences were sent to us and are waiting to be checked."
        state = State.STATED
    # Two clinics under the same rule would otherwise repeat the same lines.
    return Item(3, "licence", title, state, summary, tuple(dict.fromkeys(evidence)))


def _healed_item(items) -> Item:
    title = "Healed results"
    approved_healed = [
        i for i in items if i.stage == PortfolioStage.HEALED and i.status == ModerationStatus.APPROVED
    ]
    any_healed = [i for i in items if i.stage == PortfolioStage.HEALED]
    fresh = [i for i in items if i.stage == PortfolioStage.FRESH]
    if len(approved_healed) >= HEALED_ITEMS_NEEDED:
        months = sorted(i.months_since_treatment for i in approved_healed)
        return Item(
            4,
            "healed",
            title,
            State.VERIFIED,
            f"{len(approved_healed)} healed results, {months[0]} to {months[-1]} months after treatment,"
            " checked by our staff.",
        )
    if any_healed:
        return Item(
            4,
            "healed",
            title,
            State.STATED,
            f"{_count(len(any_healed), 'healed result')} sent; we need {HEALED_ITEMS_NEEDED} checked by staff.",
        )
    if fresh:
        return Item(
            4,
            "healed",
            title,
            State.MISSING,
            "Only freshly treated photos. Fresh work always looks sharper than it will once healed.",
        )
    return Item(4, "healed", title, State.MISSING, "No healed results to look at.")


def _hygiene_item(clinics: list[Clinic]) -> Item:
    title = "Hygiene"
    if clinics and all(c.hygiene_attested for c in clinics):
        return Item(
            5,
            "hygiene",
            title,
            State.STATED,
            "The clinic says every treatment room has a sink, needles are single-use and opened"
            " in front of you, and gloves and a mask are worn.",
        )
    said_no = [
        c for c in clinics if False in (c.sink_in_treatment_rooms, c.single_use_needles, c.gloves_and_mask)
    ]
    if said_no:
        return Item(
            5,
            "hygiene",
            title,
            State.MISSING,
            "The clinic does not confirm all of the basics: a sink in the room, sealed single-use"
            " needles, gloves and a mask.",
        )
    return Item(5, "hygiene", title, State.MISSING, "The clinic has not told us about its hygiene.")


def _pigment_item(p: Practitioner) -> Item:
    title = "SMP-specific pigment"
    if p.pigment == Pigment.SMP:
        brand = f" ({p.pigment_brand})" if p.pigment_brand else ""
        return Item(6, "pigment", title, State.STATED, f"Uses pigment made for SMP{brand}.")
    if p.pigment == Pigment.TATTOO_INK:
        return Item(
            6,
            "pigment",
            title,
            State.RED_FLAG,
            "Uses tattoo ink, which can spread and turn blue or green in the scalp.",
        )
    return Item(6, "pigment", title, State.MISSING, "The clinic has not said which pigment is used.")


def _consultation_item(clinics: list[Clinic]) -> Item:
    title = "Consultation"
    offering = [c for c in clinics if c.consultation in {"free", "paid"}]
    if not offering:
        return Item(7, "consultation", title, State.MISSING, "No consultation before treatment is mentioned.")
    clinic = offering[0]
    price = "free" if clinic.consultation == "free" else money(clinic.consultation_price, clinic.currency)
    if clinic.consultation_covers_assessment:
        return Item(
            7,
            "consultation",
            title,
            State.STATED,
            f"Consultation ({price}) covering your hair-loss pattern, skin tone and hairline design.",
        )
    return Item(
        7,
        "consultation",
        title,
        State.STATED,
        f"Consultation offered ({price}); the clinic has not said what it covers.",
    )


def _sessions_item(p: Practitioner) -> Item:
    title = "Treatment over several sessions"
    if p.typical_sessions is None:
        return Item(
            8, "sessions", title, State.MISSING, "The clinic has not said how many sessions to expect."
        )
    if p.typical_sessions == 1:
        return Item(
            8,
            "sessions",
            title,
            State.RED_FLAG,
            "Plans treatment in a single session; good SMP builds up over several.",
        )
    return Item(8, "sessions", title, State.STATED, f"Usually {p.typical_sessions} sessions.")


def _aftercare_item(p: Practitioner) -> Item:
    if p.written_aftercare:
        return Item(
            9, "aftercare", "Written aftercare", State.STATED, "Gives written aftercare instructions."
        )
    return Item(
        9,
        "aftercare",
        "Written aftercare",
        State.MISSING,
        "The clinic has not said it gives written aftercare instructions.",
    )


def _experience_item(p: Practitioner) -> Item:
    title = "Experience"
    if p.years_practising is None and p.procedures_performed is None:
        return Item(10, "experience", title, State.MISSING, "No experience is given.")
    parts = []
    if p.years_practising is not None:
        parts.append(f"{p.years_practising} year{'s' if p.years_practising != 1 else ''} practising")
    if p.procedures_performed is not None:
        parts.append(f"about {p.procedures_performed:,} procedures")
    return Item(10, "experience", title, State.STATED, ", ".join(parts).capitalize() + ".")


def _reviews_item(p: Practitioner) -> Item:
    title = "Independent reviews"
    if not p.review_count:
        return Item(11, "reviews", title, State.MISSING, "No independent reviews yet.")
    share = round(100 * p.verified_review_count / p.review_count)
    summary = (
        f"{p.review_count} review{'s' if p.review_count != 1 else ''}, average "
        f"{p.rating_average:.1f} of 5; {share}% from verified clients."
    )
    state = State.VERIFIED if p.verified_review_count else State.STATED
    return Item(11, "reviews", title, state, summary)


def red_flags(
    p: Practitioner, clinics: list[Clinic], portfolio_count: int, medians: dict[tuple[str, str, str], int]
) -> list[str]:
    """Each warning sign found, in words a patient understands."""
    flags = [
        f"The profile promises {promise}."
        for promise, pattern in PROMISE_PATTERNS.items()
        if _promises(p.bio or "", pattern)
    ]
    for clinic in clinics:
        median = medians.get((clinic.country, clinic.region, clinic.currency))
        if clinic.price_min is not None and median and clinic.price_min < median * LOW_PRICE_SHARE:
            flags.append(
                f"The price ({money(clinic.price_min, clinic.currency)}) is far below the usual "
                f"{money(median, clinic.currency)} a session in {clinic.region_name}."
            )
            break
    if portfolio_count == 0:
        flags.append("There is no portfolio at all.")
    if p.pigment == Pigment.TATTOO_INK:
        flags.append("Tattoo ink is used instead of SMP pigment.")
    if p.typical_sessions == 1:
        flags.append("Treatment is planned as a single session.")
    return flags


def build_checklist(p: Practitioner, *, medians: dict | None = None, today: date | None = None) -> Checklist:
    today = today or timezone.localdate()
    medians = medians or {}
    certifications = list(p.certifications.all())
    clinics = list(p.clinics.all())
    portfolio = list(p.portfolio_items.all())

    flags = red_flags(p, clinics, len(portfolio), medians)
    items = [
        _certification_item(certifications, today),
        _training_item(p, certifications, today),
        _licence_item(p, clinics, today),
        _healed_item(portfolio),
        _hygiene_item(clinics),
        _pigment_item(p),
        _consultation_item(clinics),
        _sessions_item(p),
        _aftercare_item(p),
        _experience_item(p),
        _reviews_item(p),
        Item(
            12,
            "red_flags",
            "No red flags",
            State.RED_FLAG if flags else State.VERIFIED,
            " ".join(flags) if flags else "We found none of the warning signs we look for.",
            tuple(Evidence(text=f) for f in flags),
        ),
    ]
    checklist = Checklist(items=items, red_flags=flags)
    by_key = {item.key: item for item in items}
    checklist.vetted = (
        p.status == "published"
        and by_key["certification"].state == State.VERIFIED
        and by_key["healed"].state == State.VERIFIED
        and by_key["licence"].state == State.VERIFIED
        and by_key["hygiene"].state in {State.VERIFIED, State.STATED}
        and not flags
    )
    if checklist.vetted:
        # The badge lasts until the day before the first document it rests on expires.
        ends = []
        certificate_ends = [c.expires_on for c in certifications if c.is_valid_on(today)]
        if None not in certificate_ends:
            ends.append(max(certificate_ends))
        ends += [e.expires_on for e in by_key["licence"].evidence if e.verified_by and e.expires_on]
        checklist.vetted_until = min(ends) - timedelta(days=1) if ends else None
    return checklist
