"""Daily: expire documents past their date and remind owners before it comes.

Cron example (03:10 every day): `10 3 * * * cd /srv/smpfinder && .venv/bin/python manage.py expire_credentials`
"""

from datetime import date, timedelta

from django.core.management.base import BaseCommand, CommandError
from django.db.models import Q
from django.utils import timezone

from practitioners.models import Certification, CredentialStatus, Licence
from practitioners.services import TransitionError, credential_expire, credential_send_expiry_notice
from practitioners.services.verification import EXPIRY_NOTICE_DAYS


def _day(value: str) -> date:
    try:
        return date.fromisoformat(value)
    except ValueError:
        raise CommandError(f"--today must be a date like 2025-06-30, not {value!r}") from None


class Command(BaseCommand):
    help = (
        "Mark verified certificates and licences whose expiry date has come as expired (the badge "
        "they supported goes with them) and e-mail the clinic 30 and 7 days before a document "
        "expires, once per notice. Safe to run more than once a day."
    )

    def add_arguments(self, parser):
        parser.add_argument(
            "--today",
            type=_day,
            help="Act as if today were this date (YYYY-MM-DD). For tests and catching up.",
        )

    def handle(self, *args, today: date | None = None, **options):
        today = today or timezone.localdate()
        expired = 0
        notices = dict.fromkeys(EXPIRY_NOTICE_DAYS, 0)
        for model in (Certification, Licence):
            due = model.objects.filter(status=CredentialStatus.VERIFIED, expires_on__lte=today)
            for credential in due.order_by("pk").iterator():
                try:
                    credential_expire(credential=credential, today=today)
                except TransitionError:
                    continue  # decided on by staff since the query ran
                expired += 1

            # Documents inside the reminder window, and ones whose date moved out of it again.
            upcoming = model.objects.filter(status=CredentialStatus.VERIFIED, expires_on__gt=today).filter(
                Q(expires_on__lte=today + timedelta(days=max(EXPIRY_NOTICE_DAYS)))
                | Q(expiry_notice_days__isnull=False)
            )
            for credential in upcoming.order_by("expires_on", "pk").iterator():
                sent = credential_send_expiry_notice(credential=credential, today=today)
                if sent is not None:
                    notices[sent] += 1

        summary = ", ".join(
            f"{count} {days}-day reminder{'s' if count != 1 else ''}" for days, count in notices.items()
        )
        self.stdout.write(
            f"{today}: {expired} document{'s' if expired != 1 else ''} expired; sent {summary}."
        )
