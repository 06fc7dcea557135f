"""Moderation queues for reviews, testimonials and concern reports.

Any staff member can read the queues; only users with practitioners.moderate_content (the
Verifiers group) see the actions, and every action goes through reviews.services, which
checks that permission again and records who decided what. Nobody edits what a reviewer or a
clinic wrote, so the change forms are read-only.
"""

from django import forms
from django.contrib import admin, messages
from django.contrib.admin.helpers import ACTION_CHECKBOX_NAME
from django.core.exceptions import PermissionDenied, ValidationError
from django.template.response import TemplateResponse
from django.utils.text import Truncator

from practitioners.models import ModerationStatus

from . import services
from .models import ConcernReport, ConcernStatus, Review, ReviewInvite, ReviewStatus, Testimonial


class QueueFilter(admin.SimpleListFilter):
    """A status filter that opens on the work queue and offers "All" explicitly."""

    title = "status"
    parameter_name = "status"
    default = ""
    statuses: list[tuple[str, str]] = []

    def lookups(self, request, model_admin):
        return [*self.statuses, ("all", "All")]

    def value(self):
        return super().value() or self.default

    def queryset(self, request, queryset):
        if self.value() == "all":
            return queryset
        return queryset.filter(status=self.value())

    def choices(self, changelist):
        for lookup, title in self.lookup_choices:
            yield {
                "selected": self.value() == lookup,
                "query_string": changelist.get_query_string({self.parameter_name: lookup}),
                "display": title,
            }


class ReviewQueue(QueueFilter):
    default = ReviewStatus.PENDING
    statuses = ReviewStatus.choices


class TestimonialQueue(QueueFilter):
    default = ModerationStatus.PENDING
    statuses = ModerationStatus.choices


class ConcernQueue(QueueFilter):
    default = ConcernStatus.OPEN
    statuses = ConcernStatus.choices


