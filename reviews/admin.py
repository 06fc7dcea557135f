from django.contrib import admin

from . import models


@admin.register(models.Review)
class ReviewAdmin(admin.ModelAdmin):
    list_display = ["practitioner", "author_name", "rating", "verified_client", "status", "created_at"]
    list_filter = ["status", "verified_client", "rating"]
    search_fields = ["practitioner__name", "author_name", "author_email", "text"]
    list_select_related = ["practitioner"]
    readonly_fields = [
        "verified_client",
        "invite",
        "status",
        "moderated_by",
        "moderated_at",
        "email_confirmed_at",
    ]


@admin.register(models.Testimonial)
class TestimonialAdmin(admin.ModelAdmin):
    list_display = ["practitioner", "attribution", "status", "created_at"]
    list_filter = ["status"]
    search_fields = ["practitioner__name", "quote"]
    list_select_related = ["practitioner"]
    readonly_fields = ["status", "moderated_by", "moderated_at"]


@admin.register(models.ReviewInvite)
class ReviewInviteAdmin(admin.ModelAdmin):
    list_display = ["practitioner", "email", "created_at", "expires_at", "used_at"]
    search_fields = ["practitioner__name", "email"]
    list_select_related = ["practitioner"]
    readonly_fields = ["token", "used_at"]


@admin.register(models.ConcernReport)
class ConcernReportAdmin(admin.ModelAdmin):
    list_display = ["practitioner", "reason", "status", "created_at"]
    list_filter = ["status", "reason"]
    search_fields = ["practitioner__name", "details"]
    list_select_related = ["practitioner"]
    readonly_fields = ["status", "resolved_by", "resolved_at"]
