"""The project's URLs plus the reference view every benchmark figure is divided by."""

from django.http import HttpResponse
from django.urls import include, path


def bare(request):
    return HttpResponse(b"ok", content_type="text/plain")


urlpatterns = [
    path("bench/bare/", bare),
    path("", include("smpfinder.urls")),
]

handler404 = "smpfinder.views.page_not_found"
handler500 = "smpfinder.views.server_error"
