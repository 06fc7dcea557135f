"""seed_scale: a small run on PostgreSQL loads what it says, with summaries the checklist agrees with."""

import hashlib

import pytest
from django.core.files.storage import default_storage
from django.core.management import CommandError, call_command
from django.db import connection

from practitioners.checklist import build_checklist
from practitioners.management.commands import seed_scale
from practitioners.models import Certification, Clinic, Licence, PortfolioItem, Practitioner, private_storage
from practitioners.services.core import regional_price_medians
from reviews.models import Review

on_postgres = pytest.mark.skipif('connection.vendor != "postgresql"', reason="seed_scale needs PostgreSQL")
pytestmark = [pytest.mark.postgres, on_postgres, pytest.mark.django_db]

SMALL = 300


def _seed(**options):
    call_command("seed_scale", practitioners=SMALL, verbosity=0, **options)


def _fingerprint() -> str:
    """A digest of what was generated (not of timestamps the summary refresh writes)."""
    digest = hashlib.sha256()
    tables = [
        Clinic.objects.values_list("id", "name", "slug", "city", "latitude", "longitude", "price_min"),
        Practitioner.objects.values_list("id", "name", "slug", "status", "is_vetted", "rating_average"),
        Practitioner.clinics.through.objects.values_list("practitioner_id", "clinic_id"),
        Certification.objects.values_list("id", "practitioner_id", "status", "expires_on"),
        Licence.objects.values_list("id", "kind", "practitioner_id", "clinic_id", "status"),
        PortfolioItem.objects.values_list("id", "practitioner_id", "stage", "status", "display"),
        Review.objects.values_list("id", "practitioner_id", "rating", "status", "author_email"),
    ]
    for rows in tables:
        for row in rows.order_by(*rows.query.values_select[:1]):
            digest.update(repr(row).encode())
    return digest.hexdigest()


def test_loads_the_asked_for_amounts():
    _seed()
    assert Practitioner.objects.count() == SMALL
    assert Clinic.objects.count() == SMALL // 5
    # Review counts are drawn per practitioner, so the total lands near 5 per practitioner.
    assert 0.85 * SMALL * 5 <= Review.objects.count() <= 1.15 * SMALL * 5
    assert 2 * SMALL <= PortfolioItem.objects.count() <= 4 * SMALL
    assert not Practitioner.objects.filter(clinics=None).exists()
    assert Practitioner.objects.vetted().exists()
    assert Practitioner.objects.exclude(status="published").exists()


def test_rows_point_at_files_that_exist():
    _seed()
    for name in set(PortfolioItem.objects.values_list("display", flat=True)) | set(
        PortfolioItem.objects.values_list("thumbnail", flat=True)
    ):
        assert default_storage.exists(name)
    for name in set(PortfolioItem.objects.values_list("original", flat=True)) | set(
        Certification.objects.values_list("document", flat=True)
    ):
        assert private_storage.exists(name)


def test_stored_summaries_match_a_fresh_checklist_for_every_practitioner():
    _seed()
    medians = regional_price_medians()
    checked = 0
    for practitioner in Practitioner.objects.for_checklist().prefetch_related("reviews"):
        checklist = build_checklist(practitioner, medians=medians)
        assert practitioner.is_vetted == checklist.vetted, practitioner.slug
        assert practitioner.vetted_until == checklist.vetted_until, practitioner.slug
        assert practitioner.verified_count == checklist.verified_count, practitioner.slug
        published = [r for r in practitioner.reviews.all() if r.status == "published"]
        assert practitioner.review_count == len(published)
        assert practitioner.verified_review_count == sum(r.verified_client for r in published)
        healed = [
            i for i in practitioner.portfolio_items.all() if i.stage == "healed" and i.status == "approved"
        ]
        assert practitioner.healed_count == len(healed)
        assert practitioner.name.lower() in practitioner.search_document
        checked += 1
    assert checked == SMALL


def test_same_seed_gives_the_same_rows_and_another_seed_does_not(monkeypatch):
    # Small COPY chunks, so children are copied before all their parents (as at 100k).
    monkeypatch.setattr(seed_scale, "COPY_CHUNK_ROWS", 37)
    _seed(seed=11)
    first = _fingerprint()
    _seed(seed=11, reset=True)
    assert _fingerprint() == first
    _seed(seed=12, reset=True)
    assert _fingerprint() != first


def test_refuses_to_add_to_existing_data_without_reset():
    _seed()
    with pytest.raises(CommandError, match="--reset"):
        _seed()
    assert Practitioner.objects.count() == SMALL


def test_refuses_a_database_other_than_postgresql(monkeypatch):
    # The same guard SQLite meets: checked by vendor before anything is written.
    monkeypatch.setattr(connection, "vendor", "sqlite")
    with pytest.raises(CommandError, match="needs PostgreSQL"):
        _seed()
    monkeypatch.undo()
    assert not Practitioner.objects.exists()


def test_refuses_nonsense_sizes():
    with pytest.raises(CommandError, match="--practitioners"):
        call_command("seed_scale", practitioners=0, verbosity=0)
