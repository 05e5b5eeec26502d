"""The admin command line: `python -m server_sync <command>` (README: "Setting up a commune").

    init-commune 06577                       the commune, by its official code
    import-hamlets thon.csv                  hamlets from a CSV file: id,name[,team_active_since]
    add-volunteer --name … --hamlets a,b     prints the volunteer id
    issue-code --volunteer <id>              prints a one-time code and saves its QR (PNG)
    list-volunteers | list-devices | revoke-device <id>
    set-target <indicator> --min 90 [--strict] [--max 50] | set-adult-age 15|18
    set-time-zone Asia/Ho_Chi_Minh | set-campaign-start 2026-01-01
    set-team <hamlet> --since 2026-03-01 | --none
    add-staff --username U --name N [--role staff|admin] [--password-stdin]
    set-staff-password --username U [--password-stdin] | disable-staff --username U | list-staff
    edit-volunteer | deactivate-volunteer | reactivate-volunteer | list-codes | revoke-code
    enable-staff | set-staff-role | list-audit   (cli_admin.py: administration over the years)
    seed-demo                                a demo commune, only on an empty database
    backup FILE | restore FILE [--force]     SQLite, while the server runs / with it stopped
    serve | migrate

The database comes from --database-url, else DATABASE_URL, else SQLite in SERVER_DATA_DIR
(default ./data). Every command upgrades the schema first. Messages are Vietnamese then
English. Exit codes: 0 done, 2 bad input (nothing written), 1 the database could not be used.
`add-volunteer` and `issue-code` print only the id / the code on stdout (scripts can capture
it); their explanations go to stderr.
"""

from __future__ import annotations

import argparse
import gc
import os
import sys
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from pathlib import Path
from typing import Any

OK, FAILED, BAD_INPUT = 0, 1, 2
DEFAULT_SERVER_PORT = 8000
MAX_CONNECTIONS = 200  # a commune has tens of phones; staff browsers open a few connections each
KEEP_ALIVE_SECONDS = 5  # an idle keep-alive connection is closed after this


class Usage(argparse.ArgumentParser):
    """argparse that reports bad usage in both languages and returns instead of exiting."""

    def error(self, message: str) -> None:  # type: ignore[override]
        self.print_usage(sys.stderr)
        _err(f"Lỗi cú pháp lệnh: {message}", f"Usage error: {message}")
        raise SystemExit(BAD_INPUT)


