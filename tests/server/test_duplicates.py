"""Issue 12 §4, "the pairs flagged are mostly wrong": likely duplicates are weighed on the
head's name, the address and the phone together, on a planted hamlet whose true pairs are
known, through the real sync and database; and the hamlet page shows both sides' addresses
(phones to those who may see them) with the reason."""

from __future__ import annotations

import re
from itertools import combinations

from fastapi.testclient import TestClient

from server_sync.services import households, staff
from server_sync.web.i18n import TEXT
from survey.records import Household
from tests.server.browser import sign_in_form
from tests.survey.builders import household

from .conftest import World
from .test_households import ADMIN, push, staff_user

HAMLET = "thon-na-pan"


def home(name: str, address: str = "", phone: str = "") -> Household:
    return household(HAMLET, name, address=address, phone=phone)


def planted() -> tuple[list[Household], set[frozenset[str]]]:
    """A hamlet of 98 households and the 16 pairs in it that are one house entered twice.

    - 12 twins: the same name and address, typed another way, with another phone (8) or
      none (4): the issue's example, 8 of which the old rule missed;
    - 4 pairs sharing a phone: the name typed another way (2), a middle name left out, or
      the house recorded under the husband by one volunteer and the wife by another;
    - decoys: 20 heads called Nguyễn Văn An at 20 house numbers of xóm Đông (190 pairs, the
      issue's false alarms), 8 Hoàng Văn Nam at number 7 of 8 xóm, two houses with two
      households of different heads, relatives sharing a phone at other houses, the same name
      without a number in two xóm, and 30 households unlike any other.
    """
    homes: list[Household] = []
    true: set[frozenset[str]] = set()

    def pair(a: Household, b: Household) -> None:
        homes.extend((a, b))
        true.add(frozenset({a.id, b.id}))

    twins = [  # (name, another typing of it, house number, xóm)
        ("Nguyễn Văn An", "nguyen van an", 12, "Tây"),  # Nguyễn Văn An at 12 xóm Đông is a decoy
        ("Lý Thị Mai", "LÝ THỊ MAI", 3, "Trên"),
        ("Nông Văn Tài", "Nong Van Tai", 8, "Dưới"),
        ("Vi Thị Hằng", "Vi Thi Hang", 15, "Chợ"),
        ("Lương Văn Bảo", "Lương văn Bảo", 21, "Đông"),
        ("Hà Thị Thu", "ha thi thu", 4, "Tây"),
        ("Chu Văn Mạnh", "Chu Van Manh", 9, "Trên"),
        ("Lộc Thị Nga", "loc thi nga", 17, "Giữa"),
        ("Triệu Văn Sơn", "TRIEU VAN SON", 6, "Mới"),
        ("Đinh Thị Lan", "Dinh Thi Lan", 11, "Dưới"),
        ("Hoàng Văn Khánh", "Hoang Van Khanh", 2, "Chợ"),
        ("Dương Thị Hoa", "duong thi hoa", 30, "Giữa"),
    ]
    forms = [  # one house, the ways volunteers write it
        ("Số {n}, xóm {x}", "{n} Xom {x}"),
        ("SN {n} - xóm {x}", "số nhà {n}, xóm {x}, thôn Nà Pàn"),
        ("Nhà số {n} xóm {x}", "so {n} xom {x}"),
    ]
    for k, (name, typed, number, xom) in enumerate(twins):
        first, second = forms[k % len(forms)]
        phone_b = "" if k % 3 == 2 else f"0988 000 {k:03d}"  # 8 with another phone, 4 with none
        pair(
            home(name, first.format(n=number, x=xom), f"0912 000 {k:03d}"),
            home(typed, second.format(n=number, x=xom), phone_b),
        )
    pair(home("Lò Văn Sáu", "Số 40, xóm Trên", "0913 111 001"), home("Lo Van Sau", "", "+84 913 111 001"))
    pair(home("Nguyễn Thị Hoa", "", "0913 111 002"), home("Nguyễn Hoa", "xóm Chợ", "0913.111.002"))
    pair(home("Hoàng Văn Thành", "Số 44 xóm Giữa", "0913 111 003"), home("Hoang Van Thanh", "", "0913111003"))
    pair(home("Vi Văn Tâm", "Số 45, xóm Mới", "0913 111 004"), home("Hà Thị Lan", "45 Xom Moi", "0913 111 004"))

    # Decoys: none of these is a pair.
    homes += [home("Nguyễn Văn An", f"Số {n}, xóm Đông", "" if n % 2 else f"0977 000 {n:03d}") for n in range(1, 21)]
    homes += [
        home("Hoàng Văn Nam", f"Số 7, xóm {x}") for x in ("Đông", "Tây", "Trên", "Dưới", "Chợ", "Giữa", "Mới", "Cũ")
    ]
    for n, (father, son) in enumerate([("Lương Văn Minh", "Lương Văn Đức"), ("Vi Văn Hải", "Vi Văn Long")]):
        homes += [home(father, f"Số {50 + n}, xóm Cũ"), home(son, f"{50 + n} xom Cu")]
    homes += [
        home("Đinh Văn Hùng", "Số 60 xóm Đông", "0914 222 333"),
        home("Đinh Thị Hoa", "Số 61 xóm Đông", "0914 222 333"),
    ]
    homes += [home("Nông Văn Sáu", "xóm Trên"), home("Nông Văn Sáu", "xóm Dưới")]
    families = ["Hoàng", "Lý", "Nông", "Vi", "Lương", "Hà"]
    given = ["Bình", "Cúc", "Dũng", "Giang", "Kiên"]
    homes += [
        home(f"{family} {'Văn' if k % 2 else 'Thị'} {name}", f"Số {100 + 5 * f + k}, xóm Cũ", f"0915 {f}{k} 0000")
        for f, family in enumerate(families)
        for k, name in enumerate(given)
    ]
    return homes, true


