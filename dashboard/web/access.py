"""Who is asking and what they may do: the roles viewer, editor and admin.

- viewer: sees the page, downloads and reports;
- editor: also uploads files and imports them into an existing data set, edits the action plan
  and the self-assessments;
- admin: also manages data sets: creates a new one, or replaces one by importing it afresh.

Roles are cumulative (an admin is an editor and a viewer). The server's sign-in
(`dashboard.serve.auth`) puts the user in ``flask.g.user`` and their roles in ``flask.g.roles``
(a frozenset), from the password file (``user:hash role``) or, behind a sign-in proxy, from a
trusted groups header. With no sign-in (``auth = none``, the local demo) there are no roles and
everything is allowed, as before roles existed. Pure functions first; the two Flask helpers read
the current request.
"""
from __future__ import annotations

import re

ROLES = ("viewer", "editor", "admin")


def parse_role(text: str | None) -> str | None:
    """A role name (any case) or None when blank; ValueError for an unknown one."""
    value = (text or "").strip().lower()
    if not value:
        return None
    if value not in ROLES:
        raise ValueError(f"unknown role {text!r}: use viewer, editor or admin")
    return value


def roles_of(role: str) -> frozenset[str]:
    """The roles one role carries (cumulative).

    >>> sorted(roles_of("editor"))
    ['editor', 'viewer']
    """
    return frozenset(ROLES[:ROLES.index(role) + 1])


def role_from_groups(header: str | None, editor_groups: str, admin_groups: str,
                     default: str) -> str:
    """The role of a user whose groups (comma, semicolon or space separated) a trusted sign-in
    proxy sent: admin if any group is an admin group, else editor if any is an editor group,
    else `default`. Group names compare without case.

    >>> role_from_groups("staff, GIS-Admins", "analysts", "gis-admins", "viewer")
    'admin'
    """
    groups = {g.lower() for g in re.split(r"[,;\s]+", header or "") if g}
    if groups & {g.lower() for g in admin_groups.split() if g}:
        return "admin"
    if groups & {g.lower() for g in editor_groups.split() if g}:
        return "editor"
    return default


# --------------------------------------------------------------------------- the request
def current_user() -> str | None:
    """The signed-in user of the current request (None without sign-in or outside a request)."""
    from flask import g, has_request_context, request

    if not has_request_context():
        return None
    user = getattr(g, "user", None) or request.environ.get("REMOTE_USER")
    return str(user) if user else None


def allowed(role: str) -> bool:
    """Whether the current request may do what `role` may: True when the server gives no roles
    (no sign-in: the local demo), else whether the user's roles include it."""
    from flask import g, has_request_context

    if not has_request_context():
        return True
    roles = getattr(g, "roles", None)
    return roles is None or role in roles


def refusal(role: str, what: str) -> str:
    """The message for a user without `role`."""
    user = current_user()
    who = f"{user} is" if user else "you are"
    return f"{what} needs the {role} role, and {who} signed in without it: ask an administrator"
