"""What commune staff set up: the commune and its configuration, hamlets, volunteers."""

from __future__ import annotations

import csv
import io
import os
import re
import socket
import uuid
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs, urlencode, urlsplit

from sqlalchemy import insert, select
from sqlalchemy.orm import Session

from survey.errors import message, shown
from survey.indicators import ADULT_AGES, TARGET_IDS, CoverageConfig
from survey.times import DEFAULT_CAMPAIGN_START, DEFAULT_TIME_ZONE, DayUnreadable, ZoneUnknown, read_day, zone

from .. import models
from . import audit, tallies


def create_commune(
    session: Session,
    code: str,
    name: str,
    province: str,
    *,
    adult_age: int = 18,
    close_margin: float = 10.0,
    targets: Mapping[str, Any] | None = None,
    time_zone: str = DEFAULT_TIME_ZONE,
    campaign_start: date = DEFAULT_CAMPAIGN_START,
) -> models.Commune:
    targets = dict(targets or {})
    CoverageConfig.from_dict({"targets": targets, "time_zone": time_zone})  # fails here, not in a report
    commune = models.Commune(
        code=code,
        name=name,
        province=province,
        adult_age=adult_age,
        close_margin=close_margin,
        targets=targets,
        time_zone=time_zone,
        campaign_start=campaign_start,
    )
    session.add(commune)
    session.flush()
    return commune


def add_hamlet(
    session: Session, commune_code: str, hamlet_id: str, name: str, team_active_since: str | None = None
) -> models.Hamlet:
    hamlet = models.Hamlet(id=hamlet_id, commune_code=commune_code, name=name, team_active_since=team_active_since)
    session.add(hamlet)
    session.flush()
    session.execute(insert(models.HamletTally), tallies.zero_rows([hamlet_id]))
    return hamlet


def add_volunteer(session: Session, commune_code: str, name: str, hamlet_ids: Iterable[str]) -> models.Volunteer:
    volunteer = models.Volunteer(
        id=str(uuid.uuid4()), commune_code=commune_code, name=name, created_at=datetime.now(UTC)
    )
    session.add(volunteer)
    session.flush()
    for hamlet_id in hamlet_ids:
        session.add(models.VolunteerHamlet(volunteer_id=volunteer.id, hamlet_id=hamlet_id))
    session.flush()
    return volunteer


def coverage_config(commune: models.Commune) -> CoverageConfig:
    """The commune's configuration as the domain reads it (survey.indicators.CoverageConfig)."""
    return CoverageConfig.from_dict(
        {
            "adult_age": commune.adult_age,
            "close_margin": commune.close_margin,
            "targets": commune.targets or {},
            "time_zone": commune.time_zone or DEFAULT_TIME_ZONE,
            "campaign_start": commune.campaign_start or DEFAULT_CAMPAIGN_START,
        }
    )


def hamlets_of(session: Session, commune_code: str) -> list[models.Hamlet]:
    return list(
        session.scalars(
            select(models.Hamlet).where(models.Hamlet.commune_code == commune_code).order_by(models.Hamlet.id)
        )
    )


# -- the admin CLI's operations (server_sync/cli.py) ------------------------------------------
# Each one checks its input completely before writing anything and raises `AdminError`
# (bilingual) for bad input, so a refused command leaves the database as it was.


@dataclass(frozen=True)
class Problem:
    """One offending item of a refused input (a line of a CSV file, a target of a form): what
    is wrong, by code, and its Vietnamese and English message."""

    code: str
    vi: str
    en: str


class AdminError(ValueError):
    """Bad input from commune staff: a code, a Vietnamese and an English message, and one
    `Problem` per offending item (e.g. per CSV line); nothing was written. The code is
    "admin_refused" unless a rule names it (e.g. "day_impossible")."""

    def __init__(self, vi: str, en: str, details: Sequence[Problem] = (), *, code: str = "admin_refused") -> None:
        super().__init__(en)
        self.vi, self.en, self.code = vi, en, code
        self.details = list(details)


