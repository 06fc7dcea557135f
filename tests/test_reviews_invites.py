"""Owners invite clients; a review written through an invite is from a verified client."""

import threading
from datetime import timedelta

import pytest
from django.core import mail
from django.db import connection, transaction
from django.urls import reverse
from django.utils import timezone

from practitioners.models import PractitionerStatus, VerificationEvent
from reviews import services
from reviews.models import Review, ReviewInvite, ReviewStatus

from .factories import PractitionerFactory, ReviewFactory, ReviewInviteFactory
from .test_reviews import review_data

on_postgres = pytest.mark.skipif('connection.vendor != "postgresql"', reason="PostgreSQL-only behaviour")


def cleaned(**overrides) -> dict:
    """What the form hands the service."""
    data = {field: None for field in services.REVIEW_FIELDS}
    data.update(rating=4, text="Clean studio and a hairline that suits my face.", result_healed=True)
    data.update(treatment_month=timezone.localdate().replace(day=1), author_name="Client")
    data.update(overrides)
    return data


def invite_data(**overrides):
    data = review_data(**overrides)
    data.pop("author_email")
    return data


@pytest.fixture
def invites_url(practitioner):
    return reverse("reviews:invites", args=[practitioner.slug])


# Sending -------------------------------------------------------------------------------------


def test_owner_sends_single_use_expiring_invites(
    client, owner, practitioner, invites_url, settings, django_capture_on_commit_callbacks
):
    settings.SMP_INVITE_DAYS = 14
    client.force_login(owner)
    assert client.get(invites_url).status_code == 200
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(invites_url, {"emails": "ann@example.com\nBob@Example.com, ann@example.com"})
    assert response.status_code == 302
    invites = ReviewInvite.objects.order_by("email")
    assert [i.email for i in invites] == ["Bob@Example.com", "ann@example.com"]
    for invite in invites:
        assert invite.practitioner == practitioner and invite.created_by == owner
        assert invite.used_at is None
        assert timedelta(days=13, hours=23) < invite.expires_at - timezone.now() <= timedelta(days=14)
        assert VerificationEvent.objects.filter(object_id=invite.pk, to_status="sent").exists()
    assert sorted(m.to[0] for m in mail.outbox) == ["Bob@Example.com", "ann@example.com"]
    assert all("/reviews/invite/" in m.body for m in mail.outbox)
    page = client.get(invites_url)
    assert "ann@example.com" in page.text and "Waiting" in page.text


def test_other_owner_and_visitors_cannot_reach_invites(client, other_owner, invites_url):
    assert client.get(invites_url).status_code == 302  # to the login page
    client.force_login(other_owner)
    assert client.get(invites_url).status_code == 404
    assert client.post(invites_url, {"emails": "x@example.com"}).status_code == 404
    assert not ReviewInvite.objects.exists()


def test_daily_invite_cap_per_user(client, owner, practitioner, invites_url, settings):
    settings.SMP_INVITES_PER_DAY = 3
    client.force_login(owner)
    response = client.post(
        invites_url, {"emails": "a@example.com\nb@example.com\nc@example.com\nd@example.com"}
    )
    assert response.status_code == 200
    assert "3 invites a day" in response.text
    assert not ReviewInvite.objects.exists()

    client.post(invites_url, {"emails": "a@example.com\nb@example.com"})
    response = client.post(invites_url, {"emails": "c@example.com\nd@example.com"})
    assert "1 left for today" in response.text
    assert ReviewInvite.objects.count() == 2

    # Invites older than a day no longer count.
    ReviewInvite.objects.update(created_at=timezone.now() - timedelta(hours=25))
    assert client.post(invites_url, {"emails": "c@example.com\nd@example.com"}).status_code == 302
    assert ReviewInvite.objects.count() == 4


