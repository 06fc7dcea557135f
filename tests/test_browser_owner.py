"""A new clinic owner in a real browser: sign up, confirm the e-mail from the link in the
message, set up a clinic and a practitioner, send a certificate and three healed photos, and
see all four waiting for staff. Screenshots at 1280 and 360 px go to test-artifacts/."""

import io
import re

import pytest
from axe_playwright_python.sync_playwright import Axe
from django.urls import reverse
from playwright.sync_api import expect
from pypdf import PdfWriter

from practitioners.demo_images import draw_scalp
from practitioners.models import Certification, Clinic, PortfolioItem, Practitioner

from .browser import *  # noqa: F403 (Chromium launch arguments, media URLs, screenshots)

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

NARROW, WIDE = 360, 1280
PASSWORD = "north-harbour-lantern-58"


def _certificate_pdf() -> bytes:
    writer = PdfWriter()
    writer.add_blank_page(width=595, height=842)
    buffer = io.BytesIO()
    writer.write(buffer)
    return buffer.getvalue()


def _serious(page) -> list[str]:
    results = Axe().run(page)
    return [
        f"{v['id']} ({v['impact']}): {v['help']} — {[n['target'] for n in v['nodes']][:3]}"
        for v in results.response["violations"]
        if v["impact"] in ("serious", "critical")
    ]


WIDER_THAN_SCREEN = """width => [...document.querySelectorAll('body *')]
  .filter(e => e.getBoundingClientRect().right > width + 1)
  .slice(-5).map(e => e.tagName.toLowerCase() + '.' + [...e.classList].join('.'))"""


def _fits(page, width: int) -> None:
    too_wide = page.evaluate(WIDER_THAN_SCREEN, width)
    assert page.evaluate("document.documentElement.scrollWidth") <= width, (
        f"{page.url} scrolls sideways: {too_wide}"
    )


