from django.contrib import admin
from django.db.models import URLField
from django.urls import path, reverse
from django.utils.html import format_html

from . import models
from .views import staff

admin.site.site_header = "smpfinder staff"
admin.site.site_title = "smpfinder staff"
admin.site.index_title = "Staff area"


def _review_url_pattern(model_admin, route: str, view, name: str, **kwargs):
    return path(route, model_admin.admin_site.admin_view(view), kwargs=kwargs or None, name=name)


class DecidedThroughServicesMixin:
    """Statuses change only on the decision screens (which call practitioners.services):
    here staff read, and nobody adds rows that owners are meant to upload and have checked."""

    review_name = ""

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    @admin.display(description="Decision screen")
    def review_link(self, obj):
        return format_html('<a href="{}">Open</a>', reverse(f"admin:{self.review_name}", args=[obj.pk]))

    @admin.display(description="Document")
    def document_link(self, obj):
        kind = "portfolio" if isinstance(obj, models.PortfolioItem) else obj._meta.model_name
        return format_html(
            '<a href="{}" target="_blank" rel="noopener">Open the file</a> (Verifiers only)',
            reverse("staff:document", args=[kind, obj.pk]),
        )


@admin.register(models.JurisdictionRule)
class JurisdictionRuleAdmin(admin.ModelAdmin):
    formfield_overrides = {URLField: {"assume_scheme": "https"}}
    list_display = [
        "__str__",
        "country",
        "practitioner_licence",
        "establishment_licence",
        "confidence",
        "last_reviewed",
    ]
    list_filter = ["country", "practitioner_licence", "establishment_licence", "confidence"]
    search_fields = ["region", "locality", "regulated_as", "notes"]

    def save_model(self, request, obj, form, change):
        from .services import jurisdiction_rules_reassign

        super().save_model(request, obj, form, change)
        jurisdiction_rules_reassign(country=obj.country, region=obj.region)


class MembershipInline(admin.TabularInline):
    model = models.ClinicMembership
    extra = 0
    autocomplete_fields = ["user"]


@admin.register(models.Clinic)
class ClinicAdmin(admin.ModelAdmin):
    formfield_overrides = {URLField: {"assume_scheme": "https"}}
    list_display = ["name", "city", "region", "country", "jurisdiction", "price_min", "consultation"]
    list_filter = ["country", "region", "consultation"]
    search_fields = ["name", "city", "postcode", "slug"]
    list_select_related = ["jurisdiction"]
    prepopulated_fields = {"slug": ["name"]}
    readonly_fields = ["jurisdiction", "created_at", "updated_at"]
    inlines = [MembershipInline]


@admin.register(models.Practitioner)
class PractitionerAdmin(admin.ModelAdmin):
    list_display = [
        "name",
        "status",
        "is_vetted",
        "vetted_until",
        "verified_count",
        "review_count",
        "rating_average",
    ]
    list_filter = ["status", "is_vetted", "pigment", "specialties"]
    search_fields = ["name", "slug", "trainer"]
    autocomplete_fields = ["clinics"]
    filter_horizontal = ["specialties", "languages"]
    readonly_fields = [
        "status",
        "suspension_link",
        "is_vetted",
        "vetted_until",
        "verified_count",
        "healed_count",
        "review_count",
        "verified_review_count",
        "rating_average",
        "created_at",
        "updated_at",
    ]
    exclude = ["search_document"]

    def get_urls(self):
        return [
            _review_url_pattern(self, "queue/", staff.queue, "practitioners_queue"),
            _review_url_pattern(
                self,
                "<int:pk>/suspension/",
                staff.practitioner_suspension,
                "practitioners_practitioner_suspension",
            ),
            *super().get_urls(),
        ]

    @admin.display(description="Suspension")
    def suspension_link(self, obj):
        if obj.pk is None:
            return "—"
        return format_html(
            '<a href="{}">Suspend or restore this listing</a>',
            reverse("admin:practitioners_practitioner_suspension", args=[obj.pk]),
        )


