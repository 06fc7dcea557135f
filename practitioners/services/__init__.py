"""State changes, one function per transition, grouped by who triggers them.

core: summaries, audit events, jurisdictions; verification: staff decisions;
owners: what clinic owners change from the dashboard.
"""

from .core import (  # noqa: F401
    clinic_assign_jurisdiction,
    invalidate_price_medians,
    jurisdiction_for,
    jurisdiction_rules_reassign,
    practitioner_refresh_summary,
    practitioner_touch,
    practitioners_refresh_summaries,
    record_event,
    regional_price_medians,
)
from .owners import (  # noqa: F401
    certification_submit,
    clinic_create,
    clinic_update,
    credential_replace_document,
    credential_update,
    licence_submit,
    listing_claim_submit,
    membership_add,
    portfolio_item_add,
    portfolio_item_delete,
    portfolio_reorder,
    practitioner_create,
    practitioner_publish,
    practitioner_unpublish,
    practitioner_update,
)
from .verification import (  # noqa: F401
    TransitionError,
    claim_approve,
    claim_reject,
    credential_approve,
    credential_expire,
    credential_reject,
    credential_request_info,
    credential_send_expiry_notice,
    portfolio_item_approve,
    portfolio_item_reject,
    practitioner_suspend,
    practitioner_unsuspend,
)