def build_parser() -> argparse.ArgumentParser:
    parser = Usage(
        prog="python -m server_sync",
        description="Máy chủ đồng bộ và công cụ quản trị của xã / The commune's sync server and admin tools.",
    )
    parser.add_argument(
        "--database-url",
        default=None,
        help="SQLAlchemy URL (default: DATABASE_URL, else SQLite in SERVER_DATA_DIR=./data)",
    )
    commands = parser.add_subparsers(dest="command", required=True, metavar="<command>", parser_class=Usage)

    serve = commands.add_parser("serve", help="chạy máy chủ / run the HTTP server (migrates first)")
    serve.add_argument("--host", default="127.0.0.1")
    serve.add_argument("--port", type=int, default=DEFAULT_SERVER_PORT)
    serve.add_argument(
        "--max-connections",
        type=int,
        default=MAX_CONNECTIONS,
        help="kết nối đồng thời tối đa (quá thì trả 503) / concurrent connections before 503",
    )
    serve.add_argument(
        "--trusted-proxies",
        default=os.environ.get("SERVER_TRUSTED_PROXIES", ""),
        help="địa chỉ reverse proxy được tin (X-Forwarded-For/-Proto), cách nhau bởi dấu phẩy / "
        "reverse proxies whose X-Forwarded-For and -Proto headers are trusted, comma-separated "
        "(env SERVER_TRUSTED_PROXIES; default: none)",
    )
    commands.add_parser("migrate", help="nâng cấp CSDL / upgrade the database schema and exit")
    saved = commands.add_parser(
        "backup", help="sao lưu CSDL SQLite khi máy chủ đang chạy / back up the SQLite database while the server runs"
    )
    saved.add_argument("file", help="tệp sao lưu mới / the new backup file")
    back = commands.add_parser(
        "restore", help="khôi phục từ bản sao lưu (dừng máy chủ trước) / restore a backup (stop the server first)"
    )
    back.add_argument("file", help="tệp sao lưu / the backup file")
    back.add_argument(
        "--force", action="store_true", help="ghi đè CSDL đang có dữ liệu / overwrite a database that holds data"
    )

    init = commands.add_parser("init-commune", help="thiết lập xã theo mã / set up a commune by its official code")
    init.add_argument("code", help="mã xã/phường chính thức (5 chữ số), e.g. 06577")

    hamlets = commands.add_parser("import-hamlets", help="nhập thôn từ CSV / import hamlets from a CSV file")
    hamlets.add_argument("file", type=Path, help="CSV UTF-8: id,name[,team_active_since]")
    _commune_option(hamlets)

    volunteer = commands.add_parser("add-volunteer", help="thêm tình nguyện viên / add a volunteer")
    volunteer.add_argument("--name", required=True)
    volunteer.add_argument("--hamlets", required=True, help="mã thôn, cách nhau bằng dấu phẩy / comma-separated ids")
    _commune_option(volunteer)

    listing = commands.add_parser("list-volunteers", help="danh sách tình nguyện viên / list volunteers")
    _commune_option(listing)

    code = commands.add_parser("issue-code", help="cấp mã đăng ký một lần / issue a one-time enrolment code")
    code.add_argument("--volunteer", required=True, help="mã tình nguyện viên / volunteer id")
    code.add_argument(
        "--server-url",
        default=None,
        help="địa chỉ máy chủ mà điện thoại truy cập được / the address phones reach the server at "
        "(default: SERVER_URL, else this machine's LAN address, port 8000)",
    )
    qr = code.add_mutually_exclusive_group()
    qr.add_argument("--qr", type=Path, default=None, help="tệp PNG mã QR / QR PNG file (default: enrol-<code>.png)")
    qr.add_argument("--no-qr", action="store_true", help="không lưu mã QR / do not save a QR image")
    code.add_argument("--days", type=int, default=7, help="hết hạn sau N ngày / expires after N days (1–90)")

    revoke = commands.add_parser("revoke-device", help="thu hồi điện thoại bị mất / revoke a lost phone's token")
    revoke.add_argument("device_id")
    commands.add_parser("list-devices", help="danh sách điện thoại đã đăng ký / list enrolled phones")

    target = commands.add_parser("set-target", help="đặt chỉ tiêu / set an indicator's target (percent)")
    target.add_argument("indicator")
    how = target.add_mutually_exclusive_group(required=True)
    how.add_argument("--min", type=float, help="mức tối thiểu / minimum percent")
    how.add_argument("--none", action="store_true", help="không đặt chỉ tiêu / no target")
    how.add_argument("--default", action="store_true", help="về mặc định / back to the default")
    target.add_argument("--strict", action="store_true", help="phải vượt mức (>) / must exceed the minimum")
    target.add_argument("--max", type=float, default=None, help="mức tối đa của khoảng / upper end of a range")
    _commune_option(target)

    age = commands.add_parser("set-adult-age", help="tuổi người lớn / the adult age used in counts")
    age.add_argument("age", type=int, choices=(15, 18))
    _commune_option(age)

    zone = commands.add_parser("set-time-zone", help="múi giờ của xã / the zone whose days figures count in")
    zone.add_argument("zone", help="IANA zone, e.g. Asia/Ho_Chi_Minh")
    _commune_option(zone)

    start = commands.add_parser(
        "set-campaign-start", help="ngày bắt đầu chiến dịch / records dated before it are refused"
    )
    start.add_argument("day", help="DD/MM/YYYY hoặc/or YYYY-MM-DD")
    _commune_option(start)

    team = commands.add_parser("set-team", help="thôn có Tổ công nghệ số / a hamlet's active digital-tech team")
    team.add_argument("hamlet")
    since = team.add_mutually_exclusive_group(required=True)
    since.add_argument("--since", help="hoạt động từ ngày / active since DD/MM/YYYY or YYYY-MM-DD")
    since.add_argument("--none", action="store_true", help="chưa có tổ / no active team")

    commands.add_parser("seed-demo", help="xã mẫu khi CSDL còn trống / a demo commune on an empty database")
    _staff_commands(commands)
    from .cli_admin import add_commands

    add_commands(commands)
    return parser


