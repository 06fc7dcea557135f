# ruff: noqa: F811
"""Media on a real S3 server (SeaweedFS, started by tests/s3server.py).

Public renditions go to the public bucket and can be fetched by anyone; credential
documents and image originals go to the private bucket and only open through a short-lived
signed URL, which the permission-checked document view hands out.
"""

import io
import time
import urllib.error
import urllib.parse
import urllib.request
from datetime import date

import pytest
from botocore.exceptions import BotoCoreError, ClientError
from django.core.files.base import ContentFile
from django.core.files.storage import default_storage, storages
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import override_settings
from django.urls import reverse
from pypdf import PdfWriter

from practitioners.models import Certification, PortfolioItem, private_storage
from practitioners.services import owners

from .factories import image_bytes

# The fixtures are imported, so pytest finds them; their use as arguments is not a redefinition.
from .s3server import free_ports, s3_server, s3_storages  # noqa: F401

pytestmark = pytest.mark.s3


def fetch(url: str) -> tuple[int, bytes, str]:
    """A plain GET, as a browser or anyone holding the URL would send it."""
    try:
        with urllib.request.urlopen(url, timeout=10) as response:
            return response.status, response.read(), response.headers.get("Content-Type", "")
    except urllib.error.HTTPError as error:
        return error.code, error.read(), error.headers.get("Content-Type", "")


def without_query(url: str) -> str:
    return urllib.parse.urlsplit(url)._replace(query="").geturl()


def _photo(name="result.jpg"):
    return SimpleUploadedFile(name, image_bytes("JPEG", size=(320, 240)), content_type="image/jpeg")


def _pdf_bytes() -> bytes:
    writer = PdfWriter()
    writer.add_blank_page(width=200, height=200)
    buffer = io.BytesIO()
    writer.write(buffer)
    return buffer.getvalue()


PDF_BYTES = _pdf_bytes()


def _pdf(name="certificate.pdf"):
    return SimpleUploadedFile(name, PDF_BYTES, content_type="application/pdf")


PORTFOLIO_DATA = {
    "stage": "healed",
    "months_since_treatment": 6,
    "sessions_done": 3,
    "treatment_type": "hairline",
    "consent": True,
}
CERTIFICATION_DATA = {
    "issuing_body": "Northern SMP Academy",
    "certificate_number": "NSA-2041",
    "issued_on": date(2024, 3, 1),
}


# The storages follow the settings --------------------------------------------------------


def test_overriding_storages_moves_both_public_and_private_storage_to_s3(s3_storages):
    assert type(storages["default"]).__name__ == "S3Storage"
    assert default_storage.bucket_name == s3_storages.public_bucket
    assert private_storage.bucket_name == s3_storages.private_bucket
    assert Certification._meta.get_field("document").storage.bucket_name == s3_storages.private_bucket


def test_storages_return_to_local_disk_after_the_override(s3_server):
    with override_settings(STORAGES=s3_server.storages_setting()):
        assert private_storage.bucket_name == s3_server.private_bucket
    assert type(storages["private"]).__name__ == "FileSystemStorage"
    assert not hasattr(private_storage, "bucket_name")
    assert not hasattr(default_storage, "bucket_name")


def test_private_storage_signs_urls_and_public_storage_does_not(s3_storages):
    assert "X-Amz-Signature=" in private_storage.url("certifications/x.pdf")
    assert "X-Amz-Signature" not in default_storage.url("portfolio/x.webp")


# Uploads land in the right bucket -------------------------------------------------------


def test_portfolio_upload_puts_renditions_in_public_bucket_and_original_in_private(
    s3_storages, owner, practitioner
):
    item = owners.portfolio_item_add(
        practitioner=practitioner, user=owner, data=PORTFOLIO_DATA, image=_photo()
    )

    public, private = (
        s3_storages.keys(s3_storages.public_bucket),
        s3_storages.keys(s3_storages.private_bucket),
    )
    assert {item.display.name, item.thumbnail.name} <= public
    assert item.original.name in private
    assert item.original.name not in public
    assert not {item.display.name, item.thumbnail.name} & private


def test_credential_document_goes_only_to_the_private_bucket(s3_storages, owner, practitioner):
    certification = owners.certification_submit(
        practitioner=practitioner, user=owner, data=CERTIFICATION_DATA, document=_pdf()
    )

    assert certification.document.name in s3_storages.keys(s3_storages.private_bucket)
    assert certification.document.name not in s3_storages.keys(s3_storages.public_bucket)
    body = s3_storages.client().get_object(Bucket=s3_storages.private_bucket, Key=certification.document.name)
    assert body["Body"].read() == PDF_BYTES


