"""The resilience suite's upload attack corpus, through the dashboard forms, in CI.

`make resilience` POSTs the same files to a running gunicorn (with worker-crash and timing
checks); this runs them through the real views in-process so every `make test` sees them:
each file is refused with the form shown again, or accepted and stored as pixels we wrote,
never a server error, and no planted marker (script, HTML, EXIF text) reaches a stored file.
"""

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from bench.corpus import DOCUMENT, MARKERS, corpus
from practitioners.models import Certification, PortfolioItem, private_storage

PORTFOLIO_FIELDS = {
    "stage": "healed",
    "months_since_treatment": "6",
    "sessions_done": "3",
    "treatment_type": "hairline",
    "caption": "",
    "consent": "on",
}
DOCUMENT_FIELDS = {
    "issuing_body": "Bench Academy",
    "certificate_number": "B-1",
    "issued_on": "2024-01-10",
    "expires_on": "2028-01-10",
}


@pytest.fixture(scope="module")
def attack_files():
    return corpus()


def test_the_corpus_covers_what_the_issue_lists(attack_files):
    keys = {f.key for f in attack_files}
    assert len(attack_files) >= 30
    for needed in ("png-bomb", "gif-bomb", "tiff-bomb", "jpeg-html-polyglot", "gif-js-polyglot",
                   "svg-with-script", "path-traversal-name", "nul-byte-name", "300-character-name",
                   "zero-bytes", "truncated-jpeg", "corrupt-jpeg", "huge-exif", "many-frame-gif",
                   "cmyk-jpeg", "16-bit-grey-png", "pdf-javascript", "pdf-encrypted"):  # fmt: skip
        assert any(key.startswith(needed) for key in keys), needed


def _stored_bytes(before_portfolio: set, before_documents: set) -> list[tuple[str, bytes]]:
    out = []
    for item in PortfolioItem.objects.exclude(pk__in=before_portfolio):
        for field in (item.original, item.display, item.thumbnail):
            with field.storage.open(field.name) as handle:
                out.append((field.name, handle.read()))
    for certificate in Certification.objects.exclude(pk__in=before_documents):
        with private_storage.open(certificate.document.name) as handle:
            out.append((certificate.document.name, handle.read()))
    return out


def test_every_attack_file_is_refused_or_safely_reencoded(attack_files, client, owner, practitioner):
    client.force_login(owner)
    portfolio_url = reverse("dashboard:portfolio", args=[practitioner.slug])
    document_url = reverse("dashboard:certification-create", args=[practitioner.slug])
    before_portfolio = set(PortfolioItem.objects.values_list("pk", flat=True))
    before_documents = set(Certification.objects.values_list("pk", flat=True))
    wrong = []
    for attack in attack_files:
        is_document = attack.form == DOCUMENT
        counted = Certification.objects if is_document else PortfolioItem.objects
        rows_before = counted.count()
        upload = SimpleUploadedFile(attack.filename, attack.data, content_type=attack.content_type)
        data = {
            **(DOCUMENT_FIELDS if is_document else PORTFOLIO_FIELDS),
            ("document" if is_document else "image"): upload,
        }
        response = client.post(document_url if is_document else portfolio_url, data)
        stored = counted.count() - rows_before
        if response.status_code == 302 and stored == 1:
            outcome = "reencode"
        elif response.status_code == 200 and stored == 0:
            outcome = "refuse"
        else:
            outcome = f"HTTP {response.status_code}, {stored} rows"
        if attack.expect not in (outcome, "either") or outcome.startswith("HTTP"):
            wrong.append(f"{attack.key}: {outcome}, expected {attack.expect}")
    assert not wrong
    leaked = [
        f"{name}: {marker!r}"
        for name, content in _stored_bytes(before_portfolio, before_documents)
        for marker in MARKERS
        if marker in content
    ]
    assert not leaked