def _staff_commands(commands: Any) -> None:
    """Dashboard accounts. Passwords are typed twice at a hidden prompt, or read as one line
    from stdin with --password-stdin (scripts); never on the command line (shell history)."""
    add = commands.add_parser("add-staff", help="thêm tài khoản cán bộ / add a dashboard account")
    add.add_argument("--username", required=True, help="3–64 ký tự a-z 0-9 . _ -")
    add.add_argument("--name", required=True, help="họ tên / full name")
    # the choices are staff.ROLES, spelt out: building the parser imports no service
    add.add_argument(
        "--role",
        choices=("staff", "admin"),
        default="staff",
        help="staff: xem, xuất / view, export; admin: cả quản trị / also manage (default: staff)",
    )
    _commune_option(add)
    password = commands.add_parser("set-staff-password", help="đặt lại mật khẩu / set a new password")
    password.add_argument("--username", required=True)
    for parser in (add, password):
        parser.add_argument(
            "--password-stdin",
            action="store_true",
            help="đọc mật khẩu (một dòng) từ stdin / read the password (one line) from stdin",
        )
    disable = commands.add_parser("disable-staff", help="khóa tài khoản cán bộ / disable a dashboard account")
    disable.add_argument("--username", required=True)
    listing = commands.add_parser("list-staff", help="danh sách tài khoản cán bộ / list dashboard accounts")
    _commune_option(listing)


def _commune_option(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "--commune", default=None, help="mã xã khi CSDL có nhiều xã / the commune's code when there are several"
    )


def main(argv: Sequence[str] | None = None) -> int:
    try:
        args = build_parser().parse_args(argv)
    except SystemExit as exc:  # --help (0) or bad usage (2)
        return exc.code if isinstance(exc.code, int) else BAD_INPUT
    if args.command == "serve":
        return _serve(args)
    from sqlalchemy.exc import SQLAlchemyError

    from .cli_admin import COMMANDS as ADMIN_COMMANDS
    from .services.admin import AdminError

    handler = {**COMMANDS, **ADMIN_COMMANDS}[args.command]
    try:
        return handler(args)
    except AdminError as exc:
        _err(f"Lỗi: {exc.vi}", f"Error: {exc.en}")
        for problem in exc.details:
            _err(f"  {problem.vi}", f"  {problem.en}")
        return BAD_INPUT
    except SQLAlchemyError as exc:
        _err(
            "Không dùng được cơ sở dữ liệu (kiểm tra DATABASE_URL).",
            f"The database could not be used (check DATABASE_URL): {exc.__class__.__name__}: {exc.args[0] if exc.args else ''}",
        )
        return FAILED


# -- output ------------------------------------------------------------------------------------


def _say(vi: str, en: str) -> None:
    print(f"{vi}\n  {en}")


def _err(vi: str, en: str) -> None:
    print(f"{vi}\n  {en}", file=sys.stderr)


# -- the database --------------------------------------------------------------------------------


@contextmanager
def _session(args: argparse.Namespace) -> Iterator[Any]:
    """One transaction over a migrated database: all of a command's writes, or none."""
    from . import db

    engine, sessions = db.open_current(args.database_url)
    try:
        with sessions.begin() as session:
            yield session
    finally:
        engine.dispose()


# -- commands --------------------------------------------------------------------------------------


