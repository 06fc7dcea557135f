"""Owner dashboard: send certificates and licences, see staff decisions, correct or replace."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.db.models import Q
from django.http import Http404
from django.shortcuts import redirect, render
from django.urls import reverse
from django.views.decorators.http import require_http_methods

from ..access import get_own_clinic, get_own_practitioner, user_clinics, user_practitioners
from ..forms import CertificationForm, LicenceForm
from ..models import (
    Certification,
    CredentialStatus,
    JurisdictionRule,
    Licence,
    LicenceKind,
    VerificationEvent,
)
from ..services import certification_submit, credential_update, licence_submit
from .dashboard import document_url


def _get_own_certification(request, pk: int) -> Certification:
    try:
        return Certification.objects.select_related("practitioner", "reviewer").get(
            pk=pk, practitioner__in=user_practitioners(request.user)
        )
    except Certification.DoesNotExist:
        raise Http404("No such certificate") from None


def _get_own_licence(request, pk: int) -> Licence:
    try:
        return Licence.objects.select_related("practitioner", "clinic", "jurisdiction", "reviewer").get(
            Q(practitioner__in=user_practitioners(request.user)) | Q(clinic__in=user_clinics(request.user)),
            pk=pk,
        )
    except Licence.DoesNotExist:
        raise Http404("No such licence") from None


def _jurisdictions_for(practitioner) -> list[JurisdictionRule]:
    return list(JurisdictionRule.objects.filter(clinics__practitioners=practitioner).distinct())


@login_required
@require_http_methods(["GET", "POST"])
def certification_create(request, slug):
    practitioner = get_own_practitioner(request, slug)
    form = CertificationForm(request.POST or None, request.FILES or None)
    if request.method == "POST" and form.is_valid():
        try:
            certification_submit(
                practitioner=practitioner,
                user=request.user,
                data=form.cleaned_data,
                document=form.cleaned_data["document"],
            )
        except ValidationError as error:
            form.add_error(None, error)
        else:
            messages.success(
                request, "Thank you. Our staff will check the certificate, usually within a few days."
            )
            return redirect("dashboard:practitioner-detail", slug=practitioner.slug)
    return render(
        request,
        "dashboard/credential_form.html",
        {"form": form, "practitioner": practitioner, "kind": "certificate"},
    )


@login_required
@require_http_methods(["GET", "POST"])
def licence_create(request, slug):
    practitioner = get_own_practitioner(request, slug)
    form = LicenceForm(
        request.POST or None, request.FILES or None, jurisdictions=_jurisdictions_for(practitioner)
    )
    if request.method == "POST" and form.is_valid():
        try:
            licence_submit(
                practitioner=practitioner,
                user=request.user,
                data=form.cleaned_data,
                document=form.cleaned_data["document"],
            )
        except ValidationError as error:
            form.add_error(None, error)
        else:
            messages.success(
                request, "Thank you. Our staff will check the licence, usually within a few days."
            )
            return redirect("dashboard:practitioner-detail", slug=practitioner.slug)
    return render(
        request,
        "dashboard/credential_form.html",
        {"form": form, "practitioner": practitioner, "kind": "licence"},
    )


@login_required
@require_http_methods(["GET", "POST"])
def clinic_licence_create(request, slug):
    clinic = get_own_clinic(request, slug)
    form = LicenceForm(request.POST or None, request.FILES or None)
    if request.method == "POST" and form.is_valid():
        try:
            licence_submit(
                clinic=clinic,
                user=request.user,
                data=form.cleaned_data,
                document=form.cleaned_data["document"],
            )
        except ValidationError as error:
            form.add_error(None, error)
        else:
            messages.success(request, "Thank you. Our staff will check the premises licence.")
            return redirect("dashboard:clinic-edit", slug=clinic.slug)
    return render(
        request,
        "dashboard/credential_form.html",
        {"form": form, "clinic": clinic, "kind": "premises licence"},
    )


def _history(credential) -> list[VerificationEvent]:
    events = list(
        VerificationEvent.objects.filter(
            content_type__app_label="practitioners",
            content_type__model=credential._meta.model_name,
            object_id=credential.pk,
        )[:20]
    )
    labels = dict(CredentialStatus.choices)
    for event in events:
        event.label = labels.get(event.to_status, event.to_status)
    return events


def _edit(request, credential, form, *, back_url: str, kind: str):
    if request.method == "POST" and form.is_valid():
        was = credential.status
        try:
            credential = credential_update(
                credential=credential,
                user=request.user,
                data=form.cleaned_data,
                document=form.cleaned_data.get("document"),
            )
        except ValidationError as error:
            form.add_error(None, error)
        else:
            if was != credential.status and credential.status == CredentialStatus.PENDING:
                messages.success(
                    request, "Saved. Our staff will check it again before it counts as verified."
                )
            else:
                messages.success(request, "Saved.")
            return redirect(back_url)
    return render(
        request,
        "dashboard/credential_form.html",
        {
            "form": form,
            "credential": credential,
            "practitioner": getattr(credential, "practitioner", None),
            "clinic": getattr(credential, "clinic", None),
            "kind": kind,
            "document_url": document_url(credential),
            "history": _history(credential),
            "back_url": back_url,
        },
    )


@login_required
@require_http_methods(["GET", "POST"])
def certification_edit(request, pk):
    certification = _get_own_certification(request, pk)
    form = CertificationForm(request.POST or None, request.FILES or None, instance=certification)
    back = _back_url(certification)
    return _edit(request, certification, form, back_url=back, kind="certificate")


@login_required
@require_http_methods(["GET", "POST"])
def licence_edit(request, pk):
    licence = _get_own_licence(request, pk)
    if licence.kind == LicenceKind.ESTABLISHMENT:
        form = LicenceForm(request.POST or None, request.FILES or None, instance=licence)
        kind = "premises licence"
    else:
        jurisdictions = _jurisdictions_for(licence.practitioner)
        if licence.jurisdiction and licence.jurisdiction not in jurisdictions:
            jurisdictions.append(licence.jurisdiction)
        form = LicenceForm(
            request.POST or None, request.FILES or None, instance=licence, jurisdictions=jurisdictions
        )
        kind = "licence"
    return _edit(request, licence, form, back_url=_back_url(licence), kind=kind)


def _back_url(credential) -> str:
    if getattr(credential, "clinic_id", None):
        return reverse("dashboard:clinic-edit", args=[credential.clinic.slug])
    return reverse("dashboard:practitioner-detail", args=[credential.practitioner.slug])