SLUG = re.compile(r"[A-Za-z0-9_-]{1,64}")
NAME_MAX = 200


@dataclass(frozen=True)
class OfficialCommune:
    code: str  # five digits, e.g. "06577"
    name: str  # "Xã Thống Nhất"
    province: str  # "Lạng Sơn"


def lookup_commune(code: str) -> OfficialCommune:
    """A commune/ward by its official code, from the post-2025 list of `vietnam-provinces`."""
    from vietnam_provinces import Province, Ward, WardCode

    text = (code or "").strip()
    if not text.isdigit() or len(text) > 5:
        raise AdminError(
            f"Mã xã/phường {code!r} không hợp lệ: cần tối đa 5 chữ số, ví dụ 06577.",
            f"Commune/ward code {code!r} is not valid: up to 5 digits, e.g. 06577.",
        )
    try:
        ward = Ward.from_code(WardCode(int(text)))
    except ValueError:
        raise AdminError(
            f"Không có xã/phường nào mang mã {text.zfill(5)} (danh mục sau sáp nhập 2025).",
            f"No commune or ward has the code {text.zfill(5)} (post-2025 official list).",
        ) from None
    return OfficialCommune(f"{int(ward.code):05d}", ward.name, Province.from_code(ward.province_code).name)


def init_commune(session: Session, code: str, *, now: datetime | None = None) -> tuple[models.Commune, bool]:
    """Create the commune of this official code, or refresh its name; True if created.
    Audited (kind "commune", by the admin command line) when anything changed."""
    official = lookup_commune(code)
    commune = session.get(models.Commune, official.code)
    new = {"name": official.name, "province": official.province}
    if commune is None:
        commune = create_commune(session, official.code, official.name, official.province)
        audit.record(
            session,
            commune_code=commune.code,
            kind="commune",
            record_id=commune.code,
            action="created",
            new=new,
            now=now,
        )
        return commune, True
    old = {"name": commune.name, "province": commune.province}
    if old != new:
        commune.name, commune.province = official.name, official.province
        audit.record(
            session,
            commune_code=commune.code,
            kind="commune",
            record_id=commune.code,
            action="updated",
            old=old,
            new=new,
            now=now,
        )
    session.flush()
    return commune, False


def communes(session: Session) -> list[models.Commune]:
    return list(session.scalars(select(models.Commune).order_by(models.Commune.code)))


def pick_commune(session: Session, code: str | None = None) -> models.Commune:
    """The commune named by `code`, or the only one there is."""
    if code:
        commune = session.get(models.Commune, code.strip().zfill(5))
        if commune is None:
            raise AdminError(
                f"Chưa thiết lập xã {code}: chạy init-commune {code} trước.",
                f"Commune {code} is not set up: run init-commune {code} first.",
            )
        return commune
    found = communes(session)
    if not found:
        raise AdminError(
            "Chưa thiết lập xã nào: chạy init-commune <mã xã> trước.",
            "No commune is set up yet: run init-commune <official code> first.",
        )
    if len(found) > 1:
        codes = ", ".join(c.code for c in found)
        raise AdminError(
            f"Có nhiều xã ({codes}): chọn một bằng --commune.",
            f"There are several communes ({codes}): choose one with --commune.",
        )
    return found[0]


def check_day(value: str) -> str:
    """A day typed by staff (a form, the CLI, a hamlet file), stored as ISO `YYYY-MM-DD`.

    Takes ISO or the day-first forms Vietnamese writes and a spreadsheet in Vietnamese saves
    (`01/03/2026`, `1/3/2026`, `01-03-2026`, `01.03.2026`: `survey.times.read_day`, issue
    12 §4). Raises AdminError with the reader's code (`day_impossible` for 31/02/2027 or
    2027-13-01, `day_month_first`, `day_ambiguous`, `day_unreadable`) and its message from
    the catalogue (survey.errors).
    """
    try:
        return read_day(value).isoformat()
    except DayUnreadable as refused:
        context = {"value": shown(refused.value, 40)}
        raise AdminError(
            message(refused.code, "vi", **context), message(refused.code, "en", **context), code=refused.code
        ) from None


