"""A verifier's day in a real browser: log in, open the oldest certificate, see the document,
approve it and find it verified on the public profile; reject another with a reason that
reaches the owner."""

import os
import re
from datetime import date, timedelta

import pytest
from django.core import mail
from django.core.files.base import ContentFile
from django.urls import reverse
from django.utils import timezone
from django.utils.dateformat import format as date_format

from practitioners.models import Certification, CredentialStatus
from practitioners.services import practitioner_refresh_summary
from practitioners.services.verification import REJECTION_TEMPLATES

from .factories import CertificationFactory, LicenceFactory, PortfolioItemFactory, image_bytes

try:
    from .browser import browser_type_launch_args, screenshot  # noqa: F401
except ImportError:  # the shared module is missing: launch Debian's Chromium ourselves
    CHROMIUM_ARGS = [
        "--no-sandbox",
        "--disable-gpu",
        "--disable-dev-shm-usage",
        "--disable-background-networking",
        "--disable-component-update",
        "--disable-sync",
        "--no-first-run",
    ]

    @pytest.fixture(scope="session")
    def browser_type_launch_args(browser_type_launch_args):
        return {**browser_type_launch_args, "executable_path": "/usr/bin/chromium", "args": CHROMIUM_ARGS}

    @pytest.fixture
    def screenshot():
        from pathlib import Path

        folder = Path(__file__).resolve().parent.parent / "test-artifacts"
        folder.mkdir(exist_ok=True)

        def take(page, name):
            path = folder / f"{name}.png"
            page.screenshot(path=str(path), full_page=True)
            return path

        return take


os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

PASSWORD = "correct horse battery staple"


@pytest.fixture
def waiting_certificates(practitioner, clinic):
    """The practitioner has everything for the badge but the certificate; two are waiting."""
    LicenceFactory(practitioner=practitioner, verified=True)
    LicenceFactory(clinic=clinic, premises=True, verified=True)
    for months in (6, 9, 14):
        PortfolioItemFactory(practitioner=practitioner, months_since_treatment=months)
    oldest = CertificationFactory(
        practitioner=practitioner,
        issuing_body="Northern SMP Academy",
        certificate_number="NSA-1001",
        document_sha256="a" * 64,
    )
    Certification.objects.filter(pk=oldest.pk).update(created_at=timezone.now() - timedelta(days=6))
    newer = CertificationFactory(
        practitioner=practitioner,
        issuing_body="Weekend Pigment Course",
        certificate_number="WPC-7",
        document=ContentFile(image_bytes("PNG", size=(600, 420), colour=(240, 236, 220)), name="scan.png"),
        document_sha256="b" * 64,
    )
    practitioner_refresh_summary(practitioner=practitioner)
    return oldest, newer


def log_in_to_admin(page, live_server, user):
    page.goto(f"{live_server.url}{reverse('admin:login')}")
    page.fill("#id_username", user.get_username())
    page.fill("#id_password", PASSWORD)
    page.click("input[type=submit]")
    page.wait_for_url(f"{live_server.url}{reverse('admin:index')}")


