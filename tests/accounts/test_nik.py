"""Tests for portal.accounts.nik: offline NIK checks, age, masking, digests (DOMAIN.md §6)."""

from __future__ import annotations

import hashlib
import hmac
from datetime import date, timedelta

import pytest
from hypothesis import given
from hypothesis import strategies as st

from portal.accounts.nik import (
    PROVINCE_CODES,
    NikError,
    NikFacts,
    age_on,
    is_voting_age,
    mask_nik,
    nik_digest,
    normalise_nik,
    parse_nik,
)

TODAY = date(2025, 6, 15)


def build_nik(region: str, sex: str, birth_date: date, serial: str) -> str:
    """Compose a NIK from its parts (the inverse of parse_nik, for tests only)."""
    day = birth_date.day + (40 if sex == "F" else 0)
    return (
        region.replace(".", "")
        + f"{day:02d}{birth_date.month:02d}{birth_date.year % 100:02d}"
        + serial
    )


@pytest.mark.parametrize(
    ("raw", "today", "expected"),
    [
        # DOMAIN.md §6 reference sample: woman (day 60 - 40 = 20), born 20 Oct 1990.
        ("3273056010900009", TODAY, NikFacts("32.73.05", "F", date(1990, 10, 20), "0009")),
        # Same person typed with spaces, as printed on the KTP.
        ("3273 0560 1090 0009", TODAY, NikFacts("32.73.05", "F", date(1990, 10, 20), "0009")),
        # Dots and dashes a user might copy from another system.
        ("32.73.05-601090-0009", TODAY, NikFacts("32.73.05", "F", date(1990, 10, 20), "0009")),
        # Surrounding whitespace and a tab from a paste.
        ("\t3273056010900009 \n", TODAY, NikFacts("32.73.05", "F", date(1990, 10, 20), "0009")),
        # Man: day written as-is.
        ("3273011508850123", TODAY, NikFacts("32.73.01", "M", date(1985, 8, 15), "0123")),
        # Woman born on the 1st: day 41.
        ("3273014101000001", TODAY, NikFacts("32.73.01", "F", date(2000, 1, 1), "0001")),
        # Woman born on the 31st: day 71 is the highest valid encoded day.
        ("3273017112990001", TODAY, NikFacts("32.73.01", "F", date(1999, 12, 31), "0001")),
        # Man born on the 31st: day 31 is the highest male day.
        ("3273013112990001", TODAY, NikFacts("32.73.01", "M", date(1999, 12, 31), "0001")),
        # Non-Bandung prefix (Aceh) is fine: the prefix is registration, not domicile.
        ("1101010101800001", TODAY, NikFacts("11.01.01", "M", date(1980, 1, 1), "0001")),
        # New Papua province (2022 split) is accepted.
        ("9601010101800001", TODAY, NikFacts("96.01.01", "M", date(1980, 1, 1), "0001")),
        # Serial 9999 is the highest serial.
        ("3273010101809999", TODAY, NikFacts("32.73.01", "M", date(1980, 1, 1), "9999")),
        # Century: YY 25 == today's year -> 2025, born earlier this year.
        ("3273010101250001", TODAY, NikFacts("32.73.01", "M", date(2025, 1, 1), "0001")),
        # Century: YY 26 > today's year -> 1926.
        ("3273010101260001", TODAY, NikFacts("32.73.01", "M", date(1926, 1, 1), "0001")),
        # Century: YY 00 -> 2000.
        ("3273010101000001", TODAY, NikFacts("32.73.01", "M", date(2000, 1, 1), "0001")),
        # Born today is not "future".
        ("3273011506250001", TODAY, NikFacts("32.73.01", "M", date(2025, 6, 15), "0001")),
        # Leap day in a leap year (2000 is a leap year).
        ("3273012902000001", TODAY, NikFacts("32.73.01", "M", date(2000, 2, 29), "0001")),
        # Century rule is relative to `today`: in 1999 YY 05 means 1905.
        ("3273010101050001", date(1999, 1, 1), NikFacts("32.73.01", "M", date(1905, 1, 1), "0001")),
    ],
)
def test_parse_nik_valid(raw: str, today: date, expected: NikFacts) -> None:
    facts = parse_nik(raw, today)
    assert facts == expected
    assert facts.birth_year == expected.birth_date.year
    assert facts.province == expected.region[:2]
    # The facts determine the NIK, so it can be rebuilt for digesting without being stored.
    assert facts.normalised == normalise_nik(raw)
    assert facts.normalised not in repr(facts)


