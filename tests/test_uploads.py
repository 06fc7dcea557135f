"""Upload checks: every hostile or broken file is refused with a plain message, and what we
keep is re-encoded pixels with no metadata. Attack files are built here, not committed."""

import hashlib
import io
import struct
import time
import zlib

import pytest
from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile
from PIL import Image, ImageCms, ImageFile, ImageStat
from PIL.PngImagePlugin import PngInfo
from pypdf import PdfWriter
from pypdf.actions import JavaScript

from practitioners.demo_images import STAGES, draw_scalp
from practitioners.uploads import check_document, process_portfolio_image

# Fragments of Python or library error text that must never reach a clinic owner.
LEAKS = (
    "cannot identify",
    "image file",
    "traceback",
    "error",
    "exception",
    "pil",
    "pypdf",
    "decompression",
    "struct",
    "errno",
    "truncated",
    "none",
)


def _upload(data: bytes, name: str = "upload.bin", content_type: str = "application/octet-stream"):
    return SimpleUploadedFile(name, data, content_type=content_type)


def _assert_plain(error: ValidationError) -> None:
    assert error.messages
    for message in error.messages:
        assert message[0].isupper() and message.rstrip().endswith("."), message
        for leak in LEAKS:
            assert leak not in message.lower(), message


def _refused(check, data: bytes, name: str = "upload.bin", content_type: str = "image/jpeg"):
    with pytest.raises(ValidationError) as info:
        check(_upload(data, name, content_type))
    _assert_plain(info.value)
    return info.value


def _image(fmt: str, size=(64, 48), mode="RGB", colour=(200, 120, 40), **options) -> bytes:
    buffer = io.BytesIO()
    Image.new(mode, size, colour).save(buffer, fmt, **options)
    return buffer.getvalue()


def _noisy_jpeg(size) -> bytes:
    # Noise keeps the compressed data spread through the whole file, so cutting it bites.
    image = Image.merge("RGB", [Image.effect_noise(size, 60)] * 3)
    buffer = io.BytesIO()
    image.save(buffer, "JPEG", quality=90)
    return buffer.getvalue()


def _png_chunk(kind: bytes, payload: bytes) -> bytes:
    crc = zlib.crc32(kind + payload) & 0xFFFFFFFF
    return struct.pack(">I", len(payload)) + kind + payload + struct.pack(">I", crc)


def _png(width: int, height: int, idat: bytes, bit_depth: int = 8, colour_type: int = 2) -> bytes:
    ihdr = struct.pack(">IIBBBBB", width, height, bit_depth, colour_type, 0, 0, 0)
    return (
        b"\x89PNG\r\n\x1a\n"
        + _png_chunk(b"IHDR", ihdr)
        + _png_chunk(b"IDAT", idat)
        + _png_chunk(b"IEND", b"")
    )


