"""Every dashboard URL: anonymous visitors are sent to log in, another owner gets a 404 (or,
on pages that show nothing of anyone else's, none of this owner's data), the right owner
gets the page. A URL added to practitioners/dashboard_urls.py without an entry here fails
`test_every_dashboard_url_is_in_the_access_list`."""

from dataclasses import dataclass, field
from types import SimpleNamespace
from urllib.parse import urlparse

import pytest
from django.urls import URLPattern, URLResolver, reverse

from practitioners import dashboard_urls

from .factories import CertificationFactory, LicenceFactory, PortfolioItemFactory


@dataclass(frozen=True)
class Page:
    name: str
    args: tuple[str, ...] = ()  # attribute names on the `owned` namespace
    method: str = "get"
    data: dict = field(default_factory=dict)
    # False for pages that belong to no object (the home page, "create" forms): another
    # owner may open them, but must see none of this owner's data there.
    scoped: bool = True

    def __str__(self):
        return f"{self.method.upper()} {self.name}{'(' + ','.join(self.args) + ')' if self.args else ''}"


DASHBOARD_PAGES = [
    Page("home", scoped=False),
    Page("clinic-create", scoped=False),
    Page("clinic-edit", ("clinic_slug",)),
    Page("clinic-members", ("clinic_slug",)),
    Page("clinic-licence-create", ("clinic_slug",)),
    Page("listing-claim", scoped=False),
    Page("practitioner-create", scoped=False),
    Page("practitioner-detail", ("practitioner_slug",)),
    Page("practitioner-edit", ("practitioner_slug",)),
    Page("practitioner-publish", ("practitioner_slug",), method="post"),
    Page("practitioner-unpublish", ("practitioner_slug",), method="post"),
    Page("certification-create", ("practitioner_slug",)),
    Page("licence-create", ("practitioner_slug",)),
    Page("certification-edit", ("certification_pk",)),
    Page("licence-edit", ("licence_pk",)),
    Page("licence-edit", ("premises_licence_pk",)),
    Page("portfolio", ("practitioner_slug",)),
    Page("portfolio-move", ("item_pk",), method="post", data={"direction": "down"}),
    Page("portfolio-delete", ("item_pk",)),
]


@pytest.fixture
def owned(owner, clinic, practitioner):
    """One of everything the owner can reach through the dashboard."""
    item = PortfolioItemFactory(practitioner=practitioner, caption="Owner's secret caption")
    PortfolioItemFactory(practitioner=practitioner)
    return SimpleNamespace(
        clinic_slug=clinic.slug,
        practitioner_slug=practitioner.slug,
        certification_pk=CertificationFactory(practitioner=practitioner).pk,
        licence_pk=LicenceFactory(practitioner=practitioner).pk,
        premises_licence_pk=LicenceFactory(clinic=clinic, premises=True).pk,
        item_pk=item.pk,
        names=[clinic.name, practitioner.name],
    )


def _request(client, page: Page, owned):
    url = reverse(f"dashboard:{page.name}", args=[getattr(owned, attr) for attr in page.args])
    return url, getattr(client, page.method)(url, page.data)


@pytest.mark.django_db
@pytest.mark.parametrize("page", DASHBOARD_PAGES, ids=str)
def test_dashboard_page_access(client, page, owned, owner, other_owner):
    url, response = _request(client, page, owned)
    assert response.status_code == 302
    target = urlparse(response["Location"])
    assert target.path == reverse("account_login")
    assert url in target.query

    client.force_login(other_owner)
    _, response = _request(client, page, owned)
    if page.scoped:
        assert response.status_code == 404
    else:
        assert response.status_code == 200
        for name in owned.names:
            assert name not in response.content.decode()

    client.force_login(owner)
    _, response = _request(client, page, owned)
    if page.method == "post":
        assert response.status_code == 302
        assert urlparse(response["Location"]).path.startswith("/dashboard/")
        response = client.get(response["Location"])
    assert response.status_code == 200


def _pattern_names(patterns) -> set[str]:
    names = set()
    for pattern in patterns:
        if isinstance(pattern, URLResolver):
            names |= _pattern_names(pattern.url_patterns)
        elif isinstance(pattern, URLPattern):
            names.add(pattern.name)
    return names


def test_every_dashboard_url_is_in_the_access_list():
    listed = {page.name for page in DASHBOARD_PAGES}
    assert _pattern_names(dashboard_urls.urlpatterns) == listed


@pytest.mark.django_db
def test_manager_can_edit_but_not_add_people(client, clinic, practitioner):
    from practitioners.models import ClinicMembership, MembershipRole

    from .factories import UserFactory

    manager = UserFactory(username="manager")
    ClinicMembership.objects.create(clinic=clinic, user=manager, role=MembershipRole.MANAGER)
    client.force_login(manager)
    assert client.get(reverse("dashboard:clinic-edit", args=[clinic.slug])).status_code == 200
    assert client.get(reverse("dashboard:practitioner-edit", args=[practitioner.slug])).status_code == 200
    members_url = reverse("dashboard:clinic-members", args=[clinic.slug])
    page = client.get(members_url)
    assert page.status_code == 200
    assert b"Add someone" not in page.content
    response = client.post(members_url, {"email": "someone@example.com", "role": "owner"})
    assert response.status_code == 404
    assert ClinicMembership.objects.filter(clinic=clinic).count() == 1