@pytest.mark.parametrize(
    ("raw", "code"),
    [
        # DOMAIN.md §6 reference sample: 31 February 1999.
        ("3273013102990001", "birth_date"),
        # Fifteen digits.
        ("327305601090000", "format"),
        # Seventeen digits.
        ("32730560109000091", "format"),
        # Empty string.
        ("", "format"),
        # Only separators.
        (" . - ", "format"),
        # A letter is not silently dropped (could turn a typo into another person's NIK).
        ("3273056010900O09", "format"),
        # Slash is not an accepted separator.
        ("3273/056010900009", "format"),
        # Arabic-Indic digits are not ASCII digits.
        ("٣٢٧٣٠٥٦٠١٠٩٠٠٠٠٩", "format"),
        # Province 20 does not exist.
        ("2073056010900009", "region"),
        # Province 00.
        ("0073056010900009", "region"),
        # Kabupaten/kota 00.
        ("3200056010900009", "region"),
        # Kecamatan 00.
        ("3273006010900009", "region"),
        # Region is checked before the date: bad province and bad date -> region.
        ("2073003102990000", "region"),
        # Day 00.
        ("3273010001900001", "birth_date"),
        # Day 32 (male) does not exist.
        ("3273013201900001", "birth_date"),
        # Day 40 is neither a male day nor a female day (40 - 40 = 0).
        ("3273014001900001", "birth_date"),
        # Day 72 (female 32) does not exist.
        ("3273017201900001", "birth_date"),
        # Month 00.
        ("3273010100900001", "birth_date"),
        # Month 13.
        ("3273010113900001", "birth_date"),
        # 29 February in a common year (2023).
        ("3273012902230001", "birth_date"),
        # 31 April (female encoding 71).
        ("3273017104900001", "birth_date"),
        # Born tomorrow (16 June 2025 while today is 15 June 2025).
        ("3273011606250001", "future"),
        # Later this year: YY 25 means 2025 by the century rule, so December is in the future.
        ("3273010112250001", "future"),
        # Serial 0000.
        ("3273056010900000", "serial"),
        # Date is checked before the serial: 31 Feb with serial 0000 -> birth_date.
        ("3273013102990000", "birth_date"),
        # Future is checked before the serial.
        ("3273011606250000", "future"),
    ],
)
def test_parse_nik_invalid(raw: str, code: str) -> None:
    with pytest.raises(NikError) as excinfo:
        parse_nik(raw, TODAY)
    assert excinfo.value.code == code


def test_nik_error_does_not_chain_the_date_error() -> None:
    with pytest.raises(NikError) as excinfo:
        parse_nik("3273013102990001", TODAY)
    assert excinfo.value.__cause__ is None
    assert excinfo.value.__suppress_context__ is True


@pytest.mark.parametrize(
    "raw",
    [
        # Invalid format.
        "327305601090000",
        # Invalid region.
        "2073056010900009",
        # Impossible date.
        "3273013102990001",
        # Future date.
        "3273011606250001",
        # Zero serial.
        "3273056010900000",
    ],
)
def test_nik_error_never_contains_the_input(raw: str) -> None:
    with pytest.raises(NikError) as excinfo:
        parse_nik(raw, TODAY)
    error = excinfo.value
    for text in (str(error), repr(error), " ".join(map(str, error.args))):
        assert raw not in text
        assert not any(ch.isdigit() for ch in text)


