"""NIK (Nomor Induk Kependudukan): offline structure checks, masking and keyed digests.

A NIK is 16 digits, ``PP KK CC DD MM YY SSSS`` (DOMAIN.md §6):

* ``PP.KK.CC`` is the province / kabupaten-kota / kecamatan where the NIK was *first registered*.
  It does not follow the person when they move, so it says nothing about domicile: a Bandung
  resident may hold any prefix. Never use it as the resident's kecamatan.
* ``DD`` is the day of birth, plus 40 for women (41-71); ``MM`` the month; ``YY`` the year's last
  two digits. Century rule: 20YY when that is not after today's year, otherwise 19YY.
* ``SSSS`` is a serial 0001-9999 per region and birth date. There is **no check digit**.

What can be checked offline is only the structure: 16 digits, a known province, kab/kec not 00, a
real calendar date that is not in the future, serial not 0000. Existence, ownership and liveness
need Dukcapil data access, which the portal does not have.

Privacy (UU 27/2022 PDP, UU 24/2013 Adminduk): the plain NIK is personal data and must never be
stored, logged or echoed back. Hence:

* :class:`NikError` carries only a short machine ``code``; its ``str``/``repr`` contain no digits
  at all, so an error that ends up in a log or an HTTP response cannot leak the input.
* :func:`nik_digest` is a keyed HMAC-SHA256 with a key id prefix (for rotation). A plain or salted
  SHA-256 is not enough: the NIK space is small enough to brute-force, and per-row salts would
  break the UNIQUE lookup that enforces one resident = one account = one ballot.
* :func:`mask_nik` keeps the first and last four digits for display at entry time.

Pure module: stdlib only, no clock (``today`` is passed in), no I/O.
"""

from __future__ import annotations

import hashlib
import hmac
import re
from dataclasses import dataclass
from datetime import date
from typing import Literal

__all__ = [
    "PROVINCE_CODES",
    "NikError",
    "NikErrorCode",
    "NikFacts",
    "age_on",
    "is_voting_age",
    "mask_nik",
    "nik_digest",
    "normalise_nik",
    "parse_nik",
]

#: Province codes in use (Kepmendagri numbering; DOMAIN.md §6). 91-96 are the Papua provinces
#: created by the 2022 split, kept because newly issued NIKs carry them.
PROVINCE_CODES: frozenset[str] = frozenset(
    {
        "11", "12", "13", "14", "15", "16", "17", "18", "19", "21",
        "31", "32", "33", "34", "35", "36",
        "51", "52", "53",
        "61", "62", "63", "64", "65",
        "71", "72", "73", "74", "75", "76",
        "81", "82",
        "91", "92", "93", "94", "95", "96",
    }
)  # fmt: skip

NikErrorCode = Literal["format", "region", "birth_date", "future", "serial"]

# Separators people type when copying a NIK from a KTP or a form ("3273.05.601090.0009",
# "3273-0560-1090-0009", "3273 0560 1090 0009"). Anything else is a format error, not silently
# dropped: dropping letters could turn a typo into someone else's valid NIK.
_SEPARATORS = re.compile(r"[\s.\-]+")
_SIXTEEN_DIGITS = re.compile(r"[0-9]{16}")  # ASCII only: str.isdigit() would accept "١٢٣".

_FEMALE_DAY_OFFSET = 40

# Digit-free on purpose: the "never leaks the input" property is then checkable as
# "no digit in the message".
_MESSAGES: dict[NikErrorCode, str] = {
    "format": "NIK must be sixteen digits",
    "region": "NIK region code is not a valid province/kabupaten/kecamatan",
    "birth_date": "NIK birth date is not a real calendar date",
    "future": "NIK birth date lies in the future",
    "serial": "NIK serial must not be all zeros",
}


class NikError(ValueError):
    """A NIK failed an offline structure check.

    ``code`` is one of ``"format"``, ``"region"``, ``"birth_date"``, ``"future"``, ``"serial"``
    so forms can map it to a translated field error. The raw NIK is deliberately not kept on the
    exception (not in ``args``, ``str`` or ``repr``) because exceptions end up in logs.
    """

    code: NikErrorCode

    def __init__(self, code: NikErrorCode) -> None:
        super().__init__(code)
        self.code = code

    def __str__(self) -> str:
        return f"{_MESSAGES[self.code]} ({self.code})"

    def __repr__(self) -> str:
        return f"NikError(code={self.code!r})"


