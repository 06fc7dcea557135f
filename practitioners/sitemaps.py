"""/sitemap.xml: the public pages, with addresses built from SITE_URL (not the Sites table)."""

from urllib.parse import urlsplit

from django.conf import settings
from django.contrib.sitemaps import Sitemap
from django.urls import reverse

from .models import Practitioner


class _SiteUrlSitemap(Sitemap):
    def get_domain(self, site=None):
        return urlsplit(settings.SITE_URL).netloc

    def get_protocol(self, protocol=None):
        return urlsplit(settings.SITE_URL).scheme or "https"


class PractitionerSitemap(_SiteUrlSitemap):
    changefreq = "weekly"
    priority = 0.8

    def items(self):
        return Practitioner.objects.published().only("slug", "updated_at").order_by("pk")

    def lastmod(self, practitioner):
        return practitioner.updated_at


class PagesSitemap(_SiteUrlSitemap):
    changefreq = "monthly"
    priority = 0.5

    def items(self):
        return ["home", "guide", "practitioners:search"]

    def location(self, name):
        return reverse(name)


SITEMAPS = {"practitioners": PractitionerSitemap, "pages": PagesSitemap}
