"""Search parameters of any shape give a page, never a server error."""

import pytest
from django.urls import reverse
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from .factories import make_vetted_practitioner

PARAMETERS = [
    "q", "near", "lat", "lng", "radius", "unit", "vetted", "specialty", "min_rating", "min_years",
    "max_price", "free_consultation", "healed_portfolio", "language", "sort", "page", "p",
]  # fmt: skip

nasty_text = st.one_of(
    st.text(max_size=300),
    st.text(alphabet=st.characters(codec="utf-8"), max_size=40),
    st.sampled_from(
        ["\x00", "-1", "0", "1e999", "NaN", "-Infinity", "9" * 400, "1,5", "٣", "  ", "%00", "☃"]
    ),
    st.integers(min_value=-(10**30), max_value=10**30).map(str),
    st.floats(allow_nan=True, allow_infinity=True).map(str),
)
query = st.lists(st.tuples(st.sampled_from(PARAMETERS) | st.text(max_size=10), nasty_text), max_size=8)


@pytest.fixture
def searchable(db):
    return make_vetted_practitioner(name="Fuzz Target")


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(pairs=query)
def test_search_never_fails_whatever_the_parameters(client, searchable, pairs):
    data: dict[str, list[str]] = {}
    for key, value in pairs:
        data.setdefault(key, []).append(value)
    response = client.get(reverse("practitioners:search"), data)
    assert response.status_code in (200, 400)


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(slugs=st.lists(nasty_text, max_size=6))
def test_compare_never_fails_whatever_the_parameters(client, searchable, slugs):
    response = client.get(reverse("practitioners:compare"), {"p": [searchable.slug, *slugs]})
    assert response.status_code == 200
