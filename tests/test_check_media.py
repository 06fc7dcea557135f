"""check_media: rows pointing at missing files and files no row points at, on disk and on S3."""

import io
import json
import os
import time

import pytest
from django.core.files.base import ContentFile
from django.core.files.storage import default_storage
from django.core.management import CommandError, call_command
from PIL import Image

from practitioners.models import PortfolioItem, private_storage

from .factories import CertificationFactory, PortfolioItemFactory
from .s3server import s3_server, s3_storages  # noqa: F401

pytestmark = pytest.mark.django_db


def run(*args) -> dict:
    out = io.StringIO()
    call_command("check_media", "--json", *args, stdout=out)
    return json.loads(out.getvalue())


def run_failing(*args) -> dict:
    out = io.StringIO()
    with pytest.raises(CommandError):
        call_command("check_media", "--json", *args, stdout=out)
    return json.loads(out.getvalue())


def photo_bytes() -> bytes:
    buffer = io.BytesIO()
    Image.new("RGB", (120, 90), (180, 140, 120)).save(buffer, "JPEG")
    return buffer.getvalue()


def age(storage, name: str, days: float) -> None:
    then = time.time() - days * 86400
    os.utime(storage.path(name), (then, then))


def names(entries) -> set[str]:
    return {e["name"] for e in entries}


def test_rows_whose_files_exist_are_not_reported():
    item = PortfolioItemFactory()
    certificate = CertificationFactory()
    report = run()
    reported = names(report["dangling"])
    assert item.display.name not in reported
    assert certificate.document.name not in reported
    assert f"default:{item.display.name}" not in report["orphans_left"]


def test_a_row_pointing_at_a_missing_file_fails_the_check():
    certificate = CertificationFactory()
    private_storage.delete(certificate.document.name)
    report = run_failing()
    [entry] = [e for e in report["dangling"] if e["name"] == certificate.document.name]
    assert entry["model"] == "practitioners.Certification"
    assert entry["ids"] == [certificate.pk]


def test_fix_leaves_credential_documents_to_a_person():
    certificate = CertificationFactory()
    private_storage.delete(certificate.document.name)
    report = run_failing("--fix")
    assert certificate.document.name in names(report["dangling"])
    certificate.refresh_from_db()
    assert certificate.document.name  # the row still names its file for staff to follow up


def test_fix_renders_missing_portfolio_renditions_again_from_the_original():
    item = PortfolioItemFactory(original=ContentFile(photo_bytes(), name="original.jpg"))
    default_storage.delete(item.display.name)
    default_storage.delete(item.thumbnail.name)
    report = run("--fix")
    assert {item.pk} == {pk for e in report["fixed"] for pk in e["ids"]}
    item.refresh_from_db()
    assert default_storage.exists(item.display.name)
    assert default_storage.exists(item.thumbnail.name)
    with default_storage.open(item.display.name) as rendition:
        assert Image.open(rendition).format == "WEBP"
    assert item.display.name not in names(run()["dangling"])


def test_fix_cannot_render_without_the_original():
    item = PortfolioItemFactory()
    private_storage.delete(item.original.name)
    default_storage.delete(item.display.name)
    report = run_failing("--fix")
    assert {item.original.name, item.display.name} <= names(report["dangling"])
    assert PortfolioItem.objects.filter(pk=item.pk).exists()


def test_orphans_are_reported_and_only_deleted_with_sweep():
    name = default_storage.save("portfolio/2020/01/left-behind.webp", ContentFile(b"x"))
    age(default_storage, name, days=3)
    report = run()
    assert f"default:{name}" in report["orphans_left"]
    assert default_storage.exists(name)

    report = run("--sweep", "--grace-minutes", str(7 * 24 * 60))
    assert f"default:{name}" in report["orphans_recent"]  # three days old, a week's grace
    assert default_storage.exists(name)

    report = run("--sweep")
    assert f"default:{name}" in report["orphans_swept"]
    assert not default_storage.exists(name)


def test_sweep_leaves_files_younger_than_the_grace_period():
    # An upload that has written its file but not yet committed its row looks like this.
    name = private_storage.save("certifications/2026/01/just-written.pdf", ContentFile(b"%PDF-1.4"))
    report = run("--sweep", "--grace-minutes", "30")
    assert f"private:{name}" in report["orphans_recent"]
    assert private_storage.exists(name)
    private_storage.delete(name)


def test_sweep_never_touches_files_outside_upload_folders():
    name = default_storage.save("notes/readme.txt", ContentFile(b"kept by hand"))
    age(default_storage, name, days=30)
    report = run("--sweep", "--grace-minutes", "0")
    assert all("notes/" not in n for n in report["orphans_swept"])
    assert default_storage.exists(name)
    assert "notes" not in report["scanned"]["default"]
    default_storage.delete(name)


def test_a_file_shared_by_many_rows_is_not_an_orphan():
    item = PortfolioItemFactory()
    PortfolioItemFactory(
        practitioner=item.practitioner, display=item.display.name, thumbnail=item.thumbnail.name
    )
    report = run("--sweep", "--grace-minutes", "0")
    assert f"default:{item.display.name}" not in report["orphans_swept"]
    assert default_storage.exists(item.display.name)


def test_negative_grace_is_refused():
    with pytest.raises(CommandError, match="grace"):
        call_command("check_media", "--grace-minutes", "-1")


@pytest.mark.s3
def test_on_s3_missing_files_are_found_and_orphans_swept(s3_storages):  # noqa: F811
    item = PortfolioItemFactory()
    orphan = default_storage.save("portfolio/2020/02/orphan.webp", ContentFile(b"x"))
    private_storage.delete(item.original.name)
    report = run_failing("--sweep", "--grace-minutes", "0")
    assert item.original.name in names(report["dangling"])
    assert f"default:{orphan}" in report["orphans_swept"]
    assert not default_storage.exists(orphan)
    assert default_storage.exists(item.display.name)