# -- hamlets from a CSV file ------------------------------------------------------------------


@dataclass(frozen=True)
class HamletRow:
    line: int
    id: str
    name: str
    team_active_since: str | None


@dataclass(frozen=True)
class HamletImport:
    rows: list[HamletRow]
    has_team_column: bool


HAMLET_COLUMNS = ("id", "name", "team_active_since")


def parse_hamlets_csv(data: bytes) -> HamletImport:
    """Every row of a hamlet CSV (`id,name[,team_active_since]`), or `AdminError` listing
    every bad row as a `Problem` with its line number, nothing kept (README, "The hamlet
    file").

    Reads the file as a spreadsheet in Vietnamese saves it: UTF-8 with or without BOM, `,`
    or `;` between columns (whichever the header line uses more), team dates day first
    (`01/03/2026`, `1/3/2026`, `01-03-2026`, `01.03.2026`) or ISO (`check_day`); every date
    is kept as ISO. A file in another encoding (Windows-1258, what "CSV (Comma delimited)"
    saves on a Vietnamese Windows) is refused as a whole, `csv_not_utf8`: guessing an
    encoding could store hamlet names garbled. Problem codes: `csv_not_utf8`, `csv_header`,
    `csv_empty`, and per line `row_columns`, `hamlet_id_invalid`, `hamlet_id_repeated`,
    `hamlet_name_missing`, `hamlet_name_too_long`, and the day codes of `check_day`.
    """
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        line = data[: exc.start].count(b"\n") + 1
        raise AdminError(
            f"Tệp không phải UTF-8 (dòng {line}): lưu lại dưới dạng “CSV UTF-8”.",
            f"The file is not UTF-8 (line {line}): save it again as “CSV UTF-8”.",
            code="csv_not_utf8",
        ) from None
    first = text.split("\n", 1)[0]
    delimiter = ";" if first.count(";") > first.count(",") else ","
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=delimiter)
    header = next(reader, None)
    columns = [c.strip().lower() for c in header or []]
    if (
        columns[:2] != ["id", "name"]
        or any(c not in HAMLET_COLUMNS for c in columns)
        or len(set(columns)) != len(columns)
    ):
        raise AdminError(
            "Dòng 1 phải là tiêu đề: id,name hoặc id,name,team_active_since.",
            "Line 1 must be the header: id,name or id,name,team_active_since.",
            code="csv_header",
        )
    has_team = "team_active_since" in columns
    rows: list[HamletRow] = []
    problems: list[Problem] = []
    seen: dict[str, int] = {}
    for cells in reader:
        line = reader.line_num
        if not any(c.strip() for c in cells):
            continue  # a blank line
        if len(cells) != len(columns):
            problems.append(
                Problem(
                    "row_columns",
                    f"Dòng {line}: có {len(cells)} cột, cần {len(columns)}.",
                    f"Line {line}: {len(cells)} columns, expected {len(columns)}.",
                )
            )
            continue
        here: list[Problem] = []
        values = dict(zip(columns, (c.strip() for c in cells), strict=False))
        hamlet_id, name = values["id"], values["name"]
        since = values.get("team_active_since") or None
        if not SLUG.fullmatch(hamlet_id):
            here.append(
                Problem(
                    "hamlet_id_invalid",
                    f"Dòng {line}: mã thôn {hamlet_id!r} không hợp lệ (chữ không dấu, số, - và _, 1–64 ký tự).",
                    f"Line {line}: hamlet id {hamlet_id!r} is not valid (ASCII letters, digits, - and _, 1–64).",
                )
            )
        elif hamlet_id in seen:
            here.append(
                Problem(
                    "hamlet_id_repeated",
                    f"Dòng {line}: mã thôn {hamlet_id!r} đã có ở dòng {seen[hamlet_id]}.",
                    f"Line {line}: hamlet id {hamlet_id!r} already appears on line {seen[hamlet_id]}.",
                )
            )
        else:
            seen[hamlet_id] = line
        if not name:
            here.append(
                Problem(
                    "hamlet_name_missing", f"Dòng {line}: thiếu tên thôn.", f"Line {line}: the hamlet name is missing."
                )
            )
        elif len(name) > NAME_MAX:
            here.append(
                Problem(
                    "hamlet_name_too_long",
                    f"Dòng {line}: tên thôn dài quá {NAME_MAX} ký tự.",
                    f"Line {line}: the hamlet name is longer than {NAME_MAX} characters.",
                )
            )
        if since is not None:
            try:
                since = check_day(since)
            except AdminError as refused:
                here.append(
                    Problem(
                        refused.code,
                        f"Dòng {line}: {refused.vi} (cột team_active_since)",
                        f"Line {line}: {refused.en} (column team_active_since)",
                    )
                )
        if here:
            problems += here
        else:
            rows.append(HamletRow(line, hamlet_id, name, since))
    if problems:
        raise AdminError(
            f"Tệp có {len(problems)} lỗi; chưa ghi gì.",
            f"The file has {len(problems)} problem(s); nothing was written.",
            problems,
        )
    if not rows:
        raise AdminError("Tệp không có thôn nào.", "The file lists no hamlet.", code="csv_empty")
    return HamletImport(rows, has_team)


