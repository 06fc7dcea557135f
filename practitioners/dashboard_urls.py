"""The owner dashboard, mounted at /dashboard/. Every page here is tested by
tests/test_dashboard_access.py: add a new one to that test's list too."""

from django.urls import path

from .views import dashboard, dashboard_clinics, dashboard_credentials, dashboard_portfolio
from .views import dashboard_practitioners as practitioners

app_name = "dashboard"

urlpatterns = [
    path("", dashboard.home, name="home"),
    # Clinics
    path("clinics/new/", dashboard_clinics.clinic_create_view, name="clinic-create"),
    path("clinics/<slug:slug>/", dashboard_clinics.clinic_edit, name="clinic-edit"),
    path("clinics/<slug:slug>/members/", dashboard_clinics.clinic_members, name="clinic-members"),
    path(
        "clinics/<slug:slug>/licences/new/",
        dashboard_credentials.clinic_licence_create,
        name="clinic-licence-create",
    ),
    path("claim/", dashboard_clinics.listing_claim, name="listing-claim"),
    # Practitioners
    path("practitioners/new/", practitioners.practitioner_create_view, name="practitioner-create"),
    path("practitioners/<slug:slug>/", practitioners.practitioner_detail, name="practitioner-detail"),
    path("practitioners/<slug:slug>/edit/", practitioners.practitioner_edit, name="practitioner-edit"),
    path(
        "practitioners/<slug:slug>/publish/",
        practitioners.practitioner_publish_view,
        name="practitioner-publish",
    ),
    path(
        "practitioners/<slug:slug>/unpublish/",
        practitioners.practitioner_unpublish_view,
        name="practitioner-unpublish",
    ),
    # Certificates and licences
    path(
        "practitioners/<slug:slug>/certifications/new/",
        dashboard_credentials.certification_create,
        name="certification-create",
    ),
    path(
        "practitioners/<slug:slug>/licences/new/", dashboard_credentials.licence_create, name="licence-create"
    ),
    path("certifications/<int:pk>/", dashboard_credentials.certification_edit, name="certification-edit"),
    path("licences/<int:pk>/", dashboard_credentials.licence_edit, name="licence-edit"),
    # Portfolio
    path("practitioners/<slug:slug>/portfolio/", dashboard_portfolio.portfolio, name="portfolio"),
    path("portfolio/<int:pk>/move/", dashboard_portfolio.portfolio_move, name="portfolio-move"),
    path("portfolio/<int:pk>/delete/", dashboard_portfolio.portfolio_delete, name="portfolio-delete"),
]
