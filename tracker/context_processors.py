"""What every page's header needs: which section of the site the page belongs to."""

from __future__ import annotations

SECTIONS = {
    "dashboard": "dashboard",
    "action-list": "actions",
    "action-detail": "actions",
    "action-update": "actions",
    "inspection-list": "reports",
    "inspection-detail": "reports",
    "email-preferences": "account",
    "people-list": "people",
    "person-invite": "people",
    "person-detail": "people",
    "person-update": "people",
    "board": "board",
}


def navigation(request) -> dict:
    match = getattr(request, "resolver_match", None)
    return {"nav_section": SECTIONS.get(match.url_name if match else "", "")}
