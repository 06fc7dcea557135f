from django.conf import settings
from django.http import HttpResponse, JsonResponse
from django.shortcuts import render
from django.template import loader
from django.views.decorators.cache import cache_control, never_cache
from django.views.decorators.http import require_GET, require_safe

from .health import run_checks


@require_GET
def home(request):
    return render(request, "home.html")


@require_GET
def guide(request):
    return render(request, "guide.html")


@require_GET
@cache_control(public=True, max_age=86400)
def robots_txt(request):
    lines = [
        "User-agent: *",
        "Disallow: /dashboard/",
        "Disallow: /accounts/",
        "Disallow: /staff/",
        "Disallow: /shortlist/",
        "Disallow: /compare/",
        f"Sitemap: {settings.SITE_URL}/sitemap.xml",
    ]
    return HttpResponse("\n".join(lines) + "\n", content_type="text/plain")


@require_safe
@never_cache
def healthz(request):
    """For load balancers and monitoring: 200 when the database, the cache and the private
    file storage all answer, else 503 with the failing part named (never how to reach it)."""
    healthy, checks = run_checks()
    body = {"status": "ok" if healthy else "error", "checks": checks}
    return JsonResponse(body, status=200 if healthy else 503)


def page_not_found(request, exception=None):
    return render(request, "404.html", status=404)


def server_error(request):
    # No context processors or database here: the error may have come from either.
    return HttpResponse(loader.get_template("500.html").render(), status=500)


def rate_limited(request, exception=None):
    return render(request, "429.html", status=429)
