"""Staff screens inside the admin: the work queue and one decision screen per kind of item.

practitioners/admin.py mounts these under the admin with `admin_site.admin_view`, so only
active staff reach them and everyone else is sent to the admin login. Any staff member may
look; deciding needs the matching permission held by the Verifiers group, and a POST
without it is refused with 403. Every decision goes through practitioners.services.
"""

from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from urllib.parse import urlsplit

from django import forms
from django.contrib import admin, messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.db.models import Count, Q
from django.http import Http404
from django.shortcuts import get_object_or_404, redirect
from django.template.response import TemplateResponse
from django.urls import reverse
from django.utils import timezone
from django.utils.text import Truncator

from ..models import (
    Certification,
    ClaimStatus,
    CredentialStatus,
    Licence,
    ListingClaim,
    ModerationStatus,
    PortfolioItem,
    Practitioner,
    PractitionerStatus,
    VerificationEvent,
    private_storage,
)
from ..services import verification as decisions

QUEUE_LIMIT = 50
EXPIRY_WINDOWS = (30, 60, 90)
CREDENTIAL_MODELS = {"certification": Certification, "licence": Licence}


# Forms -------------------------------------------------------------------------------


class NoteForm(forms.Form):
    note = forms.CharField(
        label="Note for the record (optional)",
        required=False,
        max_length=2000,
        widget=forms.Textarea(attrs={"rows": 2}),
    )


class ReasonForm(forms.Form):
    """A reason the owner will read: start from a template, then edit it."""

    template = forms.ChoiceField(
        label="Start from",
        required=False,
        choices=[("", "Write my own")] + [(key, label) for key, label, _ in decisions.REJECTION_TEMPLATES],
    )
    reason = forms.CharField(
        label="Reason (the owner reads this)",
        required=False,
        max_length=2000,
        widget=forms.Textarea(attrs={"rows": 4, "data-reason-text": ""}),
    )

    def clean(self):
        cleaned = super().clean()
        reason = (cleaned.get("reason") or "").strip()
        if not reason and cleaned.get("template"):
            reason = {key: text for key, _, text in decisions.REJECTION_TEMPLATES}[cleaned["template"]]
        if not reason:
            self.add_error("reason", "Give the reason: pick a template or write one.")
        cleaned["reason"] = reason
        return cleaned


class MessageForm(forms.Form):
    message = forms.CharField(
        label="What the owner needs to send or correct",
        max_length=2000,
        widget=forms.Textarea(attrs={"rows": 4}),
    )


class PlainReasonForm(forms.Form):
    reason = forms.CharField(
        label="Reason (the clinic reads this)", max_length=2000, widget=forms.Textarea(attrs={"rows": 3})
    )


@dataclass
class Decision:
    """One button on a decision screen: its form, and the service call it makes."""

    action: str
    label: str
    form_class: type[forms.Form]
    perform: object  # callable(obj, user, cleaned_data)
    allowed_from: set[str]
    danger: bool = False
    done: str = "Done. The decision is recorded."
    form: forms.Form | None = None


def _decide(request, obj, decisions_list: list[Decision], permission: str, success_url: str):
    """Shared POST/GET handling for every decision screen.

    Returns (response or None, decisions with their forms). A refused transition or a bad
    form re-renders the screen with the error next to the form that caused it.
    """
    can_decide = request.user.has_perm(permission)
    available = [d for d in decisions_list if obj.status in d.allowed_from]
    for decision in available:
        decision.form = decision.form_class(prefix=decision.action)
    if request.method != "POST":
        return None, available, can_decide
    if not can_decide:
        raise PermissionDenied
    action = request.POST.get("action")
    decision = next((d for d in available if d.action == action), None)
    if decision is None:
        messages.error(request, "That decision is not possible any more: the item has changed. Look again.")
        return redirect(request.path), available, can_decide
    decision.form = decision.form_class(request.POST, prefix=decision.action)
    if decision.form.is_valid():
        try:
            decision.perform(obj, request.user, decision.form.cleaned_data)
        except ValidationError as error:
            decision.form.add_error(None, error)
        else:
            messages.success(request, f"{obj}: {decision.done}")
            return redirect(success_url), available, can_decide
    return None, available, can_decide


def _history(obj):
    return VerificationEvent.objects.filter(
        content_type__app_label=obj._meta.app_label,
        content_type__model=obj._meta.model_name,
        object_id=obj.pk,
    ).select_related("actor")


