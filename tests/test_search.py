import re

import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from practitioners.models import (
    Language,
    ModerationStatus,
    Practitioner,
    PractitionerStatus,
    Specialty,
)
from practitioners.services import practitioner_refresh_summary

from .factories import (
    ClinicFactory,
    PortfolioItemFactory,
    PractitionerFactory,
    make_vetted_practitioner,
)

pytestmark = pytest.mark.django_db
SEARCH = reverse("practitioners:search")


def _london_clinic(**kwargs):
    defaults = dict(
        address_line="1 Strand",
        city="London",
        region="ENG",
        postcode="WC2N 5HR",
        country="GB",
        latitude=51.5074,
        longitude=-0.1278,
        currency="GBP",
        price_min=600,
        price_max=900,
    )
    return ClinicFactory(**{**defaults, **kwargs})


def _unvetted(**kwargs):
    p = PractitionerFactory(**kwargs)
    practitioner_refresh_summary(practitioner=p)
    p.refresh_from_db()
    return p


def _names(response) -> list[str]:
    return [p.name for p in response.context["cards"]]


def test_search_shows_only_vetted_practitioners_by_default(client):
    vetted = make_vetted_practitioner(name="Vera Vetted")
    _unvetted(name="Una Unvetted")
    response = client.get(SEARCH)
    assert response.status_code == 200
    assert _names(response) == [vetted.name]
    assert "Una Unvetted" not in response.content.decode()


def test_turning_vetted_off_shows_unvetted_practitioners_marked_clearly(client):
    make_vetted_practitioner(name="Vera Vetted")
    _unvetted(name="Una Unvetted")
    response = client.get(SEARCH, {"vetted": "0"})
    html = response.content.decode()
    assert sorted(_names(response)) == ["Una Unvetted", "Vera Vetted"]
    card = html[html.index("Una Unvetted") :]
    assert "Not vetted" in card[:2000]
    assert _names(response)[0] == "Vera Vetted"  # vetted first under "Best match"


@pytest.mark.parametrize("status", [PractitionerStatus.DRAFT, PractitionerStatus.SUSPENDED])
def test_unpublished_practitioners_never_appear_in_search(client, status):
    hidden = _unvetted(name="Hidden Person")
    Practitioner.objects.filter(pk=hidden.pk).update(status=status)
    for params in ({}, {"vetted": "0"}, {"q": "Hidden"}, {"near": "Miami", "vetted": "0"}):
        response = client.get(SEARCH, params)
        assert "Hidden Person" not in response.content.decode()


def test_badge_that_lapsed_today_is_not_shown_as_vetted(client):
    p = make_vetted_practitioner(name="Lapsed Person")
    Practitioner.objects.filter(pk=p.pk).update(vetted_until="2000-01-01")
    assert _names(client.get(SEARCH)) == []
    response = client.get(SEARCH, {"vetted": "0"})
    assert response.context["cards"][0].has_badge is False


def test_near_a_city_finds_clinics_within_the_radius_with_distance(client):
    miami = make_vetted_practitioner(name="Miami Person")
    make_vetted_practitioner(name="London Person", clinics=[_london_clinic()])
    response = client.get(SEARCH, {"near": "Miami"})
    assert _names(response) == [miami.name]
    html = response.content.decode()
    assert "within 40 km of Miami" in html
    assert re.search(r"<strong>[\d.]+ km</strong> away|under 1 km", html)


def test_near_a_uk_postcode_and_a_us_zip(client):
    make_vetted_practitioner(name="London Person", clinics=[_london_clinic()])
    make_vetted_practitioner(name="Miami Person")
    assert _names(client.get(SEARCH, {"near": "WC2N 5HR"})) == ["London Person"]
    assert _names(client.get(SEARCH, {"near": "33132"})) == ["Miami Person"]


def test_radius_and_miles(client):
    # Fort Lauderdale is about 40 km (25 miles) north of the Miami search centre.
    far = make_vetted_practitioner(
        name="Fort Person",
        clinics=[ClinicFactory(city="Fort Lauderdale", latitude=26.1224, longitude=-80.1373)],
    )
    assert far.name not in _names(client.get(SEARCH, {"near": "Miami", "radius": "20"}))
    assert far.name in _names(client.get(SEARCH, {"near": "Miami", "radius": "60"}))
    response = client.get(SEARCH, {"near": "Miami", "radius": "40", "unit": "mi"})
    assert far.name in _names(response)
    card = response.context["cards"][0]
    assert 20 < card.distance < 30  # shown in miles
    assert " mi</strong> away" in response.content.decode()


def test_browser_location_lat_lng(client):
    make_vetted_practitioner(name="Miami Person")
    response = client.get(SEARCH, {"lat": "25.77", "lng": "-80.19"})
    assert _names(response) == ["Miami Person"]
    assert "of your location" in response.content.decode()
    assert _names(client.get(SEARCH, {"lat": "51.5", "lng": "-0.12"})) == []


