"""Shared browser-test fixtures: Playwright driving Debian's Chromium against live_server.

Import them into a browser test module with `from tests.browser import *`. The module also
works as a URLconf (`urls` fixture below) that serves uploaded media, so portfolio photos
show in screenshots just as the web server or S3 serves them in production.
"""

import os
from pathlib import Path

import pytest
from django.conf import settings
from django.conf.urls.static import static

from smpfinder.urls import urlpatterns as site_urlpatterns

# Playwright's sync API runs an event loop in this thread; the ORM calls the tests make
# between page actions are still ordinary synchronous calls.
os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")

ARTIFACTS = Path(__file__).resolve().parent.parent / "test-artifacts"
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-dev-shm-usage",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]

urlpatterns = [*site_urlpatterns, *static(settings.MEDIA_URL, document_root=settings.MEDIA_ROOT)]
handler404 = "smpfinder.views.page_not_found"
handler500 = "smpfinder.views.server_error"


@pytest.fixture(scope="session")
def browser_type_launch_args(browser_type_launch_args):
    return {**browser_type_launch_args, "executable_path": "/usr/bin/chromium", "args": CHROMIUM_ARGS}


@pytest.fixture
def media_urls(settings):
    """Serve MEDIA_ROOT from the live server, as the web server would."""
    settings.ROOT_URLCONF = "tests.browser"
    settings.MEDIA_URL = "/media/"


@pytest.fixture
def screenshot():
    """screenshot(page, name): a full-page PNG under test-artifacts/ (git-ignored)."""
    ARTIFACTS.mkdir(exist_ok=True)

    def take(page, name: str) -> Path:
        page.evaluate("document.querySelectorAll('img[loading=lazy]').forEach(i => { i.loading = 'eager'; })")
        page.wait_for_load_state("networkidle")
        path = ARTIFACTS / f"{name}.png"
        page.screenshot(path=str(path), full_page=True)
        return path

    return take


__all__ = ["browser_type_launch_args", "media_urls", "screenshot", "ARTIFACTS", "CHROMIUM_ARGS"]