def behind_proxies(app: Any, trusted: str) -> Any:
    """The app as served: with `trusted` reverse proxies (comma-separated addresses or
    networks, e.g. "127.0.0.1" for nginx on the same machine), a request through one of them
    takes its client address and scheme from X-Forwarded-For / X-Forwarded-Proto, so the
    sign-in throttle counts each browser, not the proxy, and the session cookie is `Secure`
    when the browser used HTTPS. Headers from anyone else are ignored (README: production)."""
    if not trusted.strip():
        return app
    from uvicorn.middleware.proxy_headers import ProxyHeadersMiddleware

    return ProxyHeadersMiddleware(app, trusted_hosts=[h.strip() for h in trusted.split(",") if h.strip()])


def settle_heap() -> int:
    """Take what the server process has loaded before serving (modules, the app, its routes
    and tables: ~190,000 objects) out of the garbage collector's full sweeps; returns how
    many objects are now frozen (`gc.get_freeze_count`).

    Why (issue 12 §6): a full collection walks every tracked object, ~80 ms on a 2-core host
    at that size, and lands inside whichever request allocates past the threshold; the
    overview at 1,000 hamlets reads 26,000 tally rows, and took ~95 ms instead of ~17 ms when
    one did. What is loaded before serving lives as long as the process, so sweeping it finds
    nothing; `gc.freeze` leaves it out (as the `gc` documentation advises for long-lived
    servers). What requests allocate later is collected as before.
    """
    gc.collect()
    gc.freeze()
    return gc.get_freeze_count()


def _serve(args: argparse.Namespace) -> int:
    import uvicorn

    from . import db
    from .app import create_app

    engine = db.make_engine(args.database_url)
    db.migrate(engine)  # upgrade head before the first request (create_app checks again: a no-op)
    revision = db.current_revision(engine)
    engine.dispose()
    _say(
        f"CSDL ở phiên bản {revision}; máy chủ: http://{args.host}:{args.port}",
        f"schema at revision {revision}; server: http://{args.host}:{args.port}",
    )
    sys.stdout.flush()
    # Bounded work per connection (issue 10 §1): idle keep-alive connections close after 5 s,
    # a connection without a whole request's headers after 10 s (connections.py), one address
    # holds at most 32, at most --max-connections are served at once (the rest get 503 at
    # once), and a body that stops arriving is dropped by the app (api/body.py: body_timeout).
    from .connections import bounded_protocol

    app = behind_proxies(create_app(args.database_url), args.trusted_proxies)
    settle_heap()
    uvicorn.run(
        app,
        host=args.host,
        port=args.port,
        proxy_headers=False,
        timeout_keep_alive=KEEP_ALIVE_SECONDS,
        limit_concurrency=args.max_connections,
        http=bounded_protocol(args.trusted_proxies),  # headers within 10 s, 32 connections per address
    )
    return OK


def _migrate(args: argparse.Namespace) -> int:
    from . import db

    engine = db.make_engine(args.database_url)
    try:
        db.migrate(engine)
        print(f"schema at revision {db.current_revision(engine)}")
    finally:
        engine.dispose()
    return OK


def _backup(args: argparse.Namespace) -> int:
    from .services import backup

    try:
        copied = backup.backup(args.database_url, Path(args.file))
    except backup.BackupError as exc:
        _err(f"Lỗi: {exc.vi}", f"Error: {exc.en}")
        return BAD_INPUT
    _say(
        f"Đã sao lưu vào {copied.path} ({copied.size:,} byte; {copied.tables.get('visit', 0):,} chuyến thăm, "
        f"{copied.tables.get('household', 0):,} hộ).",
        f"Backed up to {copied.path} ({copied.size:,} bytes; {copied.tables.get('visit', 0):,} visits, "
        f"{copied.tables.get('household', 0):,} households).",
    )
    return OK