def test_unknown_place_says_so_with_suggestions_and_no_results(client):
    make_vetted_practitioner()
    response = client.get(SEARCH, {"near": "Mimai"})
    assert response.status_code == 200
    html = response.content.decode()
    assert "We don't know a place called “Mimai”" in html
    assert "Did you mean" in html and "near=Miami" in html
    assert response.context["cards"] == []


def test_practitioner_at_two_clinics_is_listed_once(client):
    _unvetted(name="Two Clinics", clinics=[ClinicFactory(), ClinicFactory(city="Miami Beach")])
    params = {"near": "Miami", "max_price": "5000", "free_consultation": "1", "vetted": "0"}
    response = client.get(SEARCH, params)
    assert _names(response) == ["Two Clinics"]
    assert response.context["page"].paginator.count == 1


def test_filters_narrow_the_results(client):
    scar = Specialty.objects.get(slug="scar-camouflage")
    spanish = Language.objects.get(code="es")
    a = make_vetted_practitioner(name="Ana Alpha", years_practising=12)
    a.specialties.add(scar)
    a.languages.add(spanish)
    Practitioner.objects.filter(pk=a.pk).update(rating_average=4.8, review_count=10)
    cheap_paid = ClinicFactory(price_min=300, price_max=400, consultation="paid", consultation_price=50)
    make_vetted_practitioner(name="Bob Beta", years_practising=2, clinics=[cheap_paid])
    assert _names(client.get(SEARCH, {"specialty": "scar-camouflage"})) == ["Ana Alpha"]
    assert _names(client.get(SEARCH, {"language": "es"})) == ["Ana Alpha"]
    assert _names(client.get(SEARCH, {"min_rating": "4.5"})) == ["Ana Alpha"]
    assert _names(client.get(SEARCH, {"min_years": "10"})) == ["Ana Alpha"]
    assert _names(client.get(SEARCH, {"max_price": "500"})) == ["Bob Beta"]
    assert _names(client.get(SEARCH, {"free_consultation": "1"})) == ["Ana Alpha"]
    assert sorted(_names(client.get(SEARCH, {"healed_portfolio": "1"}))) == ["Ana Alpha", "Bob Beta"]


def test_healed_portfolio_filter_needs_three_approved_healed_results(client):
    p = _unvetted(name="Few Healed")
    PortfolioItemFactory(practitioner=p)
    PortfolioItemFactory(practitioner=p, status=ModerationStatus.PENDING)
    practitioner_refresh_summary(practitioner=p)
    assert _names(client.get(SEARCH, {"vetted": "0", "healed_portfolio": "1"})) == []
    assert _names(client.get(SEARCH, {"vetted": "0"})) == ["Few Healed"]


def test_sort_orders(client):
    a = make_vetted_practitioner(name="Alpha", years_practising=3)
    b = make_vetted_practitioner(
        name="Bravo", years_practising=20, clinics=[ClinicFactory(latitude=25.9, longitude=-80.2)]
    )
    Practitioner.objects.filter(pk=a.pk).update(rating_average=4.9, review_count=3)
    Practitioner.objects.filter(pk=b.pk).update(rating_average=4.1, review_count=30)
    assert _names(client.get(SEARCH, {"sort": "rating"})) == ["Alpha", "Bravo"]
    assert _names(client.get(SEARCH, {"sort": "experience"})) == ["Bravo", "Alpha"]
    assert _names(client.get(SEARCH, {"sort": "distance", "lat": "25.95", "lng": "-80.2"})) == [
        "Bravo",
        "Alpha",
    ]


def test_distance_sort_without_a_place_says_so(client):
    make_vetted_practitioner()
    response = client.get(SEARCH, {"sort": "distance"})
    assert response.status_code == 200
    assert "Sorting by distance needs a place" in response.content.decode()


def test_relevance_puts_more_verified_checks_first(client):
    few = _unvetted(name="Few Checks")
    many = _unvetted(name="Many Checks")
    Practitioner.objects.filter(pk=few.pk).update(verified_count=2, rating_average=5, review_count=9)
    Practitioner.objects.filter(pk=many.pk).update(verified_count=9)
    assert _names(client.get(SEARCH, {"vetted": "0"})) == ["Many Checks", "Few Checks"]


def test_text_search_finds_a_name(client):
    make_vetted_practitioner(name="Jonathan Rivers")
    make_vetted_practitioner(name="Maria Lopez")
    assert _names(client.get(SEARCH, {"q": "Rivers"})) == ["Jonathan Rivers"]


def test_card_shows_first_approved_healed_thumbnail_only(client):
    p = _unvetted(name="Photo Person")
    pending = PortfolioItemFactory(practitioner=p, status=ModerationStatus.PENDING, position=0)
    approved = PortfolioItemFactory(practitioner=p, position=1)
    html = client.get(SEARCH, {"vetted": "0"}).content.decode()
    assert approved.thumbnail.url in html
    assert pending.thumbnail.url not in html
    assert pending.display.url not in html


