"""Owner dashboard: upload result photos, put them in order, delete them."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.http import Http404
from django.shortcuts import redirect, render
from django.urls import reverse
from django.views.decorators.http import require_http_methods, require_POST

from ..access import get_own_practitioner, user_practitioners
from ..forms import PortfolioItemForm, PortfolioMoveForm
from ..models import PortfolioItem
from ..services import portfolio_item_add, portfolio_item_delete, portfolio_reorder


def _get_own_portfolio_item(request, pk: int) -> PortfolioItem:
    try:
        return PortfolioItem.objects.select_related("practitioner").get(
            pk=pk, practitioner__in=user_practitioners(request.user)
        )
    except PortfolioItem.DoesNotExist:
        raise Http404("No such photo") from None


@login_required
@require_http_methods(["GET", "POST"])
def portfolio(request, slug):
    practitioner = get_own_practitioner(request, slug)
    form = PortfolioItemForm(request.POST or None, request.FILES or None)
    if request.method == "POST" and form.is_valid():
        try:
            portfolio_item_add(
                practitioner=practitioner,
                user=request.user,
                data=form.cleaned_data,
                image=form.cleaned_data["image"],
            )
        except ValidationError as error:
            form.add_error(None, error)
        else:
            messages.success(request, "Photo added. Our staff look at every photo before patients see it.")
            return redirect("dashboard:portfolio", slug=practitioner.slug)
    items = practitioner.portfolio_items.order_by("position", "id")
    return render(
        request,
        "dashboard/portfolio.html",
        {
            "practitioner": practitioner,
            "items": items,
            "form": form,
        },
    )


@login_required
@require_POST
def portfolio_move(request, pk):
    item = _get_own_portfolio_item(request, pk)
    form = PortfolioMoveForm(request.POST)
    if form.is_valid():
        portfolio_reorder(item=item, user=request.user, direction=form.cleaned_data["direction"])
    return redirect(f"{_portfolio_url(item)}#item-{item.pk}")


@login_required
@require_http_methods(["GET", "POST"])
def portfolio_delete(request, pk):
    item = _get_own_portfolio_item(request, pk)
    if request.method == "POST":
        portfolio_item_delete(item=item, user=request.user)
        messages.success(request, "The photo and all its copies are deleted.")
        return redirect("dashboard:portfolio", slug=item.practitioner.slug)
    return render(request, "dashboard/portfolio_confirm_delete.html", {"item": item})


def _portfolio_url(item) -> str:
    return reverse("dashboard:portfolio", args=[item.practitioner.slug])
