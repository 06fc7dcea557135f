from django.conf import settings
from django.contrib import admin
from django.urls import include, path

from . import views

urlpatterns = [
    path("", views.home, name="home"),
    path("guide/", views.guide, name="guide"),
    path("robots.txt", views.robots_txt, name="robots"),
    path("healthz", views.healthz, name="healthz"),
    path("", include("practitioners.urls")),
    path("", include("reviews.urls")),
    path("dashboard/", include("practitioners.dashboard_urls")),
    path("", include("practitioners.staff_urls")),
    path("accounts/", include("allauth.urls")),
    path(settings.ADMIN_PATH, admin.site.urls),
]

handler404 = "smpfinder.views.page_not_found"
handler500 = "smpfinder.views.server_error"