def _allow_private_storage(response):
    """On S3 the document view redirects to a signed URL on the storage's own host, which the
    page's Content-Security-Policy must then allow in frames and images."""
    if hasattr(private_storage, "bucket_name"):
        parts = urlsplit(private_storage.url("probe"))  # signing happens locally, no request
        origin = f"{parts.scheme}://{parts.netloc}"
        response._csp_update = {"frame-src": [origin], "object-src": [origin], "img-src": [origin]}
    return response


def _context(request, obj, title: str, **extra) -> dict:
    return {
        **admin.site.each_context(request),
        "opts": obj._meta,
        "original": obj,
        "title": title,
        "queue_url": reverse("admin:practitioners_queue"),
        **extra,
    }


# The queue ---------------------------------------------------------------------------


@dataclass
class QueueRow:
    title: str
    detail: str
    status: str
    since: datetime
    url: str = ""
    expires_on: date | None = None


@dataclass
class Section:
    key: str
    title: str
    count: int
    rows: list[QueueRow]
    list_url: str = ""
    help: str = ""
    extra: dict = field(default_factory=dict)

    @property
    def oldest(self) -> datetime | None:
        return self.rows[0].since if self.rows else None


def _admin_url(request, name: str, model, *args, query: str = "") -> str:
    """A link into the admin, only for users who may open it."""
    if not request.user.has_perm(f"{model._meta.app_label}.view_{model._meta.model_name}"):
        return ""
    return reverse(f"admin:{name}", args=args) + query


def _credential_rows(queryset, kind: str) -> list[QueueRow]:
    rows = []
    for credential in queryset:
        holder = decisions.credential_holder(credential)
        if kind == "certification":
            detail = f"{credential.issuing_body}" + (
                f" no. {credential.certificate_number}" if credential.certificate_number else ""
            )
        else:
            detail = (
                f"{credential.get_kind_display()} {credential.licence_number}, {credential.issuing_authority}"
            )
        rows.append(
            QueueRow(
                title=str(holder),
                detail=detail,
                status=credential.get_status_display(),
                since=credential.created_at,
                url=reverse(f"admin:practitioners_{kind}_review", args=[credential.pk]),
            )
        )
    return rows


def _expiring(today) -> tuple[list, dict[int, int]]:
    limit = today + timedelta(days=max(EXPIRY_WINDOWS))
    counts = dict.fromkeys(EXPIRY_WINDOWS, 0)
    found = []
    for model, kind, related in (
        (Certification, "certification", ["practitioner"]),
        (Licence, "licence", ["practitioner", "clinic"]),
    ):
        window = model.objects.filter(
            status=CredentialStatus.VERIFIED, expires_on__gt=today, expires_on__lte=limit
        )
        totals = window.aggregate(
            **{
                f"d{days}": Count("id", filter=Q(expires_on__lte=today + timedelta(days=days)))
                for days in EXPIRY_WINDOWS
            }
        )
        for days in EXPIRY_WINDOWS:
            counts[days] += totals[f"d{days}"]
        found += [(c, kind) for c in window.select_related(*related).order_by("expires_on")[:QUEUE_LIMIT]]
    found.sort(key=lambda pair: pair[0].expires_on)
    return found[:QUEUE_LIMIT], counts


