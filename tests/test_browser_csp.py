# ruff: noqa: F811
"""In Chromium: script hidden in user text never runs, and the Content-Security-Policy would
stop an inline script even if one slipped through the escaping.

The second part needs a page that really contains an inline script, which no page of the
site does; this module is also a tiny URLconf serving one (with the site's normal
middleware and CSP), used only by the tests that say `@pytest.mark.urls(__name__)`.
"""

import pytest
from django.http import HttpResponse
from django.urls import path

from practitioners.services import practitioner_refresh_summary
from smpfinder.urls import urlpatterns as site_urlpatterns

from .browser import browser_type_launch_args, screenshot  # noqa: F401
from .factories import PractitionerFactory, ReviewFactory

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

INJECTED = "<script>window.pwned=1</script>"

PROBE_PAGE = """<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>CSP probe</title>
<script src="/csp-probe.js"></script>
<script>window.inlineRan = true;</script>
</head>
<body><p id="status">waiting</p>
<img id="broken" src="/no-such-image.png" onerror="window.handlerRan = true" alt="">
<a id="js-link" href="javascript:window.linkRan = true">link</a>
</body></html>"""

PROBE_SCRIPT = "window.externalRan = true;"


def probe_page(request):
    return HttpResponse(PROBE_PAGE)


def probe_script(request):
    return HttpResponse(PROBE_SCRIPT, content_type="text/javascript")


urlpatterns = [
    path("csp-probe/", probe_page),
    path("csp-probe.js", probe_script),
    *site_urlpatterns,
]
handler404 = "smpfinder.views.page_not_found"
handler500 = "smpfinder.views.server_error"

# Collects every CSP violation the page reports, from before its first script runs.
RECORD_VIOLATIONS = """
window.__violations = [];
document.addEventListener("securitypolicyviolation", (event) => {
  window.__violations.push({directive: event.effectiveDirective, blocked: event.blockedURI});
});
"""


@pytest.fixture
def watched_page(page):
    page.add_init_script(RECORD_VIOLATIONS)
    messages = []
    page.on("console", lambda message: messages.append(message.text))
    page.on("pageerror", lambda error: messages.append(str(error)))
    page.console_messages = messages
    return page


@pytest.mark.urls(__name__)
def test_csp_blocks_an_inline_script_and_reports_it(live_server, watched_page):
    page = watched_page
    response = page.goto(f"{live_server.url}/csp-probe/")
    page.wait_for_load_state("load")

    policy = response.headers["content-security-policy"]
    assert "script-src 'self'" in policy
    # The page's own external script ran: JavaScript works, only inline script is refused.
    assert page.evaluate("window.externalRan") is True
    assert page.evaluate("window.inlineRan") is None
    assert page.evaluate("window.handlerRan") is None

    violations = page.evaluate("window.__violations")
    assert {"directive": "script-src-elem", "blocked": "inline"} in violations
    assert {"directive": "script-src-attr", "blocked": "inline"} in violations
    assert any("Content Security Policy" in message for message in page.console_messages)


@pytest.mark.urls(__name__)
def test_csp_blocks_a_javascript_link(live_server, watched_page):
    page = watched_page
    page.goto(f"{live_server.url}/csp-probe/")
    page.click("#js-link")
    page.wait_for_timeout(200)

    assert page.evaluate("window.linkRan") is None
    assert any(v["blocked"] == "inline" for v in page.evaluate("window.__violations"))


def test_script_in_a_practitioner_bio_is_shown_as_text_and_never_runs(live_server, watched_page, screenshot):
    practitioner = PractitionerFactory(bio=f"Ten years of SMP. {INJECTED}")
    practitioner_refresh_summary(practitioner=practitioner)
    page = watched_page

    page.goto(f"{live_server.url}{practitioner.get_absolute_url()}")
    page.wait_for_load_state("load")

    assert page.evaluate("window.pwned") is None
    assert INJECTED in page.inner_text(".bio")
    assert page.locator(".bio script").count() == 0
    # The escaping stopped it, so the CSP never had to: no violation on a real page.
    assert page.evaluate("window.__violations") == []
    screenshot(page, "csp-bio-escaped")


def test_script_in_a_review_is_shown_as_text_and_never_runs(live_server, watched_page):
    practitioner = PractitionerFactory()
    ReviewFactory(practitioner=practitioner, text=f"Lovely result. {INJECTED} Would go again.")
    practitioner_refresh_summary(practitioner=practitioner)
    page = watched_page

    page.goto(f"{live_server.url}{practitioner.get_absolute_url()}")
    page.wait_for_load_state("load")

    assert page.evaluate("window.pwned") is None
    assert INJECTED in page.inner_text("body")
    assert page.evaluate("window.__violations") == []


def test_site_pages_load_without_any_csp_violation(live_server, watched_page):
    """The site's own pages need nothing the policy forbids (no inline script or style)."""
    practitioner = PractitionerFactory()
    practitioner_refresh_summary(practitioner=practitioner)
    page = watched_page
    for address in ("/", "/practitioners/?near=Miami", practitioner.get_absolute_url(), "/guide/"):
        page.goto(f"{live_server.url}{address}")
        page.wait_for_load_state("load")
        assert page.evaluate("window.__violations") == [], address
