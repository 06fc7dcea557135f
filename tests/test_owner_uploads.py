"""Hostile and awkward files sent through the dashboard's upload forms.

Each gives the owner a clear form error (or, for a photo with GPS data, a clean image) and
never a server error; a refused upload leaves no database row and no file in storage.
"""

import html
import io
import struct
import zlib

import pytest
from django.conf import settings
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from PIL import Image

from practitioners.models import Certification, Licence, PortfolioItem

from .factories import image_bytes
from .test_owner_services import pdf_bytes, stored_files

pytestmark = pytest.mark.django_db

PHOTO_FIELDS = {
    "stage": "healed",
    "months_since_treatment": "8",
    "sessions_done": "3",
    "treatment_type": "density",
}
CERTIFICATE_FIELDS = {
    "issuing_body": "Northern SMP Academy",
    "certificate_number": "NSA-1",
    "issued_on": "2023-04-01",
}

WRONG_PHOTO = "not a JPEG, PNG or WebP photo"
WRONG_DOCUMENT = "not a PDF, JPEG or PNG document"
DAMAGED = "could not be opened"
TOO_MANY_PIXELS = "too large to process"
TOO_BIG = "larger than"


def _png_chunk(kind: bytes, data: bytes) -> bytes:
    return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))


def png(width: int, height: int, *, rows: int | None = None, bit_depth: int = 1) -> bytes:
    """A greyscale PNG declaring width x height, with `rows` rows of (all-zero) pixel data."""
    compressor = zlib.compressobj(9)
    row = b"\x00" * (1 + (width * bit_depth + 7) // 8)
    body = b"".join(compressor.compress(row) for _ in range(height if rows is None else rows))
    body += compressor.flush()
    header = struct.pack(">IIBBBBB", width, height, bit_depth, 0, 0, 0, 0)
    return (
        b"\x89PNG\r\n\x1a\n"
        + _png_chunk(b"IHDR", header)
        + _png_chunk(b"IDAT", body)
        + _png_chunk(b"IEND", b"")
    )


def noisy_jpeg(size=(1200, 900)) -> bytes:
    buffer = io.BytesIO()
    Image.effect_noise(size, 60).convert("RGB").save(buffer, "JPEG", quality=90)
    return buffer.getvalue()


def jpeg_with_gps_and_rotation() -> bytes:
    """A landscape phone photo stored sideways (orientation 6) with GPS and camera details."""
    exif = Image.Exif()
    exif[0x010F] = "TellTalePhoneMaker"  # Make
    exif[0x0112] = 6  # Orientation: rotate 90° clockwise to display
    gps = exif.get_ifd(0x8825)
    gps[1], gps[2] = "N", (25.0, 46.0, 27.0)
    gps[3], gps[4] = "W", (80.0, 11.0, 37.0)
    buffer = io.BytesIO()
    Image.new("RGB", (640, 480), (190, 150, 120)).save(buffer, "JPEG", exif=exif)
    return buffer.getvalue()


EXECUTABLE = (
    b"MZ\x90\x00\x03\x00\x00\x00\x04\x00" + b"\x00" * 50 + b"This program cannot be run in DOS mode.\r\n"
)
HTML_PAGE = b"<!doctype html><html><body><script>alert(document.cookie)</script></body></html>"
SVG_WITH_SCRIPT = (
    b'<?xml version="1.0"?><svg xmlns="http://www.w3.org/2000/svg" width="10" height="10">'
    b"<script>alert(1)</script><rect width='10' height='10'/></svg>"
)


def oversize() -> bytes:
    return b"\xff\xd8\xff\xe0" + b"\x00" * settings.SMP_UPLOAD_MAX_BYTES


BAD_PHOTOS = {
    # A real decompression bomb: 225 megapixels of zeros in a few kilobytes.
    "decompression-bomb": (lambda: png(15_000, 15_000), "bomb.png", TOO_MANY_PIXELS),
    # Only the header claims a vast image; Pillow's own bomb limit is hit on opening.
    "huge-declared-png": (lambda: png(100_000, 100_000, rows=1), "huge.png", TOO_MANY_PIXELS),
    # Over our limit but under Pillow's: refused on the declared size before decoding.
    "large-declared-png": (lambda: png(8_000, 6_000, rows=1, bit_depth=8), "large.png", TOO_MANY_PIXELS),
    "truncated-jpeg": (lambda: noisy_jpeg()[:60_000], "cut.jpg", DAMAGED),
    "html-named-jpg": (lambda: HTML_PAGE, "photo.jpg", WRONG_PHOTO),
    "svg-with-script-named-jpg": (lambda: SVG_WITH_SCRIPT, "photo.jpg", WRONG_PHOTO),
    "executable-named-jpg": (lambda: EXECUTABLE, "photo.jpg", WRONG_PHOTO),
    "over-size": (oversize, "big.jpg", TOO_BIG),
    "empty": (lambda: b"", "empty.jpg", "empty"),
}

BAD_DOCUMENTS = {
    "executable-named-pdf": (lambda: EXECUTABLE, "certificate.pdf", WRONG_DOCUMENT),
    "html-named-pdf": (lambda: HTML_PAGE, "certificate.pdf", WRONG_DOCUMENT),
    "svg-with-script-named-jpg": (lambda: SVG_WITH_SCRIPT, "certificate.jpg", WRONG_DOCUMENT),
    "truncated-jpeg": (lambda: noisy_jpeg()[:5000], "scan.jpg", DAMAGED),
    "decompression-bomb": (lambda: png(15_000, 15_000), "scan.png", TOO_MANY_PIXELS),
    "pdf-with-javascript": (
        lambda: pdf_bytes().replace(
            b"/Type /Catalog", b"/Type /Catalog /OpenAction << /S /JavaScript /JS (app.alert(1)) >>"
        ),
        "certificate.pdf",
        "scripts or attached files",
    ),
    "over-size": (lambda: b"%PDF-1.4\n" + b"0" * settings.SMP_UPLOAD_MAX_BYTES, "huge.pdf", TOO_BIG),
}


def _page_text(response) -> str:
    return html.unescape(response.content.decode())


@pytest.fixture
def owner_client(client, owner):
    client.force_login(owner)
    return client


@pytest.mark.parametrize("case", BAD_PHOTOS, ids=str)
def test_bad_portfolio_upload_is_a_form_error_leaving_nothing(case, owner_client, practitioner):
    make, name, message = BAD_PHOTOS[case]
    before = stored_files()
    response = owner_client.post(
        reverse("dashboard:portfolio", args=[practitioner.slug]),
        {**PHOTO_FIELDS, "consent": "on", "image": SimpleUploadedFile(name, make(), "image/jpeg")},
    )
    assert response.status_code == 200
    assert message in _page_text(response)
    assert "errorlist" in response.content.decode()
    assert not PortfolioItem.objects.filter(practitioner=practitioner).exists()
    assert stored_files() == before


@pytest.mark.parametrize("case", BAD_DOCUMENTS, ids=str)
def test_bad_certificate_upload_is_a_form_error_leaving_nothing(case, owner_client, practitioner):
    make, name, message = BAD_DOCUMENTS[case]
    before = stored_files()
    response = owner_client.post(
        reverse("dashboard:certification-create", args=[practitioner.slug]),
        {**CERTIFICATE_FIELDS, "document": SimpleUploadedFile(name, make(), "application/pdf")},
    )
    assert response.status_code == 200
    assert message in _page_text(response)
    assert not Certification.objects.exists()
    assert stored_files() == before


def test_bad_premises_licence_upload_is_a_form_error(owner_client, clinic):
    before = stored_files()
    response = owner_client.post(
        reverse("dashboard:clinic-licence-create", args=[clinic.slug]),
        {
            "licence_number": "EST-1",
            "issuing_authority": "Florida DOH",
            "issued_on": "2024-01-01",
            "document": SimpleUploadedFile("licence.pdf", EXECUTABLE, "application/pdf"),
        },
    )
    assert response.status_code == 200
    assert WRONG_DOCUMENT in _page_text(response)
    assert not Licence.objects.exists()
    assert stored_files() == before


def test_bad_profile_photo_is_a_form_error(owner_client, practitioner):
    before = stored_files()
    response = owner_client.post(
        reverse("dashboard:practitioner-edit", args=[practitioner.slug]),
        {"name": practitioner.name, "clinics": [c.pk for c in practitioner.clinics.all()],
         "photo": SimpleUploadedFile("me.jpg", SVG_WITH_SCRIPT, "image/jpeg")},
    )  # fmt: skip
    assert response.status_code == 200
    assert WRONG_PHOTO in _page_text(response)
    practitioner.refresh_from_db()
    assert not practitioner.photo
    assert stored_files() == before


def test_photo_with_gps_is_stored_clean_and_upright(owner_client, practitioner):
    response = owner_client.post(
        reverse("dashboard:portfolio", args=[practitioner.slug]),
        {
            **PHOTO_FIELDS,
            "consent": "on",
            "image": SimpleUploadedFile("IMG_0001.jpg", jpeg_with_gps_and_rotation(), "image/jpeg"),
        },
    )
    assert response.status_code == 302
    item = PortfolioItem.objects.get(practitioner=practitioner)
    assert item.status == "pending"
    for rendition in (item.original, item.display, item.thumbnail):
        with rendition.open("rb") as handle:
            data = handle.read()
        assert b"Exif" not in data and b"TellTalePhoneMaker" not in data
        with Image.open(io.BytesIO(data)) as image:
            assert not image.getexif()
            assert not image.getexif().get_ifd(0x8825)
            # The sideways phone photo was turned upright: portrait now.
            assert image.height > image.width
    assert "IMG_0001" not in item.original.name


def test_a_large_phone_photo_becomes_small_renditions(owner_client, practitioner):
    response = owner_client.post(
        reverse("dashboard:portfolio", args=[practitioner.slug]),
        {**PHOTO_FIELDS, "consent": "on", "image": SimpleUploadedFile("big.jpg", noisy_jpeg((4000, 3000)))},
    )
    assert response.status_code == 302
    item = PortfolioItem.objects.get(practitioner=practitioner)
    with Image.open(item.display.path) as display, Image.open(item.thumbnail.path) as thumbnail:
        assert display.format == thumbnail.format == "WEBP"
        assert max(display.size) == 1200 and max(thumbnail.size) == 400


def test_certificate_scan_as_png_is_accepted(owner_client, practitioner):
    response = owner_client.post(
        reverse("dashboard:certification-create", args=[practitioner.slug]),
        {
            **CERTIFICATE_FIELDS,
            "document": SimpleUploadedFile("scan.png", image_bytes("PNG", size=(300, 200))),
        },
    )
    assert response.status_code == 302
    certification = Certification.objects.get()
    assert certification.document.name.endswith(".png")
    assert certification.status == "pending"
