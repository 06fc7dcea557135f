from django.conf import settings
from django.core.management.base import BaseCommand

from reviews.services import healed_prompts_due, healed_prompts_send


class Command(BaseCommand):
    help = (
        "E-mail reviewers whose published review described a fresh result, "
        f"{settings.SMP_HEALED_PROMPT_DAYS} days (SMP_HEALED_PROMPT_DAYS) after treatment, "
        "asking how it has healed. Each reviewer is asked once; safe to run daily."
    )

    def add_arguments(self, parser):
        parser.add_argument("--dry-run", action="store_true", help="Only count the prompts that are due.")

    def handle(self, *args, dry_run=False, **options):
        if dry_run:
            self.stdout.write(f"{healed_prompts_due().count()} healed-result prompts are due.")
            return
        sent = healed_prompts_send()
        self.stdout.write(f"Sent {sent} healed-result prompt{'s' if sent != 1 else ''}.")