def queue(request):
    """Everything waiting for staff, oldest first, with counts and the age of the oldest."""
    from reviews.models import ConcernReport, ConcernStatus, Review, ReviewStatus, Testimonial

    today = timezone.localdate()
    sections = []

    waiting = [CredentialStatus.PENDING, CredentialStatus.MORE_INFO]
    certifications = Certification.objects.filter(status__in=waiting).order_by("created_at")
    sections.append(
        Section(
            "certifications",
            "SMP certificates",
            certifications.count(),
            _credential_rows(certifications.select_related("practitioner")[:QUEUE_LIMIT], "certification"),
            _admin_url(
                request,
                "practitioners_certification_changelist",
                Certification,
                query="?status__in=pending,more_info",
            ),
            help="Waiting for staff, or for the owner to answer a question.",
        )
    )
    licences = Licence.objects.filter(status__in=waiting).order_by("created_at")
    sections.append(
        Section(
            "licences",
            "Licences",
            licences.count(),
            _credential_rows(licences.select_related("practitioner", "clinic")[:QUEUE_LIMIT], "licence"),
            _admin_url(
                request, "practitioners_licence_changelist", Licence, query="?status__in=pending,more_info"
            ),
            help="Practitioner and premises licences.",
        )
    )

    claims = ListingClaim.objects.filter(status=ClaimStatus.PENDING).order_by("created_at")
    sections.append(
        Section(
            "claims",
            "Listing claims",
            claims.count(),
            [
                QueueRow(
                    str(claim.clinic),
                    f"Asked by {claim.user.email or claim.user}",
                    claim.get_status_display(),
                    claim.created_at,
                    reverse("admin:practitioners_listingclaim_review", args=[claim.pk]),
                )
                for claim in claims.select_related("clinic", "user")[:QUEUE_LIMIT]
            ],
            _admin_url(
                request, "practitioners_listingclaim_changelist", ListingClaim, query="?status__exact=pending"
            ),
        )
    )

    images = PortfolioItem.objects.filter(status=ModerationStatus.PENDING).order_by("created_at", "id")
    sections.append(
        Section(
            "portfolio_items",
            "Portfolio images",
            images.count(),
            [
                QueueRow(
                    str(item.practitioner),
                    f"{item.get_stage_display()}, {item.get_treatment_type_display().lower()}",
                    item.get_status_display(),
                    item.created_at,
                    reverse("admin:practitioners_portfolioitem_review", args=[item.pk]),
                )
                for item in images.select_related("practitioner")[:QUEUE_LIMIT]
            ],
            _admin_url(
                request,
                "practitioners_portfolioitem_changelist",
                PortfolioItem,
                query="?status__exact=pending",
            ),
        )
    )

    concerns = ConcernReport.objects.filter(status=ConcernStatus.OPEN).order_by("created_at")
    sections.append(
        Section(
            "concerns",
            "Reported concerns",
            concerns.count(),
            [
                QueueRow(
                    str(report.practitioner),
                    f"{report.get_reason_display()} (about the {report.target_label})",
                    report.get_status_display(),
                    report.created_at,
                    _admin_url(request, "reviews_concernreport_change", ConcernReport, report.pk),
                )
                for report in concerns.select_related("practitioner")[:QUEUE_LIMIT]
            ],
            _admin_url(
                request, "reviews_concernreport_changelist", ConcernReport, query="?status__exact=open"
            ),
        )
    )

    reviews = Review.objects.filter(status=ReviewStatus.PENDING).order_by("created_at")
    sections.append(
        Section(
            "reviews",
            "Reviews awaiting moderation",
            reviews.count(),
            [
                QueueRow(
                    str(review.practitioner),
                    f"{review.rating}★ by {review.author_name}"
                    + (" (verified client)" if review.verified_client else ""),
                    review.get_status_display(),
                    review.created_at,
                    _admin_url(request, "reviews_review_change", Review, review.pk),
                )
                for review in reviews.select_related("practitioner")[:QUEUE_LIMIT]
            ],
            _admin_url(request, "reviews_review_changelist", Review, query="?status__exact=pending"),
        )
    )

    testimonials = Testimonial.objects.filter(status=ModerationStatus.PENDING).order_by("created_at")
    sections.append(
        Section(
            "testimonials",
            "Clinic testimonials",
            testimonials.count(),
            [
                QueueRow(
                    str(testimonial.practitioner),
                    f"“{Truncator(testimonial.quote).chars(60)}”",
                    testimonial.get_status_display(),
                    testimonial.created_at,
                    _admin_url(request, "reviews_testimonial_change", Testimonial, testimonial.pk),
                )
                for testimonial in testimonials.select_related("practitioner")[:QUEUE_LIMIT]
            ],
            _admin_url(
                request, "reviews_testimonial_changelist", Testimonial, query="?status__exact=pending"
            ),
        )
    )

    expiring, expiry_counts = _expiring(today)
    expiring_rows = [
        QueueRow(
            str(decisions.credential_holder(credential)),
            f"{decisions.credential_label(credential).capitalize()}, "
            + (credential.licence_number if kind == "licence" else credential.issuing_body),
            f"{(credential.expires_on - today).days} days left",
            credential.created_at,
            reverse(f"admin:practitioners_{kind}_review", args=[credential.pk]),
            expires_on=credential.expires_on,
        )
        for credential, kind in expiring
    ]

    return TemplateResponse(
        request,
        "admin/practitioners/queue.html",
        {
            **admin.site.each_context(request),
            "title": "Work queue",
            "sections": sections,
            "total": sum(section.count for section in sections),
            "expiring_rows": expiring_rows,
            "expiry_counts": [(days, expiry_counts[days]) for days in EXPIRY_WINDOWS],
            "can_verify": request.user.has_perm(decisions.VERIFY),
        },
    )


