"""Two phones, one household: how the server settles an edit made on an older revision.

DESIGN §5: the server orders edits, not device clocks. Every household the server keeps has
a revision it alone assigns; a phone sends, with its edit, the revision the edit was made
on. An edit made on the current revision simply becomes the next one. An edit made on an
older revision is settled here, field by field (docs/sync-protocol.md, "Conflicts"):

- a field the edit did not change (equal to its base) keeps the server's current value;
- a field the edit changed and nobody else changed since its base takes the edit's value;
- a field both changed keeps the value the server received first (the current one): the
  edit's value for it is *lost*, kept only in the audit trail, and the phone is told.

The hamlet, the roster status (removed_at with its reason) and each detail are separate
fields, so a phone that fixes a phone number never undoes another phone's move.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from .checklist import Label
from .shape import FIELD_LABELS

# Groups of record keys settled together; every other key is bookkeeping (id, times, status).
FIELDS: tuple[tuple[str, tuple[str, ...]], ...] = (
    ("hamlet_id", ("hamlet_id",)),
    ("head_name", ("head_name",)),
    ("address", ("address",)),
    ("phone", ("phone",)),
    ("removed", ("removed_at", "removed_reason")),
)
LABELS: dict[str, Label] = {
    **{name: FIELD_LABELS[name] for name in ("head_name", "address", "phone")},
    "hamlet_id": Label("Thôn/bản", "Hamlet"),
    "removed": Label("Chuyển đi / trùng", "Moved away / duplicate"),
}


@dataclass(frozen=True)
class Settled:
    """What the server keeps of an edit made on an older revision."""

    content: dict[str, Any]  # the household the server keeps (the current one when nothing applied)
    applied: tuple[str, ...]  # fields of the edit that were applied
    lost: tuple[str, ...]  # fields the edit changed that another edit had changed first

    @property
    def changed(self) -> bool:
        return bool(self.applied)


def settle(base: Mapping[str, Any] | None, current: Mapping[str, Any], incoming: Mapping[str, Any]) -> Settled:
    """Settle `incoming`, an edit made on revision `base`, against the `current` revision.

    All three are household dictionaries (`Household.to_dict()`). With no `base` (the
    server no longer knows the revision the edit was made on), every field the edit holds
    differently from the current one counts as changed by both: nothing of it is applied.
    """
    content = dict(current)
    applied: list[str] = []
    lost: list[str] = []
    for name, keys in FIELDS:
        mine = tuple(incoming.get(k) for k in keys)
        now = tuple(current.get(k) for k in keys)
        if mine == now:
            continue
        was = tuple(base.get(k) for k in keys) if base is not None else None
        if was is not None and mine == was:
            continue  # the edit did not touch it: the current value stands
        if was is not None and now == was:
            content.update(zip(keys, mine, strict=False))
            applied.append(name)
        else:
            lost.append(name)
    if applied:
        content["updated_at"] = incoming.get("updated_at") or content.get("updated_at")
    return Settled(content, tuple(applied), tuple(lost))


def describe(fields: tuple[str, ...] | list[str]) -> dict[str, Any]:
    """The context of a `changed_elsewhere` issue: the fields, named in both languages."""
    return {
        "fields": list(fields),
        "fields_vi": ", ".join(LABELS[f].vi for f in fields if f in LABELS),
        "fields_en": ", ".join(LABELS[f].en for f in fields if f in LABELS),
    }


__all__ = ["FIELDS", "LABELS", "Settled", "describe", "settle"]
