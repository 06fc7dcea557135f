"""Owner dashboard home: the clinics and practitioners someone manages, where each stands on
the checklist, and what to do next."""

from dataclasses import dataclass

from django.contrib.auth.decorators import login_required
from django.shortcuts import render
from django.urls import reverse
from django.utils import timezone
from django.views.decorators.http import require_GET

from ..access import user_practitioners
from ..checklist import HEALED_ITEMS_NEEDED, Checklist, State, build_checklist
from ..models import (
    ClaimStatus,
    ClinicMembership,
    CredentialStatus,
    LicenceKind,
    ListingClaim,
    ModerationStatus,
    PortfolioStage,
    PractitionerStatus,
    Requirement,
)
from ..regions import region_name
from ..services import regional_price_medians

WAITING = {CredentialStatus.PENDING, CredentialStatus.MORE_INFO}
PROFILE_GAPS = {
    "training": "who trained them",
    "pigment": "which pigment they use",
    "sessions": "how many sessions a treatment takes",
    "aftercare": "whether clients get written aftercare",
    "experience": "years of experience",
}


@dataclass(frozen=True)
class Step:
    text: str
    url: str = ""
    action: str = ""
    urgent: bool = False


def document_url(credential) -> str:
    """The permission-checked page that shows a private document to its owners and staff."""
    kind = "licence" if hasattr(credential, "licence_number") else "certification"
    return reverse("staff:document", args=[kind, credential.pk])


def _licence_reason(clinic) -> str:
    """Why a practitioner licence is asked for at this clinic, in plain words; "" if it isn't."""
    rule = clinic.jurisdiction
    if rule is None:
        return f"we have no licensing rule on file for {region_name(clinic.country, clinic.region)}"
    wording = {
        Requirement.REQUIRED: f"{rule} requires one",
        Requirement.LOCAL: f"in {rule} the local authority sets the rule, so we ask for one",
        Requirement.UNCLEAR: f"the rule in {rule} is unclear, so we ask for one",
        Requirement.UNKNOWN: f"the rule in {rule} is not known yet, so we ask for one",
    }
    return wording.get(rule.practitioner_licence, "")


def _valid_or_waiting(licence, today) -> bool:
    return licence.is_valid_on(today) or (
        licence.status in WAITING and (licence.expires_on is None or licence.expires_on > today)
    )