class NoteForm(forms.Form):
    note = forms.CharField(widget=forms.Textarea(attrs={"rows": 4, "cols": 60}))

    def __init__(self, *args, label: str, required: bool, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["note"].label = label
        self.fields["note"].required = required


class ModerationAdmin(admin.ModelAdmin):
    """Read-only for every staff member; the moderation actions need moderate_content."""

    def has_view_permission(self, request, obj=None):
        return request.user.is_active and request.user.is_staff

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False

    def has_moderate_permission(self, request):
        return request.user.has_perm(services.MODERATE_PERMISSION)

    def get_actions(self, request):
        actions = super().get_actions(request)
        actions.pop("delete_selected", None)
        return actions

    def _apply(self, request, queryset, decide, done_message: str) -> None:
        done, failed = 0, []
        for obj in queryset:
            try:
                decide(obj)
            except (ValidationError, PermissionDenied) as exc:
                reason = " ".join(exc.messages) if isinstance(exc, ValidationError) else str(exc)
                failed.append(f"{obj}: {reason}")
            else:
                done += 1
        if done:
            self.message_user(request, done_message.format(count=done), messages.SUCCESS)
        for failure in failed:
            self.message_user(request, failure, messages.ERROR)

    def _apply_with_note(self, request, queryset, decide, *, title, label, required, done_message):
        """Ask for a note on an intermediate page, then apply `decide(obj, note)` to each."""
        form = NoteForm(request.POST if "apply" in request.POST else None, label=label, required=required)
        if form.is_bound and form.is_valid():
            note = form.cleaned_data["note"]
            self._apply(request, queryset, lambda obj: decide(obj, note), done_message)
            return None
        context = {
            **self.admin_site.each_context(request),
            "title": title,
            "form": form,
            "objects": queryset,
            "opts": self.model._meta,
            "action": request.POST.get("action", ""),
            "selected": request.POST.getlist(ACTION_CHECKBOX_NAME),
            "select_across": request.POST.get("select_across", "0"),
        }
        return TemplateResponse(request, "reviews/admin_action_note.html", context)


@admin.register(Review)
class ReviewAdmin(ModerationAdmin):
    list_display = [
        "practitioner",
        "author_name",
        "rating",
        "short_text",
        "verified_client",
        "status",
        "created_at",
    ]
    list_filter = [ReviewQueue, "verified_client", "rating", "result_healed"]
    search_fields = ["practitioner__name", "author_name", "author_email", "text"]
    list_select_related = ["practitioner"]
    ordering = ["created_at"]
    actions = ["publish", "reject"]
    fields = [
        "practitioner",
        "status",
        "rating",
        "rating_naturalness",
        "rating_hygiene",
        "rating_consultation",
        "rating_aftercare",
        "rating_comfort",
        "text",
        "treatment_month",
        "result_healed",
        "author_name",
        "author_email",
        "email_confirmed_at",
        "verified_client",
        "invite",
        "owner_reply",
        "owner_reply_at",
        "moderated_by",
        "moderated_at",
        "reason",
        "healed_prompt_sent_at",
        "created_at",
    ]

    @admin.display(description="Review")
    def short_text(self, obj):
        return Truncator(obj.text).chars(80)

    @admin.action(description="Publish selected reviews", permissions=["moderate"])
    def publish(self, request, queryset):
        self._apply(
            request,
            queryset,
            lambda review: services.review_publish(review=review, moderator=request.user),
            "Published {count} review(s). The profile ratings are updated.",
        )

    @admin.action(description="Reject selected reviews…", permissions=["moderate"])
    def reject(self, request, queryset):
        return self._apply_with_note(
            request,
            queryset,
            lambda review, note: services.review_reject(review=review, moderator=request.user, reason=note),
            title="Reject reviews",
            label="Why are they rejected? (kept for staff; the reviewer gets a general explanation)",
            required=True,
            done_message="Rejected {count} review(s).",
        )


@admin.register(Testimonial)
class TestimonialAdmin(ModerationAdmin):
    list_display = ["practitioner", "short_quote", "attribution", "status", "created_at"]
    list_filter = [TestimonialQueue]
    search_fields = ["practitioner__name", "quote"]
    list_select_related = ["practitioner"]
    ordering = ["created_at"]
    actions = ["approve", "reject"]
    fields = ["practitioner", "quote", "attribution", "status", "created_by", "moderated_by", "moderated_at"]

    @admin.display(description="Quote")
    def short_quote(self, obj):
        return Truncator(obj.quote).chars(80)

    @admin.action(description="Approve selected testimonials", permissions=["moderate"])
    def approve(self, request, queryset):
        self._apply(
            request,
            queryset,
            lambda testimonial: services.testimonial_approve(testimonial=testimonial, moderator=request.user),
            "Approved {count} testimonial(s).",
        )

    @admin.action(description="Reject selected testimonials…", permissions=["moderate"])
    def reject(self, request, queryset):
        return self._apply_with_note(
            request,
            queryset,
            lambda testimonial, note: services.testimonial_reject(
                testimonial=testimonial, moderator=request.user, note=note
            ),
            title="Reject testimonials",
            label="Why are they rejected? (the clinic sees this)",
            required=True,
            done_message="Rejected {count} testimonial(s).",
        )


@admin.register(ConcernReport)
class ConcernReportAdmin(ModerationAdmin):
    list_display = ["practitioner", "reason", "target", "status", "created_at"]
    list_filter = [ConcernQueue, "reason"]
    search_fields = ["practitioner__name", "details", "reporter_email"]
    list_select_related = ["practitioner"]
    ordering = ["created_at"]
    actions = ["resolve", "dismiss"]
    fields = [
        "practitioner",
        "review",
        "portfolio_item",
        "reason",
        "details",
        "reporter_email",
        "status",
        "resolved_by",
        "resolved_at",
        "resolution_note",
        "created_at",
    ]

    @admin.display(description="About")
    def target(self, obj):
        return obj.target_label

    @admin.action(description="Resolve selected reports (action taken)…", permissions=["moderate"])
    def resolve(self, request, queryset):
        return self._apply_with_note(
            request,
            queryset,
            lambda report, note: services.concern_resolve(report=report, moderator=request.user, note=note),
            title="Resolve concern reports",
            label="What was done?",
            required=True,
            done_message="Resolved {count} report(s).",
        )

    @admin.action(description="Dismiss selected reports (no action needed)…", permissions=["moderate"])
    def dismiss(self, request, queryset):
        return self._apply_with_note(
            request,
            queryset,
            lambda report, note: services.concern_dismiss(report=report, moderator=request.user, note=note),
            title="Dismiss concern reports",
            label="Why is no action needed? (optional)",
            required=False,
            done_message="Dismissed {count} report(s).",
        )


@admin.register(ReviewInvite)
class ReviewInviteAdmin(ModerationAdmin):
    list_display = ["practitioner", "email", "created_by", "created_at", "expires_at", "used_at"]
    search_fields = ["practitioner__name", "email"]
    list_select_related = ["practitioner", "created_by"]
    fields = ["practitioner", "email", "created_by", "created_at", "expires_at", "used_at"]