def figures(found: set[frozenset[str]], true: set[frozenset[str]]) -> tuple[float, float]:
    """(precision, recall) of the pairs found against the true ones."""
    hits = len(found & true)
    return hits / len(found) if found else 0.0, hits / len(true)


def test_on_a_planted_hamlet_the_pairs_found_are_the_true_ones(world: World) -> None:
    homes, true = planted()
    assert len(homes) == 98 and len(true) == 16
    push(world, homes)
    with world.session() as session:
        listed = households.likely_duplicates(session, HAMLET, fields=ADMIN)
    found = {frozenset({p.first.household_id, p.second.household_id}) for p in listed}
    precision, recall = figures(found, true)
    names = {h.id: f"{h.head_name} / {h.address} / {h.phone}" for h in homes}
    wrong = [sorted(names[i] for i in pair) for pair in found - true]
    missed = [sorted(names[i] for i in pair) for pair in true - found]
    report = f"precision {precision:.2f}, recall {recall:.2f}; wrong {wrong}; missed {missed}"
    print(f"planted hamlet ({len(homes)} households, {len(true)} true pairs): {report}")
    assert precision >= 0.9 and recall >= 0.9, report


def test_the_issues_example_a_common_name_at_other_houses_is_no_pair_and_twins_with_two_phones_are(
    world: World,
) -> None:
    # Before: every same-name pair with a phone missing was flagged, whatever the house number,
    # and two records of one house with two phones never were.
    ans = [home("Nguyễn Văn An", f"Số {n}, xóm Đông", "" if n < 4 else f"0977 000 {n:03d}") for n in range(1, 7)]
    twins = [
        (home("Lý Thị Mai", "Số 3, xóm Trên", "0912 000 001"), home("Ly Thi Mai", "3 Xom Tren", "0988 000 001")),
        (home("Nông Văn Tài", "Số 8 xóm Dưới", "0912 000 002"), home("Nông Văn Tài", "SN 8, xóm Dưới", "")),
    ]
    push(world, ans + [h for twin in twins for h in twin])
    with world.session() as session:
        listed = households.likely_duplicates(session, HAMLET, fields=ADMIN)
    found = {frozenset({p.first.household_id, p.second.household_id}): p.likeness for p in listed}
    assert not any(frozenset({a.id, b.id}) in found for a, b in combinations(ans, 2))  # 15 pairs, none flagged
    assert set(found) == {frozenset({a.id, b.id}) for a, b in twins}
    mai, tai = (found[frozenset({a.id, b.id})] for a, b in twins)
    assert mai.evidence == ("same_name", "same_address", "other_phone")
    assert tai.evidence == ("same_name", "same_address")
    assert tai.score > mai.score  # two phones are weak evidence against, not a veto


