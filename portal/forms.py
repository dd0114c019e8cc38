"""Form parsing helpers: raw form data in, typed values and per-field errors out.

Each domain's forms.py builds on these. Parsing never raises for bad input: it collects one
translated message per field, so the route can answer 422 with the form and the input kept.
Only the fields a form names are read, so extra posted fields are ignored (no mass assignment).
"""

from __future__ import annotations

import re
from datetime import date
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any

from portal.i18n import gettext as _

EMAIL_RE = re.compile(r"^[^@\s]{1,64}@[^@\s]+\.[^@\s]{2,}$")


@dataclass
class Form:
    """Raw values (for redisplay) and errors, keyed by field name."""

    data: Mapping[str, Any]
    values: dict[str, str] = field(default_factory=dict)
    errors: dict[str, str] = field(default_factory=dict)

    @property
    def ok(self) -> bool:
        return not self.errors

    def raw(self, name: str) -> str:
        value = self.data.get(name, "")
        text = value.replace("\x00", "") if isinstance(value, str) else ""  # PostgreSQL refuses NUL
        self.values[name] = text
        return text

    def text(self, name: str, *, required: bool = True, max_length: int = 200, min_length: int = 0) -> str:
        value = " ".join(self.raw(name).split()) if max_length <= 300 else self.raw(name).strip()
        if required and not value:
            self.errors[name] = _("This field is required.")
        elif len(value) > max_length:
            self.errors[name] = _("At most %(n)d characters.") % {"n": max_length}
        elif value and len(value) < min_length:
            self.errors[name] = _("At least %(n)d characters.") % {"n": min_length}
        return value

    def email(self, name: str = "email") -> str:
        value = self.text(name, max_length=254).lower()
        if name not in self.errors and not EMAIL_RE.match(value):
            self.errors[name] = _("Enter a valid e-mail address.")
        return value

    def password(self, name: str, *, min_length: int = 10, max_length: int = 256) -> str:
        value = self.raw(name)
        self.values[name] = ""  # never echo a password back into the page
        if not value:
            self.errors[name] = _("This field is required.")
        elif len(value) < min_length:
            self.errors[name] = _("Use at least %(n)d characters.") % {"n": min_length}
        elif len(value) > max_length:
            self.errors[name] = _("At most %(n)d characters.") % {"n": max_length}
        return value

    def choice(self, name: str, allowed: Iterable[str], *, required: bool = True) -> str:
        value = self.raw(name).strip()
        if not value and not required:
            return ""
        if value not in set(allowed):
            self.errors[name] = _("Choose one of the options.")
        return value

    def integer(self, name: str, *, required: bool = True, minimum: int | None = None,
                maximum: int | None = None) -> int | None:
        raw = self.raw(name).strip().replace(".", "").replace(" ", "")
        if not raw:
            if required:
                self.errors[name] = _("This field is required.")
            return None
        if not re.fullmatch(r"-?\d{1,18}", raw):
            self.errors[name] = _("Enter a whole number.")
            return None
        value = int(raw)
        if minimum is not None and value < minimum:
            self.errors[name] = _("Must be at least %(n)s.") % {"n": minimum}
        elif maximum is not None and value > maximum:
            self.errors[name] = _("Must be at most %(n)s.") % {"n": maximum}
        return value

    def iso_date(self, name: str, *, required: bool = True) -> date | None:
        """An ISO date (what <input type="date"> posts)."""
        raw = self.raw(name).strip()
        if not raw:
            if required:
                self.errors[name] = _("This field is required.")
            return None
        try:
            return date.fromisoformat(raw)
        except ValueError:
            self.errors[name] = _("Enter a date as YYYY-MM-DD.")
            return None

    def add_errors(self, errors: Mapping[str, str]) -> None:
        for key, message in errors.items():
            self.errors.setdefault(key, message)


def safe_next(target: str | None, default: str = "/") -> str:
    """Only same-origin relative paths are allowed as redirect targets."""
    if not target or not target.startswith("/") or target.startswith("//") or "\\" in target:
        return default
    if any(ord(c) < 32 for c in target):
        return default
    return target
