"""Owner dashboard: create, edit, publish and unpublish practitioners."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.views.decorators.http import require_http_methods, require_POST

from ..access import get_own_practitioner, user_clinics
from ..forms import PractitionerForm
from ..models import Practitioner, PractitionerStatus, VerificationEvent
from ..services import (
    practitioner_create,
    practitioner_publish,
    practitioner_unpublish,
    practitioner_update,
)
from .dashboard import document_url, practitioner_rows


def _profile_data(form) -> dict:
    return {name: value for name, value in form.cleaned_data.items() if name not in {"photo", "remove_photo"}}


@login_required
@require_http_methods(["GET", "POST"])
def practitioner_create_view(request):
    if not user_clinics(request.user).exists():
        messages.info(request, "First set up the clinic where the practitioner works.")
        return redirect("dashboard:clinic-create")
    form = PractitionerForm(request.POST or None, request.FILES or None, user=request.user)
    if request.method == "POST" and form.is_valid():
        try:
            practitioner = practitioner_create(
                user=request.user, data=_profile_data(form), photo=form.cleaned_data.get("photo")
            )
        except ValidationError as error:
            form.add_error(None, error)
        else:
            messages.success(
                request,
                f"{practitioner.name} is saved as a draft. Upload a certificate and some healed "
                "results, then publish the profile.",
            )
            return redirect("dashboard:practitioner-detail", slug=practitioner.slug)
    return render(request, "dashboard/practitioner_form.html", {"form": form, "practitioner": None})


@login_required
@require_http_methods(["GET", "POST"])
def practitioner_edit(request, slug):
    practitioner = get_own_practitioner(request, slug)
    form = PractitionerForm(
        request.POST or None, request.FILES or None, instance=practitioner, user=request.user
    )
    if request.method == "POST" and form.is_valid():
        try:
            practitioner = practitioner_update(
                practitioner=practitioner,
                user=request.user,
                data=_profile_data(form),
                photo=form.cleaned_data.get("photo"),
                remove_photo=form.cleaned_data.get("remove_photo", False),
            )
        except ValidationError as error:
            form.add_error(None, error)
        else:
            messages.success(request, "Saved.")
            return redirect("dashboard:practitioner-detail", slug=practitioner.slug)
    return render(request, "dashboard/practitioner_form.html", {"form": form, "practitioner": practitioner})


@login_required
@require_http_methods(["GET"])
def practitioner_detail(request, slug):
    practitioner = get_own_practitioner(request, slug)
    practitioner = Practitioner.objects.for_checklist().get(pk=practitioner.pk)
    row = practitioner_rows([practitioner], timezone.localdate())[0]
    credentials = [
        {"credential": credential, "document_url": document_url(credential), "kind": kind}
        for kind, group in (
            ("certification", practitioner.certifications.all()),
            ("licence", practitioner.licences.all()),
        )
        for credential in group
    ]
    portfolio = list(practitioner.portfolio_items.all())
    events = list(
        VerificationEvent.objects.filter(
            content_type__app_label="practitioners",
            content_type__model="practitioner",
            object_id=practitioner.pk,
        )[:5]
    )
    labels = dict(PractitionerStatus.choices)
    for event in events:
        to = labels.get(event.to_status, event.to_status)
        event.change = (
            f"{labels[event.from_status]} → {to}"
            if event.from_status in labels
            else f"created as {to.lower()}"
        )
    review_links = [
        ("Published reviews and your replies", reverse("reviews:owner-reviews", args=[practitioner.slug])),
        ("Invite clients to review", reverse("reviews:invites", args=[practitioner.slug])),
        ("Testimonials from the clinic", reverse("reviews:testimonials", args=[practitioner.slug])),
    ]
    return render(
        request,
        "dashboard/practitioner_detail.html",
        {
            "practitioner": practitioner,
            "checklist": row["checklist"],
            # The publish step points at this very page, which has its own button.
            "steps": [step for step in row["steps"] if step.url != request.path],
            "credentials": credentials,
            "portfolio": portfolio,
            "events": events,
            "review_links": review_links,
            "public_url": reverse("practitioners:profile", args=[practitioner.slug]),
            "statuses": PractitionerStatus,
        },
    )


@login_required
@require_POST
def practitioner_publish_view(request, slug):
    practitioner = get_own_practitioner(request, slug)
    try:
        practitioner_publish(practitioner=practitioner, user=request.user)
    except ValidationError as error:
        messages.error(request, " ".join(error.messages))
    else:
        messages.success(request, f"{practitioner.name}'s profile is now public.")
    return redirect("dashboard:practitioner-detail", slug=practitioner.slug)


@login_required
@require_POST
def practitioner_unpublish_view(request, slug):
    practitioner = get_own_practitioner(request, slug)
    try:
        practitioner_unpublish(practitioner=practitioner, user=request.user)
    except ValidationError as error:
        messages.error(request, " ".join(error.messages))
    else:
        messages.success(
            request, f"{practitioner.name}'s profile is hidden from patients until you publish it."
        )
    return redirect("dashboard:practitioner-detail", slug=practitioner.slug)