@pytest.mark.parametrize(
    "params, named",
    [
        ({"radius": "abc"}, "radius"),
        ({"radius": "-5"}, "radius"),
        ({"radius": "1e400"}, "radius"),
        ({"lat": "91", "lng": "0"}, "lat"),
        ({"min_rating": "NaN"}, "min_rating"),
        ({"specialty": "not-a-specialty"}, "specialty"),
        ({"sort": "price"}, "sort"),
        ({"unit": "parsecs"}, "unit"),
        ({"q": "a\x00b"}, "q"),
        ({"page": "-1"}, "page"),
        ({"page": "ten"}, "page"),
    ],
)
def test_bad_parameters_are_ignored_with_a_message_naming_them(client, params, named):
    make_vetted_practitioner()
    response = client.get(SEARCH, params)
    assert response.status_code == 200
    assert f"We ignored “{named}”" in response.content.decode()
    assert len(response.context["cards"]) == 1


def test_page_past_the_end_shows_the_last_page(client):
    make_vetted_practitioner()
    response = client.get(SEARCH, {"page": "7"})
    assert response.status_code == 200
    assert response.context["page"].number == 1
    assert "only 1 pages" in response.content.decode()


def test_pagination_keeps_the_filters_in_the_url(client, settings):
    settings.SMP_SEARCH_PAGE_SIZE = 2
    for n in range(3):
        _unvetted(name=f"Person {n}")
    response = client.get(SEARCH, {"vetted": "0", "near": "Miami"})
    html = response.content.decode()
    assert "Page 1 of 2" in html
    assert 'href="?vetted=0&amp;near=Miami&amp;page=2"' in html
    second = client.get(SEARCH, {"vetted": "0", "near": "Miami", "page": "2"})
    assert len(second.context["cards"]) == 1


def _many(count: int):
    density, english = Specialty.objects.get(slug="density"), Language.objects.get(code="en")
    for _ in range(count):
        p = PractitionerFactory(clinics=[ClinicFactory()])
        p.specialties.add(density)
        p.languages.add(english)
        PortfolioItemFactory(practitioner=p)
    Practitioner.objects.update(is_vetted=True, verified_count=6, healed_count=1)


@pytest.mark.parametrize("count", [1, 20])
@pytest.mark.parametrize(
    "params",
    [{}, {"near": "Miami", "sort": "distance", "specialty": "density", "language": "en", "vetted": "0"}],
)
def test_search_runs_a_fixed_number_of_queries(client, django_assert_num_queries, count, params):
    _many(count)
    # The directory version (newest practitioner and clinic change), then count, results,
    # clinics, healed photos, and the specialty and language lists; a specialty or language
    # in the URL adds one query each to look it up.
    expected = 2 + 6 + ("specialty" in params) + ("language" in params)
    with django_assert_num_queries(expected):
        response = client.get(SEARCH, params)
    assert len(response.context["cards"]) == count
    # The same question again is answered from the cache: only the version is read.
    with django_assert_num_queries(2):
        again = client.get(SEARCH, params)
    assert again.status_code == 200
    assert again.text.count('class="card') == response.text.count('class="card')


def test_cached_results_change_as_soon_as_a_practitioner_does(client):
    _many(2)
    first = client.get(SEARCH, {"vetted": "0"}).text
    newcomer = PractitionerFactory(name="Zed Newcomer")
    assert "Zed Newcomer" not in first
    assert newcomer.name in client.get(SEARCH, {"vetted": "0"}).text


def test_cached_results_keep_each_visitors_shortlist_buttons(client):
    _many(1)
    p = Practitioner.objects.get()
    client.post(reverse("practitioners:shortlist-toggle", args=[p.slug]), {"action": "add"})
    assert "Remove from shortlist" in client.get(SEARCH, {"vetted": "0"}).text
    stranger = Client()
    page = stranger.get(SEARCH, {"vetted": "0"}).text
    assert "Add to shortlist" in page and "Remove from shortlist" not in page


def test_a_search_with_more_results_than_anyone_can_page_through_says_more_than(client, settings):
    from practitioners.views.search import MAX_PAGE

    settings.SMP_SEARCH_PAGE_SIZE = 1
    Practitioner.objects.bulk_create(
        Practitioner(name=f"Pat {n:04d}", slug=f"pat-{n}", status="published") for n in range(MAX_PAGE + 2)
    )
    response = client.get(reverse("practitioners:search"), {"vetted": "0"})
    assert response.status_code == 200
    assert f"More than {MAX_PAGE:,} practitioners" in " ".join(response.text.split())
    assert response.context["page"].paginator.num_pages == MAX_PAGE


def test_page_cache_can_be_turned_off(client, settings, django_assert_num_queries):
    settings.SMP_PAGE_CACHE = False
    _many(1)
    client.get(SEARCH)
    with django_assert_num_queries(8):  # built again: version, then the six page queries
        client.get(SEARCH)


def test_an_overlong_query_is_answered_but_never_cached(client):
    _many(1)
    params = {"vetted": "0", "q": "x" * 400}
    assert client.get(SEARCH, params).status_code == 200
    with CaptureQueriesContext(connection) as queries:
        assert client.get(SEARCH, params).status_code == 200
    assert len(queries) > 2  # built again, not read from the cache