def test_client_file_name_never_reaches_the_bucket(s3_storages, owner, practitioner):
    certification = owners.certification_submit(
        practitioner=practitioner, user=owner, data=CERTIFICATION_DATA, document=_pdf("../../John Smith.pdf")
    )

    assert "John" not in certification.document.name
    assert certification.document.name.startswith("certifications/")


# Who can read what ----------------------------------------------------------------------


def test_portfolio_renditions_are_publicly_readable(s3_storages, owner, practitioner):
    item = owners.portfolio_item_add(
        practitioner=practitioner, user=owner, data=PORTFOLIO_DATA, image=_photo()
    )

    for rendition in (item.display, item.thumbnail):
        assert rendition.url.startswith(f"{s3_storages.endpoint_url}/{s3_storages.public_bucket}/")
        status, body, content_type = fetch(rendition.url)
        assert status == 200
        assert content_type == "image/webp"
        assert body[:4] == b"RIFF" and body[8:12] == b"WEBP"


def test_public_bucket_can_be_read_but_not_listed_or_written_anonymously(s3_storages):
    bucket_url = f"{s3_storages.endpoint_url}/{s3_storages.public_bucket}"
    assert fetch(bucket_url)[0] == 403
    request = urllib.request.Request(f"{bucket_url}/portfolio/planted.webp", data=b"x", method="PUT")
    with pytest.raises(urllib.error.HTTPError) as refused:
        urllib.request.urlopen(request, timeout=10)
    assert refused.value.code == 403
    assert "portfolio/planted.webp" not in s3_storages.keys(s3_storages.public_bucket)


def test_image_original_is_not_readable_without_a_signature(s3_storages, owner, practitioner):
    item = owners.portfolio_item_add(
        practitioner=practitioner, user=owner, data=PORTFOLIO_DATA, image=_photo()
    )

    assert fetch(without_query(item.original.url))[0] == 403
    assert fetch(f"{s3_storages.endpoint_url}/{s3_storages.public_bucket}/{item.original.name}")[0] in {
        403,
        404,
    }


def test_credential_document_is_not_readable_without_a_signature(s3_storages, owner, practitioner):
    certification = owners.certification_submit(
        practitioner=practitioner, user=owner, data=CERTIFICATION_DATA, document=_pdf()
    )

    status, body, _ = fetch(without_query(certification.document.url))
    assert status == 403
    assert PDF_BYTES not in body


def test_signed_document_url_works(s3_storages, owner, practitioner):
    certification = owners.certification_submit(
        practitioner=practitioner, user=owner, data=CERTIFICATION_DATA, document=_pdf()
    )

    status, body, _ = fetch(certification.document.url)
    assert (status, body) == (200, PDF_BYTES)


def test_signed_document_url_fails_once_expired(s3_server, owner, practitioner):
    with override_settings(STORAGES=s3_server.storages_setting(PRIVATE_URL_EXPIRE_SECONDS="1")):
        certification = owners.certification_submit(
            practitioner=practitioner, user=owner, data=CERTIFICATION_DATA, document=_pdf()
        )
        url = certification.document.url
        assert fetch(url)[0] == 200
        time.sleep(2.2)
        status, body, _ = fetch(url)
    assert status == 403
    assert PDF_BYTES not in body


@pytest.mark.parametrize(
    "tamper",
    [
        pytest.param(lambda url: url.replace("X-Amz-Signature=", "X-Amz-Signature=0"), id="signature"),
        pytest.param(lambda url: url.replace("X-Amz-Expires=", "X-Amz-Expires=9"), id="expiry"),
        pytest.param(lambda url: url.replace(".pdf?", ".PDF?"), id="object-key"),
    ],
)
def test_tampered_signed_document_url_is_refused(s3_storages, owner, practitioner, tamper):
    certification = owners.certification_submit(
        practitioner=practitioner, user=owner, data=CERTIFICATION_DATA, document=_pdf()
    )
    url = certification.document.url
    tampered = tamper(url)
    assert tampered != url

    status, body, _ = fetch(tampered)
    assert status == 403
    assert PDF_BYTES not in body


def test_signed_url_for_one_document_does_not_open_another(s3_storages, owner, practitioner):
    first = owners.certification_submit(
        practitioner=practitioner, user=owner, data=CERTIFICATION_DATA, document=_pdf()
    )
    second = owners.certification_submit(
        practitioner=practitioner,
        user=owner,
        data={**CERTIFICATION_DATA, "certificate_number": "B-2"},
        document=_pdf(),
    )
    swapped = first.document.url.replace(first.document.name, second.document.name)

    assert fetch(swapped)[0] == 403


# Deleting removes the objects -------------------------------------------------------------