@pytest.mark.parametrize(
    ("birth_date", "today", "age"),
    [
        # Day before the 17th birthday.
        (date(2008, 6, 15), date(2025, 6, 14), 16),
        # Exactly the 17th birthday.
        (date(2008, 6, 15), date(2025, 6, 15), 17),
        # Day after.
        (date(2008, 6, 15), date(2025, 6, 16), 17),
        # Born today.
        (date(2025, 6, 15), date(2025, 6, 15), 0),
        # Leap-day baby on 28 Feb of a common year: birthday not reached yet.
        (date(2004, 2, 29), date(2021, 2, 28), 16),
        # ... and on 1 March it is.
        (date(2004, 2, 29), date(2021, 3, 1), 17),
        # Leap-day baby on 29 Feb of a leap year.
        (date(2004, 2, 29), date(2024, 2, 29), 20),
        # End of year boundary.
        (date(1990, 12, 31), date(2025, 12, 30), 34),
    ],
)
def test_age_on(birth_date: date, today: date, age: int) -> None:
    assert age_on(birth_date, today) == age


def test_age_on_before_birth_is_an_error() -> None:
    with pytest.raises(ValueError):
        age_on(date(2025, 6, 16), date(2025, 6, 15))


@pytest.mark.parametrize(
    ("birth_date", "today", "minimum", "expected"),
    [
        # One day short of 17.
        (date(2008, 6, 16), TODAY, 17, False),
        # 17th birthday today.
        (date(2008, 6, 15), TODAY, 17, True),
        # Well above.
        (date(1960, 1, 1), TODAY, 17, True),
        # Custom minimum (e.g. a youth panel with minimum 15).
        (date(2010, 6, 15), TODAY, 15, True),
        # Custom minimum not reached.
        (date(2010, 6, 16), TODAY, 15, False),
    ],
)
def test_is_voting_age(birth_date: date, today: date, minimum: int, expected: bool) -> None:
    assert is_voting_age(birth_date, today, minimum=minimum) is expected


def test_is_voting_age_default_minimum_is_17() -> None:
    assert is_voting_age(date(2008, 6, 15), TODAY)
    assert not is_voting_age(date(2008, 6, 16), TODAY)


@pytest.mark.parametrize(
    ("raw", "masked"),
    [
        # DOMAIN.md §6 example.
        ("3273056010900009", "3273 •••• •••• 0009"),
        # Separators are normalised away first.
        ("3273 0560 1090 0009", "3273 •••• •••• 0009"),
        # Another prefix.
        ("1101010101801234", "1101 •••• •••• 1234"),
    ],
)
def test_mask_nik(raw: str, masked: str) -> None:
    assert mask_nik(raw) == masked


def test_mask_nik_rejects_bad_format() -> None:
    with pytest.raises(NikError) as excinfo:
        mask_nik("12345")
    assert excinfo.value.code == "format"


KEY = b"k1-secret-for-tests"


def test_nik_digest_is_hmac_sha256_with_key_id() -> None:
    expected = hmac.new(KEY, b"3273056010900009", hashlib.sha256).hexdigest()
    assert nik_digest("3273056010900009", KEY, "k1") == f"k1:{expected}"


def test_nik_digest_is_stable_and_normalised() -> None:
    first = nik_digest("3273056010900009", KEY, "k1")
    assert nik_digest("3273056010900009", KEY, "k1") == first
    assert nik_digest("3273 0560-1090.0009", KEY, "k1") == first


def test_nik_digest_depends_on_key_and_nik() -> None:
    base = nik_digest("3273056010900009", KEY, "k1")
    assert nik_digest("3273056010900009", b"another-key", "k1") != base
    assert nik_digest("3273056010900019", KEY, "k1") != base
    # Same key, different id: the hash part is equal, the prefix tells the keys apart.
    assert nik_digest("3273056010900009", KEY, "k2").split(":")[1] == base.split(":")[1]


def test_nik_digest_does_not_contain_the_nik() -> None:
    assert "3273056010900009" not in nik_digest("3273056010900009", KEY, "k1")