@pytest.mark.parametrize(
    ("emails", "message"),
    [
        ("", "This field is required"),
        ("not-an-email", "do not look like e-mail addresses"),
        ("\n , ;", "Enter at least one e-mail address"),
        ("\n".join(f"c{n}@example.com" for n in range(21)), "at most 20 invites"),
        ("a@example.com\x00", "Null characters"),
    ],
)
def test_bad_invite_input_is_a_form_error(client, owner, invites_url, emails, message):
    client.force_login(owner)
    response = client.post(invites_url, {"emails": emails})
    assert response.status_code == 200
    assert message in response.text
    assert not ReviewInvite.objects.exists()


def test_no_invites_to_clinic_staff_or_people_who_already_reviewed(client, owner, practitioner, invites_url):
    ReviewFactory(practitioner=practitioner, author_email="done@example.com")
    client.force_login(owner)
    response = client.post(invites_url, {"emails": f"DONE@example.com\n{owner.email}"})
    assert "has already reviewed" in response.text
    assert "belongs to someone at the clinic" in response.text
    assert not ReviewInvite.objects.exists()


def test_no_second_invite_while_one_is_waiting(client, owner, practitioner, invites_url):
    ReviewInviteFactory(practitioner=practitioner, email="ann@example.com")
    ReviewInviteFactory(
        practitioner=practitioner,
        email="old@example.com",
        created_at=timezone.now() - timedelta(days=31),
        expires_at=timezone.now() - timedelta(minutes=1),
    )
    client.force_login(owner)
    response = client.post(invites_url, {"emails": "ANN@example.com"})
    assert "already has an invite waiting" in response.text
    assert client.post(invites_url, {"emails": "old@example.com"}).status_code == 302  # the old one expired
    assert ReviewInvite.objects.filter(email="old@example.com").count() == 2


def test_no_invites_for_unpublished_profile(client, owner, clinic):
    draft = PractitionerFactory(clinics=[clinic], status=PractitionerStatus.DRAFT)
    client.force_login(owner)
    url = reverse("reviews:invites", args=[draft.slug])
    assert "once this profile is published" in client.get(url).text
    assert "once this profile is published" in client.post(url, {"emails": "a@example.com"}).text
    assert not ReviewInvite.objects.exists()


# Writing through an invite -----------------------------------------------------------------------


def test_review_through_invite_is_verified_and_goes_to_moderation(client, practitioner):
    invite = ReviewInviteFactory(practitioner=practitioner, email="client@example.com")
    url = reverse("reviews:invite-review", args=[invite.token])
    page = client.get(url)
    assert page.status_code == 200 and "Verified client" in page.text
    assert 'name="author_email"' not in page.text
    response = client.post(url, invite_data())
    assert response.status_code == 200
    assert "with our staff" in response.text
    review = Review.objects.get()
    assert review.verified_client is True
    assert review.invite == invite
    assert review.author_email == "client@example.com"
    assert review.status == ReviewStatus.PENDING
    assert review.email_confirmed_at is not None
    invite.refresh_from_db()
    assert invite.used_at is not None
    assert mail.outbox == []  # no confirmation needed: the invite proved the address


def test_invite_works_only_once(client, practitioner):
    invite = ReviewInviteFactory(practitioner=practitioner)
    url = reverse("reviews:invite-review", args=[invite.token])
    client.post(url, invite_data())
    again = client.post(
        url, invite_data(text="A second attempt to add another review through the same link.")
    )
    assert again.status_code == 410
    assert "already been used" in again.text
    assert client.get(url).status_code == 410
    assert Review.objects.count() == 1


def test_invite_does_not_work_after_expiry(client, practitioner):
    invite = ReviewInviteFactory(
        practitioner=practitioner,
        created_at=timezone.now() - timedelta(days=31),
        expires_at=timezone.now() - timedelta(minutes=1),
    )
    url = reverse("reviews:invite-review", args=[invite.token])
    assert client.get(url).status_code == 410
    response = client.post(url, invite_data())
    assert response.status_code == 410 and "expired" in response.text
    assert not Review.objects.exists()
    with pytest.raises(services.ReviewRefused):
        services.review_submit_from_invite(token=invite.token, data=cleaned())


