"""Staff-side URLs outside the admin. The queue and review screens live in the admin
(practitioners/admin.py); this holds the one view owners share with staff."""

from django.urls import path

from .views import documents

app_name = "staff"

urlpatterns = [
    path(
        "documents/<slug:kind>/<int:pk>/",
        documents.private_file,
        name="document",
    ),
]
