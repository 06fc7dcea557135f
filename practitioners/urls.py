from django.contrib.sitemaps.views import sitemap
from django.urls import path

from .sitemaps import SITEMAPS
from .views import compare, profile, search

app_name = "practitioners"

urlpatterns = [
    path("practitioners/", search.search, name="search"),
    path("practitioners/<slug:slug>/", profile.profile, name="profile"),
    path("practitioners/<slug:slug>/questions/", profile.questions, name="questions"),
    path("compare/", compare.compare, name="compare"),
    path("shortlist/", compare.shortlist, name="shortlist"),
    path("shortlist/<slug:slug>/", compare.shortlist_toggle, name="shortlist-toggle"),
    path("sitemap.xml", sitemap, {"sitemaps": SITEMAPS}, name="sitemap"),
]
