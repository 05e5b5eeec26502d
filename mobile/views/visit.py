"""The visit wizard: one checklist section per step, autosaved at every change.

All rules (which steps exist, which questions show, what is wrong) live in `wizard.py`;
this module only draws the current step and forwards the volunteer's taps.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from functools import partial
from typing import Any

import flet as ft
from i18n import t
from state import TIME_CODES, member_label
from wizard import Step, VisitWizard

from survey.checklist import Question
from survey.errors import message
from survey.records import Outcome
from survey.validation import blocking

from .context import Ctx
from .widgets import (
    BIG,
    ROW_HEIGHT,
    big_button,
    check_row,
    clock_banner,
    day_text,
    error_line,
    issue_texts,
    question_input,
    radio_rows,
    scroll_key,
    title,
)


class WizardScreen:
    def __init__(self, ctx: Ctx, wizard: VisitWizard, clock_warning: Any = None) -> None:
        self.ctx, self.wizard, self.lang = ctx, wizard, ctx.lang
        self.clock_warning = clock_warning  # the phone's clock looks wrong (AppState.clock_issue)
        self.show_issues = False
        self.errors: dict[str, str] = {}  # input key → its problem, while problems are shown
        self.marked: list[str] = []  # the keys of the inputs drawn with a problem, in screen order
        self.screen: ft.View | None = None
        self.body = ft.Column(spacing=14, horizontal_alignment=ft.CrossAxisAlignment.STRETCH)
        self.draws = 0
        self.consent_by = ""  # the consent's name as typed, kept while the box is not ticked
        self.removed: tuple[Any, str] | None = None  # the member just removed, and how to say who
        self.progress_text = ft.Text(size=14)
        self.progress_bar = ft.ProgressBar(height=8, value=0)
        self.buttons = ft.Row(alignment=ft.MainAxisAlignment.SPACE_BETWEEN)

    # -- autosave -------------------------------------------------------------------------
    def changed(self, redraw: bool = True) -> None:
        """Every answer is saved as a draft at once: a killed app resumes exactly here."""
        self.ctx.background(self.autosave)
        if redraw:
            self.draw()

    async def autosave(self) -> None:
        await self.ctx.io(self.ctx.state.autosave, self.wizard)

    # -- drawing --------------------------------------------------------------------------
    def draw(self) -> None:
        wizard, lang = self.wizard, self.lang
        index, total = wizard.position
        self.progress_text.value = t("step_of", lang, index=index, total=total)
        self.progress_bar.value = index / total
        step = wizard.step
        self.errors, self.marked = {}, []
        if self.show_issues and step.kind != "summary":
            for issue in wizard.step_issues():
                self.errors.setdefault(self.field_key(issue.field), issue.message(lang))
        controls: list[ft.Control] = [ft.Text(t("household_label", lang, name=wizard.household.head_name), size=14)]
        if wizard.prefilled_from and step.kind in ("roster", "adult", "section", "follow_ups"):
            controls.append(
                ft.Text(
                    t("prefilled", lang, day=day_text(wizard.prefilled_from, wizard.config.zone)),
                    size=15,
                    color=ft.Colors.BLUE_GREY_800,
                    key="prefilled",
                )
            )
        drawn = getattr(self, f"draw_{step.kind}")(step)
        # problems no field shows (the step as a whole) go first, where the volunteer looks
        loose = [m for k, m in self.errors.items() if k not in self.marked]
        controls += [*drawn[:1], *[error_line(m) for m in loose], *drawn[1:]]
        if loose:
            self.marked.insert(0, "")
        # Each drawing is a new subtree under a key of its own: Flet would otherwise match the
        # new controls to the old ones by their keys and keep the old ones' event handlers
        # over new, unmounted controls (a tap on a tick row then failed: "must be added to
        # the page first").
        self.draws += 1
        self.body.controls = [
            ft.Column(
                controls,
                key=f"draw-{self.draws}",
                spacing=14,
                horizontal_alignment=ft.CrossAxisAlignment.STRETCH,
            )
        ]
        self.buttons.controls = [
            big_button(t("back", lang), self.back, icon=ft.Icons.ARROW_BACK, primary=False, key="back"),
            *(
                []
                if step.kind == "summary"
                else [big_button(t("next", lang), self.next, icon=ft.Icons.ARROW_FORWARD, key="next")]
            ),
        ]
        if self.body.parent is not None:  # mounted: push the change to the client
            for control in (self.body, self.buttons, self.progress_text, self.progress_bar):
                control.update()

    def draw_outcome(self, step: Step) -> list[ft.Control]:
        definition = self.wizard.checklist

        def choose(value: str) -> None:
            self.wizard.set_outcome(value)
            self.changed()

        controls: list[ft.Control] = [title(t("outcome_title", self.lang))]
        if self.clock_warning is not None:
            controls.append(clock_banner(self.clock_warning, self.lang))
        controls.append(
            ft.RadioGroup(
                value=self.wizard.visit.outcome,
                on_change=lambda e: choose(e.control.value),
                key="outcome",
                content=ft.Column(
                    radio_rows([(o.value, o.label.text(self.lang)) for o in definition.outcomes]), spacing=0
                ),
            )
        )
        times = [i for i in self.wizard.time_issues() if i.field != "consent.at"] if self.wizard.visit.outcome else []
        refused = self.wizard.visit.rejection or {}
        if refused.get("code") in TIME_CODES:  # the server's word: the phone's own clock may agree with itself
            reason = message(refused["code"], self.lang, **refused.get("context", {}))
            controls.append(error_line(t("refused_time", self.lang, reason=reason)))
            controls.append(ft.Text(t("fix_hint_visit_time", self.lang), size=15))
        if times or refused.get("code") in TIME_CODES:
            # stamped while the clock was wrong: once it is right, one tap takes the time again
            controls += issue_texts(times[:1], self.lang)
            controls.append(
                big_button(
                    t("use_time_now", self.lang), self.restamp, icon=ft.Icons.SCHEDULE, primary=False, key="restamp"
                )
            )
        return controls

    async def restamp(self, _: ft.Event) -> None:
        """Take the visit's time again, only once the clock can be trusted; else say why not."""
        still_wrong, self.clock_warning = await self.ctx.io(
            lambda: (self.ctx.state.clock_still_wrong(), self.ctx.state.clock_issue())
        )
        if still_wrong is not None:
            self.ctx.snack(t("clock_fix_first", self.lang, problem=still_wrong.message(self.lang)))
            self.draw()
            return
        self.wizard.restamp()
        self.wizard.visit.rejection = None  # put right: the server's refusal no longer applies
        self.changed()

    def draw_consent(self, step: Step) -> list[ft.Control]:
        definition, consent = self.wizard.checklist, self.wizard.visit.consent
        who = ft.TextField(
            label=definition.consent_by_label.text(self.lang),
            text_size=BIG,
            value=consent.by if consent else self.consent_by,
            max_length=definition.consent_by_max_length,
            error=self.mark("consent-by"),
            key=scroll_key("consent-by"),
        )
        agreed = {"value": consent is not None}

        def update(_: object = None) -> None:
            self.consent_by = who.value or ""  # kept on screen while the box is unticked
            self.wizard.set_consent(agreed["value"] and bool((who.value or "").strip()), who.value or "")
            self.changed(redraw=False)

        def ticked(value: bool) -> None:
            agreed["value"] = value
            update()

        who.on_change = update
        problem = self.mark("consent")
        return [
            title(t("consent_title", self.lang)),
            who,
            *([error_line(problem)] if problem else []),
            check_row(definition.consent_label.text(self.lang), agreed["value"], ticked, key="consent"),
        ]

    def draw_roster(self, step: Step) -> list[ft.Control]:
        wizard, lang = self.wizard, self.lang
        controls: list[ft.Control] = [title(t("roster_title", lang))]
        if self.removed is not None:  # the last removal, until the next step
            controls.append(
                ft.Container(
                    bgcolor=ft.Colors.AMBER_100,
                    padding=8,
                    border_radius=8,
                    # a column: an expanded text inside a wrapping row cannot be laid out (grey box)
                    content=ft.Column(
                        [
                            ft.Text(t("member_removed", lang, who=self.removed[1]), size=16),
                            big_button(
                                t("undo", lang), self.undo_remove, icon=ft.Icons.UNDO, primary=False, key="undo"
                            ),
                        ],
                        spacing=8,
                    ),
                )
            )
        for q in wizard.visible_questions(step):
            controls.append(self.input(q, wizard.visit.answer(q.id), None))
        asked_from = wizard.checklist.adult_questions_from_age
        for n, member in enumerate(wizard.visit.members, start=1):
            heading = t("member_n", lang, n=n)
            if member.is_adult(wizard.year, wizard.config.adult_age):  # an adult in the commune's figures
                heading += f" ({t('adult_tag', lang)})"
            elif member.is_adult(wizard.year, asked_from):  # asked the adult questions, not counted as one
                heading += f" ({t('adult_questions_tag', lang, age=asked_from)})"
            problem = self.mark(f"member:{member.id}")
            fields = [
                *([error_line(problem)] if problem else []),
                *[
                    self.input(q, member.value(q.id), member.id, redraw=q.type != "year")
                    for q in wizard.checklist.questions_for("member")
                ],
            ]
            # Not one semantic container: each field keeps its own label for screen readers (and tests).
            controls.append(
                ft.Card(
                    key=scroll_key(f"member:{member.id}"),
                    semantic_container=False,
                    content=ft.Container(
                        padding=12,
                        content=ft.Column(
                            [
                                ft.Row(
                                    [
                                        ft.Text(heading, size=BIG, weight=ft.FontWeight.BOLD, expand=True),
                                        ft.TextButton(
                                            t("remove", lang),
                                            icon=ft.Icons.DELETE,
                                            on_click=lambda _, m=member.id: self.remove_member(m),
                                        ),
                                    ],
                                    alignment=ft.MainAxisAlignment.SPACE_BETWEEN,
                                ),
                                *fields,
                            ]
                        ),
                    ),
                )
            )
        controls.append(big_button(t("add_member", lang), self.add_member, icon=ft.Icons.PERSON_ADD, primary=False))
        return controls

    def draw_adult(self, step: Step) -> list[ft.Control]:
        member = self.wizard.visit.member(step.member_id or "")
        if member is None:
            return []
        counted = member.is_adult(self.wizard.year, self.wizard.config.adult_age)
        return [
            title(
                t("adult_title" if counted else "adult_questions_title", self.lang, who=member_label(member, self.lang))
            ),
            *[self.input(q, member.value(q.id), member.id) for q in self.wizard.visible_questions(step)],
        ]

    def draw_section(self, step: Step) -> list[ft.Control]:
        section = next(s for s in self.wizard.checklist.sections if s.id == step.section_id)
        controls: list[ft.Control] = [title(section.label.text(self.lang))]
        for q in self.wizard.visible_questions(step):
            value = self.wizard.visit.answer(q.id)
            controls += self.products(q, value) if q.type == "items" else [self.input(q, value, None)]
        return controls

    def draw_follow_ups(self, step: Step) -> list[ft.Control]:
        wizard, lang = self.wizard, self.lang
        definition = wizard.checklist
        suggested = wizard.suggested_follow_ups()
        members = {m.id: m for m in wizard.visit.members}
        controls: list[ft.Control] = [title(t("follow_ups_title", lang)), ft.Text(t("follow_ups_hint", lang), size=15)]
        for f in suggested:
            who = f" ({member_label(members[f.member_id], lang)})" if f.member_id in members else ""
            controls.append(
                ft.Row(
                    [
                        ft.Icon(ft.Icons.CHECK_CIRCLE, color=ft.Colors.GREEN_700),
                        ft.Text(definition.catalogue_label(f.code, lang) + who, size=16, expand=True),
                    ]
                )
            )
        chosen = {(f.code, f.member_id) for f in wizard.visit.follow_ups}
        derived = {(f.code, f.member_id) for f in suggested}
        for item in definition.catalogue:
            if item.scope != "household" or (item.code, None) in derived:
                continue
            controls.append(check_row(item.label.text(lang), (item.code, None) in chosen, self._follow_up(item.code)))
        return controls

    def _follow_up(self, code: str) -> Callable[[bool], None]:
        """What ticking or unticking the household follow-up `code` does."""

        def toggle(on: bool) -> None:
            self.wizard.toggle_follow_up(code, None, on)
            self.changed(redraw=False)

        return toggle

    def draw_summary(self, step: Step) -> list[ft.Control]:
        wizard, lang = self.wizard, self.lang
        issues = wizard.issues()
        outcome = next((o.label.text(lang) for o in wizard.checklist.outcomes if o.value == wizard.visit.outcome), "—")
        controls: list[ft.Control] = [title(t("summary_title", lang)), ft.Text(outcome, size=BIG)]
        if self.clock_warning is not None:  # warned before saving, in plain words
            controls.append(clock_banner(self.clock_warning, lang))
        if wizard.visit.outcome == Outcome.COMPLETED:
            controls.append(ft.Text(f"{t('members', lang)}: {len(wizard.visit.members)}", size=16))
            controls += [ft.Text("• " + member_label(m, lang), size=15) for m in wizard.visit.members]
        errors = blocking(issues)
        if errors:
            controls.append(ft.Text(t("fix_first", lang), size=16, weight=ft.FontWeight.BOLD))
            for issue in errors:
                target = wizard.step_of_field(issue.field)
                controls.append(
                    ft.Row(
                        [
                            ft.Text(issue.message(lang), color=ft.Colors.RED_700, size=15, expand=True),
                            ft.TextButton(t("fix", lang), on_click=partial(self.fix, target)),
                        ]
                    )
                )
        controls += issue_texts([i for i in issues if i.severity == "warning"], lang)
        controls.append(big_button(t("save_visit", lang), self.save, icon=ft.Icons.CHECK, key="save-visit"))
        return controls

    # -- inputs ---------------------------------------------------------------------------
    def input(self, question: Question, value: Any, member_id: str | None, redraw: bool = True) -> ft.Control:
        """Choice taps redraw (they may reveal questions); typing only saves, keeping focus."""
        typing = question.type in ("integer", "year", "text")

        def answered(new: Any) -> None:
            self.wizard.answer(question.id, new, member_id)
            self.changed(redraw=redraw and not typing)

        key = f"{member_id or 'household'}:{question.id}"
        return question_input(question, value, self.lang, answered, key=key, error=self.mark(key))

    def mark(self, key: str) -> str | None:
        """The problem of the input `key` while problems are shown (and note where it is)."""
        error = self.errors.get(key)
        if error is not None:
            self.marked.append(key)
        return error

    def field_key(self, field: str) -> str:
        """The key of the input an issue's field belongs to; "" for the step as a whole.
        Fields are the rules' own (survey.validation): "members[2].vneid", "members[2]",
        "environment.waste_sorting", "consent.by"."""
        if field.startswith("consent"):
            return "consent-by" if field == "consent.by" else "consent"
        if match := re.match(r"^members\[(\d+)\](?:\.(\w+))?", field):
            members = self.wizard.visit.members
            index = int(match[1])
            if index >= len(members):
                return ""
            return f"{members[index].id}:{match[2]}" if match[2] else f"member:{members[index].id}"
        if "." in field and not field.startswith(("follow_ups", "outcome")):
            return "household:" + field.split(".", 1)[1].split("[", 1)[0]
        return ""

    def products(self, question: Question, value: Any) -> list[ft.Control]:
        items = [dict(i) for i in value or []]
        name_field, promoted_field = question.fields

        def store(redraw: bool) -> None:
            self.wizard.answer(question.id, [dict(i) for i in items])
            self.changed(redraw=redraw)

        rows: list[ft.Control] = [ft.Text(question.label.text(self.lang), size=BIG, weight=ft.FontWeight.W_600)]
        for index, item in enumerate(items):

            def named(e: ft.Event, i: int = index) -> None:
                items[i]["name"] = e.control.value or ""
                store(False)

            def promoted(e: ft.Event, i: int = index) -> None:
                items[i]["promoted_online"] = "yes" if e.control.value else "no"
                store(False)

            def drop(_: ft.Event, i: int = index) -> None:
                del items[i]
                store(True)

            # No expand=True in a wrapping Row (an Expanded inside a Wrap): Flutter cannot lay it
            # out and draws a grey box instead of the field. Unexpanded, the switch wraps below it.
            rows.append(
                ft.Row(
                    [
                        ft.TextField(
                            label=name_field.label.text(self.lang),
                            value=item.get("name", ""),
                            text_size=BIG,
                            on_change=named,
                            max_length=name_field.max_length,
                        ),
                        ft.Switch(
                            label=promoted_field.label.text(self.lang),
                            label_text_style=ft.TextStyle(size=16, height=ROW_HEIGHT / 16),  # a 48-px row
                            value=item.get("promoted_online") == "yes",
                            on_change=promoted,
                        ),
                        ft.Semantics(  # an icon has no words: the button's name is given here
                            label=t("remove_product", self.lang),
                            content=ft.IconButton(
                                ft.Icons.DELETE, on_click=drop, tooltip=t("remove_product", self.lang)
                            ),
                        ),
                    ],
                    wrap=True,
                )
            )

        def add(_: ft.Event) -> None:
            items.append({"name": "", "promoted_online": "no"})
            store(True)

        rows.append(big_button(t("add_product", self.lang), add, icon=ft.Icons.ADD, primary=False))
        return rows

    # -- moving ---------------------------------------------------------------------------
    def add_member(self, _: ft.Event) -> None:
        self.wizard.add_member()
        self.changed()

    def remove_member(self, member_id: str) -> None:
        """Remove at once, with an undo at hand on the roster itself (a full-size button, not
        a snack bar's small one that fades): a mis-tap costs one more tap, not a member."""
        member = self.wizard.visit.member(member_id)
        label = member_label(member, self.lang) if member else ""
        removed = self.wizard.remove_member(member_id)
        self.removed = (removed, label) if removed is not None else None
        self.changed()

    def undo_remove(self, _: ft.Event) -> None:
        if self.removed is not None:
            self.wizard.restore_member(self.removed[0])
            self.removed = None
            self.changed()

    async def next(self, _: ft.Event) -> None:
        """Forward to the next step, opened at its top; or stay, each problem marked on its
        field, scrolled to the first one."""
        moved = self.wizard.next()
        self.show_issues = not moved
        if moved:
            self.removed = None
        self.changed()
        await self.scroll(None if moved else (self.marked[0] if self.marked else None))

    async def back(self, _: ft.Event) -> None:
        if self.wizard.back():
            self.show_issues = False
            self.changed()
            await self.scroll(None)
        else:
            self.ask_leave()

    async def fix(self, key: str, _: ft.Event) -> None:
        await self.jump(key)

    async def jump(self, key: str) -> None:
        self.wizard.go_to(key)
        self.show_issues = True
        self.changed()
        await self.scroll(self.marked[0] if self.marked else None)

    async def scroll(self, target: str | None) -> None:
        """Show the top of the step (`target` None or "": the step's own problems are there),
        or the input keyed `target`. A client that cannot scroll (an old one) is left as is."""
        if self.screen is None or self.screen.page is None:
            return
        try:
            if target:
                await self.screen.scroll_to(scroll_key=target, duration=300)
            else:
                await self.screen.scroll_to(offset=0, duration=0)
        except Exception:
            return

    async def save(self, _: ft.Event) -> None:
        if not self.wizard.ready_to_save():
            self.show_issues = True
            self.draw()
            self.ctx.snack(
                t("fix_first", self.lang)
                + " "
                + "; ".join(i.message(self.lang) for i in blocking(self.wizard.issues())[:2])
            )  # never a silent tap
            return
        await self.ctx.io(self.ctx.state.save_visit, self.wizard)
        note = await self.ctx.io(self.ctx.state.saved_note)
        self.ctx.snack(t("saved_visit", self.lang) + " " + t(note, self.lang))
        self.ctx.saved()
        self.leave(f"/household/{self.wizard.household.id}")

    def ask_leave(self) -> None:
        """Back out of the wizard: the draft is already saved; say so and offer the choices."""
        if self.wizard.visit.outcome is None:
            self.ctx.background(self.discard)
            return
        lang = self.lang

        def keep(_: ft.Event) -> None:
            self.ctx.page.pop_dialog()
            self.leave(f"/household/{self.wizard.household.id}")

        def ask_discard(_: ft.Event) -> None:
            self.ctx.page.pop_dialog()
            self.ask_discard()

        self.ctx.page.show_dialog(
            ft.AlertDialog(
                title=ft.Text(t("leave_title", lang)),
                content=ft.Text(t("leave_body", lang), size=16),
                # the safe choices together on the right; throwing the visit away apart on the
                # left, in red, and asked again before anything is lost
                actions=[
                    ft.TextButton(
                        t("discard", lang),
                        icon=ft.Icons.DELETE_FOREVER,
                        on_click=ask_discard,
                        style=ft.ButtonStyle(color=ft.Colors.RED_700, padding=16),
                        key="discard",
                    ),
                    ft.Row(
                        [
                            ft.TextButton(
                                t("stay", lang),
                                on_click=lambda _: self.ctx.page.pop_dialog(),
                                style=ft.ButtonStyle(padding=16),
                            ),
                            ft.FilledButton(t("keep_draft", lang), on_click=keep, style=ft.ButtonStyle(padding=16)),
                        ],
                        tight=True,
                        wrap=True,
                    ),
                ],
                actions_alignment=ft.MainAxisAlignment.SPACE_BETWEEN,
            )
        )

    def ask_discard(self) -> None:
        """Throwing a visit away is the one step that loses what was typed: asked once more."""
        lang = self.lang

        def discard(_: ft.Event) -> None:
            self.ctx.page.pop_dialog()
            self.ctx.background(self.discard)

        self.ctx.page.show_dialog(
            ft.AlertDialog(
                title=ft.Text(t("discard_title", lang)),
                content=ft.Text(t("discard_body", lang, name=self.wizard.household.head_name), size=16),
                actions=[
                    ft.FilledButton(
                        t("discard_confirm", lang),
                        on_click=discard,
                        style=ft.ButtonStyle(bgcolor=ft.Colors.RED_700, padding=16),
                        key="discard-confirm",
                    ),
                    ft.OutlinedButton(
                        t("keep_draft", lang),
                        on_click=lambda _: self.ctx.page.pop_dialog(),
                        style=ft.ButtonStyle(padding=16),
                    ),
                ],
                actions_alignment=ft.MainAxisAlignment.SPACE_BETWEEN,
            )
        )

    async def discard(self) -> None:
        await self.ctx.io(self.ctx.state.discard, self.wizard)
        self.leave(f"/household/{self.wizard.household.id}")

    def leave(self, route: str) -> None:
        """Go elsewhere by the wizard's own choice (saved, kept, thrown away): no question asked."""
        self.ctx.wizard_screen = None
        self.ctx.go(route)

    def view(self, route: str) -> ft.View:
        self.draw()
        self.route = route
        self.ctx.wizard_screen = self  # the shell asks before a browser's Back leaves it

        async def confirm_pop(_: ft.Event) -> None:
            await view.confirm_pop(False)
            self.ask_leave()

        view = self.screen = ft.View(
            route=route,
            can_pop=False,
            on_confirm_pop=confirm_pop,
            appbar=ft.AppBar(
                title=ft.Column([ft.Text(self.wizard.household.head_name, size=18), self.progress_text], spacing=0)
            ),
            scroll=ft.ScrollMode.AUTO,
            controls=[self.progress_bar, self.body],
            bottom_appbar=ft.BottomAppBar(content=self.buttons),
        )
        return view


async def build(ctx: Ctx, draft_key: str) -> ft.View:
    try:
        wizard, clock = await ctx.io(lambda: (ctx.state.resume(draft_key), ctx.state.clock_issue()))
    except KeyError:
        saved = await ctx.io(lambda: ctx.state.repo.visit(draft_key, archived=False))
        if saved is not None:  # saved already (the browser's Back after saving): its household
            from . import household

            return await household.build(ctx, saved.household_id)
        return ft.View(
            route=f"/visit/{draft_key}",
            appbar=ft.AppBar(title=ft.Text("")),
            controls=[ft.Text(t("not_found", ctx.lang))],
        )
    return WizardScreen(ctx, wizard, clock).view(f"/visit/{draft_key}")