@dataclass(frozen=True)
class ImportSummary:
    added: int
    updated: int
    unchanged: int
    not_in_file: list[str]


def import_hamlets(
    session: Session,
    commune_code: str,
    data: HamletImport,
    *,
    staff_user_id: int | None = None,
    now: datetime | None = None,
) -> ImportSummary:
    """Add new hamlets and update names (and team flags when the column is there). Hamlets
    missing from the file are kept: households and visits belong to them. Each hamlet added
    or changed is audited (kind "hamlet", by `staff_user_id`; None: the command line).
    AdminError, nothing written, when an id belongs to another commune."""
    existing = {
        h.id: h for h in session.scalars(select(models.Hamlet).where(models.Hamlet.id.in_([r.id for r in data.rows])))
    }
    elsewhere = [
        (r.line, r.id, existing[r.id].commune_code)
        for r in data.rows
        if r.id in existing and existing[r.id].commune_code != commune_code
    ]
    if elsewhere:
        raise AdminError(
            f"{len(elsewhere)} mã thôn đã thuộc xã khác; chưa ghi gì.",
            f"{len(elsewhere)} hamlet id(s) already belong to another commune; nothing was written.",
            [
                Problem(
                    "hamlet_other_commune",
                    f"Dòng {line}: mã thôn {hid!r} thuộc xã {other}.",
                    f"Line {line}: hamlet id {hid!r} belongs to commune {other}.",
                )
                for line, hid, other in elsewhere
            ],
        )
    added = updated = unchanged = 0
    for row in data.rows:
        hamlet = existing.get(row.id)
        if hamlet is None:
            add_hamlet(session, commune_code, row.id, row.name, row.team_active_since)
            new = {"name": row.name, "team_active_since": row.team_active_since}
            _audit_hamlet(session, commune_code, row.id, "created", None, new, staff_user_id, now)
            added += 1
            continue
        since = row.team_active_since if data.has_team_column else hamlet.team_active_since
        if (hamlet.name, hamlet.team_active_since) == (row.name, since):
            unchanged += 1
        else:
            old = {"name": hamlet.name, "team_active_since": hamlet.team_active_since}
            hamlet.name, hamlet.team_active_since = row.name, since
            new = {"name": row.name, "team_active_since": since}
            _audit_hamlet(session, commune_code, row.id, "updated", old, new, staff_user_id, now)
            updated += 1
    session.flush()
    listed = {r.id for r in data.rows}
    others = [h.id for h in hamlets_of(session, commune_code) if h.id not in listed]
    return ImportSummary(added, updated, unchanged, others)