def _restore(args: argparse.Namespace) -> int:
    from . import db
    from .services import backup

    try:
        copied = backup.restore(args.database_url, Path(args.file), force=args.force)
    except backup.BackupError as exc:
        _err(f"Lỗi: {exc.vi}", f"Error: {exc.en}")
        return BAD_INPUT
    engine, _ = db.open_current(args.database_url)  # migrated to this version, tallies rebuilt if needed
    revision = db.current_revision(engine)
    engine.dispose()
    _say(
        f"Đã khôi phục {copied.path} từ {args.file} ({copied.tables.get('visit', 0):,} chuyến thăm, "
        f"{copied.tables.get('household', 0):,} hộ); CSDL ở phiên bản {revision}.",
        f"Restored {copied.path} from {args.file} ({copied.tables.get('visit', 0):,} visits, "
        f"{copied.tables.get('household', 0):,} households); schema at revision {revision}.",
    )
    return OK


def _init_commune(args: argparse.Namespace) -> int:
    from .services import admin

    admin.lookup_commune(args.code)  # an unknown code fails before the database is touched
    with _session(args) as session:
        commune, created = admin.init_commune(session, args.code)
        code, name, province = commune.code, commune.name, commune.province
    if created:
        _say(f"Đã thiết lập {name} ({code}), tỉnh {province}.", f"Set up {name} ({code}), {province} province.")
    else:
        _say(
            f"{name} ({code}), tỉnh {province} đã được thiết lập; giữ nguyên cấu hình.",
            f"{name} ({code}), {province} was already set up; its configuration is unchanged.",
        )
    return OK


def _import_hamlets(args: argparse.Namespace) -> int:
    from .services import admin

    try:
        data = args.file.read_bytes()
    except OSError as exc:
        raise admin.AdminError(
            f"Không đọc được tệp {args.file}: {exc.strerror}.", f"Cannot read {args.file}: {exc.strerror}."
        ) from None
    parsed = admin.parse_hamlets_csv(data)  # every row checked before the database is touched
    with _session(args) as session:
        commune = admin.pick_commune(session, args.commune)
        summary = admin.import_hamlets(session, commune.code, parsed)
        name = commune.name
    _say(
        f"{name}: thêm {summary.added} thôn, cập nhật {summary.updated}, giữ nguyên {summary.unchanged}.",
        f"{name}: {summary.added} hamlet(s) added, {summary.updated} updated, {summary.unchanged} unchanged.",
    )
    if not parsed.has_team_column:
        _say(
            "Tệp không có cột team_active_since: cờ Tổ công nghệ số của các thôn đã có giữ nguyên.",
            "No team_active_since column: existing hamlets keep their digital-tech team flag.",
        )
    if summary.not_in_file:
        _say(
            f"Các thôn không có trong tệp vẫn được giữ: {', '.join(summary.not_in_file)}.",
            f"Hamlets not in the file are kept: {', '.join(summary.not_in_file)}.",
        )
    return OK


def _add_volunteer(args: argparse.Namespace) -> int:
    from .services import admin

    with _session(args) as session:
        commune = admin.pick_commune(session, args.commune)
        volunteer = admin.new_volunteer(session, commune.code, args.name, args.hamlets.split(","))
        volunteer_id, name = volunteer.id, volunteer.name
    _err(f"Đã thêm tình nguyện viên {name}. Mã tình nguyện viên:", f"Added volunteer {name}. Volunteer id:")
    print(volunteer_id)
    return OK


def _list_volunteers(args: argparse.Namespace) -> int:
    from .services import admin

    with _session(args) as session:
        commune = admin.pick_commune(session, args.commune) if args.commune else None
        rows = [
            (v.id, v.commune_code, v.name, hamlets, "tạm dừng/paused" if v.deactivated_at else "hoạt động/active")
            for v, hamlets in admin.volunteers(session, commune.code if commune else None)
        ]
    if not rows:
        _say("Chưa có tình nguyện viên nào.", "No volunteer yet.")
        return OK
    print("id\txã/commune\ttên/name\tthôn/hamlets\ttrạng thái/status")
    for volunteer_id, code, name, hamlets, state in rows:
        print(f"{volunteer_id}\t{code}\t{name}\t{','.join(hamlets)}\t{state}")
    return OK