CREDENTIAL_READONLY = [
    "review_link",
    "status",
    "reviewer",
    "decided_at",
    "reason",
    "document_link",
    "document_sha256",
    "expiry_notice_days",
    "created_at",
    "updated_at",
]


@admin.register(models.Certification)
class CertificationAdmin(DecidedThroughServicesMixin, admin.ModelAdmin):
    list_display = [
        "practitioner",
        "issuing_body",
        "certificate_number",
        "status",
        "expires_on",
        "created_at",
        "review_link",
    ]
    list_filter = ["status"]
    search_fields = ["practitioner__name", "issuing_body", "certificate_number", "document_sha256"]
    list_select_related = ["practitioner"]
    readonly_fields = CREDENTIAL_READONLY
    exclude = ["document"]
    review_name = "practitioners_certification_review"

    def get_urls(self):
        return [
            _review_url_pattern(
                self, "<int:pk>/review/", staff.credential_review, self.review_name, kind="certification"
            ),
            *super().get_urls(),
        ]


@admin.register(models.Licence)
class LicenceAdmin(DecidedThroughServicesMixin, admin.ModelAdmin):
    list_display = [
        "licence_number",
        "kind",
        "practitioner",
        "clinic",
        "status",
        "expires_on",
        "created_at",
        "review_link",
    ]
    list_filter = ["status", "kind", "jurisdiction"]
    search_fields = ["licence_number", "practitioner__name", "clinic__name", "issuing_authority"]
    list_select_related = ["practitioner", "clinic"]
    readonly_fields = CREDENTIAL_READONLY
    exclude = ["document"]
    review_name = "practitioners_licence_review"

    def get_urls(self):
        return [
            _review_url_pattern(
                self, "<int:pk>/review/", staff.credential_review, self.review_name, kind="licence"
            ),
            *super().get_urls(),
        ]


@admin.register(models.PortfolioItem)
class PortfolioItemAdmin(DecidedThroughServicesMixin, admin.ModelAdmin):
    list_display = [
        "practitioner",
        "stage",
        "months_since_treatment",
        "treatment_type",
        "status",
        "created_at",
        "review_link",
    ]
    list_filter = ["status", "stage", "treatment_type"]
    search_fields = ["practitioner__name"]
    list_select_related = ["practitioner"]
    readonly_fields = [
        "review_link",
        "status",
        "moderated_by",
        "moderated_at",
        "reason",
        "document_link",
        "created_at",
    ]
    exclude = ["original"]
    review_name = "practitioners_portfolioitem_review"

    def get_urls(self):
        return [
            _review_url_pattern(self, "<int:pk>/review/", staff.portfolio_review, self.review_name),
            *super().get_urls(),
        ]


@admin.register(models.ListingClaim)
class ListingClaimAdmin(DecidedThroughServicesMixin, admin.ModelAdmin):
    list_display = ["clinic", "user", "status", "created_at", "decided_at", "review_link"]
    list_filter = ["status"]
    search_fields = ["clinic__name", "user__email"]
    list_select_related = ["clinic", "user"]
    readonly_fields = ["review_link", "status", "decided_by", "decided_at", "reason", "created_at"]
    review_name = "practitioners_listingclaim_review"

    def get_urls(self):
        return [
            _review_url_pattern(self, "<int:pk>/review/", staff.claim_review, self.review_name),
            *super().get_urls(),
        ]


@admin.register(models.VerificationEvent)
class VerificationEventAdmin(admin.ModelAdmin):
    """The audit trail: readable by staff, never editable or deletable."""

    list_display = ["created_at", "content_type", "object_id", "from_status", "to_status", "actor"]
    list_filter = ["content_type", "to_status"]
    search_fields = ["note", "actor__email"]
    list_select_related = ["content_type", "actor"]

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


admin.site.register(models.Specialty)
admin.site.register(models.Language)
