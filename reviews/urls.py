from django.urls import path
from django.views.generic import TemplateView

app_name = "reviews"

# Placeholders until the reviews pages land.
urlpatterns = [
    path("practitioners/<slug:slug>/review/", TemplateView.as_view(template_name="home.html"), name="write"),
    path("practitioners/<slug:slug>/report/", TemplateView.as_view(template_name="home.html"), name="report"),
]
