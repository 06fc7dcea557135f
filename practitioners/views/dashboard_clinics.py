"""Owner dashboard: create and edit clinics, add people, ask to manage a listed clinic."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.db.models import Q
from django.shortcuts import redirect, render
from django.views.decorators.http import require_http_methods

from ..access import get_own_clinic, user_clinics
from ..forms import ClinicForm, ListingClaimForm, MembershipForm
from ..models import Clinic, ClinicMembership, LicenceKind, MembershipRole
from ..services import clinic_create, clinic_update, listing_claim_submit, membership_add
from .dashboard import document_url

CLAIM_RESULTS = 20


@login_required
@require_http_methods(["GET", "POST"])
def clinic_create_view(request):
    form = ClinicForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            clinic = clinic_create(user=request.user, data=form.cleaned_data)
        except ValidationError as error:
            form.add_error(None, error)
        else:
            messages.success(request, f"{clinic.name} is set up. Next, add the practitioners who work there.")
            return redirect("dashboard:clinic-edit", slug=clinic.slug)
    return render(request, "dashboard/clinic_form.html", {"form": form, "clinic": None})


@login_required
@require_http_methods(["GET", "POST"])
def clinic_edit(request, slug):
    clinic = get_own_clinic(request, slug)
    form = ClinicForm(request.POST or None, instance=clinic)
    if request.method == "POST" and form.is_valid():
        try:
            clinic = clinic_update(clinic=clinic, user=request.user, data=form.cleaned_data)
        except ValidationError as error:
            form.add_error(None, error)
        else:
            messages.success(request, "Saved. Patients see the changes straight away.")
            return redirect("dashboard:clinic-edit", slug=clinic.slug)
    premises_licences = [
        {"licence": licence, "document_url": document_url(licence)}
        for licence in clinic.licences.filter(kind=LicenceKind.ESTABLISHMENT).select_related("reviewer")
    ]
    return render(
        request,
        "dashboard/clinic_form.html",
        {
            "form": form,
            "clinic": Clinic.objects.select_related("jurisdiction").get(pk=clinic.pk),
            "premises_licences": premises_licences,
            "practitioners": clinic.practitioners.order_by("name"),
            "is_owner": _is_owner(request.user, clinic),
        },
    )


def _is_owner(user, clinic) -> bool:
    return ClinicMembership.objects.filter(clinic=clinic, user=user, role=MembershipRole.OWNER).exists()


@login_required
@require_http_methods(["GET", "POST"])
def clinic_members(request, slug):
    # Managers may look; only owners may add people.
    clinic = get_own_clinic(request, slug, owners_only=request.method == "POST")
    is_owner = _is_owner(request.user, clinic)
    form = MembershipForm(request.POST or None) if is_owner else None
    if request.method == "POST" and form.is_valid():
        try:
            membership = membership_add(
                clinic=clinic,
                user=request.user,
                email=form.cleaned_data["email"],
                role=form.cleaned_data["role"],
            )
        except ValidationError as error:
            form.add_error(None, error)
        else:
            messages.success(
                request,
                f"{membership.user.email} can now manage {clinic.name} as {membership.get_role_display().lower()}.",
            )
            return redirect("dashboard:clinic-members", slug=clinic.slug)
    memberships = clinic.memberships.select_related("user").order_by("role", "user__email")
    return render(
        request,
        "dashboard/clinic_members.html",
        {"clinic": clinic, "memberships": memberships, "form": form, "is_owner": is_owner},
    )


@login_required
@require_http_methods(["GET", "POST"])
def listing_claim(request):
    """Find a listed clinic and ask staff to let you manage it."""
    query = " ".join(request.GET.get("q", "").split())[:100]
    own = user_clinics(request.user).values("pk")
    claimable = Clinic.objects.exclude(pk__in=own)
    results = []
    if query:
        results = list(
            claimable.filter(
                Q(name__icontains=query) | Q(city__icontains=query) | Q(postcode__iexact=query)
            ).order_by("name")[:CLAIM_RESULTS]
        )
    chosen_slug = request.POST.get("clinic") or request.GET.get("clinic") or ""
    chosen = claimable.filter(slug=chosen_slug[:140]).first() if chosen_slug else None
    form = ListingClaimForm(request.POST or None) if chosen else None
    if request.method == "POST" and chosen is None:
        messages.error(request, "Choose the clinic you run from the search results first.")
    elif request.method == "POST" and form.is_valid():
        try:
            listing_claim_submit(clinic=chosen, user=request.user, message=form.cleaned_data["message"])
        except ValidationError as error:
            form.add_error(None, error)
        else:
            messages.success(
                request,
                f"Thank you. Our staff will check that you run {chosen.name} and reply by e-mail.",
            )
            return redirect("dashboard:home")
    return render(
        request,
        "dashboard/listing_claim.html",
        {"query": query, "results": results, "chosen": chosen, "form": form},
    )