def test_verifier_approves_the_oldest_certificate_and_rejects_another(
    page, live_server, verifier, owner, practitioner, waiting_certificates, screenshot
):
    oldest, newer = waiting_certificates
    page.set_viewport_size({"width": 1280, "height": 900})
    problems = []  # CSP refusals and failed requests would show up here
    page.on(
        "console",
        lambda m: (
            m.type == "error" and not m.text.startswith("Failed to load resource") and problems.append(m.text)
        ),
    )
    page.on(
        "response",
        lambda r: r.status >= 400 and not r.url.endswith("/favicon.ico") and problems.append(r.url),
    )

    log_in_to_admin(page, live_server, verifier)
    page.click("text=Open the work queue")
    page.wait_for_selector("#certifications")
    screenshot(page, "staff-queue-1280")

    # The queue opens on the oldest certificate first.
    first_row = page.locator("#certifications tbody tr").first
    assert "Northern SMP Academy" in first_row.inner_text()
    document_url = reverse("staff:document", args=["certification", oldest.pk])
    with page.expect_response(lambda r: r.url.endswith(document_url)) as document:
        first_row.get_by_role("link", name="Northern SMP Academy no. NSA-1001").click()
    assert document.value.status == 200
    assert document.value.headers["content-type"] == "application/pdf"
    frame = page.locator("iframe.staff-document")
    assert frame.get_attribute("src") == document_url
    assert frame.bounding_box()["height"] > 300
    assert "NSA-1001" in page.inner_text(".staff-facts")
    screenshot(page, "staff-credential-review-1280")

    page.fill("#id_approve-note", "Checked the certificate number with the academy.")
    page.get_by_role("button", name="Verify").click()
    page.wait_for_url(f"{live_server.url}{reverse('admin:practitioners_queue')}")
    assert "verified. The clinic has been e-mailed." in page.inner_text(".messagelist")
    oldest.refresh_from_db()
    assert oldest.status == CredentialStatus.VERIFIED
    assert oldest.reviewer == verifier

    # The public profile now shows the certificate verified, with the date.
    page.goto(f"{live_server.url}{practitioner.get_absolute_url()}")
    today = date_format(timezone.localdate(), "j M Y")
    body = page.inner_text("main")
    assert "Northern SMP Academy" in body
    assert re.search(rf"Verified by staff on {re.escape(today)}", body), body

    # The image scan is shown as an image; rejecting it with an edited template reaches the owner.
    mail.outbox.clear()
    page.goto(f"{live_server.url}{reverse('admin:practitioners_certification_review', args=[newer.pk])}")
    image = page.locator("img.staff-document")
    image.wait_for()
    assert page.evaluate("document.querySelector('img.staff-document').naturalWidth") == 600
    key, label, text = REJECTION_TEMPLATES[4]  # wrong kind of document
    page.select_option("#id_reject-template", key)
    assert page.input_value("#id_reject-reason") == text  # filled in by staff.js, still editable
    page.fill("#id_reject-reason", text + " A weekend course is not an SMP apprenticeship.")
    page.get_by_role("button", name="Reject").click()
    page.wait_for_url(f"{live_server.url}{reverse('admin:practitioners_queue')}")

    newer.refresh_from_db()
    assert newer.status == CredentialStatus.REJECTED
    [message] = [m for m in mail.outbox if owner.email in m.to]
    assert "could not verify" in message.subject
    assert "A weekend course is not an SMP apprenticeship." in message.body
    assert problems == []


def test_staff_screens_fit_a_small_screen(page, live_server, verifier, waiting_certificates, screenshot):
    oldest, _ = waiting_certificates
    page.set_viewport_size({"width": 360, "height": 780})
    log_in_to_admin(page, live_server, verifier)
    for name, url in (
        ("staff-queue-360", reverse("admin:practitioners_queue")),
        (
            "staff-credential-review-360",
            reverse("admin:practitioners_certification_review", args=[oldest.pk]),
        ),
    ):
        page.goto(f"{live_server.url}{url}")
        screenshot(page, name)
        overflow = page.evaluate(
            "document.documentElement.scrollWidth - document.documentElement.clientWidth"
        )
        assert overflow <= 0, f"{name} scrolls sideways by {overflow}px"


def test_staff_without_the_group_cannot_decide_in_the_browser(
    page, live_server, staff_without_group, waiting_certificates
):
    oldest, _ = waiting_certificates
    log_in_to_admin(page, live_server, staff_without_group)
    page.goto(f"{live_server.url}{reverse('admin:practitioners_certification_review', args=[oldest.pk])}")
    assert page.locator("form.staff-decision").count() == 0
    assert page.locator(".staff-document").count() == 0
    assert "Read only" in page.inner_text("#decide")
    response = page.goto(f"{live_server.url}{reverse('staff:document', args=['certification', oldest.pk])}")
    assert response.status == 404
    oldest.refresh_from_db()
    assert oldest.status == CredentialStatus.PENDING
    assert date.today()  # the clock was not touched