def test_unknown_token_and_hidden_practitioner_are_404(client, db):
    assert client.get(reverse("reviews:invite-review", args=["no-such-token"])).status_code == 404
    hidden = ReviewInviteFactory(practitioner=PractitionerFactory(status=PractitionerStatus.SUSPENDED))
    assert (
        client.post(reverse("reviews:invite-review", args=[hidden.token]), invite_data()).status_code == 404
    )


def test_invite_sent_to_someone_who_already_reviewed_gives_form_error(client, practitioner):
    invite = ReviewInviteFactory(practitioner=practitioner, email="twice@example.com")
    ReviewFactory(practitioner=practitioner, author_email="twice@example.com")
    response = client.post(reverse("reviews:invite-review", args=[invite.token]), invite_data())
    assert response.status_code == 200 and "already exists" in response.text
    invite.refresh_from_db()
    assert invite.used_at is None
    assert Review.objects.count() == 1


def test_clinic_member_cannot_use_an_invite(client, owner, practitioner):
    invite = ReviewInviteFactory(practitioner=practitioner)
    client.force_login(owner)
    url = reverse("reviews:invite-review", args=[invite.token])
    assert client.post(url, invite_data()).status_code == 403
    assert not Review.objects.exists()


def test_invite_to_a_clinic_members_address_is_refused(client, owner, practitioner):
    invite = ReviewInviteFactory(practitioner=practitioner, email=owner.email)
    response = client.post(reverse("reviews:invite-review", args=[invite.token]), invite_data())
    assert "cannot review them" in response.text
    assert not Review.objects.exists()


def test_invite_posts_are_rate_limited(client, practitioner):
    invite = ReviewInviteFactory(practitioner=practitioner)
    url = reverse("reviews:invite-review", args=[invite.token])
    for _ in range(3):
        client.post(url, invite_data(text="too short"))
    assert client.post(url, invite_data()).status_code == 429
    assert not Review.objects.exists()


def test_owner_never_sees_or_controls_reviews_before_publication(client, owner, practitioner):
    invite = ReviewInviteFactory(practitioner=practitioner)
    client.post(reverse("reviews:invite-review", args=[invite.token]), invite_data(text="Pending words " * 5))
    client.force_login(owner)
    page = client.get(reverse("reviews:owner-reviews", args=[practitioner.slug]))
    assert "Pending words" not in page.text
    review = Review.objects.get()
    reply_url = reverse("reviews:reply", args=[practitioner.slug, review.pk])
    assert client.post(reply_url, {f"r{review.pk}-owner_reply": "Thanks"}).status_code == 404
    assert client.get(reverse("admin:reviews_review_changelist")).status_code == 302  # not staff
    page = client.get(reverse("reviews:invites", args=[practitioner.slug]))
    assert "Review written" in page.text  # they learn it was used, not what it says
    assert "Pending words" not in page.text


@pytest.mark.postgres
@on_postgres
@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_two_submissions_through_one_invite_at_once_create_one_review():
    practitioner = PractitionerFactory()
    invite = ReviewInviteFactory(practitioner=practitioner)
    outcome = {}

    def second_submission():
        try:
            services.review_submit_from_invite(token=invite.token, data=cleaned(author_name="Second"))
            outcome["second"] = "saved"
        except services.ReviewRefused:
            outcome["second"] = "refused"
        finally:
            connection.close()

    with transaction.atomic():
        services.review_submit_from_invite(token=invite.token, data=cleaned(author_name="First"))
        thread = threading.Thread(target=second_submission)
        thread.start()
        thread.join(timeout=1)
        assert thread.is_alive()  # waiting on the row lock held by the first submission
    thread.join(timeout=10)
    assert outcome == {"second": "refused"}
    assert list(Review.objects.values_list("author_name", flat=True)) == ["First"]
