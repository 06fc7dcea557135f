"""The daily expiry run and the staff reminder, with a controlled clock (`--today`)."""

from datetime import date, timedelta
from io import StringIO

import pytest
from django.core import mail
from django.core.management import CommandError, call_command
from django.test import override_settings
from django.utils import timezone

from practitioners.models import (
    Certification,
    CredentialStatus,
    ListingClaim,
    Practitioner,
    VerificationEvent,
)
from practitioners.services import practitioner_refresh_summary
from reviews.models import ReviewStatus

from . import factories
from .factories import (
    CertificationFactory,
    ConcernReportFactory,
    LicenceFactory,
    PortfolioItemFactory,
    ReviewFactory,
    UserFactory,
    make_vetted_practitioner,
)

pytestmark = pytest.mark.django_db

TODAY = date.today()


@pytest.fixture
def run(django_capture_on_commit_callbacks):
    """Run a command the way cron does: every transaction commits, so its mail goes out."""

    def run(name, *args):
        out = StringIO()
        with django_capture_on_commit_callbacks(execute=True):
            call_command(name, *args, stdout=out)
        return out.getvalue()

    return run


def expiring(practitioner, days: int, **kwargs):
    return CertificationFactory(
        practitioner=practitioner, verified=True, expires_on=TODAY + timedelta(days=days), **kwargs
    )


# Expiry ------------------------------------------------------------------------------


def test_documents_expire_on_their_expiry_date_and_the_badge_goes(run, owner, clinic):
    practitioner = make_vetted_practitioner(clinics=[clinic])
    certification = practitioner.certifications.get()
    # The certificate is the first document to expire, so it decides when the badge goes.
    Certification.objects.filter(pk=certification.pk).update(expires_on=TODAY + timedelta(days=100))
    practitioner_refresh_summary(practitioner=practitioner)
    certification.refresh_from_db()
    practitioner.refresh_from_db()
    assert practitioner.is_vetted
    assert practitioner.vetted_until == certification.expires_on - timedelta(days=1)

    output = run("expire_credentials", f"--today={certification.expires_on - timedelta(days=1)}")
    certification.refresh_from_db()
    assert certification.status == CredentialStatus.VERIFIED
    assert "0 documents expired" in output

    mail.outbox.clear()
    output = run("expire_credentials", f"--today={certification.expires_on}")
    certification.refresh_from_db()
    practitioner.refresh_from_db()
    assert certification.status == CredentialStatus.EXPIRED
    assert not practitioner.is_vetted
    assert not Practitioner.objects.vetted(today=certification.expires_on).filter(pk=practitioner.pk).exists()
    assert "1 document expired" in output
    event = VerificationEvent.objects.get(object_id=certification.pk, to_status="expired")
    assert event.actor is None and event.from_status == "verified"
    [message] = mail.outbox
    assert message.to == [owner.email]
    assert "expired" in message.subject


def test_expiry_runs_twice_without_repeating_itself(run, owner, practitioner):
    certification = expiring(practitioner, 0)
    run("expire_credentials", f"--today={TODAY}")
    sent = len(mail.outbox)
    run("expire_credentials", f"--today={TODAY}")
    assert len(mail.outbox) == sent == 1
    assert VerificationEvent.objects.filter(object_id=certification.pk).count() == 1


def test_only_verified_documents_are_expired(run, practitioner):
    waiting = CertificationFactory(
        practitioner=practitioner, issued_on=TODAY - timedelta(days=900), expires_on=TODAY - timedelta(days=3)
    )
    without_date = CertificationFactory(practitioner=practitioner, verified=True, expires_on=None)
    run("expire_credentials", f"--today={TODAY}")
    waiting.refresh_from_db()
    without_date.refresh_from_db()
    assert waiting.status == CredentialStatus.PENDING
    assert without_date.status == CredentialStatus.VERIFIED


def test_licences_expire_too(run, owner, practitioner, clinic):
    licence = LicenceFactory(practitioner=practitioner, verified=True, expires_on=TODAY)
    premises = LicenceFactory(
        clinic=clinic, premises=True, verified=True, expires_on=TODAY - timedelta(days=1)
    )
    run("expire_credentials", f"--today={TODAY}")
    for document in (licence, premises):
        document.refresh_from_db()
        assert document.status == CredentialStatus.EXPIRED


# Reminders ---------------------------------------------------------------------------


