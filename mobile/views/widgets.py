"""Small building blocks shared by the screens: large, obvious, forgiving controls."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import flet as ft
from i18n import t

from survey.checklist import Question
from survey.errors import Issue
from survey.times import instant_or_none

BIG = 18
ROW_HEIGHT = 48  # dp: the smallest target a finger hits reliably (Android's guideline)
GREEN = "#16804A"


def title(text: str) -> ft.Text:
    return ft.Text(text, size=22, weight=ft.FontWeight.BOLD)


def big_button(
    label: str, on_click: Callable[..., Any], *, icon: Any = None, primary: bool = True, key: str | None = None
) -> ft.FilledButton | ft.OutlinedButton:
    style = ft.ButtonStyle(padding=ft.Padding.symmetric(horizontal=20, vertical=16), text_style=ft.TextStyle(size=BIG))
    if primary:
        return ft.FilledButton(label, icon=icon, on_click=on_click, style=style, key=key)
    return ft.OutlinedButton(label, icon=icon, on_click=on_click, style=style, key=key)


def check_row(label: str, value: bool, on_change: Callable[[bool], None], *, key: str | None = None) -> ft.Control:
    """A checkbox whose long Vietnamese label wraps, and whose whole row is the tap target.

    A Checkbox's own label never wraps on a 360-px screen; the box keeps the label as its
    accessible name, so screen readers (and browser tests) still find it by its words.
    """
    # scaled to 48 px: a browser draws a checkbox 40 px (Android pads its target to 48 dp)
    box = ft.Checkbox(value=value, semantics_label=label, key=key, scale=ROW_HEIGHT / 40)

    def tapped(_: ft.Event[ft.Container]) -> None:  # the whole row is the target
        new = not box.value
        thaw(box)
        box.value = new
        box.update()  # before on_change: the answer may redraw the step, and this box with it
        on_change(new)

    box.on_change = lambda e: on_change(bool(e.control.value))
    return ft.Container(
        on_click=tapped,
        padding=ft.Padding.symmetric(vertical=4),  # the row, 48 dp at least, is the target
        content=ft.Row([box, ft.Text(label, size=BIG, expand=True)], vertical_alignment=ft.CrossAxisAlignment.START),
    )


def radio_rows(choices: list[tuple[str, str]], *, size: int = BIG) -> list[ft.Control]:
    """The radios of a group, each at least 48 dp tall as a whole: the radio and its label
    are one target (Flet's Radio), and the label's line height makes the row 48 dp on every
    platform (a browser's radio alone is 40 px; Android pads it to 48 dp)."""
    style = ft.TextStyle(size=size, height=ROW_HEIGHT / size)
    return [ft.Radio(value=value, label=label, label_style=style) for value, label in choices]


def thaw(control: ft.BaseControl) -> None:
    """Let Python change a control again after a redraw: Flet 1.0 marks a new control that
    took over an old one's key "frozen" (a description, not to be changed), and a row's tap
    that ticks its box must still tick it after the step was redrawn to show its problems."""
    if "_frozen" in vars(control):
        object.__delattr__(control, "_frozen")


def issue_texts(issues: list[Issue], lang: str) -> list[ft.Control]:
    """Inline messages from the error catalogue, red for errors, amber for warnings."""
    return [
        ft.Text(
            issue.message(lang), size=16, color=ft.Colors.RED_700 if issue.severity == "error" else ft.Colors.AMBER_900
        )
        for issue in issues
    ]


def sync_badge(online: bool | None, attempt: dict[str, Any] | None, lang: str, tz: Any) -> ft.Container:
    """Whether the commune's server answered at the last try, not only whether there is a
    link: "Có mạng" beside a server that is down misled. `online` None: the phone cannot tell."""
    at = moment_text(attempt.get("at"), tz)[-5:] if attempt else ""
    colour: str
    if online is False:
        key, colour = "badge_offline", ft.Colors.GREY_700
    elif attempt is None:  # nothing tried yet: say what is known of the link
        key, colour = ("badge_online", GREEN) if online else ("badge_not_tried", ft.Colors.GREY_700)
    elif attempt.get("reached"):
        key, colour = "badge_reached", GREEN
    else:
        key, colour = "badge_unreachable", ft.Colors.RED_700
    return ft.Container(
        content=ft.Text(t(key, lang, at=at), color=ft.Colors.WHITE, size=14, key="sync-badge"),
        bgcolor=colour,
        border_radius=12,
        padding=ft.Padding.symmetric(horizontal=10, vertical=4),
    )


def clock_banner(issue: Issue, lang: str) -> ft.Container:
    """The phone's clock looks wrong: say so in plain words, where the volunteer looks."""
    return ft.Container(
        content=ft.Row(
            [
                ft.Icon(ft.Icons.SCHEDULE, color=ft.Colors.RED_800),
                ft.Text(issue.message(lang), size=15, expand=True, key="clock-warning"),
            ]
        ),
        bgcolor=ft.Colors.RED_50 if issue.severity == "error" else ft.Colors.AMBER_100,
        padding=10,
        border_radius=8,
    )


def warning_box(text: str, *, key: str | None = None) -> ft.Container:
    """A warning the volunteer must read before going on (amber, with an icon)."""
    return ft.Container(
        content=ft.Row(
            [ft.Icon(ft.Icons.WARNING_AMBER, color=ft.Colors.AMBER_900), ft.Text(text, size=16, expand=True, key=key)],
            vertical_alignment=ft.CrossAxisAlignment.START,
        ),
        bgcolor=ft.Colors.AMBER_100,
        padding=12,
        border_radius=8,
    )


def demo_banner(lang: str) -> ft.Container:
    return ft.Container(
        content=ft.Text(t("demo_banner", lang), size=14, weight=ft.FontWeight.BOLD),
        bgcolor=ft.Colors.AMBER_200,
        padding=8,
        border_radius=8,
    )


def percent_text(value: float | None, lang: str) -> str:
    return t("no_data", lang) if value is None else f"{value:.0f}%"


def error_line(text: str) -> ft.Control:
    """A problem with one field, drawn right under it, red, with an icon for those who cannot
    tell red apart (an icon, not a "⚠" character: the web build's font has no such glyph)."""
    return ft.Row(
        [
            ft.Icon(ft.Icons.ERROR_OUTLINE, color=ft.Colors.RED_700, size=20),
            ft.Text(text, size=16, color=ft.Colors.RED_700, weight=ft.FontWeight.W_600, expand=True),
        ],
        vertical_alignment=ft.CrossAxisAlignment.START,
    )


def question_input(
    question: Question, value: Any, lang: str, on_answer: Callable[[Any], None], key: str, error: str | None = None
) -> ft.Control:
    """The input for one checklist question; its type decides the widget. `error`, when
    given, is shown on the field itself (a text field's error line, or under a choice's label)
    and the input sits in a container keyed `scroll_key(key)`, for the screen to scroll to."""
    control = _question_input(question, value, lang, on_answer, key, error)
    return ft.Container(content=control, key=scroll_key(key))


def scroll_key(value: str) -> ft.ScrollKey:
    """A key `View.scroll_to(scroll_key=value)` finds (ScrollKey is a Flet value type mypy reads
    without its constructor)."""
    return ft.ScrollKey(value)  # type: ignore[call-arg]


def _question_input(
    question: Question, value: Any, lang: str, on_answer: Callable[[Any], None], key: str, error: str | None
) -> ft.Control:
    label = question.label.text(lang)
    marked = [error_line(error)] if error else []
    if question.type == "single":

        def chose(e: ft.Event) -> None:
            on_answer(e.control.value)

        group = ft.RadioGroup(
            key=key,
            value=value,
            on_change=chose,
            content=ft.Column(radio_rows([(c.value, c.label.text(lang)) for c in question.choices]), spacing=0),
        )
        return ft.Column([ft.Text(label, size=BIG, weight=ft.FontWeight.W_600), *marked, group], spacing=4)
    if question.type == "multi":
        chosen = list(value or [])

        def toggle(choice: str) -> Callable[[bool], None]:
            def handler(ticked: bool) -> None:
                current = [v for v in chosen if v != choice]
                if ticked:
                    exclusive = set(question.exclusive)
                    current = [choice] if choice in exclusive else [v for v in current if v not in exclusive] + [choice]
                chosen[:] = current
                on_answer(list(current))

            return handler

        return ft.Column(
            [
                ft.Text(label, size=BIG, weight=ft.FontWeight.W_600),
                *marked,
                *[
                    check_row(c.label.text(lang), c.value in chosen, toggle(c.value), key=f"{key}:{c.value}")
                    for c in question.choices
                ],
            ],
            spacing=0,
        )
    if question.type in ("integer", "year"):

        def typed_number(e: ft.Event) -> None:
            text = (e.control.value or "").strip()
            on_answer(int(text) if text.isdigit() else (text or None))

        return ft.TextField(
            label=label,
            value="" if value is None else str(value),
            key=key,
            keyboard_type=ft.KeyboardType.NUMBER,
            on_change=typed_number,
            text_size=BIG,
            max_length=4 if question.type == "year" else 3,
            error=error,
        )
    if question.type == "text":
        return ft.TextField(
            label=label,
            value=value or "",
            key=key,
            text_size=BIG,
            max_length=question.max_length,
            on_change=lambda e: on_answer(e.control.value),
            error=error,
        )
    raise ValueError(f"no input for question type {question.type}")


def day_text(value: str | None, tz: Any) -> str:
    """A recorded time as the commune's day, dd/mm/yyyy ("" when it is not a time)."""
    moment = instant_or_none(value)
    return "" if moment is None else moment.astimezone(tz).strftime("%d/%m/%Y")


def moment_text(value: str | None, tz: Any) -> str:
    """A recorded time as the commune reads it, dd/mm/yyyy HH:MM ("" when it is not a time)."""
    moment = instant_or_none(value)
    return "" if moment is None else moment.astimezone(tz).strftime("%d/%m/%Y %H:%M")
