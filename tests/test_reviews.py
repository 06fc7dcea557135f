"""Writing a review from a profile, confirming it by e-mail, moderation, and what the
profile then shows."""

import re
from datetime import date, timedelta

import pytest
from django.core import mail
from django.core.cache import cache
from django.core.exceptions import PermissionDenied, ValidationError
from django.test import RequestFactory
from django.urls import reverse
from django.utils import timezone

from practitioners.models import ClinicMembership, PractitionerStatus, VerificationEvent
from reviews import services
from reviews.models import Review, ReviewStatus
from reviews.profile import reviews_context

from .factories import PractitionerFactory, ReviewFactory, UserFactory

XSS = '<script>alert("x")</script><img src=x onerror=alert(1)>'


def last_month() -> str:
    day = timezone.localdate().replace(day=1) - timedelta(days=1)
    return day.strftime("%Y-%m")


def review_data(**overrides) -> dict:
    data = {
        "rating": "4",
        "rating_naturalness": "5",
        "rating_hygiene": "4",
        "rating_consultation": "",
        "rating_aftercare": "3",
        "rating_comfort": "4",
        "text": "The consultation was honest and the hairline looks natural after three sessions.",
        "treatment_month": last_month(),
        "result_healed": "yes",
        "author_name": "Sam",
        "author_email": "sam@example.com",
        "own_experience": "on",
    }
    data.update(overrides)
    return data


def confirm_link(message) -> str:
    return (
        re.search(r"https?://\S+/reviews/confirm/\S+/", message.body)
        .group(0)
        .split("://", 1)[1]
        .split("/", 1)[1]
    )


@pytest.fixture
def write_url(practitioner):
    return reverse("reviews:write", args=[practitioner.slug])


# Writing ---------------------------------------------------------------------------------------


@pytest.mark.smoke
def test_review_form_renders_for_published_practitioner(client, write_url, practitioner):
    response = client.get(write_url)
    assert response.status_code == 200
    assert f"Review {practitioner.name}" in response.text
    assert 'type="month"' in response.text


@pytest.mark.parametrize("status", [PractitionerStatus.DRAFT, PractitionerStatus.SUSPENDED])
def test_review_form_is_404_for_hidden_practitioner(client, db, status):
    hidden = PractitionerFactory(status=status)
    assert client.get(reverse("reviews:write", args=[hidden.slug])).status_code == 404
    assert client.post(reverse("reviews:write", args=[hidden.slug]), review_data()).status_code == 404
    assert not Review.objects.exists()


def test_review_form_is_404_for_unknown_slug(client, db):
    assert client.get(reverse("reviews:write", args=["nobody"])).status_code == 404


