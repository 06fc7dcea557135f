"""The healed-result prompt: once, some months after treatment, to reviewers whose result was
still fresh; their update goes back to moderation."""

import re
from datetime import timedelta

import pytest
from django.core import mail
from django.core.management import call_command
from django.urls import reverse
from django.utils import timezone

from reviews import services
from reviews.models import ReviewStatus

from .factories import ReviewFactory


def months_ago(days: int):
    return (timezone.localdate() - timedelta(days=days)).replace(day=1)


@pytest.fixture
def due(practitioner, settings):
    settings.SMP_HEALED_PROMPT_DAYS = 120
    return ReviewFactory(
        practitioner=practitioner,
        result_healed=False,
        treatment_month=months_ago(130),
        author_email="fresh@example.com",
    )


def run_command(django_capture_on_commit_callbacks) -> str:
    from io import StringIO

    out = StringIO()
    with django_capture_on_commit_callbacks(execute=True):
        call_command("send_healed_prompts", stdout=out)
    return out.getvalue()


def test_prompt_goes_once_to_due_reviewers_only(due, practitioner, django_capture_on_commit_callbacks):
    ReviewFactory(practitioner=practitioner, result_healed=True, treatment_month=months_ago(200))  # healed
    ReviewFactory(practitioner=practitioner, result_healed=False, treatment_month=months_ago(30))  # too soon
    ReviewFactory(
        practitioner=practitioner,
        result_healed=False,
        treatment_month=months_ago(200),
        status=ReviewStatus.PENDING,
    )  # not published
    assert "Sent 1 healed-result prompt." in run_command(django_capture_on_commit_callbacks)
    assert [m.to for m in mail.outbox] == [["fresh@example.com"]]
    assert "/reviews/follow-up/" in mail.outbox[0].body
    due.refresh_from_db()
    assert due.healed_prompt_sent_at is not None
    assert "Sent 0 healed-result prompts." in run_command(django_capture_on_commit_callbacks)
    assert len(mail.outbox) == 1


def test_dry_run_sends_nothing(due, django_capture_on_commit_callbacks):
    from io import StringIO

    out = StringIO()
    call_command("send_healed_prompts", "--dry-run", stdout=out)
    assert "1 healed-result prompts are due" in out.getvalue()
    assert mail.outbox == []
    due.refresh_from_db()
    assert due.healed_prompt_sent_at is None


def test_follow_up_updates_review_and_sends_it_back_to_moderation(
    client, due, practitioner, django_capture_on_commit_callbacks
):
    from practitioners.services import practitioner_refresh_summary

    practitioner_refresh_summary(practitioner=practitioner)
    run_command(django_capture_on_commit_callbacks)
    path = re.search(r"https?://[^/\s]+(/reviews/follow-up/\S+/)", mail.outbox[0].body).group(1)
    page = client.get(path)
    assert page.status_code == 200 and "How does it look now?" in page.text
    response = client.post(
        path,
        {"rating": "5", "result_healed": "yes", "text": "Now healed: soft, even dots, looks like stubble."},
    )
    assert response.status_code == 200
    due.refresh_from_db()
    assert due.status == ReviewStatus.PENDING
    assert due.result_healed is True and due.rating == 5 and due.text.startswith("Now healed")
    practitioner.refresh_from_db()
    assert practitioner.review_count == 0  # out of the rating until staff publish it again


def test_follow_up_link_needs_a_prompt_and_a_valid_signature(client, due):
    token = services.review_follow_up_token(due)
    assert client.get(reverse("reviews:follow-up", args=[token])).status_code == 404  # never prompted
    due.healed_prompt_sent_at = timezone.now()
    due.save()
    assert client.get(reverse("reviews:follow-up", args=[token])).status_code == 200
    assert client.get(reverse("reviews:follow-up", args=[token[:-2] + "zz"])).status_code == 404
    confirm_token = services.review_confirmation_token(due)  # a token for another purpose
    assert client.get(reverse("reviews:follow-up", args=[confirm_token])).status_code == 404


def test_follow_up_refuses_bad_input(client, due):
    due.healed_prompt_sent_at = timezone.now()
    due.save()
    url = reverse("reviews:follow-up", args=[services.review_follow_up_token(due)])
    response = client.post(url, {"rating": "9", "result_healed": "yes", "text": "short"})
    assert response.status_code == 200 and "Select a valid choice" in response.text
    due.refresh_from_db()
    assert due.status == ReviewStatus.PUBLISHED
