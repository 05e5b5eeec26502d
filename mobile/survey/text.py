"""Text helpers for Vietnamese: diacritic-insensitive matching."""

from __future__ import annotations

import unicodedata

# NFD splits "ễ" into "e" + marks, but "đ"/"Đ" are letters of their own: map them by hand.
_EXTRA = str.maketrans({"đ": "d", "Đ": "d"})


def fold(text: str) -> str:
    """Lower-case, strip Vietnamese diacritics and squeeze spaces.

    Volunteers type on cheap keyboards, often without the Telex/VNI input method, so
    "nguyen van" must find "Nguyễn Văn".
    """
    decomposed = unicodedata.normalize("NFD", text.translate(_EXTRA))
    bare = "".join(c for c in decomposed if not unicodedata.combining(c))
    return " ".join(bare.casefold().split())


def matches(query: str, folded_text: str) -> bool:
    """True when every word of the query occurs in the already-folded text."""
    return all(word in folded_text for word in fold(query).split())


def phone_digits(text: str | None) -> str:
    """A phone number's digits alone, in the national form ("0912 345 678", "+84 912.345.678",
    "0084 912 345 678" and "84912345678" → "0912345678"): numbers are written with spaces,
    dots or dashes, with or without Viet Nam's country code (84, dialled from abroad as 0084),
    and typed every way."""
    digits = "".join(ch for ch in text or "" if ch in "0123456789")
    if digits.startswith("0084") and len(digits) in (13, 14):
        digits = digits[2:]
    if digits.startswith("84") and len(digits) in (11, 12) and not digits.startswith("840"):
        digits = "0" + digits[2:]
    return digits


def search_key(head_name: str, address: str | None, phone: str | None) -> str:
    """What a household is found by: its head's name, address and phone folded, and the phone's
    digits alone, so "0912345678" finds "0912 345 678" (and "345 678" still finds it too)."""
    digits = phone_digits(phone)
    return fold(f"{head_name} {address or ''} {phone or ''}" + (f" {digits}" if digits else ""))
