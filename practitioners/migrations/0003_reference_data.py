"""Reference data the site needs from the first request: licensing rules, specialties,
languages, and the Verifiers group with its permissions."""

import csv
import datetime
import re
from pathlib import Path

from django.contrib.auth.management import create_permissions
from django.db import migrations

CSV_PATH = Path(__file__).resolve().parent.parent / "data" / "jurisdictions.csv"
# The day the shipped rules were last checked against their sources.
RULES_REVIEWED = datetime.date(2026, 11, 29)

SPECIALTIES = {
    "hairline-design": "Hairline design",
    "density": "Density for thinning hair",
    "scar-camouflage": "Scar camouflage",
    "alopecia": "Alopecia",
    "womens-thinning": "Women's thinning hair",
    "correction": "Correction and laser removal",
}
LANGUAGES = {
    "en": "English", "es": "Spanish", "fr": "French", "de": "German", "it": "Italian",
    "pt": "Portuguese", "pl": "Polish", "ar": "Arabic", "ur": "Urdu", "hi": "Hindi",
    "pa": "Punjabi", "zh": "Chinese", "vi": "Vietnamese", "ko": "Korean", "tr": "Turkish",
    "ru": "Russian", "el": "Greek", "cy": "Welsh", "tl": "Tagalog", "fa": "Persian",
}  # fmt: skip
VERIFIER_PERMISSIONS = [
    "verify_credentials", "moderate_content", "approve_claims", "suspend_listing",
    "view_practitioner", "view_clinic", "view_certification", "view_licence",
    "view_portfolioitem", "view_verificationevent", "view_listingclaim", "view_jurisdictionrule",
    "change_jurisdictionrule", "add_jurisdictionrule",
    "view_review", "view_testimonial", "view_concernreport", "view_reviewinvite",
]  # fmt: skip


def requirement(value: str) -> tuple[str, str]:
    """Split a CSV cell such as 'required (council registration)' into (choice, detail)."""
    text = value.strip()
    low = text.lower()
    detail_match = re.search(r"\((.*)\)", text)
    detail = detail_match.group(1) if detail_match else ""
    if low.startswith("not required"):
        return "not_required", detail
    if low.startswith("required"):
        return "required", detail
    if low == "local":
        return "local", "set by the local health department"
    if low.startswith("unclear"):
        return "unclear", detail
    if not low or low.startswith("unknown"):
        return "unknown", detail
    # Anything else describes a form the requirement takes (e.g. a badge carried at work).
    return "required", text


def load_rules(apps, schema_editor):
    JurisdictionRule = apps.get_model("practitioners", "JurisdictionRule")
    with CSV_PATH.open(newline="", encoding="utf-8") as handle:
        for row in csv.DictReader(handle):
            sources = [s.strip() for s in row["sources"].split(";") if s.strip()]
            practitioner, practitioner_detail = requirement(row["practitioner_licence"])
            establishment, establishment_detail = requirement(row["establishment_licence"])
            displayed, displayed_detail = requirement(row["licence_displayed"])
            JurisdictionRule.objects.update_or_create(
                country=row["country"],
                region=row["region"],
                locality=row["locality"],
                defaults=dict(
                    practitioner_licence=practitioner,
                    practitioner_licence_detail=practitioner_detail,
                    establishment_licence=establishment,
                    establishment_licence_detail=establishment_detail,
                    regulated_as=row["regulated_as"],
                    licence_displayed=displayed,
                    licence_displayed_detail=displayed_detail,
                    renewal=row["renewal"],
                    confidence=row["confidence"],
                    notes=row["notes"],
                    source_url=sources[0],
                    other_sources="\n".join(sources[1:]),
                    last_reviewed=RULES_REVIEWED,
                ),
            )


def load_choices(apps, schema_editor):
    Specialty = apps.get_model("practitioners", "Specialty")
    Language = apps.get_model("practitioners", "Language")
    for slug, name in SPECIALTIES.items():
        Specialty.objects.update_or_create(slug=slug, defaults={"name": name})
    for code, name in LANGUAGES.items():
        Language.objects.update_or_create(code=code, defaults={"name": name})


def create_verifiers_group(apps, schema_editor):
    # Permissions are normally created after all migrations; the group needs them now.
    # (The historical app configs have no models module, which create_permissions skips; lend
    # them one for the call. The live app registry, used by the tests, keeps its own.)
    for app_label in ("practitioners", "reviews"):
        app_config = apps.get_app_config(app_label)
        had = getattr(app_config, "models_module", None)
        app_config.models_module = had or True
        create_permissions(app_config, apps=apps, verbosity=0)
        app_config.models_module = had
    Group = apps.get_model("auth", "Group")
    Permission = apps.get_model("auth", "Permission")
    group, _ = Group.objects.get_or_create(name="Verifiers")
    group.permissions.set(
        Permission.objects.filter(
            content_type__app_label__in=["practitioners", "reviews"],
            codename__in=VERIFIER_PERMISSIONS,
        )
    )


class Migration(migrations.Migration):
    dependencies = [
        ("practitioners", "0002_postgres_search"),
        ("reviews", "0001_initial"),
        ("auth", "0012_alter_user_first_name_max_length"),
        ("contenttypes", "0002_remove_content_type_name"),
    ]

    operations = [
        migrations.RunPython(load_rules, migrations.RunPython.noop),
        migrations.RunPython(load_choices, migrations.RunPython.noop),
        migrations.RunPython(create_verifiers_group, migrations.RunPython.noop),
    ]
