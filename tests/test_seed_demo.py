import os
from io import StringIO

import pytest
from django.core.management import CommandError, call_command

from practitioners.models import Certification, Clinic, CredentialStatus, PortfolioItem, Practitioner
from reviews import models as review_models

pytestmark = [pytest.mark.django_db, pytest.mark.smoke]


def _seed(*args, debug=False, settings=None):
    out = StringIO()
    if settings is not None:
        settings.DEBUG = debug
    call_command("seed_demo", *args, stdout=out, verbosity=0)
    return out.getvalue()


def _files(root) -> int:
    return sum(len(files) for _, _, files in os.walk(root))


def test_demo_data_covers_every_state_the_site_shows(settings):
    _seed("--practitioners", "80", "--seed", "3", settings=settings)
    assert Practitioner.objects.count() == 80
    assert Clinic.objects.values("city").distinct().count() >= 30
    states = set(Certification.objects.values_list("status", flat=True))
    assert states == set(CredentialStatus.values)
    assert set(PortfolioItem.objects.values_list("stage", flat=True)) == {"before", "fresh", "healed"}
    assert Practitioner.objects.vetted().exists()
    assert Practitioner.objects.published().filter(is_vetted=False).exists()
    assert review_models.Review.objects.published().filter(verified_client=True).exists()
    assert review_models.Testimonial.objects.exists()
    assert Practitioner.objects.filter(bio__icontains="instant results").exists()


def test_same_seed_gives_the_same_directory(settings):
    _seed("--practitioners", "30", "--seed", "11", settings=settings)
    first = list(Practitioner.objects.order_by("slug").values_list("slug", "status", "is_vetted"))
    _seed("--reset", "--practitioners", "30", "--seed", "11", settings=settings)
    second = list(Practitioner.objects.order_by("slug").values_list("slug", "status", "is_vetted"))
    assert first == second


def test_reset_leaves_no_files_behind(settings):
    _seed("--practitioners", "25", settings=settings)
    public, private = _files(settings.MEDIA_ROOT), _files(settings.PRIVATE_MEDIA_ROOT)
    _seed("--reset", "--practitioners", "25", settings=settings)
    assert _files(settings.MEDIA_ROOT) == public
    assert _files(settings.PRIVATE_MEDIA_ROOT) == private


def test_refuses_to_mix_with_existing_data_without_reset(settings):
    _seed("--practitioners", "20", settings=settings)
    with pytest.raises(CommandError, match="--reset"):
        _seed("--practitioners", "20", settings=settings)


def test_demo_logins_are_printed_only_in_debug(settings):
    assert "password" not in _seed("--practitioners", "20", debug=False, settings=settings)
    assert "verifier@" in _seed("--reset", "--practitioners", "20", debug=True, settings=settings)


def test_practitioner_count_is_bounded(settings):
    with pytest.raises(CommandError):
        _seed("--practitioners", "0", settings=settings)