# Certifications and licences ---------------------------------------------------------


def _review_url(credential) -> str:
    return reverse(
        f"admin:practitioners_{decisions.credential_kind(credential)}_review", args=[credential.pk]
    )


def _get_credential(kind: str, pk: int):
    model = CREDENTIAL_MODELS.get(kind)
    if model is None:
        raise Http404("No such credential")
    related = ["practitioner", "reviewer"] + (["clinic", "jurisdiction"] if model is Licence else [])
    return get_object_or_404(model.objects.select_related(*related), pk=pk)


def _other_credentials(credential) -> list[tuple[str, object]]:
    """The holder's other documents, for comparing names, dates and issuers."""
    others = []
    if credential.practitioner_id:
        practitioner = credential.practitioner
        others += [("certification", c) for c in practitioner.certifications.select_related("reviewer")]
        others += [("licence", lic) for lic in practitioner.licences.select_related("reviewer")]
        others += [
            ("licence", lic)
            for lic in Licence.objects.filter(clinic__practitioners=practitioner).select_related(
                "clinic", "reviewer"
            )
        ]
    else:
        others += [("licence", lic) for lic in credential.clinic.licences.select_related("reviewer")]
    return [
        (kind, other, reverse(f"admin:practitioners_{kind}_review", args=[other.pk]))
        for kind, other in others
        if other != credential
    ]


def _jurisdiction_rules(credential) -> list:
    if isinstance(credential, Licence) and credential.jurisdiction_id:
        return [credential.jurisdiction]
    rules = {
        clinic.jurisdiction for clinic in decisions.credential_clinics(credential) if clinic.jurisdiction_id
    }
    return sorted(rules, key=str)


def credential_review(request, pk: int, kind: str):
    credential = _get_credential(kind, pk)
    review_url = reverse(f"admin:practitioners_{kind}_review", args=[pk])
    choices = [
        Decision(
            "approve",
            "Verify",
            NoteForm,
            lambda obj, user, data: decisions.credential_approve(
                credential=obj, reviewer=user, note=data["note"]
            ),
            {CredentialStatus.PENDING, CredentialStatus.MORE_INFO},
            done="verified. The clinic has been e-mailed.",
        ),
        Decision(
            "more_info",
            "Ask the owner for more information",
            MessageForm,
            lambda obj, user, data: decisions.credential_request_info(
                credential=obj, reviewer=user, message=data["message"]
            ),
            {CredentialStatus.PENDING},
            done="question sent to the clinic by e-mail.",
        ),
        Decision(
            "reject",
            "Reject" if credential.status != CredentialStatus.VERIFIED else "Withdraw the verification",
            ReasonForm,
            lambda obj, user, data: decisions.credential_reject(
                credential=obj, reviewer=user, reason=data["reason"]
            ),
            {CredentialStatus.PENDING, CredentialStatus.MORE_INFO, CredentialStatus.VERIFIED},
            danger=True,
            done="rejected. The clinic has been e-mailed the reason.",
        ),
    ]
    response, available, can_decide = _decide(
        request, credential, choices, decisions.VERIFY, reverse("admin:practitioners_queue")
    )
    if response is not None:
        return response

    can_open = request.user.has_perm(decisions.VERIFY)
    name = credential.document.name or ""
    response = TemplateResponse(
        request,
        "admin/practitioners/credential_review.html",
        _context(
            request,
            credential,
            f"Check {decisions.credential_label(credential)}: {decisions.credential_holder(credential)}",
            credential=credential,
            kind=kind,
            label=decisions.credential_label(credential),
            holder=decisions.credential_holder(credential),
            document_url=reverse("staff:document", args=[kind, pk]) if can_open else "",
            document_is_pdf=name.lower().endswith(".pdf"),
            warnings=[
                (warning, _review_url(warning.other) if warning.other else "")
                for warning in decisions.credential_warnings(credential)
            ],
            rules=_jurisdiction_rules(credential),
            others=_other_credentials(credential),
            history=_history(credential),
            decisions=available,
            can_decide=can_decide,
            reason_templates=decisions.REJECTION_TEMPLATES,
            review_url=review_url,
            today=timezone.localdate(),
        ),
    )
    return _allow_private_storage(response) if can_open else response


# Listing claims ----------------------------------------------------------------------


