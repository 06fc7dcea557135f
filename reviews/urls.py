from django.urls import path

from .views import dashboard, public

app_name = "reviews"

urlpatterns = [
    path("practitioners/<slug:slug>/review/", public.write, name="write"),
    path("practitioners/<slug:slug>/review/sent/", public.write_sent, name="write-sent"),
    path("practitioners/<slug:slug>/report/", public.report, name="report"),
    path("practitioners/<slug:slug>/report/sent/", public.report_sent, name="report-sent"),
    path("reviews/confirm/<str:token>/", public.confirm, name="confirm"),
    path("reviews/invite/<str:token>/", public.invite_review, name="invite-review"),
    path("reviews/follow-up/<str:token>/", public.follow_up, name="follow-up"),
    path("dashboard/practitioners/<slug:slug>/invites/", dashboard.invites, name="invites"),
    path("dashboard/practitioners/<slug:slug>/reviews/", dashboard.owner_reviews, name="owner-reviews"),
    path("dashboard/practitioners/<slug:slug>/reviews/<int:pk>/reply/", dashboard.reply, name="reply"),
    path("dashboard/practitioners/<slug:slug>/testimonials/", dashboard.testimonials, name="testimonials"),
]