@pytest.mark.parametrize(
    ("nik", "key", "key_id", "error"),
    [
        # Empty key would make the digest a plain unkeyed hash in disguise.
        ("3273056010900009", b"", "k1", ValueError),
        # Empty key id.
        ("3273056010900009", KEY, "", ValueError),
        # Colon in key id would make the stored value ambiguous.
        ("3273056010900009", KEY, "k:1", ValueError),
        # Malformed NIK.
        ("32730560", KEY, "k1", NikError),
    ],
)
def test_nik_digest_rejects_bad_arguments(
    nik: str, key: bytes, key_id: str, error: type[Exception]
) -> None:
    with pytest.raises(error):
        nik_digest(nik, key, key_id)


def test_normalise_nik() -> None:
    assert normalise_nik(" 3273-0560.1090 0009 ") == "3273056010900009"


def test_province_codes_match_domain_list() -> None:
    assert len(PROVINCE_CODES) == 38
    assert "20" not in PROVINCE_CODES
    assert {"32", "11", "96"} <= PROVINCE_CODES


# --- properties -------------------------------------------------------------------------------


@st.composite
def nik_parts(draw: st.DrawFn) -> tuple[date, NikFacts]:
    """A `today` and facts that the century rule can represent for that `today`."""
    today = draw(st.dates(min_value=date(2000, 1, 1), max_value=date(2090, 12, 31)))
    # The century rule maps YY to the last 100 years ending in today's year, so a birth date is
    # representable from 1 Jan of (today.year - 99) up to today.
    birth = draw(st.dates(min_value=date(today.year - 99, 1, 1), max_value=today))
    province = draw(st.sampled_from(sorted(PROVINCE_CODES)))
    kab, kec = draw(st.integers(1, 99)), draw(st.integers(1, 99))
    sex = draw(st.sampled_from(["F", "M"]))
    serial = draw(st.integers(1, 9999))
    region = f"{province}.{kab:02d}.{kec:02d}"
    facts = NikFacts(region, "F" if sex == "F" else "M", birth, f"{serial:04d}")
    return today, facts


@given(nik_parts())
def test_generated_valid_nik_round_trips(case: tuple[date, NikFacts]) -> None:
    today, facts = case
    nik = build_nik(facts.region, facts.sex, facts.birth_date, facts.serial)
    assert parse_nik(nik, today) == facts
    assert facts.normalised == nik
    assert mask_nik(nik) == f"{nik[:4]} •••• •••• {nik[12:]}"


@given(
    raw=st.one_of(
        st.text(alphabet="0123456789", min_size=16, max_size=16),
        st.text(alphabet="0123456789 .-", max_size=24),
        st.text(),
    ),
    today=st.dates(min_value=date(2000, 1, 1), max_value=date(2090, 12, 31)),
)
def test_error_messages_never_include_the_input(raw: str, today: date) -> None:
    try:
        parse_nik(raw, today)
    except NikError as error:
        digits = "".join(ch for ch in raw if ch.isdigit())
        for text in (str(error), repr(error), " ".join(map(str, error.args))):
            # Messages are digit-free, so no fragment of a NIK can appear in them.
            assert not any(ch.isdigit() for ch in text)
            if digits:
                assert raw not in text
                assert digits not in text


@given(
    # Not 31 December: there must be a later day in the same year.
    today=st.dates(date(2000, 1, 1), date(2090, 12, 31)).filter(
        lambda d: (d.month, d.day) != (12, 31)
    ),
    data=st.data(),
)
def test_birth_dates_later_in_the_current_year_are_future(today: date, data: st.DataObject) -> None:
    # YY == today's year always means this century, so any later date this year is in the future.
    later = st.dates(min_value=today + timedelta(days=1), max_value=date(today.year, 12, 31))
    birth = data.draw(later)
    nik = build_nik("32.73.05", data.draw(st.sampled_from(["F", "M"])), birth, "0001")
    with pytest.raises(NikError) as excinfo:
        parse_nik(nik, today)
    assert excinfo.value.code == "future"
