"""Checks for uploaded files: credential documents and portfolio photos.

The file's content decides what it is; the name and the browser's content type are never
trusted. Images are always decoded and re-encoded, so what we store is pixels we produced
ourselves, with no EXIF, GPS or other metadata carried over. Every refusal is a
ValidationError with a message a clinic owner can act on.
"""

import hashlib
import io
import struct
import warnings
from dataclasses import dataclass

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.files.base import ContentFile
from django.template.defaultfilters import filesizeformat
from PIL import Image, ImageFile, ImageOps
from pypdf import PdfReader
from pypdf.generic import ArrayObject, DictionaryObject, IndirectObject, NameObject

PDF_MAX_PAGES = 50
# Walking more objects than this means a PDF far more complex than any certificate.
PDF_MAX_OBJECTS = 100_000

ORIGINAL_LONG_SIDE = 2000
DISPLAY_LONG_SIDE = 1200
THUMBNAIL_LONG_SIDE = 400

_DOCUMENT_IMAGE_FORMATS = {"JPEG": ("jpg", "image/jpeg"), "PNG": ("png", "image/png")}
_PORTFOLIO_FORMATS = ("JPEG", "PNG", "WEBP")

# Pillow raises a wide range of errors on hostile input; all of them mean "unreadable".
_PILLOW_ERRORS = (
    OSError,
    SyntaxError,
    ValueError,
    TypeError,
    IndexError,
    KeyError,
    ZeroDivisionError,
    EOFError,
    struct.error,
    MemoryError,
)

# PDF features that run code or carry other files. Links (/URI) and page jumps are fine.
_PDF_FORBIDDEN_KEYS = {"/JS", "/JavaScript", "/EmbeddedFiles", "/EmbeddedFile", "/XFA"}
_PDF_FORBIDDEN_ACTIONS = {
    "/JavaScript",
    "/Launch",
    "/ImportData",
    "/GoToE",
    "/RichMediaExecute",
}

DOCUMENT_WRONG_TYPE = (
    "This file is not a PDF, JPEG or PNG document. Please upload a scan or photo of the certificate."
)
PHOTO_WRONG_TYPE = (
    "This file is not a JPEG, PNG or WebP photo. Please upload a photo saved in one of those formats."
)
EMPTY_FILE = "This file is empty. Please choose the file again and re-upload it."
ANIMATED_IMAGE = "Animated images can't be used here. Please upload a still photo."
DAMAGED_IMAGE = (
    "This image could not be opened. It may be damaged or only partly uploaded. "
    "Please save it again or choose another file."
)
DAMAGED_PDF = (
    "This PDF could not be opened. It may be damaged. "
    "Please save it again from the original program, or upload a scan or photo instead."
)
ENCRYPTED_PDF = "This PDF is password-protected. Please upload a copy without a password."
ACTIVE_PDF = (
    "This PDF contains scripts or attached files, which we can't accept for safety reasons. "
    "Please upload a plain PDF, or a scan or photo of the certificate."
)


@dataclass(frozen=True)
class CheckedDocument:
    content: ContentFile
    extension: str
    content_type: str
    sha256: str


@dataclass(frozen=True)
class Renditions:
    original: ContentFile
    display: ContentFile
    thumbnail: ContentFile
    width: int
    height: int


def check_document(upload) -> CheckedDocument:
    """Accept a credential document (PDF, JPEG or PNG) or raise ValidationError."""
    data = _read_upload(upload)
    digest = hashlib.sha256(data).hexdigest()
    if data.startswith(b"%PDF-"):
        _check_pdf(data)
        return CheckedDocument(
            content=ContentFile(data, name="document.pdf"),
            extension="pdf",
            content_type="application/pdf",
            sha256=digest,
        )

    image, image_format = _decode_image(
        data, formats=tuple(_DOCUMENT_IMAGE_FORMATS), wrong_type=DOCUMENT_WRONG_TYPE
    )
    extension, content_type = _DOCUMENT_IMAGE_FORMATS[image_format]
    options = {"quality": 90} if image_format == "JPEG" else {}
    encoded = _encode(image, image_format, **options)
    return CheckedDocument(
        content=ContentFile(encoded, name=f"document.{extension}"),
        extension=extension,
        content_type=content_type,
        sha256=digest,
    )