def test_a_dismissed_pair_stays_hidden_and_the_others_stay(world: World) -> None:
    homes, true = planted()
    push(world, homes)
    user = staff_user(world)
    first = sorted(true, key=sorted)[0]
    a, b = sorted(first)
    with world.session() as session:
        assert households.dismiss_duplicate(session, b, a, user, hamlet_id=HAMLET)
    with world.session() as session:
        found = {
            frozenset({p.first.household_id, p.second.household_id})
            for p in households.likely_duplicates(session, HAMLET)
        }
    assert found == true - {first}


# -- the hamlet page ------------------------------------------------------------------------------


def signed_in(world: World, role: str, lang: str = "vi") -> TestClient:
    """A browser of its own, signed in as a new account of `role`."""
    username = f"{role}.{lang}"
    with world.session() as session:
        staff.create_staff(session, "06577", username, f"Cán bộ {role}", role, "mat-khau-dai-du-10")
    client = TestClient(world.app)
    answer = client.post(
        "/dash/sign-in",
        data=sign_in_form(client, username=username, password="mat-khau-dai-du-10", next="/dash/"),
        follow_redirects=False,
    )
    assert answer.status_code == 303, answer.text[:300]
    return client


def duplicates_section(client: TestClient, lang: str = "vi") -> str:
    page = client.get(f"/dash/hamlets/{HAMLET}?lang={lang}")
    assert page.status_code == 200
    return page.text.split('<section aria-labelledby="duplicates">')[1].split("</section>")[0]


def test_the_page_shows_both_addresses_and_the_reason_and_phones_only_to_admins(world: World) -> None:
    mai = home("Lý Thị Mai", "Số 3, xóm Trên", "0912 000 001")
    mai_again = home("Ly Thi Mai", "3 Xom Tren", "0988 000 001")
    other_an = [home("Nguyễn Văn An", "Số 5, xóm Đông"), home("Nguyễn Văn An", "Số 9, xóm Đông")]
    push(world, [mai, mai_again, *other_an])
    admin_page = duplicates_section(signed_in(world, "admin"))
    staff_page = duplicates_section(signed_in(world, "staff"))
    english = duplicates_section(signed_in(world, "admin", "en"), "en")

    for section in (admin_page, staff_page, english):
        rows = re.findall(r"<tr data-pair=.*?</tr>", section, re.S)
        assert len(rows) == 1  # the two Nguyễn Văn An at other house numbers are not a pair
        assert "Số 3, xóm Trên" in rows[0] and "3 Xom Tren" in rows[0]  # both addresses, side by side
        assert 'data-evidence="same_name same_address other_phone"' in rows[0]
    vi = {key: TEXT[f"evidence_{key}"][0] for key in ("same_name", "same_address", "other_phone")}
    en = {key: TEXT[f"evidence_{key}"][1] for key in ("same_name", "same_address", "other_phone")}
    assert f"{vi['same_name']} + {vi['same_address']}" in admin_page and vi["other_phone"] in admin_page
    assert f"{en['same_name']} + {en['same_address']}" in english and en["other_phone"] in english
    assert "0912 000 001" in admin_page and "0988 000 001" in admin_page
    assert "0912 000 001" not in staff_page and "0988 000 001" not in staff_page  # PERSONAL_FIELDS: staff see no phone
    assert 'data-field="phone"' not in staff_page and 'data-field="address"' in staff_page
    assert "<form" in admin_page and "<form" not in staff_page  # merge and dismiss stay an admin's
