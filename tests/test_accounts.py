"""Owner accounts (django-allauth with our templates): sign-up, e-mail confirmation, log-in,
password reset and change, and the rate limits on each."""

import re

import pytest
from django.contrib.auth import get_user_model
from django.core import mail
from django.urls import reverse

from .factories import UserFactory

pytestmark = pytest.mark.django_db

PASSWORD = "scalp-studio-lantern-42"
LINK = re.compile(r"https?://[^\s]+")


def links_in(message) -> list[str]:
    return LINK.findall(message.body)


def path_of(url: str) -> str:
    return "/" + url.split("/", 3)[3]


def confirmed_user(email="owner.one@example.com", password=PASSWORD):
    from allauth.account.models import EmailAddress

    user = UserFactory(username=email.split("@")[0], email=email, password=password)
    EmailAddress.objects.create(user=user, email=email, verified=True, primary=True)
    return user


def test_sign_up_confirm_and_log_in(client):
    response = client.post(
        reverse("account_signup"),
        {"email": "New.Owner@Example.com", "password1": PASSWORD, "password2": PASSWORD},
    )
    assert response.status_code == 302
    assert response["Location"] == reverse("account_email_verification_sent")
    assert "Check your e-mail" in client.get(response["Location"]).content.decode()

    # Not usable until the address is confirmed.
    assert client.get(reverse("dashboard:home")).status_code == 302
    assert len(mail.outbox) == 1
    message = mail.outbox[0]
    assert message.to == ["new.owner@example.com"]
    assert message.subject == "smpfinder: Confirm your e-mail to finish signing up"
    assert "Thank you for creating an smpfinder account" in message.body
    (link,) = [url for url in links_in(message) if "/accounts/confirm-email/" in url]

    page = client.get(path_of(link))
    assert page.status_code == 200
    assert "Yes, confirm my address" in page.content.decode()
    response = client.post(path_of(link))
    assert response.status_code == 302
    user = get_user_model().objects.get(email__iexact="new.owner@example.com")
    assert user.emailaddress_set.get().verified

    client.logout()
    response = client.post(reverse("account_login"), {"login": "new.owner@example.com", "password": PASSWORD})
    assert response.status_code == 302
    assert response["Location"] == reverse("dashboard:home")
    assert client.get(reverse("dashboard:home")).status_code == 200


def test_unconfirmed_account_cannot_log_in(client):
    UserFactory(username="waiting", email="waiting@example.com", password=PASSWORD)
    response = client.post(reverse("account_login"), {"login": "waiting@example.com", "password": PASSWORD})
    assert response["Location"] == reverse("account_email_verification_sent")
    assert client.get(reverse("dashboard:home")).status_code == 302
    assert "Please confirm your e-mail address" in mail.outbox[-1].subject


def test_wrong_password_is_a_plain_form_error(client):
    confirmed_user()
    response = client.post(reverse("account_login"), {"login": "owner.one@example.com", "password": "nope"})
    assert response.status_code == 200
    assert "errorlist" in response.content.decode()


def test_repeated_failed_logins_are_stopped_then_refused_with_429(client):
    confirmed_user()
    url = reverse("account_login")
    statuses, too_many = [], False
    for _ in range(40):
        response = client.post(url, {"login": "owner.one@example.com", "password": "guess"})
        statuses.append(response.status_code)
        too_many |= "Too many failed login attempts" in response.content.decode()
    # After five failures for one address the form stops checking passwords; past 30
    # attempts a minute from one address every attempt is a 429.
    assert too_many
    assert 429 in statuses
    first_429 = statuses.index(429)
    assert all(status == 429 for status in statuses[first_429:])
    refused = client.post(url, {"login": "owner.one@example.com", "password": PASSWORD})
    assert refused.status_code == 429
    assert "Too many attempts" in refused.content.decode()


def test_sign_up_is_rate_limited(client):
    statuses = [
        client.post(
            reverse("account_signup"),
            {"email": f"owner{n}@example.com", "password1": PASSWORD, "password2": PASSWORD},
        ).status_code
        for n in range(12)
    ]
    assert statuses[:10] == [302] * 10
    assert statuses[10:] == [429, 429]


def test_password_reset_by_e_mail(client):
    confirmed_user()
    response = client.post(reverse("account_reset_password"), {"email": "owner.one@example.com"})
    assert response["Location"] == reverse("account_reset_password_done")
    message = mail.outbox[-1]
    assert message.subject == "smpfinder: Choose a new password"
    (link,) = [url for url in links_in(message) if "/accounts/password/reset/key/" in url]
    page = client.get(path_of(link), follow=True)
    assert "Choose a new password" in page.content.decode()
    new_password = "harbour-light-violet-77"
    response = client.post(
        page.redirect_chain[-1][0] if page.redirect_chain else path_of(link),
        {"password1": new_password, "password2": new_password},
    )
    assert response.status_code == 302
    client.logout()
    response = client.post(
        reverse("account_login"), {"login": "owner.one@example.com", "password": new_password}
    )
    assert response["Location"] == reverse("dashboard:home")


def test_password_reset_for_an_unknown_address_reveals_nothing(client):
    response = client.post(reverse("account_reset_password"), {"email": "stranger@example.com"})
    assert response["Location"] == reverse("account_reset_password_done")
    assert "There is no account with this address" in mail.outbox[-1].body


def test_password_reset_is_rate_limited_per_address(client):
    confirmed_user()
    statuses = [
        client.post(reverse("account_reset_password"), {"email": "owner.one@example.com"}).status_code
        for _ in range(4)
    ]
    assert statuses == [302, 302, 302, 429]


def test_password_change_needs_the_old_password(client):
    user = confirmed_user()
    client.force_login(user)
    url = reverse("account_change_password")
    assert "Change your password" in client.get(url).content.decode()
    wrong = client.post(
        url, {"oldpassword": "wrong", "password1": "x-new-pass-123", "password2": "x-new-pass-123"}
    )
    assert wrong.status_code == 200 and "errorlist" in wrong.content.decode()
    right = client.post(
        url, {"oldpassword": PASSWORD, "password1": "x-new-pass-123", "password2": "x-new-pass-123"}
    )
    assert right.status_code == 302
    user.refresh_from_db()
    assert user.check_password("x-new-pass-123")


def test_weak_passwords_are_refused_at_sign_up(client):
    response = client.post(
        reverse("account_signup"),
        {"email": "weak@example.com", "password1": "password", "password2": "password"},
    )
    assert response.status_code == 200
    assert "too common" in response.content.decode()
    assert not get_user_model().objects.filter(email="weak@example.com").exists()


@pytest.mark.smoke
@pytest.mark.parametrize(
    "name",
    ["account_login", "account_signup", "account_reset_password", "account_email_verification_sent"],
)
def test_account_pages_use_the_site_layout_without_inline_script(client, name):
    response = client.get(reverse(name))
    page = response.content.decode()
    assert response.status_code == 200
    assert 'class="site-header"' in page and "css/dashboard.css" in page
    assert not re.search(r"<script(?![^>]*\bsrc=)[^>]*>", page)
    assert "Content-Security-Policy" in response.headers


def test_logged_in_account_pages_render(client):
    client.force_login(confirmed_user())
    for name in ("account_change_password", "account_email", "account_logout"):
        response = client.get(reverse(name))
        assert response.status_code == 200
        assert not re.search(r"<script(?![^>]*\bsrc=)[^>]*>", response.content.decode())
