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
    record_event,
    regional_price_medians,
)
