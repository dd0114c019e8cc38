"""Parsing of the account forms into typed values with per-field errors."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Any

from portal.accounts.passwords import MAX_LENGTH, MIN_LENGTH
from portal.forms import Form
from portal.i18n import gettext as _


@dataclass(frozen=True)
class Registration:
    email: str
    name: str
    password: str


def parse_registration(data: Mapping[str, Any]) -> tuple[Registration | None, Form]:
    form = Form(data)
    name = form.text("name", max_length=120, min_length=2)
    email = form.email("email")
    password = form.password("password", min_length=MIN_LENGTH, max_length=MAX_LENGTH)
    confirm = form.raw("password_confirm")
    form.values["password_confirm"] = ""
    if "password" not in form.errors and confirm != password:
        form.errors["password_confirm"] = _("The two passwords differ.")
    return (Registration(email, name, password) if form.ok else None), form


def parse_login(data: Mapping[str, Any]) -> tuple[tuple[str, str] | None, Form]:
    form = Form(data)
    email = form.text("email", max_length=254).lower()
    password = form.raw("password")
    form.values["password"] = ""
    if not password:
        form.errors["password"] = _("This field is required.")
    return ((email, password) if form.ok else None), form


def parse_new_password(data: Mapping[str, Any], field: str = "password") -> tuple[str | None, Form]:
    form = Form(data)
    password = form.password(field, min_length=MIN_LENGTH, max_length=MAX_LENGTH)
    confirm = form.raw(f"{field}_confirm")
    form.values[f"{field}_confirm"] = ""
    if field not in form.errors and confirm != password:
        form.errors[f"{field}_confirm"] = _("The two passwords differ.")
    return (password if form.ok else None), form


@dataclass(frozen=True)
class VerificationInput:
    nik: str
    kelurahan_code: str


def parse_verification(data: Mapping[str, Any], kelurahan_codes: Iterable[str]) -> tuple[VerificationInput | None, Form]:
    form = Form(data)
    nik = "".join(ch for ch in form.raw("nik") if ch.isdigit())
    form.values["nik"] = ""  # the NIK is never echoed back into a page
    if len(nik) != 16:
        form.errors["nik"] = _("A NIK has exactly 16 digits.")
    kelurahan = form.choice("kelurahan", kelurahan_codes)
    if "kelurahan" in form.errors:
        form.errors["kelurahan"] = _("Choose your kelurahan of domicile from the list.")
    return (VerificationInput(nik, kelurahan) if form.ok else None), form