def _audit_hamlet(
    session: Session,
    commune_code: str,
    hamlet_id: str,
    action: str,
    old: dict[str, Any] | None,
    new: dict[str, Any],
    staff_user_id: int | None,
    now: datetime | None,
) -> None:
    audit.record(
        session,
        commune_code=commune_code,
        kind="hamlet",
        record_id=hamlet_id,
        action=action,
        old=old,
        new=new,
        staff_user_id=staff_user_id,
        now=now,
    )


# -- volunteers, devices, configuration ---------------------------------------------------------


def new_volunteer(
    session: Session,
    commune_code: str,
    name: str,
    hamlet_ids: Iterable[str],
    *,
    staff_user_id: int | None = None,
    now: datetime | None = None,
) -> models.Volunteer:
    """A volunteer of the commune and the hamlets they visit (at least one, all of this
    commune: `check_volunteer`), audited (kind "volunteer", "created"). AdminError,
    nothing written, for a bad name or hamlet list."""
    name, wanted = check_volunteer(session, commune_code, name, hamlet_ids)
    volunteer = add_volunteer(session, commune_code, name, wanted)
    audit.record(
        session,
        commune_code=commune_code,
        kind="volunteer",
        record_id=volunteer.id,
        action="created",
        new={"name": name, "hamlets": sorted(wanted)},
        staff_user_id=staff_user_id,
        now=now,
    )
    return volunteer


def check_volunteer(session: Session, commune_code: str, name: str, hamlet_ids: Iterable[str]) -> tuple[str, list[str]]:
    """A volunteer's name (whitespace collapsed, 1 to NAME_MAX characters) and hamlets (at
    least one, each a hamlet of `commune_code`, repeats dropped), or AdminError."""
    name = " ".join((name or "").split())
    wanted = list(dict.fromkeys(h.strip() for h in hamlet_ids if h.strip()))
    if not name or len(name) > NAME_MAX:
        raise AdminError(
            f"Tên tình nguyện viên phải có từ 1 đến {NAME_MAX} ký tự.",
            f"The volunteer's name must have 1 to {NAME_MAX} characters.",
        )
    if not wanted:
        raise AdminError(
            "Cần chọn ít nhất một thôn tình nguyện viên phụ trách.",
            "Choose at least one hamlet the volunteer covers.",
        )
    known = {h.id for h in hamlets_of(session, commune_code)}
    unknown = [h for h in wanted if h not in known]
    if unknown:
        raise AdminError(
            f"Xã {commune_code} không có thôn: {', '.join(unknown)}.",
            f"Commune {commune_code} has no hamlet: {', '.join(unknown)}.",
        )
    return name, wanted


def volunteer(session: Session, volunteer_id: str) -> models.Volunteer:
    found = session.get(models.Volunteer, (volunteer_id or "").strip())
    if found is None:
        raise AdminError(
            f"Không có tình nguyện viên mang mã {volunteer_id!r} (xem list-volunteers).",
            f"No volunteer has the id {volunteer_id!r} (see list-volunteers).",
        )
    return found


def volunteers(session: Session, commune_code: str | None = None) -> list[tuple[models.Volunteer, list[str]]]:
    statement = select(models.Volunteer).order_by(models.Volunteer.created_at, models.Volunteer.id)
    if commune_code:
        statement = statement.where(models.Volunteer.commune_code == commune_code)
    found = list(session.scalars(statement))
    scopes: dict[str, list[str]] = {}
    for vid, hid in session.execute(
        select(models.VolunteerHamlet.volunteer_id, models.VolunteerHamlet.hamlet_id).order_by(
            models.VolunteerHamlet.hamlet_id
        )
    ):
        scopes.setdefault(vid, []).append(hid)
    return [(v, scopes.get(v.id, [])) for v in found]


