"""Whether two household records may be one house entered twice: the head's folded name,
the normalised address and the phone, weighed together.

Issue 12 §4: scoring on names and phones alone flagged 28 of 32 pairs that shared a common
name but not a house number, and missed two records of one house that carried different
phones. Here each kind of evidence has a weight, for or against; a pair is likely when the
sum reaches `LIKELY`:

| evidence | weight | |
|---|---|---|
| same_name | +6 | folded names equal |
| similar_name | +4 | same family and given name, a middle name left out or a typo apart (`similar_names`) |
| other_name | −4 | both names given and not alike |
| same_address | +6 | same house number and the same place |
| same_house_number | +4 | same house number, a place missing on one side |
| same_place | +3 | the same place (xóm, tổ, road), no house number on either side |
| same_place_number_missing | +1 | the same place, a house number on one side only |
| other_place | −3 | places that differ (xóm Đông / xóm Tây), house numbers equal or missing |
| other_house_number | −6 | two different house numbers: two houses |
| same_phone | +6 | the same national number (at least 8 digits) |
| other_phone | −2 | two different numbers: a second SIM, a new phone, a relative's |

So the same name at another house number is not likely (6 − 6) unless the phone is the same
too; the same name and address is likely with different phones (6 + 6 − 2); the same phone
needs a name alike or the same address beside it (a family shares a phone: 6 − 4 = 2).
Standard library only: the server weighs pairs with it, and the phone warns about a
household being added with the same reading of names and addresses (`same_household_key`).
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from .address import Address, alike, compare_places, normal_address
from .text import fold, phone_digits

WEIGHTS: dict[str, int] = {
    "same_name": 6,
    "similar_name": 4,
    "other_name": -4,
    "same_address": 6,
    "same_house_number": 4,
    "same_place": 3,
    "same_place_number_missing": 1,
    "other_place": -3,
    "other_house_number": -6,
    "same_phone": 6,
    "other_phone": -2,
}
LIKELY = 6  # the least score of a likely pair: the same name with nothing against it
PHONE_DIGITS_MIN = 8  # fewer digits are not a phone number anyone dials ("0", "123")
SIMILAR_NAME = 0.9  # difflib ratio of two folded names a typo apart
_WORD = re.compile(r"[^\W_]+")


@dataclass(frozen=True)
class Particulars:
    """What a household is told apart by, in the form it is compared in (`particulars`)."""

    name: str  # the head's name folded, punctuation dropped: "nguyen van an"
    address: Address
    phone: str  # the national digits, "" when fewer than PHONE_DIGITS_MIN

    @property
    def given_name(self) -> str:
        """The last word of the name: what a Vietnamese name is called by ("an")."""
        return self.name.rsplit(" ", 1)[-1]


def name_key(head_name: str | None) -> str:
    """A head's name folded, punctuation and extra spaces dropped ("Nguyễn Văn  An." → "nguyen van an")."""
    return " ".join(_WORD.findall(fold(head_name or "")))


def particulars(head_name: str | None, address: str | None, phone: str | None) -> Particulars:
    """A household's name, address and phone as `likeness` compares them."""
    digits = phone_digits(phone)
    return Particulars(name_key(head_name), normal_address(address), digits if len(digits) >= PHONE_DIGITS_MIN else "")


def _one_letter_left_out(a: str, b: str) -> bool:
    """ "than" for "thanh": a given name of four letters or more typed with one letter missing.
    Shorter names one letter apart are other names ("an" / "anh", "hai" / "tai")."""
    short, long = sorted((a, b), key=len)
    return (
        len(short) >= 4
        and len(long) == len(short) + 1
        and any(long[:k] + long[k + 1 :] == short for k in range(len(long)))
    )


