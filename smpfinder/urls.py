from django.conf import settings
from django.conf.urls.static import static
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

# `make demo` runs without S3 or a web server in front: let runserver show public photos.
# Does nothing unless DEBUG is on; private files are never under MEDIA_URL.
urlpatterns += static(settings.MEDIA_URL, document_root=settings.MEDIA_ROOT)

handler404 = "smpfinder.views.page_not_found"
handler500 = "smpfinder.views.server_error"
