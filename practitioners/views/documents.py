"""Private files: credential documents and portfolio originals, never at a public URL.

Verifiers (and moderators, for portfolio originals) may open any of them; owners and
managers only their own clinic's. Everyone else gets the same 404 as for a file that
does not exist.
"""

import mimetypes

from django.contrib.auth.decorators import login_required
from django.http import FileResponse, Http404, HttpResponseRedirect
from django.shortcuts import get_object_or_404
from django.views.decorators.clickjacking import xframe_options_sameorigin
from django.views.decorators.http import require_GET

from ..models import Certification, ClinicMembership, Licence, PortfolioItem

DOCUMENT_KINDS = {
    "certification": (Certification, "document", ["practitioners.verify_credentials"]),
    "licence": (Licence, "document", ["practitioners.verify_credentials"]),
    "portfolio": (
        PortfolioItem,
        "original",
        ["practitioners.verify_credentials", "practitioners.moderate_content"],
    ),
}
SIGNED_URL_SECONDS = 60


def _is_member(user, obj) -> bool:
    memberships = ClinicMembership.objects.filter(user=user)
    if getattr(obj, "practitioner_id", None):
        return memberships.filter(clinic__practitioners=obj.practitioner_id).exists()
    return memberships.filter(clinic=obj.clinic_id).exists()


def _get_private_file(request, kind: str, pk: int):
    """The file this user may open, or 404 (also when it is someone else's)."""
    if kind not in DOCUMENT_KINDS:
        raise Http404("No such document")
    model, field, permissions = DOCUMENT_KINDS[kind]
    obj = get_object_or_404(model, pk=pk)
    user = request.user
    allowed = any(user.has_perm(permission) for permission in permissions) or _is_member(user, obj)
    file = getattr(obj, field)
    if not allowed or not file:
        raise Http404("No such document")
    return obj, file


def _content_type(name: str) -> str:
    return mimetypes.guess_type(name)[0] or "application/octet-stream"


@require_GET
@login_required
@xframe_options_sameorigin  # the staff review screen shows the document in a frame
def private_file(request, kind: str, pk: int):
    obj, file = _get_private_file(request, kind, pk)
    content_type = _content_type(file.name)
    extension = file.name.rsplit(".", 1)[-1] if "." in file.name else "bin"
    disposition = f'inline; filename="{kind}-{obj.pk}.{extension}"'
    storage = file.storage

    if hasattr(storage, "bucket_name"):
        # Object storage: hand out a signed link that stops working within a minute.
        url = storage.url(
            file.name,
            parameters={
                "ResponseContentDisposition": disposition,
                "ResponseContentType": content_type,
                "ResponseCacheControl": "private, no-store",
            },
            # At most a minute; shorter if PRIVATE_URL_EXPIRE_SECONDS asks for it.
            expire=min(SIGNED_URL_SECONDS, storage.querystring_expire),
        )
        response = HttpResponseRedirect(url)
    else:
        try:
            handle = file.open("rb")
        except FileNotFoundError:
            raise Http404("No such document") from None
        response = FileResponse(handle, content_type=content_type)
        # The file is shown on its own, with no scripts, forms or plugins of its own.
        response["Content-Security-Policy"] = "sandbox"
        response["Cross-Origin-Resource-Policy"] = "same-origin"
        response["Content-Disposition"] = disposition
    response["Cache-Control"] = "private, no-store"
    response["X-Content-Type-Options"] = "nosniff"
    return response