def similar_names(a: str, b: str) -> bool:
    """Two folded names that may well be one person's: equal, or with the same family name
    (first word) and given name (last word, or it with one letter left out: "thanh" /
    "than") and middle names that are equal, left out on one side ("nguyen an" / "nguyen
    thi minh an": the shorter's words in order inside the longer), or a typo apart (the
    whole name's difflib ratio ≥ SIMILAR_NAME).

    Family and given names one letter apart are other people's ("luong" / "duong", "hai" /
    "hoa"): a typo there cannot be told from another name, and the issue's false alarms
    were names that merely looked alike.
    """
    if a == b:
        return True
    words_a, words_b = a.split(), b.split()
    if len(words_a) < 2 or len(words_b) < 2 or words_a[0] != words_b[0]:
        return False
    if words_a[-1] != words_b[-1] and not _one_letter_left_out(words_a[-1], words_b[-1]):
        return False
    short, long = sorted((words_a[1:-1], words_b[1:-1]), key=len)
    rest = iter(long)
    return all(word in rest for word in short) or alike(a, b, SIMILAR_NAME)


@dataclass(frozen=True)
class Likeness:
    """How alike two households are: the evidence found (codes of `WEIGHTS`, for first,
    then against) and its sum."""

    score: int
    evidence: tuple[str, ...]

    @property
    def likely(self) -> bool:
        return self.score >= LIKELY

    @property
    def for_(self) -> tuple[str, ...]:
        """The evidence that the two are one house, strongest first."""
        return tuple(e for e in self.evidence if WEIGHTS[e] > 0)

    @property
    def against(self) -> tuple[str, ...]:
        """The evidence that they are two, strongest first."""
        return tuple(e for e in self.evidence if WEIGHTS[e] < 0)


def _address_evidence(a: Address, b: Address) -> str | None:
    place = compare_places(a, b)
    if a.house and b.house:
        if a.house != b.house:
            return "other_house_number"
        return {"same": "same_address", "other": "other_place", "unknown": "same_house_number"}[place]
    if place == "same":
        return "same_place_number_missing" if a.house or b.house else "same_place"
    return "other_place" if place == "other" else None


def likeness(a: Particulars, b: Particulars) -> Likeness:
    """The evidence that two households are one, and its weight (module docstring). What
    one side lacks (no phone, no address, no name) is evidence neither way."""
    found: list[str] = []
    if a.name and b.name:
        found.append(
            "same_name" if a.name == b.name else "similar_name" if similar_names(a.name, b.name) else "other_name"
        )
    address = _address_evidence(a.address, b.address)
    if address:
        found.append(address)
    if a.phone and b.phone:
        found.append("same_phone" if a.phone == b.phone else "other_phone")
    found.sort(key=lambda e: (WEIGHTS[e] < 0, -abs(WEIGHTS[e])))
    return Likeness(sum(WEIGHTS[e] for e in found), tuple(found))


def blocking_keys(p: Particulars) -> tuple[str, ...]:
    """The keys under which a household is compared with others: only two households sharing
    one are ever weighed, so a hamlet's work grows with its look-alikes, not with its size
    squared. A likely pair shares its phone, its name or its house number, or else (a name
    alike at one place, neither with a house number: 4 + 3) the given name and a word or
    numbered part of the place. Only a given name typed with a letter left out ("Thàn" for
    "Thành"), at one place without a house number or a phone in common, is never weighed."""
    keys = []
    if p.phone:
        keys.append(f"phone:{p.phone}")
    if p.name:
        keys.append(f"name:{p.name}")
    if p.address.house:
        keys.append(f"house:{p.address.house}")
    elif p.name:
        keys += [f"place:{p.given_name}|{token}" for token in dict.fromkeys(p.address.place)]
    return tuple(keys)


def same_household_key(head_name: str, address: str | None) -> str:
    """The name and address two records of one house share, as the phone checks a household
    being added ("Nguyễn Văn  Bình", "Số 7, xóm Chợ" and "nguyen van binh", "7 Xom Cho"
    match; "Số 70" does not): the folded name and the normalised address (`normal_address`)."""
    return f"{name_key(head_name)}|{normal_address(address).key}"
