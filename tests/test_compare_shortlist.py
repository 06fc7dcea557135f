import pytest
from django.test import Client
from django.urls import reverse

from practitioners.models import Practitioner
from practitioners.shortlist import MAX_ITEMS, SESSION_KEY

from .factories import PractitionerFactory, make_vetted_practitioner

pytestmark = pytest.mark.django_db
COMPARE = reverse("practitioners:compare")
SHORTLIST = reverse("practitioners:shortlist")


def _toggle(client, p, action="add", **extra):
    return client.post(reverse("practitioners:shortlist-toggle", args=[p.slug]), {"action": action, **extra})


@pytest.mark.smoke
def test_compare_two_practitioners_side_by_side(client):
    a = make_vetted_practitioner(name="Ana Alpha")
    b = PractitionerFactory(name="Bob Beta", typical_sessions=4)
    response = client.get(COMPARE, {"p": [a.slug, b.slug]})
    assert response.status_code == 200
    html = response.content.decode()
    assert "Ana Alpha" in html and "Bob Beta" in html
    assert [c["p"].name for c in response.context["columns"]] == ["Ana Alpha", "Bob Beta"]
    assert len(response.context["rows"]) == 12
    for row_title in (
        "SMP certification",
        "Price per session",
        "Typical sessions",
        "Pigment",
        "Consultation",
    ):
        assert row_title in html
    assert "$800–$1,200" in html


def test_compare_takes_at_most_three(client):
    people = [PractitionerFactory(name=f"Person {n}") for n in range(4)]
    response = client.get(COMPARE, {"p": [p.slug for p in people]})
    assert len(response.context["columns"]) == 3
    assert "We compare up to 3 practitioners at a time" in response.content.decode()
    assert "Person 3" not in response.content.decode()


@pytest.mark.parametrize("status", ["draft", "suspended"])
def test_compare_skips_hidden_and_unknown_practitioners_with_a_message(client, status):
    shown = PractitionerFactory(name="Shown Person")
    hidden = PractitionerFactory(name="Hidden Person", status=status)
    response = client.get(COMPARE, {"p": [shown.slug, hidden.slug, "nobody", "bad\x00slug", "ü"]})
    assert response.status_code == 200
    html = response.content.decode()
    assert "Hidden Person" not in html
    assert [c["p"] for c in response.context["columns"]] == [shown]
    assert "find 2 of the practitioners asked for" in html
    assert "not valid" in html


def test_compare_with_nobody_explains_how_to_pick(client):
    response = client.get(COMPARE)
    assert response.status_code == 200
    assert "Pick two or three practitioners" in response.content.decode()


def test_shortlist_works_without_javascript_or_an_account(client):
    a = PractitionerFactory(name="Ana Alpha")
    b = PractitionerFactory(name="Bob Beta")
    response = _toggle(client, a, next="/practitioners/?near=Miami")
    assert response.status_code == 302 and response["Location"] == "/practitioners/?near=Miami"
    _toggle(client, b)
    page = client.get(SHORTLIST)
    assert [p.name for p in page.context["cards"]] == ["Ana Alpha", "Bob Beta"]
    html = page.content.decode()
    assert "data-shortlist-count>2</span>" in html
    assert 'form="compare-form"' in html  # each card can be ticked for comparison
    _toggle(client, a, action="remove")
    assert [p.name for p in client.get(SHORTLIST).context["cards"]] == ["Bob Beta"]


def test_shortlist_button_reflects_the_session_on_search_and_profile(client):
    p = make_vetted_practitioner()
    _toggle(client, p)
    assert "Remove from shortlist" in client.get(reverse("practitioners:search")).content.decode()
    assert "Remove from shortlist" in client.get(p.get_absolute_url()).content.decode()


def test_shortlist_answers_json_for_the_script(client):
    p = PractitionerFactory(name="Ana Alpha")
    response = client.post(
        reverse("practitioners:shortlist-toggle", args=[p.slug]),
        {"action": "add"},
        headers={"accept": "application/json"},
    )
    assert response.json() == {"in_shortlist": True, "count": 1, "message": "Ana Alpha is on your shortlist."}


@pytest.mark.parametrize("status", ["draft", "suspended"])
def test_hidden_practitioner_cannot_be_shortlisted(client, status):
    p = PractitionerFactory(status=status)
    assert _toggle(client, p).status_code == 404


def test_practitioner_hidden_after_shortlisting_disappears_from_the_shortlist(client):
    p = PractitionerFactory(name="Later Suspended")
    kept = PractitionerFactory(name="Still Here")
    _toggle(client, p)
    _toggle(client, kept)
    Practitioner.objects.filter(pk=p.pk).update(status="suspended")
    client.get(SHORTLIST)  # shows (and so clears) the "added" messages
    response = client.get(SHORTLIST)
    assert [p.name for p in response.context["cards"]] == ["Still Here"]
    assert "Later Suspended" not in response.content.decode()
    assert client.session[SESSION_KEY] == [kept.pk]


def test_shortlist_toggle_needs_post_and_a_csrf_token(client):
    p = PractitionerFactory()
    url = reverse("practitioners:shortlist-toggle", args=[p.slug])
    assert client.get(url).status_code == 405
    strict = Client(enforce_csrf_checks=True)
    assert strict.post(url, {"action": "add"}).status_code == 403


@pytest.mark.parametrize(
    "target", ["https://evil.example/", "//evil.example/x", "javascript:alert(1)", "/ok\nx"]
)
def test_shortlist_never_redirects_off_site(client, target):
    p = PractitionerFactory()
    response = _toggle(client, p, next=target)
    assert response.status_code == 302
    assert response["Location"] == SHORTLIST


def test_shortlist_is_capped(client):
    people = [PractitionerFactory() for _ in range(MAX_ITEMS + 1)]
    for p in people[:MAX_ITEMS]:
        _toggle(client, p)
    response = client.post(
        reverse("practitioners:shortlist-toggle", args=[people[-1].slug]),
        {"action": "add"},
        headers={"accept": "application/json"},
    )
    assert response.json()["in_shortlist"] is False
    assert "full" in response.json()["message"]
    assert len(client.session[SESSION_KEY]) == MAX_ITEMS


def test_malformed_session_shortlist_is_ignored(client):
    session = client.session
    session[SESSION_KEY] = ["x", None, True, 10**12]
    session.save()
    response = client.get(SHORTLIST)
    assert response.status_code == 200
    assert response.context["cards"] == []
