"""The visitor's IP address for rate limits, honest behind a known number of proxies.

Behind a load balancer every request comes from the balancer's address, so per-IP limits
would lump all visitors together. X-Forwarded-For is only trusted for as many hops as
TRUSTED_PROXY_COUNT says; anything further left was written by the client and is ignored.
"""

from django.conf import settings


def client_ip(request) -> str:
    count = settings.TRUSTED_PROXY_COUNT
    if count:
        hops = [hop.strip() for hop in request.META.get("HTTP_X_FORWARDED_FOR", "").split(",") if hop.strip()]
        if len(hops) >= count:
            return hops[-count]
    return request.META.get("REMOTE_ADDR", "") or "0.0.0.0"  # noqa: S104 (a key, not a bind address)
