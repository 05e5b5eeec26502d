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
