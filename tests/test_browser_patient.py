"""A patient's journey in a real browser: search a city, narrow, open a profile, shortlist two
practitioners and compare them; accessibility checks with axe-core and screenshots at 1280 and
360 px (saved under test-artifacts/)."""

import pytest
from axe_playwright_python.sync_playwright import Axe
from django.core.files.base import ContentFile
from django.urls import reverse
from playwright.sync_api import expect

from practitioners.demo_images import draw_scalp
from practitioners.models import Practitioner
from practitioners.services import practitioner_refresh_summary

from .browser import *  # noqa: F403 (Chromium launch arguments, media URLs, screenshots)
from .factories import ClinicFactory, PortfolioItemFactory, PractitionerFactory, make_vetted_practitioner

# serialized_rollback: a transactional test empties every table when it ends; this puts back
# the reference data the migrations load (licensing rules, specialties, the Verifiers group).
pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True, serialized_rollback=True)]

NARROW, WIDE = 360, 1280


def _photo(stage: str, seed: int, months):
    return dict(
        stage=stage,
        months_since_treatment=months,
        display=ContentFile(draw_scalp(stage, seed, size=(640, 480)), name="display.jpg"),
        thumbnail=ContentFile(draw_scalp(stage, seed, size=(320, 240)), name="thumb.jpg"),
    )


@pytest.fixture
def directory(media_urls):
    """Three vetted practitioners in Miami (two with a free consultation), one not vetted,
    one in London, and a suspended one that must never show."""
    people = []
    for n, name in enumerate(["Ana Alvarez", "Ben Brooks", "Carla Cruz"]):
        clinic = ClinicFactory(
            name=f"{name.split()[1]} Scalp Studio",
            consultation="free" if n < 2 else "paid",
            consultation_price=None if n < 2 else 75,
            latitude=25.7743 + n * 0.01,
        )
        p = make_vetted_practitioner(name=name, clinics=[clinic], years_practising=4 + n * 3)
        p.portfolio_items.all().delete()
        for months in (6, 11, 16):
            PortfolioItemFactory(practitioner=p, **_photo("healed", n * 10 + months, months))
        PortfolioItemFactory(practitioner=p, **_photo("fresh", n * 10, 0))
        PortfolioItemFactory(practitioner=p, **_photo("before", n * 10, None))
        practitioner_refresh_summary(practitioner=p)
        people.append(p)
    unvetted = PractitionerFactory(name="Dan Unchecked")
    practitioner_refresh_summary(practitioner=unvetted)
    hidden = PractitionerFactory(name="Sid Suspended", status="suspended")
    return {"vetted": people, "unvetted": unvetted, "hidden": hidden}


def _serious(page) -> list[str]:
    results = Axe().run(page)
    return [
        f"{v['id']} ({v['impact']}): {v['help']} — {[n['target'] for n in v['nodes']][:3]}"
        for v in results.response["violations"]
        if v["impact"] in ("serious", "critical")
    ]


def _fits(page, width: int) -> None:
    assert page.evaluate("document.documentElement.scrollWidth") <= width, f"{page.url} scrolls sideways"