def test_deleting_a_portfolio_item_deletes_all_its_objects(
    s3_storages, owner, practitioner, django_capture_on_commit_callbacks
):
    item = owners.portfolio_item_add(
        practitioner=practitioner, user=owner, data=PORTFOLIO_DATA, image=_photo()
    )
    names = {"public": {item.display.name, item.thumbnail.name}, "private": {item.original.name}}

    with django_capture_on_commit_callbacks(execute=True):
        owners.portfolio_item_delete(item=item, user=owner)

    assert not PortfolioItem.objects.filter(pk=item.pk).exists()
    assert not names["public"] & s3_storages.keys(s3_storages.public_bucket)
    assert not names["private"] & s3_storages.keys(s3_storages.private_bucket)


def test_replacing_a_document_deletes_the_old_object(
    s3_storages, owner, practitioner, django_capture_on_commit_callbacks
):
    certification = owners.certification_submit(
        practitioner=practitioner, user=owner, data=CERTIFICATION_DATA, document=_pdf()
    )
    old_name = certification.document.name

    with django_capture_on_commit_callbacks(execute=True):
        updated = owners.credential_replace_document(credential=certification, user=owner, document=_pdf())

    keys = s3_storages.keys(s3_storages.private_bucket)
    assert updated.document.name in keys
    assert old_name not in keys


# S3 unreachable ------------------------------------------------------------------------------


@pytest.fixture
def s3_down(s3_server):
    """Storage settings pointing at a port where nothing listens: S3 is down."""
    (closed_port,) = free_ports(1)
    setting = s3_server.storages_setting(AWS_S3_ENDPOINT_URL=f"http://127.0.0.1:{closed_port}")
    with override_settings(STORAGES=setting):
        yield s3_server


def test_upload_while_s3_is_down_leaves_no_row_and_fails_fast(s3_down, owner, practitioner):
    started = time.monotonic()
    with pytest.raises((BotoCoreError, ClientError)):
        owners.portfolio_item_add(practitioner=practitioner, user=owner, data=PORTFOLIO_DATA, image=_photo())
    assert time.monotonic() - started < 10

    assert not PortfolioItem.objects.exists()
    assert not Certification.objects.exists()


def test_document_upload_while_s3_is_down_leaves_no_row(s3_down, owner, practitioner):
    with pytest.raises((BotoCoreError, ClientError)):
        owners.certification_submit(
            practitioner=practitioner, user=owner, data=CERTIFICATION_DATA, document=_pdf()
        )

    assert not Certification.objects.exists()


def test_failed_upload_removes_the_objects_it_already_wrote(s3_server, owner, practitioner):
    """The original reached the private bucket, then the public bucket refused the
    renditions: the original is removed again and no row is left."""
    before = s3_server.keys(s3_server.private_bucket)
    key = s3_server.private_only
    setting = s3_server.storages_setting(
        AWS_ACCESS_KEY_ID=key.access_key, AWS_SECRET_ACCESS_KEY=key.secret_key
    )
    with override_settings(STORAGES=setting), pytest.raises(ClientError, match="AccessDenied"):
        owners.portfolio_item_add(practitioner=practitioner, user=owner, data=PORTFOLIO_DATA, image=_photo())

    assert not PortfolioItem.objects.exists()
    assert s3_server.keys(s3_server.private_bucket) == before


def test_app_key_cannot_create_or_write_other_buckets(s3_server):
    client = s3_server.client(s3_server.app)
    with pytest.raises(ClientError, match="AccessDenied"):
        client.put_object(Bucket="smp-typo", Key="a.txt", Body=b"x")
    assert "smp-typo" not in {b["Name"] for b in s3_server.client().list_buckets()["Buckets"]}


def test_file_written_by_storage_is_the_same_after_a_round_trip(s3_storages):
    name = private_storage.save("checks/round-trip.bin", ContentFile(b"\x00\x01 bytes"))
    try:
        with private_storage.open(name) as handle:
            assert handle.read() == b"\x00\x01 bytes"
    finally:
        private_storage.delete(name)
    assert not private_storage.exists(name)


# Through the pages: the dashboard upload and the permission-checked document view ----------


def document_url(kind, obj):
    return reverse("staff:document", args=[kind, obj.pk])


def _upload_certificate(client, practitioner):
    return client.post(
        reverse("dashboard:certification-create", args=[practitioner.slug]),
        {
            "issuing_body": "Northern SMP Academy",
            "certificate_number": "NSA-77",
            "issued_on": "2024-03-01",
            "document": _pdf(),
        },
    )


def _upload_photo(client, practitioner):
    return client.post(
        reverse("dashboard:portfolio", args=[practitioner.slug]),
        {**PORTFOLIO_DATA, "consent": "on", "image": _photo()},
    )


