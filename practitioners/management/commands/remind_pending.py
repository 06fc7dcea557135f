"""Tell staff how much has waited too long for a decision.

Cron example (weekdays at 08:00): `0 8 * * 1-5 cd /srv/smpfinder && .venv/bin/python manage.py remind_pending --days 3`
"""

from datetime import timedelta

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError
from django.urls import reverse
from django.utils import timezone

from practitioners.services.verification import waiting_counts
from smpfinder.mail import send_after_commit

LABELS = {
    "certifications": "SMP certificates",
    "licences": "Licences",
    "claims": "Listing claims",
    "portfolio_items": "Portfolio images",
    "concerns": "Reported concerns",
    "reviews": "Reviews",
    "testimonials": "Clinic testimonials",
}


class Command(BaseCommand):
    help = (
        "E-mail STAFF_EMAIL how many documents, claims, images, reviews and reported concerns "
        "have waited for staff longer than --days days. Sends nothing when nothing is overdue."
    )

    def add_arguments(self, parser):
        parser.add_argument(
            "--days", type=int, default=3, help="Count items older than this many days (default 3)."
        )

    def handle(self, *args, days: int, **options):
        if days < 0:
            raise CommandError("--days cannot be negative.")
        counts = waiting_counts(older_than=timezone.now() - timedelta(days=days))
        total = sum(counts.values())
        if not total:
            self.stdout.write(f"Nothing has waited more than {days} days.")
            return
        sections = [(LABELS[key], count) for key, count in counts.items() if count]
        send_after_commit(
            "pending_reminder",
            [settings.STAFF_EMAIL],
            {
                "days": days,
                "total": total,
                "sections": sections,
                "queue_url": settings.SITE_URL + reverse("admin:practitioners_queue"),
            },
        )
        self.stdout.write(
            f"{total} item{'s' if total != 1 else ''} waited more than {days} days; told {settings.STAFF_EMAIL}."
        )
