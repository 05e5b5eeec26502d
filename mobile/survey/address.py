"""A household's address in a form two records of one house share, however it was typed.

Volunteers write one address many ways: "Số 12, xóm Đông", "12 Xom Dong", "SN12 - Xóm
Đông", "số nhà 12, xóm Đông, thôn Nà Pàn". What tells two houses apart is the house number, when there is one: "Số 12" and "Số 21"
are two houses whatever else matches. Most rural houses have no number, so the rest of the
address (the xóm, tổ or road and its name) is kept as a place to compare too.

Standard library only: the phone and the server read addresses with the same rule.
"""

from __future__ import annotations

import difflib
import re
from dataclasses import dataclass
from functools import lru_cache
from typing import Literal

from .text import fold

# Words that announce the house number ("Số 12", "SN 12", "số nhà 12", "nhà số 12"); folded.
_HOUSE_MARKERS = frozenset({"so nha", "nha so", "so", "sn", "nha"})
# Units of a place, folded, to the one word each is compared by. Hamlet-level names are one
# unit: Lạng Sơn says thôn or bản for the same thing, and a volunteer writes either.
_UNITS = {
    "thon": "thon",
    "th": "thon",
    "ban": "thon",
    "lang": "thon",
    "ap": "thon",
    "buon": "thon",
    "xom": "xom",
    "to": "to",
    "tdp": "to",
    "to dan pho": "to",
    "doi": "doi",
    "khu": "khu",
    "khu pho": "khu",
    "kp": "khu",
    "khoi": "khu",
    "khom": "khu",
    "cum": "cum",
    "duong": "duong",
    "d": "duong",
    "pho": "duong",
    "ngo": "ngo",
    "ngach": "ngo",
    "hem": "ngo",
    "kiet": "ngo",
    "quoc lo": "ql",
    "ql": "ql",
    "tinh lo": "tl",
    "tl": "tl",
    "km": "km",
}
# Where the commune's own name begins ("…, xã Thống Nhất, tỉnh Lạng Sơn"): the same for every
# household of a hamlet, so it is dropped with what follows.
_TAIL = frozenset({"xa", "phuong", "thi tran", "thi xa", "thanh pho", "tp", "huyen", "quan", "tinh"})
_PHRASES = {words for words in (*_HOUSE_MARKERS, *_UNITS, *_TAIL) if " " in words}
_TOKEN = re.compile(r"[^\W_]+(?:/[^\W_]+)*")
_NUMBER = re.compile(r"[0-9]+[a-z]?(?:/[0-9]+[a-z]?)*", re.ASCII)
_GLUED = re.compile(r"([a-z]+)([0-9][0-9a-z/]*)", re.ASCII)  # "sn12", "to3", "km5"
SIMILAR_PLACE = 0.85  # difflib ratio of two places' words: a typo apart ("na pan" / "na phan")

PlaceMatch = Literal["same", "other", "unknown"]


@dataclass(frozen=True)
class Address:
    """An address as it is compared: the house number, the numbered parts of its place and
    the place's other words, all folded (see `normal_address`)."""

    house: str  # "12", "12b", "12/3"; "" when none was written
    units: tuple[tuple[str, str], ...]  # numbered parts, (unit, number): ("to", "3"), ("ngo", "5")
    words: tuple[str, ...]  # the place's own words, unit words dropped: ("dong",) for "xóm Đông"

    @property
    def place(self) -> tuple[str, ...]:
        """The place as tokens: numbered parts ("to3") then words ("dong")."""
        return tuple(unit + number for unit, number in self.units) + self.words

    @property
    def key(self) -> str:
        """One string for the whole address: equal keys, one address ("12|to3 dong")."""
        return f"{self.house}|{' '.join(self.place)}"


def _number(token: str) -> str:
    """A house or unit number without leading zeros ("012" and "12" are one number)."""
    return "/".join(part.lstrip("0") or "0" for part in token.split("/"))