@dataclass(frozen=True, slots=True)
class NikFacts:
    """What a structurally valid NIK encodes.

    ``region`` is the *registration* region "PP.KK.CC", not the domicile. ``sex`` is "F" or "M"
    (the NIK encodes women with day + 40). ``serial`` keeps its leading zeros.

    The fields determine the NIK completely, so :attr:`normalised` rebuilds it on demand instead of
    storing it: it then never shows up in ``repr`` or in an accidental log line.
    """

    region: str
    sex: Literal["F", "M"]
    birth_date: date
    serial: str

    @property
    def birth_year(self) -> int:
        return self.birth_date.year

    @property
    def province(self) -> str:
        return self.region[:2]

    @property
    def normalised(self) -> str:
        """The 16-digit NIK, for :func:`nik_digest` / :func:`mask_nik` at entry time only."""
        day = self.birth_date.day + (_FEMALE_DAY_OFFSET if self.sex == "F" else 0)
        dob = f"{day:02d}{self.birth_date.month:02d}{self.birth_date.year % 100:02d}"
        return f"{self.region.replace('.', '')}{dob}{self.serial}"


def normalise_nik(raw: str) -> str:
    """Return the 16 ASCII digits of ``raw`` after removing spaces, dots and dashes.

    Raises ``NikError("format")`` for anything else, so every other function can rely on a clean
    16-digit string.
    """
    digits = _SEPARATORS.sub("", raw)
    if not _SIXTEEN_DIGITS.fullmatch(digits):
        raise NikError("format")
    return digits


def parse_nik(raw: str, today: date) -> NikFacts:
    """Check a NIK offline and return the facts it encodes.

    Checks run in this order and the first failure wins: format, region, birth_date, future,
    serial (the order of the reference check in DOMAIN.md §6).
    """
    nik = normalise_nik(raw)

    province, kabkota, kecamatan = nik[0:2], nik[2:4], nik[4:6]
    if province not in PROVINCE_CODES or kabkota == "00" or kecamatan == "00":
        raise NikError("region")

    encoded_day, month, yy = int(nik[6:8]), int(nik[8:10]), int(nik[10:12])
    female = encoded_day > _FEMALE_DAY_OFFSET
    day = encoded_day - _FEMALE_DAY_OFFSET if female else encoded_day
    # Century rule from DOMAIN.md §6. It cannot tell a newborn from a centenarian born in the same
    # two-digit year; people over ~100 with such a NIK are rare enough to accept the ambiguity.
    year = 2000 + yy if 2000 + yy <= today.year else 1900 + yy
    try:
        birth_date = date(year, month, day)
    except ValueError:
        # `from None`: the chained ValueError would be noise in logs (it carries no NIK, but the
        # traceback context is not needed either).
        raise NikError("birth_date") from None
    if birth_date > today:
        raise NikError("future")

    serial = nik[12:16]
    if serial == "0000":
        raise NikError("serial")

    return NikFacts(
        region=f"{province}.{kabkota}.{kecamatan}",
        sex="F" if female else "M",
        birth_date=birth_date,
        serial=serial,
    )


def age_on(birth_date: date, today: date) -> int:
    """Completed years of age on ``today``.

    Someone born on 29 February turns a year older on 1 March in common years (the birthday has
    not happened while ``(month, day) < (2, 29)``).
    """
    if today < birth_date:
        raise ValueError("today is before the birth date")
    before_birthday = (today.month, today.day) < (birth_date.month, birth_date.day)
    return today.year - birth_date.year - int(before_birthday)


def is_voting_age(birth_date: date, today: date, minimum: int = 17) -> bool:
    """True from the ``minimum``-th birthday on (17 for Indonesian elections).

    A soft check only: UU Pemilu also lets married people under 17 vote, so callers must not use
    this to reject a resident outright.
    """
    return age_on(birth_date, today) >= minimum


def mask_nik(nik: str) -> str:
    """Display form keeping only the first and last four digits: ``3273 •••• •••• 0009``."""
    digits = normalise_nik(nik)
    return f"{digits[:4]} •••• •••• {digits[12:]}"


def nik_digest(nik: str, key: bytes, key_id: str) -> str:
    """Keyed, deterministic digest for the UNIQUE ``nik_key`` column: ``"{key_id}:{hex}"``.

    HMAC-SHA256 over the normalised 16 digits, so "3273 0560..." and "32730560..." map to the
    same account. The key lives outside the database; ``key_id`` names it so keys can be rotated
    (re-key on next login). ``key_id`` must not contain ":" because that separates the two parts.
    """
    if not key:
        raise ValueError("key must not be empty")
    if not key_id or ":" in key_id:
        raise ValueError("key_id must be non-empty and must not contain ':'")
    digits = normalise_nik(nik)
    mac = hmac.new(key, digits.encode("ascii"), hashlib.sha256).hexdigest()
    return f"{key_id}:{mac}"