def _blank_bilevel_png(width: int, height: int) -> bytes:
    """A complete, valid 1-bit PNG, compressed row by row so building it stays cheap."""
    row = b"\x00" * (1 + (width + 7) // 8)
    packer = zlib.compressobj(9)
    idat = b"".join(packer.compress(row) for _ in range(height)) + packer.flush()
    return _png(width, height, idat, bit_depth=1, colour_type=0)


def _pdf(pages: int = 1, *, build=None) -> bytes:
    writer = PdfWriter()
    for _ in range(pages):
        writer.add_blank_page(width=595, height=842)
    if build:
        build(writer)
    buffer = io.BytesIO()
    writer.write(buffer)
    return buffer.getvalue()


def _raw_pdf(*bodies: bytes) -> bytes:
    """A hand-written PDF from object bodies (object 1 is the catalog), with a correct xref."""
    out = bytearray(b"%PDF-1.7\n")
    offsets = []
    for number, body in enumerate(bodies, start=1):
        offsets.append(len(out))
        out += b"%d 0 obj\n%s\nendobj\n" % (number, body)
    xref = len(out)
    out += b"xref\n0 %d\n0000000000 65535 f \n" % (len(bodies) + 1)
    for offset in offsets:
        out += b"%010d 00000 n \n" % offset
    out += b"trailer\n<< /Size %d /Root 1 0 R >>\nstartxref\n%d\n%%%%EOF\n" % (
        len(bodies) + 1,
        xref,
    )
    return bytes(out)


_PAGES = b"<< /Type /Pages /Kids [3 0 R] /Count 1 >>"


def _open(content) -> Image.Image:
    content.seek(0)
    image = Image.open(io.BytesIO(content.read()))
    image.load()
    return image


# --- Size and emptiness -------------------------------------------------------------------


@pytest.mark.parametrize("check", [check_document, process_portfolio_image])
def test_zero_byte_file_is_refused(check):
    error = _refused(check, b"", "certificate.pdf", "application/pdf")
    assert error.code == "empty_file"


@pytest.mark.parametrize("check", [check_document, process_portfolio_image])
def test_file_over_the_byte_limit_is_refused(check, settings):
    settings.SMP_UPLOAD_MAX_BYTES = 1000
    error = _refused(check, _noisy_jpeg((100, 100)), "photo.jpg")
    assert error.code == "file_too_large"


def test_declared_oversize_is_refused_without_reading_the_file(settings):
    settings.SMP_UPLOAD_MAX_BYTES = 1000

    class HugeUpload:
        name = "scan.pdf"
        size = 50 * 1024 * 1024

        def seek(self, *args):
            raise AssertionError("the file should not be touched")

        read = seek

    with pytest.raises(ValidationError) as info:
        check_document(HugeUpload())
    assert info.value.code == "file_too_large"


def test_file_that_understates_its_size_is_still_refused(settings):
    settings.SMP_UPLOAD_MAX_BYTES = 1000
    upload = _upload(_noisy_jpeg((100, 100)), "photo.jpg")
    upload.size = 10
    with pytest.raises(ValidationError) as info:
        process_portfolio_image(upload)
    assert info.value.code == "file_too_large"


# --- Pixel limits and decompression bombs -------------------------------------------------


@pytest.mark.parametrize("check", [check_document, process_portfolio_image])
def test_png_declaring_huge_dimensions_with_tiny_data_is_refused_instantly(check):
    bomb = _png(100_000, 100_000, zlib.compress(b"\x00" * 1000))
    started = time.process_time()
    error = _refused(check, bomb, "selfie.png", "image/png")
    assert error.code == "too_many_pixels"
    assert time.process_time() - started < 0.5


def test_real_decompression_bomb_is_refused():
    # 400 megapixels in about 40 KB: well past Pillow's own hard limit.
    bomb = _blank_bilevel_png(20_000, 20_000)
    assert len(bomb) < 200_000
    error = _refused(process_portfolio_image, bomb, "photo.png", "image/png")
    assert error.code == "too_many_pixels"


def test_real_png_just_over_the_pixel_limit_is_refused(settings):
    assert settings.SMP_IMAGE_MAX_PIXELS == 40_000_000
    # 40,008,000 pixels: below Pillow's built-in warning level, so only our check stops it.
    image = _blank_bilevel_png(8000, 5001)
    for check in (check_document, process_portfolio_image):
        assert _refused(check, image, "scan.png", "image/png").code == "too_many_pixels"


def test_pixel_limit_is_read_from_settings_at_call_time(settings):
    settings.SMP_IMAGE_MAX_PIXELS = 10_000
    process_portfolio_image(_upload(_image("PNG", size=(100, 100)), "ok.png"))
    error = _refused(process_portfolio_image, _image("PNG", size=(101, 100)), "big.png")
    assert error.code == "too_many_pixels"


def test_pillow_bomb_warning_is_treated_as_a_refusal(settings):
    # With our own limit raised, Pillow's warning (about 89 MP) must still stop the file.
    settings.SMP_IMAGE_MAX_PIXELS = 500_000_000
    bomb = _png(10_000, 10_000, zlib.compress(b"\x00" * 1000))
    assert _refused(process_portfolio_image, bomb, "photo.png").code == "too_many_pixels"


def test_png_with_compressed_profile_bomb_is_refused():
    # A colour-profile chunk that inflates to 64 MB from about 64 KB.
    packer = zlib.compressobj(9)
    profile = b"".join(packer.compress(b"\x00" * 1_048_576) for _ in range(64)) + packer.flush()
    ihdr = struct.pack(">IIBBBBB", 1, 1, 8, 2, 0, 0, 0)
    bomb = (
        b"\x89PNG\r\n\x1a\n"
        + _png_chunk(b"IHDR", ihdr)
        + _png_chunk(b"iCCP", b"icc\x00\x00" + profile)
        + _png_chunk(b"IDAT", zlib.compress(b"\x00\x00\x00\x00"))
        + _png_chunk(b"IEND", b"")
    )
    assert len(bomb) < 200_000
    _refused(check_document, bomb, "scan.png", "image/png")


# --- Broken files ---------------------------------------------------------------------------


@pytest.mark.parametrize("size", [(640, 480), (2400, 1800)])
@pytest.mark.parametrize("check", [check_document, process_portfolio_image])
def test_truncated_jpeg_is_refused(check, size):
    data = _noisy_jpeg(size)
    error = _refused(check, data[: len(data) * 6 // 10], "photo.jpg")
    assert error.code == "unreadable_image"


def test_truncated_jpeg_is_refused_even_if_something_relaxed_pillow(monkeypatch):
    monkeypatch.setattr(ImageFile, "LOAD_TRUNCATED_IMAGES", True)
    data = _noisy_jpeg((640, 480))
    _refused(process_portfolio_image, data[: len(data) // 2], "photo.jpg")


@pytest.mark.parametrize("check", [check_document, process_portfolio_image])
def test_truncated_png_is_refused(check):
    buffer = io.BytesIO()
    Image.effect_noise((300, 300), 60).save(buffer, "PNG")
    data = buffer.getvalue()
    assert _refused(check, data[: len(data) // 2], "scan.png").code == "unreadable_image"


@pytest.mark.parametrize("check", [check_document, process_portfolio_image])
def test_jpeg_header_followed_by_garbage_is_refused(check):
    _refused(check, b"\xff\xd8\xff\xe0" + b"\x00\x10JFIF" + b"\xaa" * 500, "photo.jpg")


# --- Wrong types in disguise ---------------------------------------------------------------

HTML = b"<!DOCTYPE html><html><body><script>alert(document.cookie)</script></body></html>"
SVG = (
    b'<?xml version="1.0"?><svg xmlns="http://www.w3.org/2000/svg" width="10" height="10">'
    b"<script>alert(1)</script></svg>"
)
# Valid GIF header whose bytes also read as the start of a JavaScript comment.
GIF_POLYGLOT = b"GIF89a/*\x00\x00\x80\x00\x00" + b"\x00" * 12 + b"*/=alert(1);//" + b"\x3b"
ELF = b"\x7fELF\x02\x01\x01\x00" + b"\x00" * 8 + b"\x02\x00\x3e\x00" + b"\x00" * 200
MZ = b"MZ\x90\x00\x03\x00\x00\x00\x04\x00\x00\x00\xff\xff" + b"\x00" * 50 + b"PE\x00\x00" + b"\x00" * 200
ZIP = b"PK\x03\x04\x14\x00\x00\x00\x08\x00" + b"\x00" * 100


@pytest.mark.parametrize(
    "data, name, content_type",
    [
        (HTML, "photo.jpg", "image/jpeg"),
        (SVG, "logo.png", "image/png"),
        (GIF_POLYGLOT, "photo.jpg", "image/jpeg"),
        (ELF, "certificate.pdf", "application/pdf"),
        (MZ, "certificate.pdf", "application/pdf"),
        (ZIP, "certificate.pdf", "application/pdf"),
        (b"Certificate of completion", "certificate.txt", "text/plain"),
    ],
)
@pytest.mark.parametrize("check", [check_document, process_portfolio_image])
def test_files_that_are_not_what_they_claim_are_refused(check, data, name, content_type):
    assert _refused(check, data, name, content_type).code == "unsupported_type"


def test_document_refusal_message_says_what_is_accepted():
    error = _refused(check_document, HTML, "certificate.jpg")
    assert "PDF, JPEG or PNG" in error.messages[0]


@pytest.mark.parametrize("check", [check_document, process_portfolio_image])
def test_real_gif_is_refused_as_a_type_we_do_not_take(check):
    assert _refused(check, _image("GIF"), "photo.png").code == "unsupported_type"


def test_webp_is_a_photo_but_not_a_document():
    webp = _image("WEBP")
    process_portfolio_image(_upload(webp, "photo.webp"))
    assert _refused(check_document, webp, "scan.png").code == "unsupported_type"


# --- Animation -------------------------------------------------------------------------------


def _animated(fmt: str) -> bytes:
    frames = [Image.new("RGB", (40, 30), colour) for colour in ("red", "green", "blue")]
    buffer = io.BytesIO()
    frames[0].save(buffer, fmt, save_all=True, append_images=frames[1:], duration=100, loop=0)
    return buffer.getvalue()


@pytest.mark.parametrize("fmt", ["WEBP", "PNG"])
def test_animated_photo_is_refused(fmt):
    assert _refused(process_portfolio_image, _animated(fmt), "photo").code == "animated_image"


def test_animated_png_document_is_refused():
    assert _refused(check_document, _animated("PNG"), "scan.png").code == "animated_image"


def test_animated_gif_is_refused():
    _refused(process_portfolio_image, _animated("GIF"), "photo.gif")


def test_phone_mpo_photo_is_accepted_as_its_first_frame():
    first = Image.new("RGB", (64, 48), (200, 20, 20))
    buffer = io.BytesIO()
    first.save(buffer, "MPO", save_all=True, append_images=[Image.new("RGB", (64, 48), "blue")])
    document = check_document(_upload(buffer.getvalue(), "photo.jpg"))
    assert document.extension == "jpg"
    red, green, blue = _open(document.content).getpixel((32, 24))
    assert red > 150 and blue < 80


# --- Colour modes -----------------------------------------------------------------------------


def test_cmyk_jpeg_is_accepted_and_converted_to_rgb():
    data = _image("JPEG", size=(120, 80), mode="CMYK", colour=(0, 255, 255, 0))
    renditions = process_portfolio_image(_upload(data, "print.jpg"))
    display = _open(renditions.display)
    assert display.mode == "RGB"
    red, green, blue = display.getpixel((60, 40))
    assert red > 200 and green < 80 and blue < 80

    document = check_document(_upload(data, "scan.jpg"))
    assert document.extension == "jpg"
    assert _open(document.content).mode == "RGB"


def test_sixteen_bit_png_is_scaled_to_eight_bits_not_clipped():
    data = _image("PNG", size=(64, 64), mode="I;16", colour=40000)
    assert Image.open(io.BytesIO(data)).mode.startswith("I")
    renditions = process_portfolio_image(_upload(data, "scan.png"))
    value = _open(renditions.display).getpixel((10, 10))
    assert all(140 <= channel <= 170 for channel in value)

    document = check_document(_upload(data, "scan.png"))
    image = _open(document.content)
    assert (document.extension, image.format, image.mode) == ("png", "PNG", "RGB")


@pytest.mark.parametrize("mode", ["RGBA", "LA", "P"])
def test_transparent_images_are_flattened_onto_white(mode):
    image = Image.new("RGBA", (50, 50), (0, 0, 0, 0)).convert(mode)
    buffer = io.BytesIO()
    image.save(buffer, "PNG")
    renditions = process_portfolio_image(_upload(buffer.getvalue(), "logo.png"))
    assert _open(renditions.display).getpixel((25, 25)) == (255, 255, 255)


# --- Metadata and orientation -----------------------------------------------------------------


def _photo_with_gps_and_orientation() -> bytes:
    # Left half red, right half blue; orientation 6 means "rotate 90 degrees clockwise".
    image = Image.new("RGB", (300, 200), (220, 20, 20))
    image.paste((20, 20, 220), (150, 0, 300, 200))
    exif = Image.Exif()
    exif[0x0112] = 6
    exif[0x010F] = "PhoneMaker"
    gps = exif.get_ifd(0x8825)
    gps.update({1: "N", 2: (51.0, 30.0, 12.5), 3: "W", 4: (0.0, 7.0, 39.0)})
    buffer = io.BytesIO()
    image.save(buffer, "JPEG", exif=exif.tobytes(), quality=95)
    return buffer.getvalue()


def _assert_no_metadata(content) -> None:
    content.seek(0)
    raw = content.read()
    image = _open(content)
    assert not image.getexif()
    assert "exif" not in image.info
    assert "icc_profile" not in image.info
    assert b"Exif\x00\x00" not in raw and b"EXIF" not in raw
    assert b"PhoneMaker" not in raw


def test_gps_exif_is_stripped_and_orientation_applied_to_every_rendition():
    data = _photo_with_gps_and_orientation()
    assert Image.open(io.BytesIO(data)).getexif().get_ifd(0x8825)  # the input does carry GPS

    renditions = process_portfolio_image(_upload(data, "client.jpg"))

    assert (renditions.width, renditions.height) == (200, 300)
    for content in (renditions.original, renditions.display, renditions.thumbnail):
        _assert_no_metadata(content)
        image = _open(content)
        assert image.size == (200, 300)
        # Rotated clockwise, the red left half is now on top.
        assert image.getpixel((100, 60))[0] > 150
        assert image.getpixel((100, 240))[2] > 150


def test_document_photo_loses_gps_and_is_turned_upright():
    document = check_document(_upload(_photo_with_gps_and_orientation(), "certificate.jpg"))
    _assert_no_metadata(document.content)
    assert _open(document.content).size == (200, 300)


def test_png_document_loses_icc_profile_and_text_chunks():
    icc = ImageCms.ImageCmsProfile(ImageCms.createProfile("sRGB")).tobytes()
    text = PngInfo()
    text.add_text("Comment", "home address: 1 Secret Lane")
    data = _image("PNG", icc_profile=icc, pnginfo=text)
    document = check_document(_upload(data, "scan.png"))
    document.content.seek(0)
    raw = document.content.read()
    assert b"Secret Lane" not in raw and b"iCCP" not in raw


# --- PDFs -----------------------------------------------------------------------------------


def test_valid_pdf_is_accepted_as_sent_with_hash_of_the_original():
    data = _pdf()
    document = check_document(_upload(data, "anything.jpg", "image/jpeg"))
    assert (document.extension, document.content_type) == ("pdf", "application/pdf")
    assert document.sha256 == hashlib.sha256(data).hexdigest()
    document.content.seek(0)
    assert document.content.read() == data


def test_pdf_with_page_jump_and_web_link_is_accepted():
    data = _raw_pdf(
        b"<< /Type /Catalog /Pages 2 0 R /OpenAction [3 0 R /Fit] >>",
        _PAGES,
        b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 200 200] /Annots [4 0 R] >>",
        b"<< /Type /Annot /Subtype /Link /Rect [0 0 50 50]"
        b" /A << /S /URI /URI (https://academy.example/verify) >> >>",
    )
    assert check_document(_upload(data, "cert.pdf")).extension == "pdf"


def test_encrypted_pdf_is_refused():
    data = _pdf(build=lambda writer: writer.encrypt(user_password="", owner_password="owner"))
    assert _refused(check_document, data, "cert.pdf").code == "encrypted_pdf"


def test_pdf_with_javascript_is_refused():
    data = _pdf(build=lambda writer: writer.add_open_action(JavaScript("app.alert('hi');")))
    assert _refused(check_document, data, "cert.pdf").code == "active_pdf_content"


def test_pdf_with_attached_file_is_refused():
    data = _pdf(build=lambda writer: writer.add_attachment("invoice.exe", b"MZ\x90\x00"))
    assert _refused(check_document, data, "cert.pdf").code == "active_pdf_content"


def test_pdf_with_disguised_javascript_open_action_is_refused():
    # #-escapes spell /JavaScript and /JS without those bytes appearing in the file.
    data = _raw_pdf(
        b"<< /Type /Catalog /Pages 2 0 R /OpenAction 4 0 R >>",
        _PAGES,
        b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 200 200] >>",
        b"<< /S /J#61vaScript /J#53 (app.launchURL('https://evil.example')) >>",
    )
    assert b"/JavaScript" not in data
    assert _refused(check_document, data, "cert.pdf").code == "active_pdf_content"


def test_pdf_with_launch_action_on_a_link_is_refused():
    data = _raw_pdf(
        b"<< /Type /Catalog /Pages 2 0 R >>",
        _PAGES,
        b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 200 200] /Annots [4 0 R] >>",
        b"<< /Type /Annot /Subtype /Link /Rect [0 0 50 50]"
        b" /A << /S /Launch /F (C:\\\\Windows\\\\System32\\\\calc.exe) >> >>",
    )
    assert _refused(check_document, data, "cert.pdf").code == "active_pdf_content"


def test_pdf_page_cap():
    assert check_document(_upload(_pdf(pages=50), "cert.pdf")).extension == "pdf"
    assert _refused(check_document, _pdf(pages=51), "cert.pdf").code == "too_many_pages"


@pytest.mark.parametrize(
    "data",
    [
        b"%PDF-1.7\n" + ELF,
        b"%PDF-1.4\n%%EOF\n",
        b"%PDF-",
        _pdf()[:200],
        _raw_pdf(b"<< /Type /Catalog /Pages 2 0 R /Deep 4 0 R >>", _PAGES, b"<< >>", b"[" * 5000),
    ],
    ids=["elf-body", "no-objects", "header-only", "cut-short", "deeply-nested"],
)
def test_broken_pdf_is_refused_with_a_plain_message(data):
    assert _refused(check_document, data, "cert.pdf").code == "unreadable_pdf"


# --- Accepted documents and photos ---------------------------------------------------------


@pytest.mark.parametrize(
    "fmt, name, extension, content_type",
    [
        ("JPEG", "cert.pdf", "jpg", "image/jpeg"),
        ("PNG", "cert.jpg", "png", "image/png"),
    ],
)
def test_image_documents_are_re_encoded_in_their_own_format(fmt, name, extension, content_type):
    # Saved the way another program might: a comment and its own compression settings.
    options = {"comment": b"scanner v2"} if fmt == "JPEG" else {"compress_level": 1}
    data = _image(fmt, size=(320, 240), **options)
    document = check_document(_upload(data, name, "application/pdf"))
    assert (document.extension, document.content_type) == (extension, content_type)
    assert document.sha256 == hashlib.sha256(data).hexdigest()
    document.content.seek(0)
    assert document.content.read() != data
    image = _open(document.content)
    assert (image.format, image.size, image.mode) == (fmt, (320, 240), "RGB")


def test_upload_is_rewound_before_reading():
    upload = _upload(_image("PNG"), "scan.png")
    upload.read()
    assert check_document(upload).extension == "png"


def test_plain_file_like_object_is_accepted():
    class FileLike(io.BytesIO):
        name = "photo.jpg"

        @property
        def size(self):
            return len(self.getvalue())

    renditions = process_portfolio_image(FileLike(_image("JPEG", size=(80, 60))))
    assert (renditions.width, renditions.height) == (80, 60)


def test_twelve_megapixel_jpeg_gets_three_renditions_of_the_right_size():
    gradient = Image.linear_gradient("L").resize((4000, 3000))
    photo = Image.merge("RGB", (gradient, gradient.rotate(180), Image.new("L", (4000, 3000), 90)))
    buffer = io.BytesIO()
    photo.save(buffer, "JPEG", quality=85)

    renditions = process_portfolio_image(_upload(buffer.getvalue(), "IMG_0001.JPG"))

    original, display, thumbnail = (
        _open(renditions.original),
        _open(renditions.display),
        _open(renditions.thumbnail),
    )
    assert (original.format, original.size) == ("JPEG", (2000, 1500))
    assert (display.format, display.size) == ("WEBP", (1200, 900))
    assert (thumbnail.format, thumbnail.size) == ("WEBP", (400, 300))
    assert (renditions.width, renditions.height) == (1200, 900)


def test_small_photo_is_not_enlarged():
    renditions = process_portfolio_image(_upload(_image("PNG", size=(300, 200)), "p.png"))
    assert _open(renditions.original).size == (300, 200)
    assert _open(renditions.display).size == (300, 200)
    assert _open(renditions.thumbnail).size == (300, 200)


def test_extreme_panorama_keeps_at_least_one_pixel():
    renditions = process_portfolio_image(_upload(_image("PNG", size=(6000, 2)), "pano.png"))
    assert _open(renditions.thumbnail).size == (400, 1)


# --- Drawn demo scalps --------------------------------------------------------------------


def _scalp(stage: str, seed: int) -> Image.Image:
    return Image.open(io.BytesIO(draw_scalp(stage, seed)))


def _crown_stats(image: Image.Image) -> tuple[float, float]:
    """Mean brightness and redness (red minus green) of the crown, where dots go."""
    width, height = image.size
    crown = image.convert("RGB").crop((width * 3 // 8, height // 4, width * 5 // 8, height // 2))
    red, green, _ = ImageStat.Stat(crown).mean
    return ImageStat.Stat(crown.convert("L")).mean[0], red - green


def test_draw_scalp_is_a_jpeg_of_the_requested_size():
    image = _scalp("fresh", 1)
    assert (image.format, image.size, image.mode) == ("JPEG", (900, 675), "RGB")
    image.load()
    custom = Image.open(io.BytesIO(draw_scalp("healed", 2, size=(400, 300))))
    assert custom.size == (400, 300)


@pytest.mark.parametrize("stage", STAGES)
def test_draw_scalp_is_deterministic(stage):
    assert draw_scalp(stage, 7) == draw_scalp(stage, 7)
    assert draw_scalp(stage, 7) != draw_scalp(stage, 8)


@pytest.mark.parametrize("seed", range(6))
def test_draw_scalp_stages_differ_measurably(seed):
    before, fresh, healed = (_crown_stats(_scalp(stage, seed)) for stage in STAGES)
    # Fresh pigment is darkest, healed softer, bare skin lightest.
    assert before[0] > healed[0] > fresh[0]
    assert before[0] - fresh[0] >= 4
    # Freshly treated skin is pinker than healed skin.
    assert fresh[1] > healed[1] + 2


def test_draw_scalp_skin_tones_range_from_light_to_dark():
    brightness = [_crown_stats(_scalp("before", seed))[0] for seed in range(12)]
    assert max(brightness) - min(brightness) > 60


def test_draw_scalp_refuses_unknown_stage():
    with pytest.raises(ValueError):
        draw_scalp("after", 1)


def test_draw_scalp_is_fast_enough_for_bulk_demo_data():
    draw_scalp("before", 0)  # first call pays one-off set-up
    started = time.process_time()
    for seed in range(9):
        draw_scalp(STAGES[seed % 3], seed)
    # About 25 ms each here; the bound is loose so a busy machine does not fail it.
    assert (time.process_time() - started) / 9 < 0.1
