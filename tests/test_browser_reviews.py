"""In Chromium: a client reviews through an invite, staff publish it, the profile shows it."""

from datetime import timedelta

import pytest
from django.conf import settings
from django.test import Client
from django.urls import reverse
from django.utils import timezone
from playwright.sync_api import expect

from practitioners.models import ClinicMembership
from reviews.models import Review, ReviewStatus

from .browser import *  # noqa: F403  (Chromium launch fixtures, screenshot)
from .factories import (
    ClinicFactory,
    PractitionerFactory,
    ReviewFactory,
    ReviewInviteFactory,
    TestimonialFactory,
    UserFactory,
)

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]
PASSWORD = "correct horse battery staple"  # tests.factories.UserFactory's password


def log_in(page, live_server, user):
    """Give the browser a session for `user`, as if they had logged in."""
    client = Client()
    client.force_login(user)
    cookie = client.cookies[settings.SESSION_COOKIE_NAME]
    page.context.add_cookies([{"name": cookie.key, "value": cookie.value, "url": live_server.url}])


def test_invited_client_review_published_by_staff_appears_verified_on_profile(page, live_server, screenshot):
    from django.contrib.auth.models import Group

    practitioner = PractitionerFactory(name="Dana Whitfield")
    ReviewFactory(practitioner=practitioner, rating=2, text="Rushed consultation, uneven hairline at first.")
    from practitioners.services import practitioner_refresh_summary

    practitioner_refresh_summary(practitioner=practitioner)
    invite = ReviewInviteFactory(practitioner=practitioner, email="client@example.com")
    verifier = UserFactory(username="verifier", is_staff=True)
    verifier.groups.add(Group.objects.get(name="Verifiers"))

    # The client opens the invite link and writes the review.
    page.set_viewport_size({"width": 1280, "height": 900})
    page.goto(live_server.url + reverse("reviews:invite-review", args=[invite.token]))
    expect(page.get_by_role("heading", name="Review Dana Whitfield")).to_be_visible()
    page.get_by_role("group", name="Overall, how happy are you?").get_by_label("5 – excellent").check()
    page.get_by_role("group", name="Hygiene").get_by_label("4", exact=True).check()
    page.get_by_label("Your review").fill(
        "Clear plan over three sessions. Healed soft and even; nobody can tell."
    )
    page.get_by_label("When were you treated?").fill(
        (timezone.localdate() - timedelta(days=120)).strftime("%Y-%m")
    )
    page.get_by_label("Yes, it has healed").check()
    page.get_by_label("Your name as shown with the review").fill("Chris <b>P</b>")
    page.get_by_label("This is my own treatment").check()
    screenshot(page, "reviews-invite-form-1280")
    page.get_by_role("button", name="Send my review").click()
    expect(page.get_by_role("heading", name="Thank you")).to_be_visible()

    review = Review.objects.get(invite=invite)
    assert review.status == ReviewStatus.PENDING and review.verified_client

    # Not on the profile yet.
    page.goto(live_server.url + practitioner.get_absolute_url())
    assert page.locator("#reviews").get_by_text("Healed soft and even").count() == 0

    # Staff publish it from the admin queue.
    page.goto(live_server.url + reverse("admin:login"))
    page.get_by_label("Username").fill("verifier")
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Log in").click()
    expect(
        page.get_by_role("link", name="Log out").or_(page.get_by_role("button", name="Log out"))
    ).to_be_visible()
    page.goto(live_server.url + reverse("admin:reviews_review_changelist"))
    page.locator(f'input[name="_selected_action"][value="{review.pk}"]').check()
    page.locator('select[name="action"]').select_option("publish")
    page.get_by_role("button", name="Go", exact=True).click()
    expect(page.get_by_text("Published 1 review")).to_be_visible()

    # The profile shows it, marked verified, with the summary updated.
    page.goto(live_server.url + practitioner.get_absolute_url() + "#reviews")
    section = page.locator("#reviews")
    published = section.locator(f"#review-{review.pk}")
    expect(published.get_by_text("Healed soft and even")).to_be_visible()
    expect(published.get_by_text("Verified client")).to_be_visible()
    expect(published.get_by_text("Chris <b>P</b>")).to_be_visible()  # escaped, shown as typed
    summary = section.locator(".rating-summary")
    assert summary.locator(".rating-summary__number").inner_text() == "3.5"
    assert "From 2 published reviews" in summary.inner_text()
    assert "1 of 2 (50%) were written through a link" in summary.inner_text()
    assert summary.locator("meter").count() == 5
    practitioner.refresh_from_db()
    assert practitioner.review_count == 2 and practitioner.verified_review_count == 1
    screenshot(page, "reviews-profile-1280")


@pytest.fixture
def busy_practitioner(db):
    clinic = ClinicFactory()
    practitioner = PractitionerFactory(name="Dana Whitfield", clinics=[clinic])
    owner = UserFactory(username="owner")
    ClinicMembership.objects.create(clinic=clinic, user=owner)
    now = timezone.now()
    for n, rating in enumerate([5, 4, 5, 3, 1, 5, 4, 4, 2, 5, 5, 4]):
        ReviewFactory(
            practitioner=practitioner,
            rating=rating,
            created_at=now - timedelta(days=n * 9),
            author_name=f"Client {n}",
            text="A long unbroken word: "
            + "x" * 120
            + " and https://example.com/a/very/long/link/that/should/wrap",
            owner_reply="Thank you for coming back for the top-up." if n % 3 == 0 else "",
            owner_reply_at=now if n % 3 == 0 else None,
        )
    TestimonialFactory(
        practitioner=practitioner, quote="I finally stopped wearing a cap.", attribution="M., 2025"
    )
    from practitioners.services import practitioner_refresh_summary

    practitioner_refresh_summary(practitioner=practitioner)
    return practitioner, owner


@pytest.mark.parametrize("width", [360, 1280])
def test_review_pages_fit_the_screen(page, live_server, screenshot, busy_practitioner, width):
    practitioner, owner = busy_practitioner
    page.set_viewport_size({"width": width, "height": 800})
    public = {
        "profile": practitioner.get_absolute_url(),
        "write": reverse("reviews:write", args=[practitioner.slug]),
        "report": reverse("reviews:report", args=[practitioner.slug])
        + f"?review={practitioner.reviews.first().pk}",
    }
    owner_pages = {
        "dashboard-reviews": reverse("reviews:owner-reviews", args=[practitioner.slug]),
        "dashboard-invites": reverse("reviews:invites", args=[practitioner.slug]),
        "dashboard-testimonials": reverse("reviews:testimonials", args=[practitioner.slug]),
    }
    for name, path in public.items():
        page.goto(live_server.url + path)
        assert page.evaluate("document.documentElement.scrollWidth") <= width, name
        screenshot(page, f"reviews-{name}-{width}")
        if name == "profile":
            page.locator("#reviews").screenshot(path=str(ARTIFACTS / f"reviews-profile-section-{width}.png"))  # noqa: F405
    log_in(page, live_server, owner)
    for name, path in owner_pages.items():
        page.goto(live_server.url + path)
        assert page.evaluate("document.documentElement.scrollWidth") <= width, name
        screenshot(page, f"reviews-{name}-{width}")
