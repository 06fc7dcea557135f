from django.test import RequestFactory

from smpfinder.ip import client_ip


def _request(remote="10.0.0.5", forwarded=None):
    extra = {"HTTP_X_FORWARDED_FOR": forwarded} if forwarded is not None else {}
    return RequestFactory().get("/", REMOTE_ADDR=remote, **extra)


def test_without_proxies_the_connecting_address_counts(settings):
    settings.TRUSTED_PROXY_COUNT = 0
    assert client_ip(_request(forwarded="1.2.3.4")) == "10.0.0.5"


def test_behind_one_proxy_the_address_it_saw_counts(settings):
    settings.TRUSTED_PROXY_COUNT = 1
    assert client_ip(_request(forwarded="203.0.113.9")) == "203.0.113.9"


def test_addresses_a_client_wrote_itself_are_ignored(settings):
    settings.TRUSTED_PROXY_COUNT = 1
    # The client sent "X-Forwarded-For: 6.6.6.6"; our one balancer appended the real address.
    assert client_ip(_request(forwarded="6.6.6.6, 198.51.100.7")) == "198.51.100.7"


def test_a_missing_header_behind_a_proxy_falls_back_to_the_connection(settings):
    settings.TRUSTED_PROXY_COUNT = 2
    assert client_ip(_request(forwarded="198.51.100.7")) == "10.0.0.5"