def guess_server_url(port: int = DEFAULT_SERVER_PORT) -> str:
    """SERVER_URL, else http://<this machine's LAN address>:port (shared with the dashboard)."""
    from .services import admin

    return admin.guess_server_url(port)


def write_qr(payload: str, path: Path, caption: tuple[str, ...] = ()) -> Path:
    """A PNG QR code of `payload` (error correction M, 10 px modules, quiet zone 4) with the
    `caption` lines (the volunteer's name, the code) written under it: services.admin.enrol_qr_png."""
    from .services import admin

    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(admin.enrol_qr_png(payload, caption))
    return path


def _issue_code(args: argparse.Namespace) -> int:
    from .services import admin, volunteers

    ttl = admin.code_ttl(args.days)
    server_url = admin.check_server_url(args.server_url or guess_server_url())
    with _session(args) as session:
        volunteer = admin.volunteer(session, args.volunteer)
        name = volunteer.name
        code = volunteers.issue_code(session, volunteer, ttl=ttl)  # audited; refused for a paused volunteer
    link = admin.enrol_link(server_url, code)
    _err(
        f"Mã đăng ký một lần cho {name} (dùng được 1 lần, hết hạn sau {args.days} ngày):",
        f"One-time enrolment code for {name} (works once, expires in {args.days} days):",
    )
    print(code)
    _err(
        f"Trên điện thoại: Đăng ký với máy chủ của xã → địa chỉ {server_url} và mã {code}.",
        f"On the phone: Enrol with the commune's server → address {server_url} and code {code}.",
    )
    if not args.no_qr:
        path = write_qr(link, args.qr or Path(f"enrol-{code}.png"), (name, code))
        _err(
            f"Mã QR (địa chỉ máy chủ + mã, không có mật khẩu): {path}",
            f"QR code (server address + code, no password): {path}  [{link}]",
        )
    return OK


def _revoke_device(args: argparse.Namespace) -> int:
    from . import models
    from .services import admin, volunteers

    with _session(args) as session:
        device = session.get(models.Device, args.device_id.strip())
        if device is None:
            raise admin.AdminError(
                f"Không có điện thoại mang mã {args.device_id!r} (xem list-devices).",
                f"No device has the id {args.device_id!r} (see list-devices).",
            )
        revoked = volunteers.revoke_device(session, device, admin.volunteer(session, device.volunteer_id))
        name = device.name
    if revoked:
        _say(
            f"Đã thu hồi điện thoại “{name}”: nó không đồng bộ được nữa.",
            f"Revoked the phone “{name}”: it can no longer sync.",
        )
    else:
        _say(f"Điện thoại “{name}” đã bị thu hồi từ trước.", f"The phone “{name}” was already revoked.")
    return OK


def _list_devices(args: argparse.Namespace) -> int:
    from .services import admin

    def when(moment: Any) -> str:
        return moment.strftime("%Y-%m-%d %H:%M") if moment else "-"

    with _session(args) as session:
        rows = [
            (
                d.id,
                v.name,
                d.name,
                when(d.created_at),
                when(d.last_seen),
                f"thu hồi/revoked {when(d.revoked_at)}" if d.revoked_at else "hoạt động/active",
            )
            for d, v in admin.devices(session)
        ]
    if not rows:
        _say("Chưa có điện thoại nào đăng ký.", "No phone is enrolled yet.")
        return OK
    print(
        "id\ttình nguyện viên/volunteer\tđiện thoại/device\tđăng ký/enrolled (UTC)\t"
        "lần cuối/last seen (UTC)\ttrạng thái/status"
    )
    for row in rows:
        print("\t".join(row))
    return OK


