"""The public paths SPEC.md promises. Templates and code use names; these pin the addresses."""

import pytest
from django.urls import resolve, reverse


@pytest.mark.parametrize(
    "name, args, path",
    [
        ("home", [], "/"),
        ("practitioners:search", [], "/practitioners/"),
        ("practitioners:profile", ["ana-alpha"], "/practitioners/ana-alpha/"),
        ("practitioners:questions", ["ana-alpha"], "/practitioners/ana-alpha/questions/"),
        ("practitioners:compare", [], "/compare/"),
        ("practitioners:shortlist", [], "/shortlist/"),
        ("practitioners:shortlist-toggle", ["ana-alpha"], "/shortlist/ana-alpha/"),
        ("guide", [], "/guide/"),
        ("practitioners:sitemap", [], "/sitemap.xml"),
        ("robots", [], "/robots.txt"),
        ("healthz", [], "/healthz"),
        ("reviews:write", ["ana-alpha"], "/practitioners/ana-alpha/review/"),
        ("reviews:report", ["ana-alpha"], "/practitioners/ana-alpha/report/"),
        ("dashboard:home", [], "/dashboard/"),
        ("account_login", [], "/accounts/login/"),
        ("account_signup", [], "/accounts/signup/"),
    ],
)
def test_public_paths_match_the_spec(name, args, path):
    assert reverse(name, args=args) == path
    match = resolve(path)
    assert f"{match.namespace}:{match.url_name}".lstrip(":") == name
