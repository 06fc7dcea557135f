"""E-mail from templates, sent only once the surrounding transaction has committed."""

import contextlib
import logging

from django.conf import settings
from django.core.mail import EmailMultiAlternatives
from django.db import transaction
from django.template import TemplateDoesNotExist
from django.template.loader import render_to_string

logger = logging.getLogger(__name__)


def build_message(template: str, to: list[str], context: dict) -> EmailMultiAlternatives:
    """`emails/<template>_subject.txt` and `_body.txt` are required; `_body.html` is optional."""
    context = {"SITE_URL": settings.SITE_URL, **context}
    subject = " ".join(render_to_string(f"emails/{template}_subject.txt", context).split())
    body = render_to_string(f"emails/{template}_body.txt", context)
    message = EmailMultiAlternatives(subject, body, settings.DEFAULT_FROM_EMAIL, to)
    with contextlib.suppress(TemplateDoesNotExist):
        message.attach_alternative(render_to_string(f"emails/{template}_body.html", context), "text/html")
    return message


def send_after_commit(template: str, to: list[str], context: dict) -> None:
    """Queue a templated e-mail for when the current transaction commits.

    Rendering happens now, so a broken template fails the action that asked for it; a mail
    server that is down is logged and does not undo a decision already saved.
    """
    recipients = [address for address in to if address]
    if not recipients:
        return
    message = build_message(template, recipients, context)

    def send():
        try:
            message.send()
        except OSError:
            logger.exception("could not send %s mail to %s", template, recipients)

    transaction.on_commit(send)