def _set_target(args: argparse.Namespace) -> int:
    from .services import admin

    if (args.strict or args.max is not None) and args.min is None:
        raise admin.AdminError("--strict và --max đi cùng --min.", "--strict and --max go with --min.")
    target = None if args.min is None else {"min": args.min, "strict": args.strict, "max": args.max}
    with _session(args) as session:
        commune = admin.pick_commune(session, args.commune)
        admin.set_target(session, commune, args.indicator, target, default=args.default)
        effective = admin.coverage_config(commune).targets.get(args.indicator)
    if effective is None:
        _say(f"Chỉ tiêu {args.indicator}: không đặt mức.", f"Indicator {args.indicator}: no target.")
    else:
        text = f"{'>' if effective.strict else '≥'} {effective.min:g}%" + (
            f", ≤ {effective.max:g}%" if effective.max is not None else ""
        )
        _say(f"Chỉ tiêu {args.indicator}: {text}.", f"Indicator {args.indicator}: {text}.")
    return OK


def _set_adult_age(args: argparse.Namespace) -> int:
    from .services import admin

    with _session(args) as session:
        commune = admin.pick_commune(session, args.commune)
        admin.set_adult_age(session, commune, args.age)
        name = commune.name
    _say(
        f"{name}: người lớn là từ {args.age} tuổi trở lên trong các báo cáo.",
        f"{name}: adults are {args.age} and over in reports.",
    )
    return OK


def _set_time_zone(args: argparse.Namespace) -> int:
    from .services import admin

    with _session(args) as session:
        commune = admin.pick_commune(session, args.commune)
        admin.set_time_zone(session, commune, args.zone)
        name, zone = commune.name, commune.time_zone
    _say(
        f"{name}: ngày trong mọi số liệu là ngày theo múi giờ {zone}; các ngày đã lưu đã được tính lại.",
        f"{name}: every figure counts days in {zone}; the stored days were recomputed.",
    )
    return OK


def _set_campaign_start(args: argparse.Namespace) -> int:
    from .services import admin

    with _session(args) as session:
        commune = admin.pick_commune(session, args.commune)
        admin.set_campaign_start(session, commune, args.day)
        name, day = commune.name, commune.campaign_start
    _say(
        f"{name}: chiến dịch bắt đầu ngày {day:%d/%m/%Y}; bản ghi ghi trước ngày đó bị từ chối.",
        f"{name}: the campaign starts on {day.isoformat()}; records dated before it are refused.",
    )
    return OK


def _set_team(args: argparse.Namespace) -> int:
    from .services import admin

    with _session(args) as session:
        hamlet = admin.set_team(session, args.hamlet, None if args.none else args.since)
        name, since = hamlet.name, hamlet.team_active_since
    if since is None:
        _say(f"{name}: chưa có Tổ công nghệ số cộng đồng hoạt động.", f"{name}: no active digital-tech team.")
    else:
        _say(
            f"{name}: Tổ công nghệ số cộng đồng hoạt động từ {since}.",
            f"{name}: digital-tech team active since {since}.",
        )
    return OK


def _seed_demo(args: argparse.Namespace) -> int:
    from .admin_demo import seed_demo

    with _session(args) as session:
        seeded = seed_demo(session)
    if seeded is None:
        _say("CSDL đã có xã: không thêm dữ liệu mẫu.", "The database already has a commune: no demo data added.")
        return OK
    _say(
        f"Đã tạo xã mẫu {seeded.commune_code}: {seeded.households} hộ, {seeded.visits} lượt thăm; "
        f"tình nguyện viên {seeded.volunteer_id}.",
        f"Seeded demo commune {seeded.commune_code}: {seeded.households} households, {seeded.visits} visits; "
        f"volunteer {seeded.volunteer_id}.",
    )
    return OK


def _read_password(args: argparse.Namespace, username: str) -> str:
    """One line from stdin (--password-stdin), else typed twice at a hidden prompt; checked
    against the password rules before the database is touched."""
    from .services import admin, staff

    if args.password_stdin:
        password = sys.stdin.readline().rstrip("\r\n")  # only the line end: spaces count
    else:
        import getpass

        try:
            password = getpass.getpass("Mật khẩu / Password: ")
            again = getpass.getpass("Nhập lại mật khẩu / Password again: ")
        except EOFError:
            raise admin.AdminError("Không nhận được mật khẩu.", "No password was given.") from None
        if password != again:
            raise admin.AdminError(
                "Hai lần nhập mật khẩu không khớp; chưa ghi gì.", "The two passwords differ; nothing was written."
            )
    staff.check_password(password, username)
    return password


