import hashlib
import re
from pathlib import Path

import pytest
from django.test import RequestFactory
from django.urls import reverse

from smpfinder.views import rate_limited, server_error

from .factories import PractitionerFactory, make_vetted_practitioner

pytestmark = pytest.mark.django_db
SEED_SHINGLES = Path(__file__).parent / "data" / "seed_shingles.txt"
PATIENT_PAGES = ["home", "guide", "practitioners:search", "practitioners:compare", "practitioners:shortlist"]


@pytest.mark.smoke
def test_home_has_a_place_search_and_explains_vetting(client):
    response = client.get(reverse("home"))
    assert response.status_code == 200
    html = response.content.decode()
    assert f'action="{reverse("practitioners:search")}"' in html
    assert 'name="near"' in html and "data-geolocate" in html
    assert "What “Vetted” means here" in html
    assert f"{reverse('guide')}#red-flags" in html


@pytest.mark.smoke
def test_guide_covers_the_topics_and_publishes_the_ranking(client):
    html = client.get(reverse("guide")).content.decode()
    for anchor in ("choosing", "visit", "red-flags", "healing", "tattoo", "checks", "ranking", "faq"):
        assert f'id="{anchor}"' in html
    assert "Nobody can pay to appear, to appear higher, or to be vetted" in html
    assert "how many of the twelve checks our staff verified" in html


def _words(text: str) -> str:
    return " ".join(re.findall(r"[a-z']+", text.lower().replace("’", "'")))


def _shingles(text: str) -> set[str]:
    words = _words(text).split()
    return {
        hashlib.sha1(" ".join(words[i : i + 8]).encode(), usedforsecurity=False).hexdigest()[:12]
        for i in range(len(words) - 7)
    }


def test_guide_and_home_are_written_in_our_own_words(client):
    # Hashes of every run of eight words in the two domain articles we learnt from
    # (../shared/seeds), so the test needs neither the articles nor their text in the repo.
    seeds = set(SEED_SHINGLES.read_text().split())
    assert len(seeds) > 1000
    ours = client.get(reverse("guide")).content.decode() + client.get(reverse("home")).content.decode()
    assert not _shingles(ours) & seeds
    # The check can fail: a sentence lifted from a seed is caught.
    assert _shingles("Modern scalp micropigmentation is the result of this evolution.") & seeds


@pytest.mark.parametrize("name", PATIENT_PAGES)
def test_patient_pages_have_no_inline_script_or_style(client, name):
    html = client.get(reverse(name)).content.decode()
    assert " style=" not in html and "<style" not in html
    for tag in re.findall(r"<script[^>]*>", html):
        assert "src=" in tag or 'type="application/ld+json"' in tag


def test_robots_txt_points_at_the_sitemap(client, settings):
    settings.SITE_URL = "https://smpfinder.example"
    response = client.get("/robots.txt")
    assert response["Content-Type"].startswith("text/plain")
    body = response.content.decode()
    assert "Sitemap: https://smpfinder.example/sitemap.xml" in body
    assert "Disallow: /dashboard/" in body and "Disallow: /shortlist/" in body


@pytest.mark.smoke
def test_sitemap_lists_published_profiles_only(client, settings):
    settings.SITE_URL = "https://smpfinder.example"
    shown = make_vetted_practitioner()
    unvetted = PractitionerFactory()
    draft = PractitionerFactory(status="draft")
    suspended = PractitionerFactory(status="suspended")
    response = client.get("/sitemap.xml")
    assert response.status_code == 200
    xml = response.content.decode()
    for p in (shown, unvetted):
        assert f"<loc>https://smpfinder.example/practitioners/{p.slug}/</loc>" in xml
    for p in (draft, suspended):
        assert p.slug not in xml
    assert "<loc>https://smpfinder.example/guide/</loc>" in xml


@pytest.mark.smoke
def test_missing_page_is_a_friendly_404(client):
    response = client.get("/no-such-page/")
    assert response.status_code == 404
    html = response.content.decode()
    assert "We couldn't find that page" in html
    assert 'name="near"' in html


def test_server_error_page_renders_without_the_database():
    response = server_error(RequestFactory().get("/"))
    assert response.status_code == 500
    assert "Something went wrong on our side" in response.content.decode()


def test_rate_limited_page(rf):
    request = rf.get("/")
    request.user = None
    request.session = {}
    response = rate_limited(request)
    assert response.status_code == 429
    assert "Too many attempts" in response.content.decode()


def test_header_shows_the_shortlist_count_only_when_there_is_one(client):
    html = client.get(reverse("home")).content.decode()
    assert "data-shortlist-count hidden" in html
    p = PractitionerFactory()
    client.post(reverse("practitioners:shortlist-toggle", args=[p.slug]), {"action": "add"})
    html = client.get(reverse("home")).content.decode()
    assert "data-shortlist-count>1</span>" in html
