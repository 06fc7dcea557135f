"""Anyone can report a concern about a profile, a review or a photo; staff resolve it."""

import pytest
from django.core import mail
from django.core.exceptions import PermissionDenied, ValidationError
from django.urls import reverse

from practitioners.models import ModerationStatus, PractitionerStatus, VerificationEvent
from reviews import services
from reviews.models import ConcernReport, ConcernStatus, ReviewStatus

from .factories import ConcernReportFactory, PortfolioItemFactory, PractitionerFactory, ReviewFactory
from .test_reviews import XSS


def report_data(**overrides):
    data = {
        "reason": "unsafe",
        "details": "Needles were taken from an open tray, not a sealed pack.",
        "reporter_email": "",
    }
    data.update(overrides)
    return data


@pytest.fixture
def report_url(practitioner):
    return reverse("reviews:report", args=[practitioner.slug])


@pytest.mark.smoke
def test_report_form_renders(client, report_url):
    response = client.get(report_url)
    assert response.status_code == 200 and "Report a concern" in response.text


def test_report_about_profile_goes_to_staff_queue(
    client, practitioner, report_url, settings, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(report_url, report_data(reporter_email="me@example.com"))
    assert response.status_code == 302
    assert response.url == reverse("reviews:report-sent", args=[practitioner.slug])
    report = ConcernReport.objects.get()
    assert report.status == ConcernStatus.OPEN
    assert report.practitioner == practitioner and report.target_label == "profile"
    assert report.reporter_email == "me@example.com"
    assert mail.outbox[0].to == [settings.STAFF_EMAIL]
    assert VerificationEvent.objects.filter(object_id=report.pk, to_status="open").exists()
    assert client.get(response.url).status_code == 200


def test_report_about_a_review(client, practitioner, report_url):
    review = ReviewFactory(practitioner=practitioner, text="Looks like a paid review to me, honestly.")
    page = client.get(f"{report_url}?review={review.pk}")
    assert "Looks like a paid review" in page.text
    client.post(f"{report_url}?review={review.pk}", report_data(reason="fake_review"))
    report = ConcernReport.objects.get()
    assert report.review == review and report.target_label == "review"


def test_report_about_an_image(client, practitioner, report_url):
    image = PortfolioItemFactory(practitioner=practitioner)
    assert client.get(f"{report_url}?image={image.pk}").status_code == 200
    client.post(f"{report_url}?image={image.pk}", report_data(reason="no_consent"))
    assert ConcernReport.objects.get().portfolio_item == image


@pytest.mark.parametrize("kind", ["review", "image"])
def test_target_of_another_practitioner_or_hidden_is_404(client, practitioner, report_url, kind):
    if kind == "review":
        foreign = ReviewFactory().pk
        hidden = ReviewFactory(practitioner=practitioner, status=ReviewStatus.PENDING).pk
    else:
        foreign = PortfolioItemFactory().pk
        hidden = PortfolioItemFactory(practitioner=practitioner, status=ModerationStatus.PENDING).pk
    for n, target in enumerate((foreign, hidden, "abc", "-1", "1 OR 1=1", "9999999")):
        assert client.get(f"{report_url}?{kind}={target}").status_code == 404
        ip = f"10.0.2.{n}"  # a fresh address each time, so the rate limit does not answer first
        assert client.post(f"{report_url}?{kind}={target}", report_data(), REMOTE_ADDR=ip).status_code == 404
    assert not ConcernReport.objects.exists()


def test_review_and_image_at_once_is_404(client, practitioner, report_url):
    review = ReviewFactory(practitioner=practitioner)
    image = PortfolioItemFactory(practitioner=practitioner)
    assert client.get(f"{report_url}?review={review.pk}&image={image.pk}").status_code == 404


def test_hidden_practitioner_cannot_be_reported_here(client, db):
    hidden = PractitionerFactory(status=PractitionerStatus.DRAFT)
    assert client.post(reverse("reviews:report", args=[hidden.slug]), report_data()).status_code == 404


@pytest.mark.parametrize(
    ("field", "value", "message"),
    [
        ("reason", "", "This field is required"),
        ("reason", "spam-bot", "Select a valid choice"),
        ("details", "bad", "in a sentence or two"),
        ("details", "x" * 3001, "at most 3000 characters"),
        ("reporter_email", "nope", "Enter a valid email address"),
    ],
)
def test_bad_report_input_is_a_form_error(client, report_url, field, value, message):
    response = client.post(report_url, report_data(**{field: value}))
    assert response.status_code == 200 and message in response.text
    assert not ConcernReport.objects.exists()


def test_reports_are_rate_limited_per_ip(client, report_url):
    for _ in range(5):
        client.post(report_url, report_data())
    assert client.post(report_url, report_data()).status_code == 429
    assert ConcernReport.objects.count() == 5


def test_reports_are_rate_limited_per_email(client, report_url):
    for n in range(3):
        client.post(report_url, report_data(reporter_email="loud@example.com"), REMOTE_ADDR=f"10.0.1.{n}")
    response = client.post(
        report_url, report_data(reporter_email="LOUD@example.com"), REMOTE_ADDR="10.0.1.99"
    )
    assert response.status_code == 429
    assert ConcernReport.objects.count() == 3


def test_report_details_xss_is_escaped_in_staff_admin(client, verifier, practitioner):
    ConcernReportFactory(practitioner=practitioner, details=XSS)
    client.force_login(verifier)
    report = ConcernReport.objects.get()
    page = client.get(reverse("admin:reviews_concernreport_change", args=[report.pk]))
    assert page.status_code == 200
    assert "<script>alert" not in page.text and "&lt;script&gt;" in page.text


def test_report_details_xss_is_escaped_on_the_confirmation_form(client, practitioner, report_url):
    response = client.post(report_url, report_data(details=XSS + "x", reason="not-a-reason"))
    assert "<script>alert" not in response.text and "&lt;script&gt;" in response.text


def test_staff_resolve_or_dismiss_with_permission(verifier, staff_without_group, practitioner):
    first = ConcernReportFactory(practitioner=practitioner)
    second = ConcernReportFactory(practitioner=practitioner)
    with pytest.raises(PermissionDenied):
        services.concern_resolve(report=first, moderator=staff_without_group, note="Done")
    with pytest.raises(ValidationError):
        services.concern_resolve(report=first, moderator=verifier, note="")
    services.concern_resolve(
        report=first, moderator=verifier, note="Asked the clinic for its needle supplier."
    )
    services.concern_dismiss(report=second, moderator=verifier)
    first.refresh_from_db()
    second.refresh_from_db()
    assert first.status == ConcernStatus.RESOLVED and first.resolved_by == verifier and first.resolved_at
    assert second.status == ConcernStatus.DISMISSED
    with pytest.raises(ValidationError):
        services.concern_dismiss(report=first, moderator=verifier)