def _add_staff(args: argparse.Namespace) -> int:
    from .services import accounts, admin, staff

    username = staff.check_username(args.username)
    staff.check_name(args.name)
    with _session(args) as session:  # a taken username or a missing commune fails before the prompt
        commune_code = admin.pick_commune(session, args.commune).code
        if staff.find_staff(session, username) is not None:
            raise admin.AdminError(
                f"Tên đăng nhập {username!r} đã có người dùng.", f"The username {username!r} is taken."
            )
    password = _read_password(args, username)
    with _session(args) as session:
        user = accounts.add(session, commune_code, username, args.name, args.role, password)
        name, role = user.name, user.role
    vi_role, en_role = staff.ROLE_NAMES[role]
    _say(
        f"Đã thêm tài khoản {username} ({name}, {vi_role}) cho xã {commune_code}.",
        f"Added the account {username} ({name}, {en_role}) for commune {commune_code}.",
    )
    return OK


def _set_staff_password(args: argparse.Namespace) -> int:
    from .services import accounts, staff

    with _session(args) as session:  # an unknown username fails before the prompt
        username = staff.staff_user(session, args.username).username
    password = _read_password(args, username)
    with _session(args) as session:
        accounts.reset_password(session, staff.staff_user(session, username), password)
    _say(
        f"Đã đặt mật khẩu mới cho {username}; các phiên đăng nhập cũ đã kết thúc.",
        f"Set a new password for {username}; its open sessions were ended.",
    )
    return OK


def _disable_staff(args: argparse.Namespace) -> int:
    from .services import accounts, staff

    with _session(args) as session:
        user = staff.staff_user(session, args.username)
        username = user.username
        disabled = accounts.disable(session, user)  # never the commune's last active admin
    if disabled:
        _say(
            f"Đã khóa tài khoản {username}: không đăng nhập được nữa.",
            f"Disabled the account {username}: it can no longer sign in.",
        )
    else:
        _say(f"Tài khoản {username} đã bị khóa từ trước.", f"The account {username} was already disabled.")
    return OK


def _list_staff(args: argparse.Namespace) -> int:
    from .services import admin, staff

    with _session(args) as session:
        commune = admin.pick_commune(session, args.commune) if args.commune else None
        rows = [
            (
                u.username,
                u.commune_code,
                u.name,
                u.role,
                f"khóa/disabled {u.disabled_at:%Y-%m-%d %H:%M}" if u.disabled_at else "hoạt động/active",
            )
            for u in staff.list_staff(session, commune.code if commune else None)
        ]
    if not rows:
        _say("Chưa có tài khoản cán bộ nào.", "No staff account yet.")
        return OK
    print("tên đăng nhập/username\txã/commune\ttên/name\tvai trò/role\ttrạng thái/status (UTC)")
    for row in rows:
        print("\t".join(row))
    return OK


COMMANDS: dict[str, Callable[[argparse.Namespace], int]] = {
    "migrate": _migrate,
    "backup": _backup,
    "restore": _restore,
    "init-commune": _init_commune,
    "import-hamlets": _import_hamlets,
    "add-volunteer": _add_volunteer,
    "list-volunteers": _list_volunteers,
    "issue-code": _issue_code,
    "revoke-device": _revoke_device,
    "list-devices": _list_devices,
    "set-target": _set_target,
    "set-adult-age": _set_adult_age,
    "set-time-zone": _set_time_zone,
    "set-campaign-start": _set_campaign_start,
    "set-team": _set_team,
    "seed-demo": _seed_demo,
    "add-staff": _add_staff,
    "set-staff-password": _set_staff_password,
    "disable-staff": _disable_staff,
    "list-staff": _list_staff,
}