def test_submitted_review_is_unconfirmed_and_emails_a_confirmation_link(
    client, write_url, practitioner, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(write_url, review_data())
    assert response.status_code == 302
    assert response.url == reverse("reviews:write-sent", args=[practitioner.slug])
    review = Review.objects.get()
    assert review.status == ReviewStatus.UNCONFIRMED
    assert review.practitioner == practitioner
    assert review.rating == 4 and review.rating_consultation is None and review.rating_aftercare == 3
    assert review.result_healed is True
    assert review.verified_client is False
    assert review.treatment_month.day == 1
    assert len(mail.outbox) == 1
    assert mail.outbox[0].to == ["sam@example.com"]
    assert "/reviews/confirm/" in mail.outbox[0].body


def test_confirming_moves_review_to_moderation_queue_not_to_profile(
    client, write_url, practitioner, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        client.post(write_url, review_data())
    link = "/" + confirm_link(mail.outbox[0])
    page = client.get(link)
    assert page.status_code == 200
    assert "Yes, this is my review" in page.text
    assert Review.objects.get().status == ReviewStatus.UNCONFIRMED  # a GET changes nothing

    assert client.post(link).status_code == 200
    review = Review.objects.get()
    assert review.status == ReviewStatus.PENDING
    assert review.email_confirmed_at is not None
    assert VerificationEvent.objects.filter(object_id=review.pk, to_status="pending").exists()
    practitioner.refresh_from_db()
    assert practitioner.review_count == 0


def test_confirmation_link_that_is_tampered_or_expired_does_not_work(client, db, monkeypatch):
    review = ReviewFactory(status=ReviewStatus.UNCONFIRMED, email_confirmed_at=None)
    token = services.review_confirmation_token(review)
    assert client.get(reverse("reviews:confirm", args=[token + "x"])).status_code == 404
    assert client.post(reverse("reviews:confirm", args=["garbage"])).status_code == 404

    monkeypatch.setattr(services, "CONFIRM_MAX_AGE", timedelta(seconds=-1))  # the link is now too old
    assert client.post(reverse("reviews:confirm", args=[token])).status_code == 404
    review.refresh_from_db()
    assert review.status == ReviewStatus.UNCONFIRMED


def test_confirming_twice_is_harmless(client, db):
    review = ReviewFactory(status=ReviewStatus.UNCONFIRMED, email_confirmed_at=None)
    url = reverse("reviews:confirm", args=[services.review_confirmation_token(review)])
    client.post(url)
    client.post(url)
    assert client.get(url).status_code == 200
    assert VerificationEvent.objects.filter(object_id=review.pk, to_status="pending").count() == 1


@pytest.mark.parametrize(
    ("field", "value", "message"),
    [
        ("rating", "", "This field is required"),
        ("rating", "6", "Select a valid choice"),
        ("rating", "0", "Select a valid choice"),
        ("rating_hygiene", "9", "Select a valid choice"),
        ("text", "Great!", "at least a couple of sentences"),
        ("treatment_month", "2999-01", "cannot be in the future"),
        ("treatment_month", "1960-05", "within the last 30 years"),
        ("treatment_month", "not a month", "Enter a valid date"),
        ("result_healed", "maybe", "Select a valid choice"),
        ("author_email", "not-an-address", "Enter a valid email address"),
        ("author_name", "   ", "This field is required"),
        ("own_experience", "", "This field is required"),
        ("text", "x" * 5001, "at most 5000 characters"),
        ("author_name", "\x00bad", "Null characters are not allowed"),
    ],
)
def test_bad_review_input_is_a_form_error(client, write_url, field, value, message):
    response = client.post(write_url, review_data(**{field: value}))
    assert response.status_code == 200
    assert message in response.text
    assert not Review.objects.exists()


def test_next_month_is_refused_this_month_is_allowed(client, write_url):
    today = timezone.localdate()
    next_month = (today.replace(day=28) + timedelta(days=7)).strftime("%Y-%m")
    assert "cannot be in the future" in client.post(write_url, review_data(treatment_month=next_month)).text
    response = client.post(write_url, review_data(treatment_month=today.strftime("%Y-%m")))
    assert response.status_code == 302


# One review per person, clinic members refused ---------------------------------------------


def test_second_review_from_same_email_is_a_friendly_error_not_a_500(client, write_url, practitioner):
    ReviewFactory(practitioner=practitioner, author_email="Sam@Example.com")
    response = client.post(write_url, review_data(author_email="sam@example.COM"))
    assert response.status_code == 200
    assert "already exists" in response.text
    assert Review.objects.count() == 1


def test_unconfirmed_review_from_same_email_asks_to_confirm_instead(client, write_url, practitioner):
    ReviewFactory(
        practitioner=practitioner,
        author_email="sam@example.com",
        status=ReviewStatus.UNCONFIRMED,
        email_confirmed_at=None,
    )
    response = client.post(write_url, review_data())
    assert "waiting to be confirmed" in response.text
    assert Review.objects.count() == 1


def test_unconfirmed_review_whose_link_expired_can_be_written_again(client, write_url, practitioner):
    stale = ReviewFactory(
        practitioner=practitioner,
        author_email="sam@example.com",
        status=ReviewStatus.UNCONFIRMED,
        email_confirmed_at=None,
        created_at=timezone.now() - timedelta(days=8),
    )
    assert client.post(write_url, review_data()).status_code == 302
    assert not Review.objects.filter(pk=stale.pk).exists()
    assert Review.objects.get().author_email == "sam@example.com"


def test_same_email_may_review_a_different_practitioner(client, write_url, db):
    ReviewFactory(author_email="sam@example.com")
    assert client.post(write_url, review_data()).status_code == 302


def test_database_constraint_race_becomes_form_error(practitioner):
    ReviewFactory(practitioner=practitioner, author_email="sam@example.com")
    review = Review(
        practitioner=practitioner,
        author_email="SAM@example.com",
        author_name="Sam",
        rating=3,
        text="x" * 40,
        treatment_month=date(2025, 1, 1),
    )
    with pytest.raises(services.ReviewRefused, match="already exists"):
        services._save_new_review(review)


def test_logged_in_clinic_member_cannot_review_their_practitioner(client, owner, practitioner, write_url):
    client.force_login(owner)
    page = client.get(write_url)
    assert page.status_code == 403
    assert "cannot review" in page.text
    response = client.post(write_url, review_data(author_email="someone-else@example.com"))
    assert response.status_code == 403
    assert not Review.objects.exists()


def test_manager_of_another_clinic_of_the_practitioner_is_refused(client, practitioner, db):
    from .factories import ClinicFactory

    second = ClinicFactory()
    practitioner.clinics.add(second)
    manager = UserFactory(username="manager")
    ClinicMembership.objects.create(clinic=second, user=manager, role="manager")
    client.force_login(manager)
    assert client.post(reverse("reviews:write", args=[practitioner.slug]), review_data()).status_code == 403


def test_email_of_a_clinic_member_is_refused_even_when_logged_out(client, owner, write_url):
    response = client.post(write_url, review_data(author_email=owner.email.upper()))
    assert response.status_code == 200
    assert "cannot review them" in response.text
    assert not Review.objects.exists()


def test_other_clinic_owner_may_review_as_a_client(client, other_owner, write_url):
    client.force_login(other_owner)
    assert client.post(write_url, review_data(author_email=other_owner.email)).status_code == 302


# Rate limits ---------------------------------------------------------------------------------


def test_review_posts_are_rate_limited_per_email(client, write_url, practitioner):
    for _ in range(3):
        client.post(write_url, review_data(text="short"))  # invalid, but still counted
    response = client.post(write_url, review_data(), REMOTE_ADDR="10.0.0.9")
    assert response.status_code == 429
    assert not Review.objects.exists()
    # Another address from a new IP is not affected.
    assert (
        client.post(write_url, review_data(author_email="b@example.com"), REMOTE_ADDR="10.0.0.8").status_code
        == 302
    )


def test_review_posts_are_rate_limited_per_ip(client, write_url):
    for n in range(10):
        client.post(write_url, review_data(author_email=f"p{n}@example.com", text="short"))
    response = client.post(write_url, review_data(author_email="new@example.com"))
    assert response.status_code == 429
    assert "Too many attempts" in response.text
    assert client.get(write_url).status_code == 200  # reading the form is never limited


# Moderation ------------------------------------------------------------------------------------


def test_publishing_updates_stored_rating_and_emails_reviewer(
    verifier, practitioner, django_capture_on_commit_callbacks
):
    first = ReviewFactory(practitioner=practitioner, rating=5, status=ReviewStatus.PENDING)
    second = ReviewFactory(practitioner=practitioner, rating=2, status=ReviewStatus.PENDING)
    with django_capture_on_commit_callbacks(execute=True):
        services.review_publish(review=first, moderator=verifier)
        services.review_publish(review=second, moderator=verifier)
    practitioner.refresh_from_db()
    assert practitioner.review_count == 2
    assert float(practitioner.rating_average) == 3.5
    first.refresh_from_db()
    assert first.moderated_by == verifier and first.moderated_at
    assert VerificationEvent.objects.filter(
        object_id=first.pk, actor=verifier, to_status="published"
    ).exists()
    assert [m.to for m in mail.outbox] == [[first.author_email], [second.author_email]]


def test_rejecting_a_published_review_takes_it_out_of_the_rating(verifier, practitioner):
    review = ReviewFactory(practitioner=practitioner, status=ReviewStatus.PENDING)
    services.review_publish(review=review, moderator=verifier)
    with pytest.raises(ValidationError):
        services.review_reject(review=review, moderator=verifier, reason="  ")
    services.review_reject(review=review, moderator=verifier, reason="Written by the clinic's receptionist")
    practitioner.refresh_from_db()
    assert practitioner.review_count == 0 and practitioner.rating_average is None
    review.refresh_from_db()
    assert review.status == ReviewStatus.REJECTED and review.reason


def test_unconfirmed_review_cannot_be_published(verifier, db):
    review = ReviewFactory(status=ReviewStatus.UNCONFIRMED, email_confirmed_at=None)
    with pytest.raises(ValidationError):
        services.review_publish(review=review, moderator=verifier)


def test_only_moderators_can_publish(staff_without_group, owner, practitioner):
    review = ReviewFactory(practitioner=practitioner, status=ReviewStatus.PENDING)
    for user in (staff_without_group, owner, None):
        with pytest.raises(PermissionDenied):
            services.review_publish(review=review, moderator=user)
    review.refresh_from_db()
    assert review.status == ReviewStatus.PENDING


# The profile ------------------------------------------------------------------------------------


def profile_context(practitioner, **params):
    request = RequestFactory().get("/", params)
    return reviews_context(request, practitioner)


def test_only_published_reviews_are_summarised_and_listed(practitioner):
    shown = ReviewFactory(practitioner=practitioner, rating=4, verified_client=False)
    for status in (ReviewStatus.UNCONFIRMED, ReviewStatus.PENDING, ReviewStatus.REJECTED):
        ReviewFactory(practitioner=practitioner, rating=1, status=status)
    ReviewFactory(rating=1)  # someone else's
    context = profile_context(practitioner)
    assert context["rating_summary"]["count"] == 1
    assert context["rating_summary"]["average"] == 4
    assert list(context["reviews_page"].object_list) == [shown]


def test_summary_has_distribution_and_verified_share(practitioner):
    from .factories import ReviewInviteFactory

    for rating in (5, 5, 4, 1):
        ReviewFactory(practitioner=practitioner, rating=rating)
    ReviewFactory(
        practitioner=practitioner,
        rating=5,
        verified_client=True,
        invite=ReviewInviteFactory(practitioner=practitioner),
    )
    summary = profile_context(practitioner)["rating_summary"]
    assert summary["count"] == 5
    assert summary["average"] == 4.0
    assert [(row["stars"], row["count"]) for row in summary["distribution"]] == [
        (5, 3),
        (4, 1),
        (3, 0),
        (2, 0),
        (1, 1),
    ]
    assert summary["verified"] == 1 and summary["verified_percent"] == 20
    assert {part["field"] for part in summary["sub_ratings"]} == {"rating_naturalness", "rating_hygiene"}


def test_reviews_sort_and_paginate(practitioner):
    now = timezone.now()
    for n, rating in enumerate([3, 5, 1, 4, 2] * 3):
        ReviewFactory(practitioner=practitioner, rating=rating, created_at=now - timedelta(days=n))
    newest = profile_context(practitioner)["reviews_page"]
    assert len(newest.object_list) == 10 and newest.paginator.num_pages == 2
    assert newest.object_list[0].created_at == max(r.created_at for r in Review.objects.all())
    highest = profile_context(practitioner, reviews_sort="highest")["reviews_page"].object_list
    assert [r.rating for r in highest][:3] == [5, 5, 5]
    lowest = profile_context(practitioner, reviews_sort="lowest", reviews_page="2")
    assert [r.rating for r in lowest["reviews_page"].object_list] == [4, 4, 5, 5, 5]
    assert "reviews_sort=lowest" in lowest["reviews_previous_url"]
    assert lowest["reviews_next_url"] is None


@pytest.mark.parametrize(
    "params", [{"reviews_sort": "drop table"}, {"reviews_page": "-1"}, {"reviews_page": "x\x00"}]
)
def test_bad_sort_or_page_falls_back_safely(practitioner, params):
    ReviewFactory(practitioner=practitioner)
    context = profile_context(practitioner, **params)
    assert len(context["reviews_page"].object_list) == 1


def test_sort_links_keep_other_parameters(practitioner):
    context = profile_context(practitioner, tab="x", reviews_page="3")
    urls = {option["key"]: option["url"] for option in context["reviews_sorts"]}
    assert "tab=x" in urls["lowest"] and "reviews_page" not in urls["lowest"]


@pytest.mark.parametrize("count", [1, 50])
def test_profile_reviews_context_uses_fixed_queries(practitioner, count, django_assert_num_queries):
    from practitioners.models import Practitioner

    ReviewFactory.create_batch(count, practitioner=practitioner)
    fresh = Practitioner.objects.get(pk=practitioner.pk)
    with django_assert_num_queries(3):
        context = profile_context(fresh)
        html = render_include(context)
    assert context["rating_summary"]["count"] == count
    assert html.count('class="review"') == min(count, 10)


def render_include(context) -> str:
    from django.template.loader import render_to_string

    return render_to_string("reviews/includes/_profile_reviews.html", context)


def test_include_shows_summary_links_reply_and_verified_mark(practitioner):
    from .factories import ReviewInviteFactory

    ReviewFactory(
        practitioner=practitioner,
        rating=4,
        verified_client=True,
        invite=ReviewInviteFactory(practitioner=practitioner),
        owner_reply="Thank you for trusting us.",
        owner_reply_at=timezone.now(),
    )
    html = render_include(profile_context(practitioner))
    assert "4.0" in html and "From 1 published review" in html
    assert "Verified client" in html
    assert "Reply from the clinic" in html and "Thank you for trusting us." in html
    assert reverse("reviews:write", args=[practitioner.slug]) in html
    assert reverse("reviews:report", args=[practitioner.slug]) in html
    assert "<meter" in html and "style=" not in html


def test_include_without_reviews_invites_the_first_one(practitioner):
    html = render_include(profile_context(practitioner))
    assert "No published reviews yet" in html
    assert reverse("reviews:write", args=[practitioner.slug]) in html


def test_xss_in_review_text_name_and_reply_renders_as_text(practitioner):
    ReviewFactory(
        practitioner=practitioner,
        author_name=XSS[:60],
        text=f"Fine. {XSS} Call 555-0100 or visit https://evil.example",
        owner_reply=XSS,
        owner_reply_at=timezone.now(),
    )
    html = render_include(profile_context(practitioner))
    assert "<script>" not in html and "<img src=x" not in html
    assert "&lt;script&gt;alert(&quot;x&quot;)&lt;/script&gt;" in html
    assert '<a href="https://evil.example' not in html  # never linkified
    assert "https://evil.example" in html


def test_profile_page_shows_published_review_and_hides_pending(client, practitioner):
    ReviewFactory(practitioner=practitioner, text="Published words that anyone can read here.")
    ReviewFactory(practitioner=practitioner, status=ReviewStatus.PENDING, text="Pending words nobody sees.")
    response = client.get(practitioner.get_absolute_url())
    assert response.status_code == 200
    assert "Published words" in response.text
    assert "Pending words" not in response.text


def test_profile_page_queries_do_not_grow_with_reviews(client, practitioner):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    def count_queries() -> int:
        cache.clear()  # measure the page being built, not the cached copy
        with CaptureQueriesContext(connection) as queries:
            assert client.get(practitioner.get_absolute_url()).status_code == 200
        return len(queries)

    ReviewFactory(practitioner=practitioner)
    count_queries()  # the first request fills per-process caches (site, content types)
    with_one = count_queries()
    ReviewFactory.create_batch(49, practitioner=practitioner)
    assert count_queries() == with_one