def next_steps(practitioner, checklist: Checklist, today) -> list[Step]:
    """What the owner can do to move this practitioner forward, most useful first.

    Reads only what `for_checklist()` prefetched.
    """
    slug = practitioner.slug
    edit = reverse("dashboard:practitioner-edit", args=[slug])
    steps: list[Step] = []
    certifications = list(practitioner.certifications.all())
    licences = list(practitioner.licences.all())
    clinics = list(practitioner.clinics.all())

    if practitioner.status == PractitionerStatus.SUSPENDED:
        steps.append(
            Step("Our staff suspended this listing. Please read the e-mail we sent you.", urgent=True)
        )
    for credential in [*certifications, *licences]:
        if credential.status == CredentialStatus.MORE_INFO:
            steps.append(
                Step(
                    f"Staff need more from you about {credential}: {credential.reason}",
                    _credential_url(credential),
                    "Answer",
                    urgent=True,
                )
            )

    items = {item.key: item for item in checklist}
    if items["certification"].state == State.MISSING:
        rejected = [c for c in certifications if c.status == CredentialStatus.REJECTED]
        text = f"Upload {practitioner.name}'s SMP training certificate."
        if rejected:
            text += f" The last one was not accepted: {rejected[-1].reason}"
        steps.append(Step(text, reverse("dashboard:certification-create", args=[slug]), "Upload certificate"))

    if items["licence"].state == State.MISSING:
        for clinic in clinics:
            reason = _licence_reason(clinic)
            own = [
                lic
                for lic in licences
                if lic.kind == LicenceKind.PRACTITIONER
                and (lic.jurisdiction_id is None or lic.jurisdiction_id == clinic.jurisdiction_id)
            ]
            if reason and not any(_valid_or_waiting(lic, today) for lic in own):
                steps.append(
                    Step(
                        f"Upload a practitioner licence for {clinic.city}: {reason}.",
                        reverse("dashboard:licence-create", args=[slug]),
                        "Upload licence",
                    )
                )
            rule = clinic.jurisdiction
            premises = [lic for lic in clinic.licences.all() if lic.kind == LicenceKind.ESTABLISHMENT]
            if (
                rule is not None
                and rule.establishment_licence == Requirement.REQUIRED
                and not any(_valid_or_waiting(lic, today) for lic in premises)
            ):
                steps.append(
                    Step(
                        f"Upload the premises licence for {clinic.name}: {rule} requires one.",
                        reverse("dashboard:clinic-licence-create", args=[clinic.slug]),
                        "Upload licence",
                    )
                )

    if items["healed"].state != State.VERIFIED:
        healed = [
            item
            for item in practitioner.portfolio_items.all()
            if item.stage == PortfolioStage.HEALED and item.status != ModerationStatus.REJECTED
        ]
        missing = HEALED_ITEMS_NEEDED - len(healed)
        if missing > 0:
            steps.append(
                Step(
                    f"Add {missing} more healed result{'s' if missing != 1 else ''}: photos taken months "
                    "after the last session show patients how the work lasts.",
                    reverse("dashboard:portfolio", args=[slug]),
                    "Add photos",
                )
            )

    for clinic in clinics:
        if items["hygiene"].state == State.MISSING and not clinic.hygiene_attested:
            steps.append(
                Step(
                    f"Answer the hygiene questions for {clinic.name}.",
                    reverse("dashboard:clinic-edit", args=[clinic.slug]),
                    "Edit clinic",
                )
            )
        if items["consultation"].state == State.MISSING:
            steps.append(
                Step(
                    f"Say whether {clinic.name} offers a consultation before treatment.",
                    reverse("dashboard:clinic-edit", args=[clinic.slug]),
                    "Edit clinic",
                )
            )

    gaps = [text for key, text in PROFILE_GAPS.items() if items[key].state == State.MISSING]
    if gaps:
        steps.append(Step("Tell patients " + _join(gaps) + ".", edit, "Edit profile"))
    portfolio_url = reverse("dashboard:portfolio", args=[slug])
    for flag in checklist.red_flags:
        # The checklist words its flags for patients; send the owner to where each is fixed.
        if "portfolio" in flag:
            url, action = portfolio_url, "Add photos"
        elif "price" in flag and clinics:
            url, action = reverse("dashboard:clinic-edit", args=[clinics[0].slug]), "Check prices"
        else:
            url, action = edit, "Review profile"
        steps.append(Step(f"Patients are warned: {flag}", url, action, urgent=True))
    if items["reviews"].state == State.MISSING:
        steps.append(
            Step(
                "Invite recent clients to write a review.",
                reverse("reviews:invites", args=[slug]),
                "Invite clients",
            )
        )
    if practitioner.status == PractitionerStatus.DRAFT:
        steps.append(
            Step(
                "Publish the profile when it is ready; patients can't see drafts.",
                reverse("dashboard:practitioner-detail", args=[slug]),
                "Review and publish",
            )
        )
    # What staff asked for and what patients are warned about come first.
    return sorted(steps, key=lambda step: not step.urgent)


def _credential_url(credential) -> str:
    if hasattr(credential, "licence_number"):
        return reverse("dashboard:licence-edit", args=[credential.pk])
    return reverse("dashboard:certification-edit", args=[credential.pk])


def _join(parts: list[str]) -> str:
    return parts[0] if len(parts) == 1 else ", ".join(parts[:-1]) + " and " + parts[-1]


def practitioner_rows(practitioners, today) -> list[dict]:
    medians = regional_price_medians()
    rows = []
    for practitioner in practitioners:
        checklist = build_checklist(practitioner, medians=medians, today=today)
        rows.append(
            {
                "practitioner": practitioner,
                "checklist": checklist,
                # Templates can't read checklist.red_flags: the checklist looks keys up as items.
                "red_flags": checklist.red_flags,
                "steps": next_steps(practitioner, checklist, today),
            }
        )
    return rows


@login_required
@require_GET
def home(request):
    memberships = list(
        ClinicMembership.objects.filter(user=request.user)
        .select_related("clinic__jurisdiction")
        .order_by("clinic__name")
    )
    practitioners = user_practitioners(request.user).for_checklist().order_by("name")
    today = timezone.localdate()
    rows = practitioner_rows(practitioners, today)
    claims = list(
        ListingClaim.objects.filter(user=request.user)
        .exclude(status=ClaimStatus.APPROVED)
        .select_related("clinic")
        .order_by("-created_at")[:10]
    )
    return render(
        request,
        "dashboard/home.html",
        {"memberships": memberships, "rows": rows, "claims": claims, "states": State},
    )
