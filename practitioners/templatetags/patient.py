"""Small display helpers for the patient pages."""

import json

from django import template
from django.utils.html import format_html
from django.utils.safestring import mark_safe

register = template.Library()

CURRENCY_SYMBOLS = {"USD": "$", "GBP": "£"}
# Characters that could end the <script> element or open markup early, escaped as JSON allows.
_JSON_ESCAPES = {ord("<"): "\\u003C", ord(">"): "\\u003E", ord("&"): "\\u0026"}


@register.filter
def jsonld(data) -> str:
    """A schema.org data block. Browsers never execute application/ld+json, so CSP allows it,
    and every value is JSON-encoded with <, > and & escaped, so user text cannot close it."""
    payload = json.dumps(data, ensure_ascii=False, sort_keys=True).translate(_JSON_ESCAPES)
    return format_html('<script type="application/ld+json">{}</script>', mark_safe(payload))  # noqa: S308


@register.filter
def money(amount, currency: str = "USD") -> str:
    if amount is None:
        return ""
    symbol = CURRENCY_SYMBOLS.get(currency)
    return f"{symbol}{amount:,}" if symbol else f"{amount:,} {currency}"


@register.filter
def price_range(prices) -> str:
    """ "$800–$1,200 a session" from a PriceRange."""
    if prices is None:
        return ""
    low, high = money(prices.low, prices.currency), money(prices.high, prices.currency)
    if low and high and prices.low != prices.high:
        return f"{low}–{high} a session"
    return f"{low or high} a session"


@register.filter
def distance(value, unit: str = "km") -> str:
    if value is None:
        return ""
    label = "mi" if unit == "mi" else "km"
    if value < 0.95:
        return f"under 1 {label}"
    return f"{value:.1f} {label}" if value < 10 else f"{value:,.0f} {label}"


@register.filter
def plural(count, words: str = ",s") -> str:
    """{{ n }} review{{ n|plural }}; or {{ n|plural:"y,ies" }}."""
    singular, _, many = words.partition(",")
    return singular if count == 1 else many


@register.simple_tag(takes_context=True)
def query_with(context, **changes) -> str:
    """The current query string with some parameters replaced; None removes one.

    Changing anything but the page goes back to the first page.
    """
    query = context["request"].GET.copy()
    if "page" not in changes:
        query.pop("page", None)
    for key, value in changes.items():
        if value is None or value == "":
            query.pop(key, None)
        else:
            query[key] = str(value)
    encoded = query.urlencode()
    return f"?{encoded}" if encoded else "?"
