"""Admin commands for a campaign that runs five years (issue 12 §4), beside cli.py's:

    edit-volunteer <id> [--name N] [--hamlets a,b]    rename; set the hamlets they visit
    deactivate-volunteer <id> | reactivate-volunteer <id>
    list-codes [--commune C] | revoke-code <code id>  unused enrolment codes, and taking one back
    enable-staff --username U | set-staff-role --username U --role staff|admin
    list-audit [--commune C] [--kind K] [--record ID] [--from D] [--to D] [--limit N]

Each goes through the same service functions as the dashboard (services/volunteers.py,
services/accounts.py, services/audit.py) and is audited as the admin command line (no
staff user). Bad input exits 2 with nothing written, as every command (cli.main).
"""

from __future__ import annotations

import argparse
from typing import Any

from .cli import OK, _commune_option, _say, _session

AUDIT_LIMIT = (1, 500)


def add_commands(commands: Any) -> None:
    """The commands' parsers, on cli.build_parser's subcommands."""
    edit = commands.add_parser("edit-volunteer", help="đổi tên, thôn phụ trách / rename a volunteer, set their hamlets")
    edit.add_argument("volunteer_id")
    edit.add_argument("--name", default=None, help="họ tên mới / new full name")
    edit.add_argument("--hamlets", default=None, help="mã thôn, cách nhau bằng dấu phẩy / comma-separated ids")
    for name, help_text in (
        ("deactivate-volunteer", "tạm dừng: điện thoại không đồng bộ được / pause: their phones cannot sync"),
        ("reactivate-volunteer", "mở lại: điện thoại đồng bộ tiếp / reactivate: their phones sync again"),
    ):
        commands.add_parser(name, help=help_text).add_argument("volunteer_id")
    codes = commands.add_parser("list-codes", help="mã đăng ký chưa dùng, còn hạn / unused, unexpired codes")
    _commune_option(codes)
    revoke = commands.add_parser("revoke-code", help="thu hồi mã đăng ký chưa dùng / take back an unused code")
    revoke.add_argument("code_id", help="số của mã trong list-codes / the code's id from list-codes")
    enable = commands.add_parser("enable-staff", help="mở khóa tài khoản cán bộ / re-enable a dashboard account")
    enable.add_argument("--username", required=True)
    role = commands.add_parser("set-staff-role", help="đổi vai trò cán bộ / change a dashboard account's role")
    role.add_argument("--username", required=True)
    role.add_argument("--role", required=True, choices=("staff", "admin"))
    trail = commands.add_parser("list-audit", help="nhật ký thay đổi, mới nhất trước / the audit trail, newest first")
    _commune_option(trail)
    trail.add_argument("--kind", default="", help="household, visit, figure, commune, hamlet, volunteer, …")
    trail.add_argument("--record", default="", help="mã bản ghi / a record id")
    trail.add_argument("--from", dest="first", default="", help="từ ngày / from YYYY-MM-DD (the commune's days)")
    trail.add_argument("--to", dest="last", default="", help="đến ngày / to YYYY-MM-DD")
    trail.add_argument("--limit", type=int, default=50, help="số dòng / rows (1–500, default 50)")


def _edit_volunteer(args: argparse.Namespace) -> int:
    from .services import admin, volunteers

    if args.name is None and args.hamlets is None:
        raise admin.AdminError("Cần --name, --hamlets hoặc cả hai.", "Give --name, --hamlets or both.")
    with _session(args) as session:
        volunteer = admin.volunteer(session, args.volunteer_id)
        name = volunteer.name if args.name is None else args.name
        hamlets = volunteers.hamlet_ids(session, volunteer.id) if args.hamlets is None else args.hamlets.split(",")
        done = volunteers.edit(session, volunteer, name, hamlets)
        name, hamlets = volunteer.name, volunteers.hamlet_ids(session, volunteer.id)
    if not done:
        _say(f"{name}: không có gì thay đổi.", f"{name}: nothing changed.")
    else:
        _say(
            f"{name}: phụ trách {', '.join(hamlets)}; điện thoại nhận thay đổi ở lần đồng bộ sau.",
            f"{name}: visits {', '.join(hamlets)}; their phones follow at their next sync.",
        )
    return OK


def _deactivate_volunteer(args: argparse.Namespace) -> int:
    from .services import admin, volunteers

    with _session(args) as session:
        volunteer = admin.volunteer(session, args.volunteer_id)
        done, name = volunteers.deactivate(session, volunteer), volunteer.name
    if done:
        _say(
            f"Đã tạm dừng {name}: điện thoại của họ không đồng bộ được cho đến khi mở lại; không dữ liệu nào bị xóa.",
            f"Paused {name}: their phones cannot sync until reactivated; nothing is deleted.",
        )
    else:
        _say(f"{name} đã tạm dừng từ trước.", f"{name} was already paused.")
    return OK


