"""Staff moderation in the admin: queues first, actions only for the Verifiers group."""

import pytest
from django.contrib.admin.helpers import ACTION_CHECKBOX_NAME
from django.urls import reverse
from django.utils import timezone

from practitioners.models import ModerationStatus
from reviews.models import ConcernStatus, ReviewStatus

from .factories import ConcernReportFactory, ReviewFactory, TestimonialFactory

REVIEWS = reverse("admin:reviews_review_changelist")
TESTIMONIALS = reverse("admin:reviews_testimonial_changelist")
CONCERNS = reverse("admin:reviews_concernreport_changelist")


def act(client, url, action, objects, **extra):
    data = {"action": action, ACTION_CHECKBOX_NAME: [obj.pk for obj in objects], **extra}
    return client.post(url, data)


@pytest.fixture
def pending(practitioner):
    return ReviewFactory(practitioner=practitioner, status=ReviewStatus.PENDING, author_name="Pending Pat")


def test_review_queue_opens_on_pending_reviews(client, verifier, pending, practitioner):
    ReviewFactory(practitioner=practitioner, author_name="Published Pam")
    client.force_login(verifier)
    page = client.get(REVIEWS)
    assert page.status_code == 200
    assert "Pending Pat" in page.text and "Published Pam" not in page.text
    everything = client.get(REVIEWS + "?status=all")
    assert "Pending Pat" in everything.text and "Published Pam" in everything.text


def test_verifier_publishes_from_the_queue(client, verifier, pending, practitioner):
    client.force_login(verifier)
    response = act(client, REVIEWS, "publish", [pending])
    assert response.status_code == 302
    pending.refresh_from_db()
    assert pending.status == ReviewStatus.PUBLISHED and pending.moderated_by == verifier
    practitioner.refresh_from_db()
    assert practitioner.review_count == 1


def test_reject_asks_for_a_reason_first(client, verifier, pending):
    client.force_login(verifier)
    ask = act(client, REVIEWS, "reject", [pending])
    assert ask.status_code == 200 and "Reject reviews" in ask.text
    missing = act(client, REVIEWS, "reject", [pending], apply="Confirm", note="  ")
    assert missing.status_code == 200 and "This field is required" in missing.text
    pending.refresh_from_db()
    assert pending.status == ReviewStatus.PENDING
    done = act(client, REVIEWS, "reject", [pending], apply="Confirm", note="Advert for another clinic")
    assert done.status_code == 302
    pending.refresh_from_db()
    assert pending.status == ReviewStatus.REJECTED and pending.reason == "Advert for another clinic"


def test_publishing_an_unconfirmed_review_is_reported_not_swallowed(client, verifier, practitioner):
    unconfirmed = ReviewFactory(
        practitioner=practitioner, status=ReviewStatus.UNCONFIRMED, email_confirmed_at=None
    )
    client.force_login(verifier)
    response = client.post(
        REVIEWS + "?status=all",
        {"action": "publish", ACTION_CHECKBOX_NAME: [unconfirmed.pk]},
        follow=True,
    )
    assert "Only a confirmed review can be published" in response.text
    unconfirmed.refresh_from_db()
    assert unconfirmed.status == ReviewStatus.UNCONFIRMED


def test_plain_staff_read_the_queue_but_cannot_act(client, staff_without_group, pending):
    client.force_login(staff_without_group)
    page = client.get(REVIEWS)
    assert page.status_code == 200 and "Pending Pat" in page.text
    assert 'value="publish"' not in page.text
    act(client, REVIEWS, "publish", [pending])
    pending.refresh_from_db()
    assert pending.status == ReviewStatus.PENDING
    change = client.get(reverse("admin:reviews_review_change", args=[pending.pk]))
    assert change.status_code == 200 and 'name="_save"' not in change.text


def test_verifier_cannot_edit_or_delete_review_text(client, verifier, pending):
    client.force_login(verifier)
    change = client.get(reverse("admin:reviews_review_change", args=[pending.pk]))
    assert 'name="_save"' not in change.text
    client.post(reverse("admin:reviews_review_change", args=[pending.pk]), {"text": "Rewritten by staff"})
    assert (
        client.post(reverse("admin:reviews_review_delete", args=[pending.pk]), {"post": "yes"}).status_code
        == 403
    )
    pending.refresh_from_db()
    assert pending.text != "Rewritten by staff"


def test_clinic_owner_cannot_open_the_admin(client, owner, pending):
    client.force_login(owner)
    assert client.get(REVIEWS).status_code == 302


def test_testimonial_queue_and_approval(client, verifier, practitioner):
    testimonial = TestimonialFactory(
        practitioner=practitioner, status=ModerationStatus.PENDING, quote="Q pending"
    )
    TestimonialFactory(practitioner=practitioner, quote="Q approved")
    client.force_login(verifier)
    page = client.get(TESTIMONIALS)
    assert "Q pending" in page.text and "Q approved" not in page.text
    act(client, TESTIMONIALS, "approve", [testimonial])
    testimonial.refresh_from_db()
    assert testimonial.status == ModerationStatus.APPROVED and testimonial.moderated_by == verifier


def test_concern_queue_resolve_with_note(client, verifier, practitioner):
    report = ConcernReportFactory(practitioner=practitioner)
    closed = ConcernReportFactory(
        practitioner=practitioner,
        status=ConcernStatus.DISMISSED,
        resolved_at=timezone.now(),
        details="Closed one, not in the queue.",
    )
    client.force_login(verifier)
    page = client.get(CONCERNS)
    assert str(report.practitioner) in page.text and f"/{closed.pk}/change/" not in page.text
    act(
        client, CONCERNS, "resolve", [report], apply="Confirm", note="Clinic sent its licence; it checks out."
    )
    report.refresh_from_db()
    assert report.status == ConcernStatus.RESOLVED and report.resolution_note.startswith("Clinic sent")


def test_invites_are_read_only_and_hide_the_token(client, verifier, practitioner):
    from .factories import ReviewInviteFactory

    invite = ReviewInviteFactory(practitioner=practitioner)
    client.force_login(verifier)
    page = client.get(reverse("admin:reviews_reviewinvite_change", args=[invite.pk]))
    assert page.status_code == 200 and invite.token not in page.text
