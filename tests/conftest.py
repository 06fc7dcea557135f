import importlib
import os
import shutil

import pytest
from django.apps import apps
from django.conf import settings
from django.contrib.auth.models import Group
from django.contrib.sites.models import Site

from practitioners.models import ClinicMembership, MembershipRole

from .factories import ClinicFactory, PractitionerFactory, UserFactory

# CI sets SMPFINDER_CI=1: there a skipped test is a failure, because every service is meant
# to be present (PostgreSQL, Redis, SeaweedFS, Chromium).
IN_CI = os.environ.get("SMPFINDER_CI") == "1"


def _transactional_last(item) -> int:
    marker = item.get_closest_marker("django_db")
    fixtures = getattr(item, "fixturenames", [])
    if (marker and marker.kwargs.get("transaction")) or "live_server" in fixtures:
        return 1
    return 0 if marker or "db" in fixtures else 2


@pytest.hookimpl(trylast=True)
def pytest_collection_modifyitems(items):
    # pytest-django runs transactional tests last, since each ends by emptying every table.
    # pytest regroups tests by session-scoped parameters (the Playwright browser) after it
    # has sorted, so sort again, keeping the order otherwise.
    items.sort(key=_transactional_last)


def _ensure_reference_data():
    """Reload what migration 0003 loads (licensing rules, specialties, languages, the
    Verifiers group) if a transactional test's flush removed it, with the migration's own
    functions.

    serialized_rollback cannot do this for browser tests: once Playwright's event loop runs,
    Django gives the test thread another connection object without the serialized copy.
    """
    Site.objects.get_or_create(pk=settings.SITE_ID, defaults={"domain": "example.com", "name": "smpfinder"})
    if Group.objects.filter(name="Verifiers").exists():
        return
    migration = importlib.import_module("practitioners.migrations.0003_reference_data")
    for load in (migration.load_rules, migration.load_choices, migration.create_verifiers_group):
        load(apps, None)


@pytest.fixture(autouse=True)
def _reference_data(request):
    if _transactional_last(request.node) == 1:
        request.getfixturevalue("transactional_db")
        _ensure_reference_data()
    yield


@pytest.hookimpl(wrapper=True)
def pytest_runtest_makereport(item, call):
    report = yield
    if IN_CI and report.skipped and not hasattr(report, "wasxfail"):
        report.outcome = "failed"
        report.longrepr = f"Skipped in CI, where nothing may be skipped: {report.longrepr}"
    return report


@pytest.fixture(scope="session", autouse=True)
def _clean_media_folders():
    yield
    for folder in (settings.MEDIA_ROOT, settings.PRIVATE_MEDIA_ROOT):
        if "smpfinder-tests-" in str(folder):
            shutil.rmtree(os.path.dirname(folder), ignore_errors=True)


@pytest.fixture(autouse=True)
def _fresh_cache():
    from django.core.cache import cache

    cache.clear()
    yield
    cache.clear()


@pytest.fixture
def clinic(db):
    return ClinicFactory()


@pytest.fixture
def owner(db, clinic):
    user = UserFactory(username="owner")
    ClinicMembership.objects.create(clinic=clinic, user=user, role=MembershipRole.OWNER)
    return user


@pytest.fixture
def practitioner(db, clinic):
    return PractitionerFactory(clinics=[clinic])


@pytest.fixture
def other_owner(db):
    user = UserFactory(username="other-owner")
    ClinicMembership.objects.create(clinic=ClinicFactory(), user=user, role=MembershipRole.OWNER)
    return user


@pytest.fixture
def verifier(db):
    user = UserFactory(username="verifier", is_staff=True)
    user.groups.add(Group.objects.get(name="Verifiers"))
    return user


@pytest.fixture
def staff_without_group(db):
    return UserFactory(username="plain-staff", is_staff=True)
