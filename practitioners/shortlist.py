"""The patient's shortlist: practitioner ids kept in the session, so no account is needed."""

SESSION_KEY = "shortlist"
MAX_ITEMS = 20


def shortlist_ids(request) -> list[int]:
    """The ids on the shortlist, oldest first. Anything malformed in the session is dropped."""
    session = getattr(request, "session", None)  # absent on requests built without middleware
    raw = session.get(SESSION_KEY, []) if session is not None else []
    if not isinstance(raw, list):
        return []
    return [value for value in raw if isinstance(value, int) and not isinstance(value, bool)][:MAX_ITEMS]


def shortlist_add(request, practitioner_id: int) -> bool:
    """Add an id; False when the shortlist is already full."""
    ids = shortlist_ids(request)
    if practitioner_id in ids:
        return True
    if len(ids) >= MAX_ITEMS:
        return False
    request.session[SESSION_KEY] = [*ids, practitioner_id]
    return True


def shortlist_remove(request, practitioner_id: int) -> None:
    ids = shortlist_ids(request)
    if practitioner_id in ids:
        request.session[SESSION_KEY] = [value for value in ids if value != practitioner_id]


def shortlist_keep_only(request, visible_ids) -> None:
    """Forget practitioners that are no longer public, so the count in the header stays true."""
    ids = shortlist_ids(request)
    kept = [value for value in ids if value in set(visible_ids)]
    if kept != ids:
        request.session[SESSION_KEY] = kept


def context_processor(request) -> dict:
    # A callable, so the session is only read when a template shows the count.
    return {"shortlist_count": lambda: len(shortlist_ids(request))}
