import json
import re
from datetime import timedelta
from unittest import mock

import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from practitioners.models import CredentialStatus, ModerationStatus, PortfolioStage, Practitioner
from practitioners.services import practitioner_refresh_summary
from reviews.models import ReviewStatus
from reviews.profile import reviews_context
from reviews.services import review_reply

from .factories import (
    CertificationFactory,
    PortfolioItemFactory,
    PractitionerFactory,
    ReviewFactory,
    make_vetted_practitioner,
)
from .factories import (
    TestimonialFactory as ClinicTestimonialFactory,
)

pytestmark = pytest.mark.django_db


def _without_csrf(html: str) -> str:
    return re.sub(r'name="csrfmiddlewaretoken" value="[^"]*"', "", html)


def mock_today(day):
    return mock.patch("practitioners.views.profile.timezone.localdate", return_value=day)


def _profile(client, p, **params):
    return client.get(reverse("practitioners:profile", args=[p.slug]), params)


def _json_ld(html: str) -> dict:
    match = re.search(r'<script type="application/ld\+json">(.*?)</script>', html, re.DOTALL)
    assert match, "no JSON-LD block"
    return json.loads(match.group(1))


@pytest.mark.smoke
def test_profile_shows_every_check_with_how_we_know_it(client):
    p = make_vetted_practitioner(name="Vera Vetted")
    response = _profile(client, p)
    assert response.status_code == 200
    html = response.content.decode()
    checklist = response.context["checklist"]
    assert len(checklist.items) == 12
    for item in checklist:
        assert item.title in html
    today = timezone.localdate()
    assert f"Verified by staff on {today:%-d %b %Y}" in html
    assert "Stated by the clinic" in html
    assert 'class="badge badge--vetted"' in html


@pytest.mark.parametrize("status", ["draft", "suspended"])
@pytest.mark.parametrize("page", ["practitioners:profile", "practitioners:questions"])
def test_unpublished_practitioner_pages_are_404(client, status, page):
    p = PractitionerFactory(status=status)
    response = client.get(reverse(page, args=[p.slug]))
    assert response.status_code == 404
    assert p.name not in response.content.decode()


def test_unknown_slug_is_a_friendly_404(client):
    response = client.get("/practitioners/nobody-here/")
    assert response.status_code == 404
    assert "We couldn't find that page" in response.content.decode()


def test_pending_and_rejected_credentials_are_never_shown_as_verified(client):
    p = PractitionerFactory()
    CertificationFactory(practitioner=p, issuing_body="Pending Academy", certificate_number="PEND-1")
    CertificationFactory(
        practitioner=p,
        issuing_body="Rejected Academy",
        certificate_number="REJ-1",
        status=CredentialStatus.REJECTED,
        reason="Unreadable scan",
    )
    html = _profile(client, p).content.decode()
    assert "Pending Academy" in html
    assert "Sent to us, not checked yet" in html
    assert "Rejected Academy" not in html and "REJ-1" not in html and "Unreadable scan" not in html
    credentials = html[html.index('id="credentials"') :]
    assert "Verified by staff" not in credentials[: credentials.index('id="training"')]


def test_expired_certificate_is_shown_as_expired(client):
    p = PractitionerFactory()
    CertificationFactory(
        practitioner=p,
        verified=True,
        issued_on=timezone.localdate() - timedelta(days=800),
        expires_on=timezone.localdate() - timedelta(days=3),
    )
    html = _profile(client, p).content.decode()
    assert "Expired on" in html
    assert response_has_no_verified_certificate(html)


def response_has_no_verified_certificate(html: str) -> bool:
    section = html[html.index('id="credentials"') : html.index('id="training"')]
    return "Verified by staff" not in section


def test_profile_never_links_to_a_private_document(client):
    p = make_vetted_practitioner()
    html = _profile(client, p).content.decode()
    for credential in [*p.certifications.all(), *p.licences.all()]:
        assert credential.document.name not in html
    for item in p.portfolio_items.all():
        assert item.original.name not in html
    assert "/documents/" not in html
    assert "certificate.pdf" not in html