def devices(session: Session, commune_code: str | None = None) -> list[tuple[models.Device, models.Volunteer]]:
    statement = (
        select(models.Device, models.Volunteer)
        .join(models.Volunteer, models.Device.volunteer_id == models.Volunteer.id)
        .order_by(models.Device.created_at, models.Device.id)
    )
    if commune_code:
        statement = statement.where(models.Volunteer.commune_code == commune_code)
    return list(session.execute(statement).all())


def check_server_url(url: str) -> str:
    """The address phones will reach the server at: http(s)://host[:port][/path], no credentials."""
    text = (url or "").strip().rstrip("/")
    try:
        parts = urlsplit(text)
        parts.port  # noqa: B018 — raises on a bad port
    except ValueError:
        parts = None
    if (
        parts is None
        or parts.scheme not in ("http", "https")
        or not parts.hostname
        or parts.username is not None
        or parts.password is not None
        or parts.query
        or parts.fragment
    ):
        raise AdminError(
            f"Địa chỉ máy chủ {url!r} không hợp lệ: cần dạng http://192.168.1.10:8000 (không kèm mật khẩu).",
            f"Server address {url!r} is not valid: expected e.g. http://192.168.1.10:8000 (no user or password).",
        )
    return text


def guess_server_url(port: int = 8000) -> str:
    """SERVER_URL, else http://<this machine's LAN address>:port (no packet is sent)."""
    if os.environ.get("SERVER_URL"):
        return os.environ["SERVER_URL"]
    address = "127.0.0.1"
    try:
        with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as probe:
            probe.connect(("10.255.255.255", 1))  # UDP connect: picks the outgoing interface only
            address = probe.getsockname()[0]
    except OSError:
        pass
    return f"http://{address}:{port}"


CODE_DAYS = (1, 90)


def code_ttl(days: int) -> timedelta:
    """How long a new enrolment code works: 1 to 90 days."""
    low, high = CODE_DAYS
    if not low <= days <= high:
        raise AdminError(
            f"Mã đăng ký phải có hiệu lực từ {low} đến {high} ngày.",
            f"An enrolment code must be valid for {low} to {high} days.",
        )
    return timedelta(days=days)


ENROL_SCHEME = "khaosat://enrol"


def enrol_link(server_url: str, code: str) -> str:
    """What the enrolment QR holds: `khaosat://enrol?server=<url, percent-encoded>&code=<code>`.
    Only the server address and the one-time code: never a password or a token."""
    return f"{ENROL_SCHEME}?{urlencode({'server': check_server_url(server_url), 'code': code})}"


FONTS = Path(__file__).resolve().parent.parent / "fonts"  # DejaVu Sans, cut to Latin and Vietnamese