def process_portfolio_image(upload) -> Renditions:
    """Turn a portfolio photo (JPEG, PNG or WebP) into stored renditions, or raise."""
    data = _read_upload(upload)
    image, _ = _decode_image(
        data,
        formats=_PORTFOLIO_FORMATS,
        wrong_type=PHOTO_WRONG_TYPE,
        draft_long_side=ORIGINAL_LONG_SIDE,
    )
    original = _fit(image, ORIGINAL_LONG_SIDE)
    display = _fit(original, DISPLAY_LONG_SIDE)
    thumbnail = _fit(display, THUMBNAIL_LONG_SIDE)
    return Renditions(
        original=ContentFile(_encode(original, "JPEG", quality=88), name="original.jpg"),
        display=ContentFile(_encode(display, "WEBP", quality=82, method=2), name="display.webp"),
        thumbnail=ContentFile(_encode(thumbnail, "WEBP", quality=78, method=2), name="thumbnail.webp"),
        width=display.width,
        height=display.height,
    )


def _read_upload(upload) -> bytes:
    limit = settings.SMP_UPLOAD_MAX_BYTES
    too_big = ValidationError(
        "This file is larger than %(limit)s. Please upload a smaller file.",
        code="file_too_large",
        params={"limit": filesizeformat(limit)},
    )
    # Refuse on the declared size before reading anything.
    size = getattr(upload, "size", None)
    if size is not None and size > limit:
        raise too_big
    upload.seek(0)
    # Read one byte past the limit so a file that lied about its size is still caught.
    data = upload.read(limit + 1)
    upload.seek(0)
    if len(data) > limit:
        raise too_big
    if not data:
        raise ValidationError(EMPTY_FILE, code="empty_file")
    return bytes(data)


def _decode_image(
    data: bytes,
    *,
    formats: tuple[str, ...],
    wrong_type: str,
    draft_long_side: int | None = None,
) -> tuple[Image.Image, str]:
    """Fully decode an image into upright RGB pixels; return them with the format found."""
    max_pixels = settings.SMP_IMAGE_MAX_PIXELS
    too_many_pixels = ValidationError(
        "This image is too large to process (more than %(megapixels)s megapixels). "
        "Please upload a smaller version of the photo.",
        code="too_many_pixels",
        params={"megapixels": f"{max_pixels / 1_000_000:g}"},
    )
    # A truncated upload must be refused, not padded with grey.
    ImageFile.LOAD_TRUNCATED_IMAGES = False
    with warnings.catch_warnings():
        warnings.simplefilter("error", Image.DecompressionBombWarning)
        try:
            image = Image.open(io.BytesIO(data), formats=formats)
            image_format = image.format
            # Only the header has been read so far: check the declared size first.
            width, height = image.size
            if width * height > max_pixels:
                raise too_many_pixels
            # MPO is how some phones save an ordinary photo plus a preview; the first
            # frame is the photo. Anything else with frames is an animation.
            if image_format == "MPO":
                image_format = "JPEG"
            elif getattr(image, "is_animated", False):
                raise ValidationError(ANIMATED_IMAGE, code="animated_image")
            if draft_long_side and image_format == "JPEG":
                # Let libjpeg decode at 1/2, 1/4 or 1/8 scale when that still covers
                # the largest rendition; a 12 MP photo then costs a quarter of the work.
                target = _fitted_size(image.size, draft_long_side)
                image.draft("RGB", target)
            image.load()
            ImageOps.exif_transpose(image, in_place=True)
            pixels = _to_rgb(image)
        except (Image.DecompressionBombError, Image.DecompressionBombWarning):
            raise too_many_pixels from None
        except Image.UnidentifiedImageError:
            raise ValidationError(wrong_type, code="unsupported_type") from None
        except _PILLOW_ERRORS:
            raise ValidationError(DAMAGED_IMAGE, code="unreadable_image") from None
    return pixels, image_format


