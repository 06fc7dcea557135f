from django.shortcuts import render


def rate_limited(request, exception=None):
    return render(request, "429.html", status=429)