def test_patient_searches_narrows_opens_profile_shortlists_and_compares(
    browser, live_server, directory, screenshot
):
    context = browser.new_context(viewport={"width": WIDE, "height": 900})
    page = context.new_page()
    errors = []
    page.on("pageerror", lambda exc: errors.append(str(exc)))
    page.on("console", lambda msg: msg.type == "error" and errors.append(msg.text))

    page.goto(live_server.url + reverse("home"))
    assert _serious(page) == []
    screenshot(page, "home-1280")
    page.get_by_label("Town, US ZIP code or UK postcode").fill("Miami")
    page.get_by_role("button", name="Search", exact=True).click()
    page.wait_for_url("**/practitioners/?near=Miami*")

    cards = page.locator("ol.results article")
    assert cards.count() == 3
    assert "within 40 km of Miami" in page.locator("h1").inner_text()
    assert "Dan Unchecked" not in page.content() and "Sid Suspended" not in page.content()
    assert _serious(page) == []
    screenshot(page, "search-1280")

    # Narrow: free consultation only (the extra filters are open on a wide screen).
    page.get_by_label("Free consultation").check()
    page.locator("form.search-form").get_by_role("button", name="Search", exact=True).click()
    page.wait_for_url("**free_consultation=1*")
    assert "radius=" in page.url and "near=Miami" in page.url  # the search stays shareable
    assert cards.count() == 2
    names = cards.locator("h2").all_inner_texts()
    assert "Carla Cruz" not in names

    # Shortlist the first from its card (JavaScript posts it in the background).
    cards.first.get_by_role("button", name="Add to shortlist").click()
    page.locator("[data-shortlist-count]").filter(has_text="1").wait_for()

    # Open the second profile: checklist, evidence and grouped photos.
    page.get_by_role("link", name=names[1], exact=True).click()
    page.wait_for_url(f"**/practitioners/{Practitioner.objects.get(name=names[1]).slug}/")
    assert page.locator("ol.checklist > li").count() == 12
    expect(page.get_by_text("Verified by staff on").first).to_be_visible()
    assert page.locator(".gallery__heading").all_inner_texts()[0].startswith("Before treatment")
    assert page.locator(".gallery__item").count() == 5
    assert _serious(page) == []
    screenshot(page, "profile-1280")
    page.locator(".gallery__item a").last.click()
    page.locator(".lightbox img").wait_for(state="visible")  # the script opens it after the click
    page.keyboard.press("Escape")
    expect(page.locator(".lightbox")).to_have_count(0)
    page.get_by_role("button", name="Add to shortlist").click()
    page.locator("[data-shortlist-count]").filter(has_text="2").wait_for()

    # Compare the two from the shortlist.
    page.get_by_role("link", name="Shortlist").click()
    page.wait_for_url("**/shortlist/")
    for box in page.locator("input[name=p]").all():
        box.check()
    screenshot(page, "shortlist-1280")
    page.get_by_role("button", name="Compare selected").click()
    page.wait_for_url("**/compare/?p=*")
    headers = page.locator("table.compare thead th").all_inner_texts()
    assert len(headers) == 2 and all(any(n in h for n in names) for h in headers)
    assert page.locator("table.compare tbody tr").count() >= 12
    assert _serious(page) == []
    screenshot(page, "compare-1280")
    assert errors == []
    context.close()


def test_pages_fit_a_phone_and_a_desktop(browser, live_server, directory, screenshot):
    first = directory["vetted"][0]
    slugs = [p.slug for p in directory["vetted"]]
    pages = {
        "home": reverse("home"),
        "search": reverse("practitioners:search") + "?near=Miami&vetted=0",
        "profile": first.get_absolute_url(),
        "questions": reverse("practitioners:questions", args=[first.slug]),
        "compare": reverse("practitioners:compare") + "?" + "&".join(f"p={s}" for s in slugs),
        "shortlist": reverse("practitioners:shortlist"),
        "guide": reverse("guide"),
        "404": "/practitioners/no-such-person/",
    }
    for width in (NARROW, WIDE):
        context = browser.new_context(viewport={"width": width, "height": 800})
        page = context.new_page()
        for slug in slugs[:2]:  # something on the shortlist page
            page.goto(live_server.url + reverse("practitioners:profile", args=[slug]))
            page.get_by_role("button", name="Add to shortlist").click()
            page.locator("[data-shortlist-count]").filter(has_text=str(slugs.index(slug) + 1)).wait_for()
        for name, path in pages.items():
            page.goto(live_server.url + path)
            _fits(page, width)
            screenshot(page, f"{name}-{width}")
        context.close()


def test_axe_finds_nothing_serious_on_a_phone(browser, live_server, directory):
    context = browser.new_context(viewport={"width": NARROW, "height": 800})
    page = context.new_page()
    first = directory["vetted"][0]
    for path in [
        reverse("home"),
        reverse("practitioners:search") + "?near=Miami&vetted=0",
        first.get_absolute_url(),
        reverse("practitioners:compare") + f"?p={first.slug}&p={directory['vetted'][1].slug}",
        reverse("guide"),
    ]:
        page.goto(live_server.url + path)
        assert _serious(page) == [], path
    context.close()


def test_shortlist_and_search_work_without_javascript(browser, live_server, directory):
    context = browser.new_context(java_script_enabled=False, viewport={"width": NARROW, "height": 800})
    page = context.new_page()
    page.goto(live_server.url + reverse("practitioners:search") + "?near=Miami")
    page.locator("ol.results article").first.get_by_role("button", name="Add to shortlist").click()
    page.wait_for_load_state()
    assert "is on your shortlist" in page.content()
    assert page.locator("[data-shortlist-count]").inner_text() == "1"
    page.goto(live_server.url + reverse("practitioners:shortlist"))
    assert page.locator("ol.results article").count() == 1
    context.close()


def test_use_my_location_searches_near_the_browser(browser, live_server, directory):
    context = browser.new_context(
        geolocation={"latitude": 25.78, "longitude": -80.19}, permissions=["geolocation"]
    )
    page = context.new_page()
    page.goto(live_server.url + reverse("home"))
    page.get_by_role("button", name="Use my location instead").click()
    page.wait_for_url("**/practitioners/?*lat=25.78*")
    assert "of your location" in page.locator("h1").inner_text()
    assert page.locator("ol.results article").count() == 3
    context.close()