def _tokens(text: str) -> list[str]:
    """The folded words and numbers of an address, a marker glued to its number split off."""
    tokens: list[str] = []
    for token in _TOKEN.findall(fold(text)):
        glued = _GLUED.fullmatch(token)
        if glued and (glued[1] in _HOUSE_MARKERS or glued[1] in _UNITS) and _NUMBER.fullmatch(glued[2]):
            tokens += [glued[1], glued[2]]
        else:
            tokens.append(token)
    return tokens


@lru_cache(maxsize=4096)  # a hamlet's addresses are read again at every check; an Address never changes
def normal_address(text: str | None) -> Address:
    """The address as it is compared, whatever the spelling, diacritics, case, punctuation
    and abbreviations: "Số 12, xóm Đông", "12 Xom Dong" and "SN12 - Xóm Đông" are all house
    "12" in place ("dong",); "Tổ 3, thôn Nà Pàn" is no house number in place ("to3", "na",
    "pan"); "ngõ 5" and "km 12" are numbered parts of a place, never house numbers.

    The house number is the number after a house marker (số, số nhà, nhà số, SN, nhà), else
    the first number standing on its own. A unit word (thôn/bản, xóm, tổ, đội, khu, đường,
    ngõ, quốc lộ, km …) is dropped, or kept with its number ("xóm số 5" → ("xom", "5")). The
    commune's own name at the end (from "xã", "huyện", "tỉnh" … on) is the same for every
    household of a hamlet and is dropped. Never raises: an empty address is `Address("", (), ())`.
    """
    tokens = _tokens(text or "")
    house = ""
    units: list[tuple[str, str]] = []
    words: list[str] = []
    i = 0
    while i < len(tokens):
        token, width = tokens[i], 1
        for longer in (3, 2):  # "tổ dân phố", "số nhà"
            phrase = " ".join(tokens[i : i + longer])
            if len(tokens) - i >= longer and phrase in _PHRASES:
                token, width = phrase, longer
                break
        after = tokens[i + width :]
        if token in _TAIL and after and (house or units or words):
            break
        if token in _HOUSE_MARKERS:
            if after and _NUMBER.fullmatch(after[0]) and not house:
                house, width = _number(after[0]), width + 1
        elif token in _UNITS:
            if after[:1] == ["so"] and len(after) > 1 and _NUMBER.fullmatch(after[1]):
                width += 1  # "xóm số 5"
                after = after[1:]
            if after and _NUMBER.fullmatch(after[0]):
                units.append((_UNITS[token], _number(after[0])))
                width += 1
        elif _NUMBER.fullmatch(token) and not house:
            house = _number(token)
        else:
            words.append(token)
        i += width
    return Address(house, tuple(units), tuple(words))


def alike(a: str, b: str, least: float) -> bool:
    """Whether difflib's ratio of two strings reaches `least`, its cheap upper bounds tried
    first (most pairs weighed are far apart, and the full ratio is the slow part)."""
    matcher = difflib.SequenceMatcher(None, a, b)
    return matcher.real_quick_ratio() >= least and matcher.quick_ratio() >= least and matcher.ratio() >= least


def compare_places(a: Address, b: Address) -> PlaceMatch:
    """Whether two addresses name the same place, leaving their house numbers aside.

    "other" when a numbered part differs ("tổ 3" / "tổ 4") or both have words and they are
    not alike ("xóm Đông" / "xóm Tây"); "same" when a numbered part is shared, or the words
    are alike: equal, one's words all in the other's ("xóm Đông" / "xóm Đông, thôn Nà Pàn"),
    or a typo apart (difflib ratio ≥ SIMILAR_PLACE); "unknown" when nothing can be compared
    (one place empty, or "tổ 3" against "xóm Đông").
    """
    units_a, units_b = dict(a.units), dict(b.units)
    shared = units_a.keys() & units_b.keys()
    if any(units_a[unit] != units_b[unit] for unit in shared):
        return "other"
    if a.words and b.words:
        set_a, set_b = set(a.words), set(b.words)
        if set_a <= set_b or set_b <= set_a:
            return "same"
        if alike(" ".join(a.words), " ".join(b.words), SIMILAR_PLACE):
            return "same"
        return "other"
    return "same" if shared else "unknown"
