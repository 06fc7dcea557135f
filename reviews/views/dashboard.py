"""Owner pages: invite clients to review, reply to published reviews, add testimonials.

Owners see only published reviews and can answer them; they cannot choose, edit, hide or
delete any review.
"""

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.core.paginator import Paginator
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.views.decorators.http import require_http_methods

from practitioners.access import get_own_practitioner

from .. import services
from ..forms import InviteForm, ReplyForm, TestimonialForm

OWNER_REVIEWS_PER_PAGE = 20


@login_required
@require_http_methods(["GET", "POST"])
def invites(request, slug):
    practitioner = get_own_practitioner(request, slug)
    form = InviteForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            sent = services.review_invites_send(
                practitioner=practitioner, user=request.user, emails=form.cleaned_data["emails"]
            )
        except ValidationError as exc:
            form.add_error("emails", exc)
        else:
            messages.success(request, f"Sent {len(sent)} invite{'s' if len(sent) != 1 else ''}.")
            return redirect("reviews:invites", slug=practitioner.slug)
    context = {
        "practitioner": practitioner,
        "form": form,
        "invites": practitioner.invites.select_related("review")[:50],
        "left_today": max(settings.SMP_INVITES_PER_DAY - services.invites_sent_today(request.user), 0),
        "per_day": settings.SMP_INVITES_PER_DAY,
        "now": timezone.now(),
        "section": "invites",
    }
    return render(request, "reviews/dashboard_invites.html", context)


@login_required
@require_http_methods(["GET"])
def owner_reviews(request, slug):
    practitioner = get_own_practitioner(request, slug)
    reviews = practitioner.reviews.published().order_by("-created_at", "-pk")
    page = Paginator(reviews, OWNER_REVIEWS_PER_PAGE).get_page(request.GET.get("page"))
    rows = [(review, ReplyForm(instance=review, prefix=f"r{review.pk}")) for review in page]
    context = {"practitioner": practitioner, "page": page, "rows": rows, "section": "reviews"}
    return render(request, "reviews/dashboard_reviews.html", context)


@login_required
@require_http_methods(["GET", "POST"])
def reply(request, slug, pk):
    practitioner = get_own_practitioner(request, slug)
    review = get_object_or_404(practitioner.reviews.published(), pk=pk)
    prefix = f"r{review.pk}"
    form = ReplyForm(request.POST or None, instance=review, prefix=prefix)
    if request.method == "POST" and form.is_valid():
        try:
            services.review_reply(review=review, user=request.user, text=form.cleaned_data["owner_reply"])
        except ValidationError as exc:
            form.add_error(None, exc)
        else:
            messages.success(request, "Your reply is saved and shown under the review.")
            return redirect("reviews:owner-reviews", slug=practitioner.slug)
    context = {"practitioner": practitioner, "review": review, "form": form, "section": "reviews"}
    return render(request, "reviews/dashboard_reply.html", context)


@login_required
@require_http_methods(["GET", "POST"])
def testimonials(request, slug):
    practitioner = get_own_practitioner(request, slug)
    form = TestimonialForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        services.testimonial_add(practitioner=practitioner, user=request.user, **form.cleaned_data)
        messages.success(request, "Thank you. Our staff will check the testimonial before it is shown.")
        return redirect("reviews:testimonials", slug=practitioner.slug)
    context = {
        "practitioner": practitioner,
        "form": form,
        "testimonials": practitioner.testimonials.all(),
        "section": "testimonials",
    }
    return render(request, "reviews/dashboard_testimonials.html", context)