def test_new_owner_signs_up_and_sends_documents_and_photos(
    browser, live_server, mailoutbox, media_urls, screenshot
):
    context = browser.new_context(viewport={"width": WIDE, "height": 900})
    page = context.new_page()
    errors = []
    page.on("pageerror", lambda exc: errors.append(str(exc)))
    page.on("console", lambda msg: msg.type == "error" and errors.append(msg.text))
    url = live_server.url

    # Sign up.
    page.goto(url + reverse("account_signup"))
    assert _serious(page) == []
    screenshot(page, "owner-signup-1280")
    page.get_by_label("Email").fill("maya@harbourscalp.example")
    page.get_by_label("Password", exact=True).fill(PASSWORD)
    page.get_by_label("Password (again)").fill(PASSWORD)
    page.get_by_role("button", name="Create account").click()
    page.get_by_role("heading", name="Check your e-mail").wait_for()

    # Confirm the address with the link from the e-mail.
    (message,) = mailoutbox
    link = re.search(r"http://\S+/accounts/confirm-email/\S+", message.body).group(0)
    page.goto(url + "/" + link.split("/", 3)[3])
    page.get_by_role("button", name="Yes, confirm my address").click()
    page.get_by_role("heading", name="Your dashboard").wait_for()
    expect(page.get_by_text("Start with your clinic")).to_be_visible()

    # Set up the clinic.
    page.get_by_role("link", name="Set up a clinic").first.click()
    page.get_by_label("Clinic name").fill("Harbour Scalp Studio")
    page.get_by_label("Street address").fill("12 Ocean Drive")
    page.get_by_label("Town or city").fill("Miami")
    page.get_by_label("ZIP code or postcode").fill("33139")
    page.get_by_label("State (US) or nation (UK)").select_option("FL")
    page.get_by_label("Every treatment room has its own sink").select_option("true")
    page.get_by_label("Needles are single-use").select_option("true")
    page.get_by_label("The practitioner wears gloves and a mask").select_option("true")
    page.get_by_label("Consultation before treatment").select_option("free")
    page.get_by_label("Lowest typical price per session").fill("700")
    page.get_by_label("Highest typical price per session").fill("1100")
    screenshot(page, "owner-clinic-form-1280")
    page.get_by_role("button", name="Create the clinic").click()
    page.get_by_text("Harbour Scalp Studio is set up").wait_for()
    expect(page.get_by_role("heading", name="Licensing where you are")).to_be_visible()

    # Add a practitioner.
    page.get_by_role("link", name="Add a practitioner").first.click()
    page.get_by_label("Full name").fill("Maya Torres")
    assert page.get_by_label("Harbour Scalp Studio").is_checked()
    page.get_by_label("About this practitioner").fill("Builds density gradually over three sessions.")
    page.get_by_label("Trained by (trainer or academy)").fill("Northern SMP Academy")
    page.get_by_label("Pigment used").select_option("smp")
    page.get_by_label("Sessions a typical treatment takes").fill("3")
    page.get_by_label("Scar camouflage").check()
    page.get_by_role("button", name="Save as a draft").click()
    page.get_by_role("heading", name="Maya Torres").wait_for()
    assert "Upload a practitioner licence for Miami: Florida requires one." in page.content()

    # Send the certificate.
    page.get_by_role("link", name="Upload a certificate").click()
    page.get_by_label("Issued by (academy or trainer)").fill("Northern SMP Academy")
    page.get_by_label("Certificate number").fill("NSA-2041")
    page.get_by_label("Date issued").fill("2023-04-01")
    page.get_by_label("Document").set_input_files(
        {"name": "certificate.pdf", "mimeType": "application/pdf", "buffer": _certificate_pdf()}
    )
    page.get_by_role("button", name="Send to our staff").click()
    page.get_by_text("Our staff will check the certificate").wait_for()

    # Three healed photos, each with the client's consent.
    page.get_by_role("link", name="Add or arrange photos").click()
    for seed, months in ((3, "6"), (4, "9"), (5, "14")):
        page.get_by_label("Photo", exact=True).set_input_files(
            {"name": f"client-{seed}.jpg", "mimeType": "image/jpeg", "buffer": draw_scalp("healed", seed)}
        )
        page.get_by_label("What the photo shows").select_option("healed")
        page.get_by_label("Months since the last session").fill(months)
        page.get_by_label("Sessions done").fill("3")
        page.get_by_label("Treatment", exact=True).select_option("density")
        page.get_by_label("The client agreed").check()
        page.get_by_role("button", name="Upload").click()
        page.get_by_text("Photo added.").wait_for()
    assert page.locator(".dash-gallery__item").count() == 3
    assert page.locator(".dash-gallery__item .status--pending").count() == 3
    assert _serious(page) == []
    screenshot(page, "owner-portfolio-1280")

    # Everything sent is waiting for staff, and the dashboard says so.
    page.get_by_role("link", name="Maya Torres").first.click()
    assert page.locator(".dash-credentials .status--pending").count() == 1
    assert page.locator(".dash-thumbs .status--pending").count() == 3
    assert _serious(page) == []
    screenshot(page, "owner-practitioner-1280")
    page.get_by_role("link", name="Dashboard", exact=True).first.click()
    page.get_by_role("heading", name="Your dashboard").wait_for()
    expect(page.get_by_role("link", name="Maya Torres")).to_be_visible()
    assert _serious(page) == []
    screenshot(page, "owner-dashboard-1280")

    practitioner = Practitioner.objects.get(name="Maya Torres")
    assert practitioner.status == "draft"
    assert Clinic.objects.get().memberships.get().user.email == "maya@harbourscalp.example"
    assert Certification.objects.get(practitioner=practitioner).status == "pending"
    assert (
        list(PortfolioItem.objects.filter(practitioner=practitioner).values_list("status", flat=True))
        == ["pending"] * 3
    )

    # The same pages on a phone: nothing scrolls sideways.
    phone = browser.new_context(
        viewport={"width": NARROW, "height": 780}, storage_state=context.storage_state()
    )
    small = phone.new_page()
    small.on("console", lambda msg: msg.type == "error" and errors.append(msg.text))
    for name, path in [
        ("dashboard", reverse("dashboard:home")),
        ("practitioner", reverse("dashboard:practitioner-detail", args=[practitioner.slug])),
        ("practitioner-form", reverse("dashboard:practitioner-edit", args=[practitioner.slug])),
        ("portfolio", reverse("dashboard:portfolio", args=[practitioner.slug])),
        ("clinic-form", reverse("dashboard:clinic-edit", args=[Clinic.objects.get().slug])),
        ("certificate", reverse("dashboard:certification-edit", args=[practitioner.certifications.get().pk])),
    ]:
        small.goto(url + path)
        _fits(small, NARROW)
        screenshot(small, f"owner-{name}-360")
    small.goto(url + reverse("account_logout"))
    small.get_by_role("button", name="Log out").last.click()
    small.goto(url + reverse("account_login"))
    _fits(small, NARROW)
    assert _serious(small) == []
    screenshot(small, "owner-login-360")
    assert errors == []
    phone.close()
    context.close()