def _to_rgb(image: Image.Image) -> Image.Image:
    if image.mode == "RGB":
        return image
    if image.mode.startswith("I"):
        # 16-bit greyscale: scale down to 8 bits instead of clipping everything to white.
        image = image.convert("I").point(lambda value: value * (1 / 256)).convert("L")
    has_alpha = image.mode in ("RGBA", "LA", "PA", "RGBa", "La") or (
        image.mode == "P" and "transparency" in image.info
    )
    if has_alpha:
        rgba = image.convert("RGBA")
        flattened = Image.new("RGB", rgba.size, (255, 255, 255))
        flattened.paste(rgba, mask=rgba.getchannel("A"))
        return flattened
    return image.convert("RGB")


def _fitted_size(size: tuple[int, int], long_side: int) -> tuple[int, int]:
    width, height = size
    scale = min(1.0, long_side / max(width, height))
    return max(1, round(width * scale)), max(1, round(height * scale))


def _fit(image: Image.Image, long_side: int) -> Image.Image:
    size = _fitted_size(image.size, long_side)
    if size == image.size:
        return image
    return image.resize(size, Image.Resampling.HAMMING, reducing_gap=2.0)


def _encode(image: Image.Image, image_format: str, **options) -> bytes:
    # Nothing from the upload's metadata (ICC, text chunks, EXIF) may reach the encoder.
    image.info = {}
    buffer = io.BytesIO()
    image.save(buffer, image_format, **options)
    return buffer.getvalue()


def _check_pdf(data: bytes) -> None:
    # pypdf raises many unrelated exception types on hostile files (including
    # RecursionError on deep nesting); any of them means we cannot vouch for the file.
    try:
        reader = PdfReader(io.BytesIO(data), strict=False)
        if reader.is_encrypted:
            raise ValidationError(ENCRYPTED_PDF, code="encrypted_pdf")
        page_count = len(reader.pages)
        has_active_content = _pdf_has_active_content(reader)
    except ValidationError:
        raise
    except Exception:  # noqa: BLE001
        raise ValidationError(DAMAGED_PDF, code="unreadable_pdf") from None
    if page_count == 0:
        raise ValidationError(DAMAGED_PDF, code="unreadable_pdf")
    if page_count > PDF_MAX_PAGES:
        raise ValidationError(
            "This PDF has more than %(max)s pages. Please upload only the pages that show the certificate.",
            code="too_many_pages",
            params={"max": PDF_MAX_PAGES},
        )
    if has_active_content:
        raise ValidationError(ACTIVE_PDF, code="active_pdf_content")


def _pdf_has_active_content(reader: PdfReader) -> bool:
    """Walk every object reachable from the trailer looking for scripts and attachments.

    Walking the parsed objects (rather than grepping bytes) sees inside compressed object
    streams and through #-escaped names like /J#61vaScript.
    """
    stack = [reader.trailer]
    seen: set[tuple[int, int]] = set()
    visited = 0
    while stack:
        node = stack.pop()
        if isinstance(node, IndirectObject):
            key = (node.idnum, node.generation)
            if key in seen:
                continue
            seen.add(key)
            node = node.get_object()
        visited += 1
        if visited > PDF_MAX_OBJECTS:
            raise ValueError("PDF object graph too large")
        if isinstance(node, DictionaryObject):
            if _PDF_FORBIDDEN_KEYS.intersection(node.keys()):
                return True
            action = node.get("/S")
            if isinstance(action, IndirectObject):
                action = action.get_object()
            if isinstance(action, NameObject) and action in _PDF_FORBIDDEN_ACTIONS:
                return True
            stack.extend(node.values())
        elif isinstance(node, ArrayObject):
            stack.extend(node)
    return False