def enrol_qr_png(link: str, caption: Sequence[str] = ()) -> bytes:
    """The enrolment QR as PNG bytes: `link` (error correction M, 10 px modules, quiet zone 4),
    and under it each `caption` line (the volunteer's name, the code) in large type, so that
    printed codes can be told apart and the code typed by hand when no camera reads it.
    Vietnamese is drawn with the bundled DejaVu Sans (server_sync/fonts)."""
    import segno
    from PIL import Image, ImageDraw, ImageFont

    buffer = io.BytesIO()
    segno.make(link, error="m", micro=False).save(buffer, kind="png", scale=10, border=4)
    qr = Image.open(io.BytesIO(buffer.getvalue())).convert("L")
    if not caption:
        return buffer.getvalue()
    fonts = [ImageFont.truetype(str(FONTS / "DejaVuSans-Bold.ttf"), 30)]
    fonts += [ImageFont.truetype(str(FONTS / "DejaVuSans.ttf"), 26)] * (len(caption) - 1)
    lines = [(text[:60], font) for text, font in zip(caption, fonts, strict=True)]
    width = max([qr.width] + [int(font.getlength(text)) + 40 for text, font in lines])
    height = qr.height + sum(44 for _ in lines) + 20
    canvas = Image.new("L", (width, height), 255)
    canvas.paste(qr, ((width - qr.width) // 2, 0))
    draw = ImageDraw.Draw(canvas)
    y = qr.height
    for text, font in lines:
        draw.text((width // 2, y), text, fill=0, font=font, anchor="ma")
        y += 44
    out = io.BytesIO()
    canvas.save(out, format="PNG", optimize=True)
    return out.getvalue()


def parse_enrol_link(link: str) -> tuple[str, str]:
    """(server URL, code) from an enrolment link; ValueError if it is not one."""
    if not link.startswith(ENROL_SCHEME + "?"):
        raise ValueError("not an enrolment link")
    query = parse_qs(link.split("?", 1)[1], strict_parsing=True)
    if set(query) != {"server", "code"} or len(query["server"]) != 1 or len(query["code"]) != 1:
        raise ValueError("not an enrolment link")
    return query["server"][0], query["code"][0]


def set_target(
    session: Session,
    commune: models.Commune,
    indicator: str,
    target: Mapping[str, Any] | None,
    *,
    default: bool = False,
    staff_user_id: int | None = None,
    now: datetime | None = None,
) -> dict[str, Any]:
    """Override one indicator's target (None: no target at all; default: back to the default).
    A change of the target in effect is audited (kind "commune", action "target"); AdminError
    for an unknown indicator or a target outside 0–100."""
    if indicator not in TARGET_IDS:
        raise AdminError(
            f"Không có chỉ tiêu {indicator!r}. Các chỉ tiêu: {', '.join(TARGET_IDS)}.",
            f"No indicator {indicator!r}. Indicators: {', '.join(TARGET_IDS)}.",
        )
    targets = dict(commune.targets or {})
    if default:
        targets.pop(indicator, None)
    elif target is None:
        targets[indicator] = None
    else:
        low, high = target["min"], target.get("max")
        if not 0 <= low <= 100 or (high is not None and not low <= high <= 100):
            raise AdminError(
                "Chỉ tiêu phải trong khoảng 0–100, và mức tối đa không nhỏ hơn mức tối thiểu.",
                "Targets are 0–100, and the maximum is not below the minimum.",
            )
        targets[indicator] = {"min": low, "strict": bool(target.get("strict", False)), "max": high}
    CoverageConfig.from_dict({"targets": targets})
    before = _target_in_effect(commune, indicator)
    commune.targets = targets  # a new dict: the JSON column sees the change
    after = _target_in_effect(commune, indicator)
    if before != after:
        _audit_setting(session, commune, "target", {indicator: before}, {indicator: after}, staff_user_id, now)
    session.flush()
    return targets


def _target_in_effect(commune: models.Commune, indicator: str) -> dict[str, Any] | None:
    target = coverage_config(commune).targets.get(indicator)
    return None if target is None else {"min": target.min, "strict": target.strict, "max": target.max}


def _audit_setting(
    session: Session,
    commune: models.Commune,
    action: str,
    old: dict[str, Any],
    new: dict[str, Any],
    staff_user_id: int | None,
    now: datetime | None,
) -> None:
    audit.record(
        session,
        commune_code=commune.code,
        kind="commune",
        record_id=commune.code,
        action=action,
        old=old,
        new=new,
        staff_user_id=staff_user_id,
        now=now,
    )


def set_adult_age(
    session: Session,
    commune: models.Commune,
    age: int,
    *,
    staff_user_id: int | None = None,
    now: datetime | None = None,
) -> None:
    """The age from which a member counts as an adult (DESIGN §2: 18, or 15 for some national
    indicators); audited when it changes. AdminError for any other age."""
    if age not in ADULT_AGES:
        raise AdminError("Tuổi người lớn chỉ được là 15 hoặc 18.", "The adult age is 15 or 18.")
    if age != commune.adult_age:
        _audit_setting(
            session, commune, "adult_age", {"adult_age": commune.adult_age}, {"adult_age": age}, staff_user_id, now
        )
    commune.adult_age = age
    session.flush()


def set_close_margin(
    session: Session,
    commune: models.Commune,
    margin: float,
    *,
    staff_user_id: int | None = None,
    now: datetime | None = None,
) -> None:
    """How many percentage points below its target an indicator still counts as "close";
    audited when it changes. AdminError outside 0–100."""
    if not 0 <= margin <= 100:  # NaN fails too
        raise AdminError(
            "Biên “gần đạt” phải trong khoảng 0–100 điểm phần trăm.", "The “close” margin is 0–100 percentage points."
        )
    if float(margin) != commune.close_margin:
        old, new = {"close_margin": commune.close_margin}, {"close_margin": float(margin)}
        _audit_setting(session, commune, "close_margin", old, new, staff_user_id, now)
    commune.close_margin = float(margin)
    session.flush()


def set_time_zone(
    session: Session,
    commune: models.Commune,
    name: str,
    *,
    staff_user_id: int | None = None,
    now: datetime | None = None,
) -> None:
    """The zone whose calendar days the commune's figures count in (DESIGN §3). Every stored
    day, placement and tally of the database is recomputed in the same transaction; audited.
    AdminError for a zone the time-zone database does not know."""
    name = (name or "").strip()
    try:
        zone(name)
    except ZoneUnknown:
        raise AdminError(
            f"Không có múi giờ {name!r} (ví dụ: Asia/Ho_Chi_Minh).",
            f"There is no time zone {name!r} (e.g. Asia/Ho_Chi_Minh).",
        ) from None
    if name == commune.time_zone:
        return
    _audit_setting(
        session, commune, "time_zone", {"time_zone": commune.time_zone}, {"time_zone": name}, staff_user_id, now
    )
    commune.time_zone = name
    session.flush()
    tallies.ensure_current(session)  # its signature holds every commune's zone


def set_campaign_start(
    session: Session,
    commune: models.Commune,
    day: str,
    *,
    staff_user_id: int | None = None,
    now: datetime | None = None,
) -> None:
    """The campaign's first day: records dated before it are refused from now on (DESIGN §5);
    audited when it changes. AdminError for a day that is not YYYY-MM-DD."""
    start = date.fromisoformat(check_day(day))
    if start != commune.campaign_start:
        old, new = {"campaign_start": commune.campaign_start.isoformat()}, {"campaign_start": start.isoformat()}
        _audit_setting(session, commune, "campaign_start", old, new, staff_user_id, now)
    commune.campaign_start = start
    session.flush()


def set_team(
    session: Session,
    hamlet_id: str,
    since: str | None,
    *,
    staff_user_id: int | None = None,
    now: datetime | None = None,
) -> models.Hamlet:
    """The day from which a hamlet has an active digital-tech team (None: none), DESIGN §3
    `hamlets_with_team`; audited when it changes. AdminError for an unknown hamlet or a bad day."""
    hamlet = session.get(models.Hamlet, (hamlet_id or "").strip())
    if hamlet is None:
        raise AdminError(f"Không có thôn mang mã {hamlet_id!r}.", f"No hamlet has the id {hamlet_id!r}.")
    wanted = None if since is None else check_day(since)
    if wanted != hamlet.team_active_since:
        audit.record(
            session,
            commune_code=hamlet.commune_code,
            kind="hamlet",
            record_id=hamlet.id,
            action="team",
            old={"team_active_since": hamlet.team_active_since},
            new={"team_active_since": wanted},
            staff_user_id=staff_user_id,
            now=now,
        )
    hamlet.team_active_since = wanted
    session.flush()
    return hamlet
