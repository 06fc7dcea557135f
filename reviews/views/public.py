"""Pages anyone can use: write a review, confirm it, write one through an invite, follow up
once the result has healed, and report a concern."""

from django.core.exceptions import ValidationError
from django.http import Http404
from django.shortcuts import get_object_or_404, redirect, render
from django.views.decorators.http import require_GET, require_http_methods
from django_ratelimit.decorators import ratelimit

from practitioners.models import ModerationStatus, Practitioner

from .. import services
from ..forms import ConcernForm, FollowUpForm, InviteReviewForm, ReviewForm
from ..models import ReviewStatus

REVIEW_RATE_PER_IP = "10/h"
REVIEW_RATE_PER_EMAIL = "3/h"
REPORT_RATE_PER_IP = "5/h"
REPORT_RATE_PER_EMAIL = "3/h"


def _posted(field: str):
    """A rate-limit key: the posted value, normalised, so each address has its own budget."""

    def key(group, request):
        return request.POST.get(field, "").strip().lower()[:254]

    return key


def _only_when_posted(field: str, rate: str):
    # Without an address there is nothing to count per address; the per-IP limit still applies.
    def rate_for(group, request):
        return rate if request.POST.get(field, "").strip() else None

    return rate_for


def _invite_token(group, request):
    return request.resolver_match.kwargs.get("token", "")


def _published_practitioner(slug: str) -> Practitioner:
    return get_object_or_404(Practitioner.objects.published(), slug=slug)


@require_http_methods(["GET", "POST"])
@ratelimit(group="reviews:write:ip", key="ip", rate=REVIEW_RATE_PER_IP, method="POST")
@ratelimit(
    group="reviews:write:email",
    key=_posted("author_email"),
    rate=_only_when_posted("author_email", REVIEW_RATE_PER_EMAIL),
    method="POST",
)
def write(request, slug):
    practitioner = _published_practitioner(slug)
    if services.is_clinic_member(practitioner=practitioner, user=request.user):
        return render(request, "reviews/review_refused.html", {"practitioner": practitioner}, status=403)
    form = ReviewForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            services.review_submit(
                practitioner=practitioner,
                data=form.cleaned_data,
                email=form.cleaned_data["author_email"],
                user=request.user,
            )
        except ValidationError as exc:
            form.add_error(None, exc)
        else:
            return redirect("reviews:write-sent", slug=practitioner.slug)
    return render(request, "reviews/review_form.html", {"practitioner": practitioner, "form": form})


@require_GET
def write_sent(request, slug):
    practitioner = _published_practitioner(slug)
    return render(request, "reviews/review_sent.html", {"practitioner": practitioner})


@require_http_methods(["GET", "POST"])
def confirm(request, token):
    review = services.review_from_confirmation_token(token)
    if review is None or not review.practitioner.is_public:
        return render(request, "reviews/link_invalid.html", status=404)
    if request.method == "POST":
        services.review_confirm(review=review)
        return render(request, "reviews/review_confirmed.html", {"review": review, "just_confirmed": True})
    if review.status != ReviewStatus.UNCONFIRMED:
        return render(request, "reviews/review_confirmed.html", {"review": review})
    return render(request, "reviews/review_confirm.html", {"review": review})


@require_http_methods(["GET", "POST"])
@ratelimit(group="reviews:invite:ip", key="ip", rate=REVIEW_RATE_PER_IP, method="POST")
@ratelimit(group="reviews:invite:email", key=_invite_token, rate=REVIEW_RATE_PER_EMAIL, method="POST")
def invite_review(request, token):
    invite = services.invite_for_token(token)
    if invite is None or not invite.practitioner.is_public:
        raise Http404("No such invite")
    practitioner = invite.practitioner
    if not invite.is_usable():
        return render(
            request,
            "reviews/invite_unusable.html",
            {"practitioner": practitioner, "invite": invite},
            status=410,
        )
    if services.is_clinic_member(practitioner=practitioner, user=request.user):
        return render(request, "reviews/review_refused.html", {"practitioner": practitioner}, status=403)
    form = InviteReviewForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            services.review_submit_from_invite(token=token, data=form.cleaned_data, user=request.user)
        except services.ReviewRefused as exc:
            form.add_error(None, exc)
        else:
            return render(
                request, "reviews/review_confirmed.html", {"practitioner": practitioner, "invited": True}
            )
    context = {"practitioner": practitioner, "form": form, "invite": invite}
    return render(request, "reviews/review_form.html", context)


@require_http_methods(["GET", "POST"])
@ratelimit(group="reviews:follow-up:ip", key="ip", rate=REVIEW_RATE_PER_IP, method="POST")
def follow_up(request, token):
    review = services.review_from_follow_up_token(token)
    if review is None or not review.practitioner.is_public:
        return render(request, "reviews/link_invalid.html", status=404)
    form = FollowUpForm(request.POST or None, instance=review)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        services.review_follow_up(
            review=review, rating=data["rating"], text=data["text"], result_healed=data["result_healed"]
        )
        return render(request, "reviews/review_confirmed.html", {"review": review, "followed_up": True})
    return render(request, "reviews/review_follow_up.html", {"review": review, "form": form})


def _report_target(request, practitioner: Practitioner) -> dict:
    """What ?review= or ?image= points at: something public of this practitioner, else 404."""
    review_id, image_id = request.GET.get("review"), request.GET.get("image")
    if review_id and image_id:
        raise Http404("Report one thing at a time")
    if review_id:
        if not review_id.isdigit():
            raise Http404("No such review")
        return {"review": get_object_or_404(practitioner.reviews.published(), pk=int(review_id))}
    if image_id:
        if not image_id.isdigit():
            raise Http404("No such image")
        images = practitioner.portfolio_items.filter(status=ModerationStatus.APPROVED)
        return {"portfolio_item": get_object_or_404(images, pk=int(image_id))}
    return {}


@require_http_methods(["GET", "POST"])
@ratelimit(group="reviews:report:ip", key="ip", rate=REPORT_RATE_PER_IP, method="POST")
@ratelimit(
    group="reviews:report:email",
    key=_posted("reporter_email"),
    rate=_only_when_posted("reporter_email", REPORT_RATE_PER_EMAIL),
    method="POST",
)
def report(request, slug):
    practitioner = _published_practitioner(slug)
    target = _report_target(request, practitioner)
    form = ConcernForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        services.concern_report(practitioner=practitioner, **form.cleaned_data, **target)
        return redirect("reviews:report-sent", slug=practitioner.slug)
    context = {"practitioner": practitioner, "form": form, **target}
    return render(request, "reviews/concern_form.html", context)


@require_GET
def report_sent(request, slug):
    practitioner = _published_practitioner(slug)
    return render(request, "reviews/concern_sent.html", {"practitioner": practitioner})