def _reactivate_volunteer(args: argparse.Namespace) -> int:
    from .services import admin, volunteers

    with _session(args) as session:
        volunteer = admin.volunteer(session, args.volunteer_id)
        done, name = volunteers.reactivate(session, volunteer), volunteer.name
    if done:
        _say(f"Đã mở lại {name}: điện thoại của họ đồng bộ tiếp.", f"Reactivated {name}: their phones sync again.")
    else:
        _say(f"{name} đang hoạt động.", f"{name} is active.")
    return OK


def _list_codes(args: argparse.Namespace) -> int:
    from .services import admin, volunteers

    def when(moment: Any) -> str:
        return moment.strftime("%Y-%m-%d %H:%M")

    with _session(args) as session:
        commune = admin.pick_commune(session, args.commune)
        rows = [
            (str(code.id), volunteer.name, when(code.created_at), when(code.expires_at))
            for code, volunteer in volunteers.open_codes(session, commune.code)
        ]
    if not rows:
        _say("Không có mã đăng ký nào chưa dùng và còn hạn.", "No unused, unexpired enrolment code.")
        return OK
    print("id\ttình nguyện viên/volunteer\tcấp/issued (UTC)\thết hạn/expires (UTC)")
    for row in rows:
        print("\t".join(row))
    return OK


def _revoke_code(args: argparse.Namespace) -> int:
    from .services import volunteers

    with _session(args) as session:
        row, volunteer = volunteers.find_code(session, args.code_id)
        done, name = volunteers.revoke_code(session, row, volunteer), volunteer.name
    if done:
        _say(
            f"Đã thu hồi mã {args.code_id} của {name}: không dùng để đăng ký được nữa.",
            f"Took back code {args.code_id} of {name}: it no longer enrols a phone.",
        )
    else:
        _say(
            f"Mã {args.code_id} đã được dùng hoặc đã bị thu hồi từ trước.",
            f"Code {args.code_id} was already used or taken back.",
        )
    return OK


def _enable_staff(args: argparse.Namespace) -> int:
    from .services import accounts, staff

    with _session(args) as session:
        user = staff.staff_user(session, args.username)
        done, username = accounts.enable(session, user), user.username
    if done:
        _say(f"Đã mở khóa tài khoản {username}.", f"Re-enabled the account {username}.")
    else:
        _say(f"Tài khoản {username} đang hoạt động.", f"The account {username} is active.")
    return OK


def _set_staff_role(args: argparse.Namespace) -> int:
    from .services import accounts, staff

    with _session(args) as session:
        user = staff.staff_user(session, args.username)
        done, username = accounts.change_role(session, user, args.role), user.username
    vi_role, en_role = staff.ROLE_NAMES[args.role]
    if done:
        _say(f"{username} giờ là {vi_role}.", f"{username} is now {en_role}.")
    else:
        _say(f"{username} đã là {vi_role}.", f"{username} already was {en_role}.")
    return OK


def _list_audit(args: argparse.Namespace) -> int:
    from survey.times import zone

    from .services import admin, audit

    low, high = AUDIT_LIMIT
    if not low <= args.limit <= high:
        raise admin.AdminError(f"Số dòng phải từ {low} đến {high}.", f"The number of rows is {low} to {high}.")
    filters = audit.parse_filters({"kind": args.kind, "record": args.record, "from": args.first, "to": args.last})
    with _session(args) as session:
        commune = admin.pick_commune(session, args.commune)
        tz = zone(commune.time_zone)
        rows = audit.trail(session, commune, filters, limit=args.limit).rows
    if not rows:
        _say("Không có thay đổi nào khớp.", "No change matches.")
        return OK
    print("lúc/when\tai/who\tloại/kind\tbản ghi/record\tthao tác/action\ttrước → sau/before → after")
    for row in rows:
        if row.staff_name:
            who = f"{row.staff_name} ({row.staff_username})"
        elif row.device_id:
            who = f"{row.volunteer_name or '?'} · {row.device_name or row.device_id}"
        else:
            who = "dòng lệnh/command line"
        changes = "; ".join(f"{c.field}: {c.before} → {c.after}" for c in row.changes)
        at = row.at.astimezone(tz).strftime("%d/%m/%Y %H:%M")
        print("\t".join((at, who, row.kind, row.record_id, row.action, changes)))
    return OK


COMMANDS = {
    "edit-volunteer": _edit_volunteer,
    "deactivate-volunteer": _deactivate_volunteer,
    "reactivate-volunteer": _reactivate_volunteer,
    "list-codes": _list_codes,
    "revoke-code": _revoke_code,
    "enable-staff": _enable_staff,
    "set-staff-role": _set_staff_role,
    "list-audit": _list_audit,
}