def claim_review(request, pk: int):
    claim = get_object_or_404(ListingClaim.objects.select_related("clinic", "user", "decided_by"), pk=pk)
    choices = [
        Decision(
            "approve",
            "Approve: make them an owner",
            NoteForm,
            lambda obj, user, data: decisions.claim_approve(claim=obj, reviewer=user, note=data["note"]),
            {ClaimStatus.PENDING},
            done="approved. They are now an owner and have been e-mailed.",
        ),
        Decision(
            "reject",
            "Reject",
            PlainReasonForm,
            lambda obj, user, data: decisions.claim_reject(claim=obj, reviewer=user, reason=data["reason"]),
            {ClaimStatus.PENDING},
            danger=True,
            done="rejected. The person who asked has been e-mailed the reason.",
        ),
    ]
    response, available, can_decide = _decide(
        request, claim, choices, decisions.APPROVE_CLAIMS, reverse("admin:practitioners_queue")
    )
    if response is not None:
        return response
    members = claim.clinic.memberships.select_related("user")
    return TemplateResponse(
        request,
        "admin/practitioners/claim_review.html",
        _context(
            request,
            claim,
            f"Claim on {claim.clinic}",
            claim=claim,
            members=members,
            other_claims=ListingClaim.objects.filter(clinic=claim.clinic)
            .exclude(pk=claim.pk)
            .select_related("user"),
            history=_history(claim),
            decisions=available,
            can_decide=can_decide,
        ),
    )


# Portfolio images --------------------------------------------------------------------


def portfolio_review(request, pk: int):
    item = get_object_or_404(PortfolioItem.objects.select_related("practitioner", "moderated_by"), pk=pk)
    choices = [
        Decision(
            "approve",
            "Approve",
            NoteForm,
            lambda obj, user, data: decisions.portfolio_item_approve(
                portfolio_item=obj, reviewer=user, note=data["note"]
            ),
            {ModerationStatus.PENDING},
            done="approved. It can now be shown on the profile.",
        ),
        Decision(
            "reject",
            "Reject" if item.status == ModerationStatus.PENDING else "Take down",
            PlainReasonForm,
            lambda obj, user, data: decisions.portfolio_item_reject(
                portfolio_item=obj, reviewer=user, reason=data["reason"]
            ),
            {ModerationStatus.PENDING, ModerationStatus.APPROVED},
            danger=True,
            done="not shown. The clinic has been e-mailed the reason.",
        ),
    ]
    response, available, can_decide = _decide(
        request, item, choices, decisions.MODERATE, reverse("admin:practitioners_queue")
    )
    if response is not None:
        return response
    can_open = request.user.has_perm(decisions.MODERATE) or request.user.has_perm(decisions.VERIFY)
    response = TemplateResponse(
        request,
        "admin/practitioners/portfolio_review.html",
        _context(
            request,
            item,
            f"Portfolio image: {item.practitioner}",
            item=item,
            original_url=reverse("staff:document", args=["portfolio", pk]) if can_open else "",
            history=_history(item),
            decisions=available,
            can_decide=can_decide,
        ),
    )
    return _allow_private_storage(response) if can_open else response


# Suspending a listing ----------------------------------------------------------------


def practitioner_suspension(request, pk: int):
    practitioner = get_object_or_404(Practitioner, pk=pk)
    choices = [
        Decision(
            "suspend",
            "Suspend the listing",
            PlainReasonForm,
            lambda obj, user, data: decisions.practitioner_suspend(
                practitioner=obj, actor=user, reason=data["reason"]
            ),
            {PractitionerStatus.DRAFT, PractitionerStatus.PUBLISHED},
            danger=True,
            done="suspended. The profile is hidden and the clinic has been e-mailed.",
        ),
        Decision(
            "unsuspend",
            "Lift the suspension",
            NoteForm,
            lambda obj, user, data: decisions.practitioner_unsuspend(
                practitioner=obj, actor=user, note=data["note"]
            ),
            {PractitionerStatus.SUSPENDED},
            done="suspension lifted. The clinic has been e-mailed.",
        ),
    ]
    response, available, can_decide = _decide(
        request,
        practitioner,
        choices,
        decisions.SUSPEND,
        reverse("admin:practitioners_practitioner_suspension", args=[pk]),
    )
    if response is not None:
        return response
    from reviews.models import ConcernReport

    return TemplateResponse(
        request,
        "admin/practitioners/practitioner_suspension.html",
        _context(
            request,
            practitioner,
            f"Suspend or restore: {practitioner}",
            practitioner=practitioner,
            concerns=ConcernReport.objects.filter(practitioner=practitioner).order_by("-created_at")[:20],
            history=_history(practitioner),
            decisions=available,
            can_decide=can_decide,
        ),
    )
