"""Owners answer published reviews: one public reply each, editable, never the review itself."""

import pytest
from django.core import mail
from django.core.exceptions import PermissionDenied, ValidationError
from django.urls import reverse

from practitioners.models import VerificationEvent
from reviews import services
from reviews.models import Review, ReviewStatus

from .factories import ReviewFactory
from .test_reviews import XSS


@pytest.fixture
def review(practitioner):
    return ReviewFactory(practitioner=practitioner, text="Honest consultation, natural hairline, clean room.")


def reply_url(review):
    return reverse("reviews:reply", args=[review.practitioner.slug, review.pk])


def test_owner_lists_published_reviews_with_reply_forms(client, owner, practitioner, review):
    ReviewFactory(practitioner=practitioner, status=ReviewStatus.REJECTED, text="Rejected text never shown.")
    client.force_login(owner)
    page = client.get(reverse("reviews:owner-reviews", args=[practitioner.slug]))
    assert page.status_code == 200
    assert "Honest consultation" in page.text
    assert "Rejected text" not in page.text
    assert f'name="r{review.pk}-owner_reply"' in page.text


def test_owner_reply_is_saved_shown_and_editable(client, owner, review, django_capture_on_commit_callbacks):
    client.force_login(owner)
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(reply_url(review), {f"r{review.pk}-owner_reply": "  Thank you, Sam.  "})
    assert response.status_code == 302
    review.refresh_from_db()
    assert review.owner_reply == "Thank you, Sam." and review.owner_reply_at
    assert len(mail.outbox) == 1 and mail.outbox[0].to == [review.author_email]

    with django_capture_on_commit_callbacks(execute=True):
        client.post(reply_url(review), {f"r{review.pk}-owner_reply": "Thank you again, Sam."})
    review.refresh_from_db()
    assert review.owner_reply == "Thank you again, Sam."
    assert len(mail.outbox) == 1  # editing does not e-mail the reviewer again
    assert Review.objects.count() == 1
    assert VerificationEvent.objects.filter(object_id=review.pk, actor=owner).count() == 2


def test_reply_cannot_change_the_review_itself(client, owner, review):
    client.force_login(owner)
    client.post(
        reply_url(review),
        {
            f"r{review.pk}-owner_reply": "Thanks",
            f"r{review.pk}-text": "Owner rewrote this",
            f"r{review.pk}-rating": "5",
            f"r{review.pk}-status": "rejected",
        },
    )
    review.refresh_from_db()
    assert review.text.startswith("Honest consultation")
    assert review.status == ReviewStatus.PUBLISHED


def test_empty_reply_is_a_form_error(client, owner, review):
    client.force_login(owner)
    response = client.post(reply_url(review), {f"r{review.pk}-owner_reply": "   "})
    assert response.status_code == 200
    assert "Write a reply" in response.text
    review.refresh_from_db()
    assert review.owner_reply == ""


def test_other_owner_cannot_reply_or_list(client, other_owner, review):
    client.force_login(other_owner)
    assert client.get(reverse("reviews:owner-reviews", args=[review.practitioner.slug])).status_code == 404
    assert client.post(reply_url(review), {f"r{review.pk}-owner_reply": "Hi"}).status_code == 404
    review.refresh_from_db()
    assert review.owner_reply == ""


def test_anonymous_is_sent_to_login(client, review):
    response = client.post(reply_url(review), {f"r{review.pk}-owner_reply": "Hi"})
    assert response.status_code == 302 and "/accounts/login/" in response.url


def test_reply_to_review_of_another_practitioner_is_404(client, owner, practitioner):
    elsewhere = ReviewFactory()
    client.force_login(owner)
    url = reverse("reviews:reply", args=[practitioner.slug, elsewhere.pk])
    assert client.post(url, {f"r{elsewhere.pk}-owner_reply": "Hi"}).status_code == 404


def test_reply_service_checks_membership_and_status(owner, other_owner, practitioner):
    pending = ReviewFactory(practitioner=practitioner, status=ReviewStatus.PENDING)
    with pytest.raises(ValidationError):
        services.review_reply(review=pending, user=owner, text="Hi")
    published = ReviewFactory(practitioner=practitioner)
    with pytest.raises(PermissionDenied):
        services.review_reply(review=published, user=other_owner, text="Hi")


def test_reply_xss_renders_as_text_on_the_dashboard(client, owner, review):
    client.force_login(owner)
    client.post(reply_url(review), {f"r{review.pk}-owner_reply": XSS})
    page = client.get(reverse("reviews:owner-reviews", args=[review.practitioner.slug]))
    assert "<script>alert" not in page.text
    assert "&lt;script&gt;" in page.text
