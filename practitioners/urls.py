from django.urls import path
from django.views.generic import TemplateView

app_name = "practitioners"

# Placeholders until the patient pages land.
urlpatterns = [
    path("practitioners/", TemplateView.as_view(template_name="home.html"), name="search"),
    path("shortlist/", TemplateView.as_view(template_name="home.html"), name="shortlist"),
]