def test_owners_are_reminded_30_and_7_days_before_and_never_twice(run, owner, practitioner):
    certification = expiring(practitioner, 40)
    start = TODAY

    run("expire_credentials", f"--today={start + timedelta(days=9)}")  # 31 days left
    assert mail.outbox == []

    output = run("expire_credentials", f"--today={start + timedelta(days=10)}")  # 30 days left
    assert "1 30-day reminder" in output
    [thirty] = mail.outbox
    assert thirty.to == [owner.email]
    assert "30 days" in thirty.subject

    for day in (10, 11, 20, 32):  # the same notice is not sent again
        run("expire_credentials", f"--today={start + timedelta(days=day)}")
    assert len(mail.outbox) == 1

    run("expire_credentials", f"--today={start + timedelta(days=33)}")  # 7 days left
    assert len(mail.outbox) == 2
    assert "7 days" in mail.outbox[1].subject
    assert "last reminder" in mail.outbox[1].body

    run("expire_credentials", f"--today={start + timedelta(days=35)}")
    assert len(mail.outbox) == 2
    certification.refresh_from_db()
    assert certification.expiry_notice_days == 7


def test_a_late_first_run_sends_only_the_nearest_reminder(run, owner, practitioner):
    expiring(practitioner, 5)
    run("expire_credentials", f"--today={TODAY}")
    [message] = mail.outbox
    assert "5 days" in message.subject
    assert "last reminder" in message.body


def test_a_renewed_expiry_date_gets_its_own_reminders(run, owner, practitioner):
    certification = expiring(practitioner, 30)
    run("expire_credentials", f"--today={TODAY}")
    assert len(mail.outbox) == 1
    Certification.objects.filter(pk=certification.pk).update(expires_on=TODAY + timedelta(days=400))
    run("expire_credentials", f"--today={TODAY}")
    certification.refresh_from_db()
    assert certification.expiry_notice_days is None
    run("expire_credentials", f"--today={TODAY + timedelta(days=370)}")
    assert len(mail.outbox) == 2


def test_documents_not_verified_get_no_reminder(run, owner, practitioner):
    CertificationFactory(practitioner=practitioner, expires_on=TODAY + timedelta(days=10))
    run("expire_credentials", f"--today={TODAY}")
    assert mail.outbox == []


def test_a_bad_date_is_refused():
    with pytest.raises(CommandError, match="--today"):
        call_command("expire_credentials", "--today=31/12/2025")


# Telling staff what waits ------------------------------------------------------------


def age(obj, days):
    type(obj).objects.filter(pk=obj.pk).update(created_at=timezone.now() - timedelta(days=days))


@override_settings(STAFF_EMAIL="verifiers@example.org")
def test_staff_are_told_how_many_items_waited_too_long(run, practitioner, clinic):
    age(CertificationFactory(practitioner=practitioner), 5)
    age(CertificationFactory(practitioner=practitioner), 4)
    CertificationFactory(practitioner=practitioner)  # fresh: not counted
    age(LicenceFactory(practitioner=practitioner), 10)
    age(ListingClaim.objects.create(clinic=clinic, user=UserFactory(), message="Mine"), 6)
    age(PortfolioItemFactory(practitioner=practitioner, status="pending"), 8)
    age(ConcernReportFactory(practitioner=practitioner), 9)
    age(ReviewFactory(practitioner=practitioner, status=ReviewStatus.PENDING), 7)
    age(ReviewFactory(practitioner=practitioner), 30)  # published: not waiting
    age(factories.TestimonialFactory(practitioner=practitioner, status="pending"), 4)

    output = run("remind_pending", "--days=3")
    assert "8 items" in output
    [message] = mail.outbox
    assert message.to == ["verifiers@example.org"]
    assert "8 items waiting more than 3 days" in message.subject
    assert "SMP certificates: 2" in message.body
    assert "Licences: 1" in message.body
    assert "Reported concerns: 1" in message.body
    assert "Clinic testimonials: 1" in message.body
    assert "/admin/practitioners/practitioner/queue/" in message.body


def test_nothing_overdue_sends_nothing(run, practitioner):
    CertificationFactory(practitioner=practitioner)
    output = run("remind_pending", "--days=3")
    assert "Nothing has waited" in output
    assert mail.outbox == []


def test_waiting_on_the_owner_is_not_overdue_for_staff(run, practitioner, verifier):
    from practitioners.services import credential_request_info

    asked = CertificationFactory(practitioner=practitioner)
    credential_request_info(credential=asked, reviewer=verifier, message="Send page two.")
    age(asked, 20)
    run("remind_pending", "--days=3")
    assert mail.outbox == []


def test_negative_days_are_refused():
    with pytest.raises(CommandError):
        call_command("remind_pending", "--days=-1")
