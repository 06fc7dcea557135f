from django.contrib import admin

from . import models


@admin.register(models.JurisdictionRule)
class JurisdictionRuleAdmin(admin.ModelAdmin):
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


@admin.register(models.Certification)
class CertificationAdmin(admin.ModelAdmin):
    list_display = [
        "practitioner",
        "issuing_body",
        "certificate_number",
        "status",
        "expires_on",
        "created_at",
    ]
    list_filter = ["status"]
    search_fields = ["practitioner__name", "issuing_body", "certificate_number", "document_sha256"]
    list_select_related = ["practitioner"]
    readonly_fields = ["status", "reviewer", "decided_at", "document_sha256", "created_at", "updated_at"]


@admin.register(models.Licence)
class LicenceAdmin(admin.ModelAdmin):
    list_display = ["licence_number", "kind", "practitioner", "clinic", "status", "expires_on", "created_at"]
    list_filter = ["status", "kind", "jurisdiction"]
    search_fields = ["licence_number", "practitioner__name", "clinic__name", "issuing_authority"]
    list_select_related = ["practitioner", "clinic"]
    readonly_fields = ["status", "reviewer", "decided_at", "document_sha256", "created_at", "updated_at"]


@admin.register(models.PortfolioItem)
class PortfolioItemAdmin(admin.ModelAdmin):
    list_display = [
        "practitioner",
        "stage",
        "months_since_treatment",
        "treatment_type",
        "status",
        "created_at",
    ]
    list_filter = ["status", "stage", "treatment_type"]
    search_fields = ["practitioner__name"]
    list_select_related = ["practitioner"]
    readonly_fields = ["status", "moderated_by", "moderated_at", "created_at"]


@admin.register(models.ListingClaim)
class ListingClaimAdmin(admin.ModelAdmin):
    list_display = ["clinic", "user", "status", "created_at", "decided_at"]
    list_filter = ["status"]
    search_fields = ["clinic__name", "user__email"]
    list_select_related = ["clinic", "user"]
    readonly_fields = ["status", "decided_by", "decided_at", "created_at"]


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