def test_only_approved_portfolio_items_are_shown_grouped_by_stage(client):
    p = PractitionerFactory()
    healed = PortfolioItemFactory(practitioner=p, months_since_treatment=7)
    fresh = PortfolioItemFactory(practitioner=p, stage=PortfolioStage.FRESH, months_since_treatment=0)
    before = PortfolioItemFactory(practitioner=p, stage=PortfolioStage.BEFORE, months_since_treatment=None)
    pending = PortfolioItemFactory(practitioner=p, status=ModerationStatus.PENDING)
    rejected = PortfolioItemFactory(practitioner=p, status=ModerationStatus.REJECTED, reason="Blurred")
    html = _profile(client, p).content.decode()
    for shown in (healed, fresh, before):
        assert shown.thumbnail.url in html and shown.display.url in html
    for hidden in (pending, rejected):
        assert hidden.thumbnail.url not in html and hidden.display.url not in html
    headings = re.findall(r'<h3 class="gallery__heading">(\w[\w ]*?) <span', html)
    assert headings == ["Before treatment", "Freshly treated", "Healed"]
    assert "7 months after" in html


def test_profile_shows_the_licensing_rule_with_source_and_review_date(client):
    p = make_vetted_practitioner()
    rule = p.clinics.first().jurisdiction
    html = _profile(client, p).content.decode()
    assert "What the law asks here" in html
    assert f'href="{rule.source_url}"' in html
    assert f"Last reviewed by our staff on {rule.last_reviewed:%-d %b %Y}" in html


def test_profile_shows_clinic_address_with_a_map_link_and_report_links(client):
    p = PractitionerFactory()
    clinic = p.clinics.first()
    html = _profile(client, p).content.decode()
    assert clinic.address_line in html
    assert "https://www.openstreetmap.org/?mlat=" in html
    assert reverse("reviews:report", args=[p.slug]) in html
    assert reverse("reviews:write", args=[p.slug]) in html
    assert reverse("practitioners:questions", args=[p.slug]) in html


def test_unpublished_reviews_and_testimonials_are_not_rendered(client):
    p = PractitionerFactory()
    ReviewFactory(practitioner=p, text="Published words about the hairline.")
    ReviewFactory(practitioner=p, status=ReviewStatus.PENDING, text="Pending secret words.")
    ReviewFactory(practitioner=p, status=ReviewStatus.REJECTED, text="Rejected secret words.")
    ClinicTestimonialFactory(
        practitioner=p, quote="Pending testimonial words.", status=ModerationStatus.PENDING
    )
    html = _profile(client, p).content.decode()
    assert "Published words about the hairline." in html
    for hidden in ("Pending secret words.", "Rejected secret words.", "Pending testimonial words."):
        assert hidden not in html


def test_seo_tags_canonical_description_and_open_graph(client, settings):
    settings.SITE_URL = "https://smpfinder.example"
    p = make_vetted_practitioner(name="Vera Vetted")
    html = _profile(client, p).content.decode()
    url = f"https://smpfinder.example/practitioners/{p.slug}/"
    assert f'<link rel="canonical" href="{url}">' in html
    assert f'<meta property="og:url" content="{url}">' in html
    assert '<meta property="og:title" content="Vera Vetted' in html
    description = re.search(r'<meta name="description" content="([^"]*)">', html).group(1)
    assert "Vera Vetted" in description and len(description) <= 160


def test_json_ld_describes_the_practitioner(client, settings):
    settings.SITE_URL = "https://smpfinder.example"
    p = make_vetted_practitioner(name="Vera Vetted")
    data = _json_ld(_profile(client, p).content.decode())
    assert data["@context"] == "https://schema.org"
    assert data["@type"] == "Person"
    assert data["name"] == "Vera Vetted"
    assert data["url"] == f"https://smpfinder.example/practitioners/{p.slug}/"
    assert data["worksFor"][0]["address"]["addressLocality"] == "Miami"
    assert data["hasCredential"][0]["recognizedBy"]["name"] == "Northern SMP Academy"


def test_json_ld_escapes_user_text_so_it_cannot_close_the_script(client):
    evil = '</script><script>alert("x")</script> & <!--'
    p = PractitionerFactory(name="Eve </script><b>", bio=evil)
    html = _profile(client, p).content.decode()
    assert "<script>alert" not in html
    assert "<b>" not in html
    data = _json_ld(html)
    assert data["name"] == "Eve </script><b>"
    assert data["description"] == evil
    assert "&lt;/script&gt;&lt;b&gt;" in html  # the visible name is HTML-escaped


