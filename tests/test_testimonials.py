"""Testimonials: the clinic's own quotes, shown only after staff approval, labelled as the
clinic's, and never part of the rating."""

import pytest
from django.core import mail
from django.core.exceptions import PermissionDenied, ValidationError
from django.test import RequestFactory
from django.urls import reverse

from practitioners.models import ModerationStatus, VerificationEvent
from practitioners.services import practitioner_refresh_summary
from reviews import services
from reviews.models import Testimonial
from reviews.profile import reviews_context

from .factories import ReviewFactory, TestimonialFactory
from .test_reviews import XSS, render_include


@pytest.fixture
def testimonials_url(practitioner):
    return reverse("reviews:testimonials", args=[practitioner.slug])


def context_for(practitioner):
    return reviews_context(RequestFactory().get("/"), practitioner)


def test_owner_adds_testimonial_that_waits_for_staff(client, owner, practitioner, testimonials_url):
    client.force_login(owner)
    assert client.get(testimonials_url).status_code == 200
    response = client.post(testimonials_url, {"quote": "  They listened.  ", "attribution": "J., 2025"})
    assert response.status_code == 302
    testimonial = Testimonial.objects.get()
    assert testimonial.status == ModerationStatus.PENDING
    assert testimonial.quote == "They listened." and testimonial.created_by == owner
    assert context_for(practitioner)["testimonials"] == []
    assert "Waiting for staff" in client.get(testimonials_url).text


@pytest.mark.parametrize(
    ("data", "message"),
    [({"quote": "   "}, "This field is required"), ({"quote": "x" * 1501}, "at most 1500 characters")],
)
def test_bad_testimonial_is_a_form_error(client, owner, testimonials_url, data, message):
    client.force_login(owner)
    response = client.post(testimonials_url, data)
    assert response.status_code == 200 and message in response.text
    assert not Testimonial.objects.exists()


def test_other_owner_cannot_add_or_see_testimonials(client, other_owner, practitioner, testimonials_url):
    TestimonialFactory(practitioner=practitioner, quote="Private pending quote")
    client.force_login(other_owner)
    assert client.get(testimonials_url).status_code == 404
    assert client.post(testimonials_url, {"quote": "Sneaky"}).status_code == 404
    assert Testimonial.objects.count() == 1


def test_approval_shows_it_in_a_labelled_box(
    verifier, owner, practitioner, django_capture_on_commit_callbacks
):
    testimonial = TestimonialFactory(
        practitioner=practitioner, status=ModerationStatus.PENDING, created_by=owner, quote="They listened."
    )
    with django_capture_on_commit_callbacks(execute=True):
        services.testimonial_approve(testimonial=testimonial, moderator=verifier)
    assert mail.outbox[0].to == [owner.email]
    assert VerificationEvent.objects.filter(
        object_id=testimonial.pk, to_status="approved", actor=verifier
    ).exists()
    html = render_include(context_for(practitioner))
    assert "Provided by the clinic" in html
    assert "not counted in the rating" in html
    assert "They listened." in html


def test_pending_and_rejected_testimonials_are_not_shown(practitioner):
    TestimonialFactory(practitioner=practitioner, status=ModerationStatus.PENDING, quote="Pending quote")
    TestimonialFactory(practitioner=practitioner, status=ModerationStatus.REJECTED, quote="Rejected quote")
    html = render_include(context_for(practitioner))
    assert "Pending quote" not in html and "Rejected quote" not in html
    assert "Provided by the clinic" not in html


def test_testimonials_never_change_the_rating(practitioner):
    ReviewFactory(practitioner=practitioner, rating=2)
    practitioner_refresh_summary(practitioner=practitioner)
    before = context_for(practitioner)["rating_summary"]
    TestimonialFactory.create_batch(5, practitioner=practitioner)
    practitioner_refresh_summary(practitioner=practitioner)
    after = context_for(practitioner)
    assert after["rating_summary"] == before
    assert after["rating_summary"]["average"] == 2 and after["rating_summary"]["count"] == 1
    assert len(after["testimonials"]) == 5
    practitioner.refresh_from_db()
    assert practitioner.review_count == 1 and float(practitioner.rating_average) == 2.0


def test_rejecting_needs_a_reason_and_the_permission(verifier, staff_without_group, practitioner):
    testimonial = TestimonialFactory(practitioner=practitioner, status=ModerationStatus.PENDING)
    with pytest.raises(ValidationError):
        services.testimonial_reject(testimonial=testimonial, moderator=verifier, note=" ")
    with pytest.raises(PermissionDenied):
        services.testimonial_approve(testimonial=testimonial, moderator=staff_without_group)
    services.testimonial_reject(testimonial=testimonial, moderator=verifier, note="Reads like an advert")
    testimonial.refresh_from_db()
    assert testimonial.status == ModerationStatus.REJECTED and testimonial.moderated_by == verifier


def test_testimonial_xss_renders_as_text(practitioner):
    TestimonialFactory(practitioner=practitioner, quote=XSS, attribution="<b>boss</b>")
    html = render_include(context_for(practitioner))
    assert "<script>" not in html and "<b>boss</b>" not in html
    assert "&lt;b&gt;boss&lt;/b&gt;" in html