def test_owner_uploads_through_the_dashboard_into_the_right_buckets(s3_storages, client, owner, practitioner):
    client.force_login(owner)
    assert _upload_certificate(client, practitioner).status_code == 302
    assert _upload_photo(client, practitioner).status_code == 302

    certification = Certification.objects.get(practitioner=practitioner)
    item = PortfolioItem.objects.get(practitioner=practitioner)
    private = s3_storages.keys(s3_storages.private_bucket)
    public = s3_storages.keys(s3_storages.public_bucket)
    assert {certification.document.name, item.original.name} <= private
    assert {item.display.name, item.thumbnail.name} <= public
    assert not {certification.document.name, item.original.name} & public


@pytest.mark.parametrize("who", ["owner", "verifier"])
def test_document_view_gives_owner_and_staff_a_working_signed_url(
    s3_storages, client, request, practitioner, owner, who
):
    certification = owners.certification_submit(
        practitioner=practitioner, user=owner, data=CERTIFICATION_DATA, document=_pdf()
    )
    client.force_login(request.getfixturevalue(who))

    response = client.get(document_url("certification", certification))

    assert response.status_code == 302
    signed = response["Location"]
    assert signed.startswith(f"{s3_storages.endpoint_url}/{s3_storages.private_bucket}/")
    status, body, content_type = fetch(signed)
    assert (status, body, content_type) == (200, PDF_BYTES, "application/pdf")
    assert fetch(without_query(signed))[0] == 403


def test_document_view_gives_owner_a_signed_url_for_a_photo_original(
    s3_storages, client, owner, practitioner
):
    item = owners.portfolio_item_add(
        practitioner=practitioner, user=owner, data=PORTFOLIO_DATA, image=_photo()
    )
    client.force_login(owner)

    signed = client.get(document_url("portfolio", item))["Location"]

    status, body, content_type = fetch(signed)
    assert status == 200
    assert content_type == "image/jpeg"
    assert body[:3] == b"\xff\xd8\xff"


def test_document_view_gives_no_url_to_other_owners_or_visitors(
    s3_storages, client, owner, other_owner, practitioner
):
    certification = owners.certification_submit(
        practitioner=practitioner, user=owner, data=CERTIFICATION_DATA, document=_pdf()
    )
    address = document_url("certification", certification)

    visitor = client.get(address)
    assert visitor.status_code == 302
    assert visitor["Location"].startswith(reverse("account_login"))

    client.force_login(other_owner)
    response = client.get(address)
    assert response.status_code == 404
    assert s3_storages.endpoint_url not in response.content.decode()


def test_signed_url_from_the_document_view_fails_once_expired(s3_server, client, owner, practitioner):
    with override_settings(STORAGES=s3_server.storages_setting(PRIVATE_URL_EXPIRE_SECONDS="1")):
        certification = owners.certification_submit(
            practitioner=practitioner, user=owner, data=CERTIFICATION_DATA, document=_pdf()
        )
        client.force_login(owner)
        signed = client.get(document_url("certification", certification))["Location"]
        assert "X-Amz-Expires=1&" in signed
        assert fetch(signed)[0] == 200
        time.sleep(2.2)
        status, body, _ = fetch(signed)
    assert status == 403
    assert PDF_BYTES not in body


def test_signed_url_from_the_document_view_fails_if_tampered_with(s3_storages, client, owner, practitioner):
    certification = owners.certification_submit(
        practitioner=practitioner, user=owner, data=CERTIFICATION_DATA, document=_pdf()
    )
    client.force_login(owner)
    signed = client.get(document_url("certification", certification))["Location"]

    # A longer life, a different disposition, or another signature: all refused.
    for tampered in (
        signed.replace("X-Amz-Expires=60", "X-Amz-Expires=604800"),
        signed.replace("inline", "attachment"),
        signed[:-4] + ("0000" if not signed.endswith("0000") else "1111"),
    ):
        assert tampered != signed
        assert fetch(tampered)[0] == 403


@pytest.mark.parametrize("upload", [_upload_certificate, _upload_photo], ids=["certificate", "photo"])
def test_dashboard_upload_while_s3_is_down_shows_a_clear_message_and_saves_nothing(
    s3_down, client, owner, practitioner, upload
):
    client.force_login(owner)
    started = time.monotonic()

    response = upload(client, practitioner)

    assert time.monotonic() - started < 15
    assert response.status_code == 503
    assert response["Retry-After"]
    page = response.content.decode()
    assert "couldn&#x27;t save your file" in page or "couldn't save your file" in page
    assert "was not saved" in page
    assert "Traceback" not in page and "botocore" not in page and "127.0.0.1" not in page
    assert not Certification.objects.exists()
    assert not PortfolioItem.objects.exists()