@pytest.mark.parametrize("count", [1, 20])
def test_profile_runs_a_fixed_number_of_queries(client, django_assert_num_queries, count, rf):
    p = make_vetted_practitioner()
    for n in range(count):
        PortfolioItemFactory(practitioner=p, stage=PortfolioStage.FRESH, months_since_treatment=0)
        ReviewFactory(practitioner=p, text=f"Review number {n}")
    # The reviews section's own queries (its engineer keeps them fixed) are measured separately.
    request = rf.get("/")
    with CaptureQueriesContext(connection) as reviews_queries:
        reviews_context(request, Practitioner.objects.get(pk=p.pk))
    # The version of the practitioner (the cache key), the practitioner and what
    # for_checklist() prefetches (certificates, licences, clinics, premises licences, their
    # reviewers and rules, portfolio), specialties, languages, and the regional price medians.
    ours = 13
    with django_assert_num_queries(ours + len(reviews_queries)):
        response = _profile(client, p)
    assert response.status_code == 200
    # Rendered once, the same page is served from the cache with one query.
    with django_assert_num_queries(1):
        again = _profile(client, p)
    assert _without_csrf(again.text) == _without_csrf(response.text)


def test_a_change_made_through_a_service_replaces_the_cached_profile(client, owner, practitioner):
    review = ReviewFactory(practitioner=practitioner, text="Lovely natural hairline.")
    practitioner_refresh_summary(practitioner=practitioner)
    assert "Thanks for coming in" not in _profile(client, practitioner).text

    review_reply(review=review, user=owner, text="Thanks for coming in")

    assert "Thanks for coming in" in _profile(client, practitioner).text


def test_a_new_day_renders_the_profile_again(client, practitioner, django_assert_num_queries):
    _profile(client, practitioner)
    with django_assert_num_queries(1):
        _profile(client, practitioner)
    with mock_today(timezone.localdate() + timedelta(days=1)), CaptureQueriesContext(connection) as queries:
        _profile(client, practitioner)
    assert len(queries) > 1


def test_the_shortlist_button_is_each_visitors_own(client, practitioner):
    other_visitor = Client()
    client.post(reverse("practitioners:shortlist-toggle", args=[practitioner.slug]), {"action": "add"})
    assert "Remove from shortlist" in _profile(client, practitioner).text
    assert "Add to shortlist" in _profile(other_visitor, practitioner).text
    assert "Remove from shortlist" not in _profile(other_visitor, practitioner).text


def test_question_sheet_asks_about_what_is_not_verified(client):
    p = make_vetted_practitioner(name="Vera Vetted")
    response = client.get(reverse("practitioners:questions", args=[p.slug]))
    assert response.status_code == 200
    html = response.content.decode()
    keys = {entry["item"].key for entry in response.context["to_ask"]}
    assert "certification" not in keys  # verified by staff: nothing to ask
    assert {"hygiene", "pigment", "consultation", "aftercare"} <= keys
    assert "Does the treatment room have its own sink?" in html
    assert "Needles come out of sealed, single-use packs" in html
    assert "Print this page" in html


def test_question_sheet_for_an_unchecked_practitioner_asks_for_the_certificate(client):
    p = PractitionerFactory()
    html = client.get(reverse("practitioners:questions", args=[p.slug])).content.decode()
    assert "Can I see your SMP certificate?" in html
    assert "May I see photos of your work after it healed" in html


def test_json_ld_rating_counts_published_reviews_and_never_testimonials(client):
    p = make_vetted_practitioner()
    ReviewFactory(practitioner=p, rating=5)
    ReviewFactory(practitioner=p, rating=2)
    ReviewFactory(practitioner=p, rating=1, status=ReviewStatus.PENDING)
    ClinicTestimonialFactory(practitioner=p)
    practitioner_refresh_summary(practitioner=p)

    rating = _json_ld(_profile(client, p).content.decode())["aggregateRating"]

    assert rating["reviewCount"] == 2
    assert rating["ratingValue"] == "3.50"


def test_json_ld_has_no_rating_without_reviews(client):
    p = make_vetted_practitioner()
    ClinicTestimonialFactory(practitioner=p)
    assert "aggregateRating" not in _json_ld(_profile(client, p).content.decode())
