"""Access helpers: the first line of every owner view. They return the object or raise 404,
so nobody learns that someone else's clinic, practitioner or document exists."""

from django.db.models import QuerySet
from django.http import Http404

from .models import Clinic, MembershipRole, Practitioner


def user_clinics(user) -> QuerySet[Clinic]:
    if not user.is_authenticated:
        return Clinic.objects.none()
    return Clinic.objects.filter(memberships__user=user)


def user_practitioners(user) -> QuerySet[Practitioner]:
    if not user.is_authenticated:
        return Practitioner.objects.none()
    return Practitioner.objects.filter(clinics__memberships__user=user).distinct()


def get_own_clinic(request, slug: str, *, owners_only: bool = False) -> Clinic:
    clinics = user_clinics(request.user)
    if owners_only:
        clinics = clinics.filter(memberships__user=request.user, memberships__role=MembershipRole.OWNER)
    try:
        return clinics.get(slug=slug)
    except Clinic.DoesNotExist:
        raise Http404("No such clinic") from None


def get_own_practitioner(request, slug: str) -> Practitioner:
    try:
        return user_practitioners(request.user).get(slug=slug)
    except Practitioner.DoesNotExist:
        raise Http404("No such practitioner") from None
