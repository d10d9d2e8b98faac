"""Discord's request limits, as the fake Discord enforces them: each ``validate_*`` raises
:class:`FakeHTTPError` with the status, code and ``errors`` tree Discord answers (400 code 50035
"Invalid Form Body" for a field over its limit, 50006 for an empty message).

Covered: message content and embeds, components (action rows, buttons, selects, unique custom_ids),
autocomplete choices, command registration, and modals (response type 9).
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from typing import Any

__all__ = [
    "EPHEMERAL", "IS_COMPONENTS_V2", "LOADING", "FakeHTTPError", "invalid_form", "validate_choices",
    "validate_commands", "validate_message", "validate_modal", "validate_thread",
]

# Discord message flags
EPHEMERAL = 1 << 6
LOADING = 1 << 7
IS_COMPONENTS_V2 = 1 << 15


class FakeHTTPError(Exception):
    """An error answer: ``status`` and the JSON ``body`` ({code, message[, errors]}) Discord would send."""

    def __init__(self, status: int, code: int, message: str, errors: dict | None = None):
        super().__init__(f"{status} {code} {message}")
        self.status = status
        self.body: dict[str, Any] = {"code": code, "message": message}
        if errors:
            self.body["errors"] = errors


def invalid_form(problems: list[tuple[list, str, str]], prefix: Sequence[Any] = ()) -> FakeHTTPError:
    """Builds Discord's 50035 'Invalid Form Body' error from (path, code, message) problems."""
    errors: dict[str, Any] = {}
    for path, code, message in problems:
        node = errors
        for part in [*prefix, *path]:
            node = node.setdefault(str(part), {})
        node.setdefault("_errors", []).append({"code": code, "message": message})
    return FakeHTTPError(400, 50035, "Invalid Form Body", errors)


# ------------------------------------------------------------------------------------------- validation


def _too_long(problems, path, value, limit):
    if isinstance(value, str) and len(value) > limit:
        problems.append((path, "BASE_TYPE_MAX_LENGTH", f"Must be {limit} or fewer in length."))


def _validate_embeds(embeds: Any, problems: list) -> None:
    if not isinstance(embeds, list):
        problems.append((["embeds"], "LIST_TYPE_CONVERT", "Only iterables may be used in a ListType"))
        return
    if len(embeds) > 10:
        problems.append((["embeds"], "BASE_TYPE_MAX_LENGTH", "Must be 10 or fewer in length."))
    total = 0
    for i, embed in enumerate(embeds):
        if not isinstance(embed, dict):
            problems.append((["embeds", i], "DICT_TYPE_CONVERT", "Only dictionaries may be used in a DictType"))
            continue
        p = ["embeds", i]
        title = embed.get("title") or ""
        desc = embed.get("description") or ""
        _too_long(problems, [*p, "title"], title, 256)
        _too_long(problems, [*p, "description"], desc, 4096)
        total += len(title) + len(desc)
        fields = embed.get("fields") or []
        if len(fields) > 25:
            problems.append(([*p, "fields"], "BASE_TYPE_MAX_LENGTH", "Must be 25 or fewer in length."))
        for j, f in enumerate(fields):
            fp = [*p, "fields", j]
            name, value = f.get("name"), f.get("value")
            for key, val, limit in (("name", name, 256), ("value", value, 1024)):
                if val is None or val == "":
                    problems.append(([*fp, key], "BASE_TYPE_REQUIRED", "This field is required"))
                else:
                    _too_long(problems, [*fp, key], str(val), limit)
            total += len(str(name or "")) + len(str(value or ""))
        footer = (embed.get("footer") or {}).get("text") or ""
        _too_long(problems, [*p, "footer", "text"], footer, 2048)
        author = (embed.get("author") or {}).get("name") or ""
        _too_long(problems, [*p, "author", "name"], author, 256)
        total += len(footer) + len(author)
        color = embed.get("color")
        if color is not None and not (isinstance(color, int) and 0 <= color <= 0xFFFFFF):
            problems.append(([*p, "color"], "NUMBER_TYPE_MAX", "int value should be <= 16777215."))
    if total > 6000:
        problems.append((["embeds"], "MAX_EMBED_SIZE_EXCEEDED", "Embed size exceeds maximum size of 6000"))


def _validate_component(c: Any, path: list, problems: list, custom_ids: list[str]) -> None:
    if not isinstance(c, dict):
        problems.append((path, "DICT_TYPE_CONVERT", "Only dictionaries may be used in a DictType"))
        return
    ctype = c.get("type")
    if "custom_id" in c:
        cid = c["custom_id"]
        if not isinstance(cid, str) or not cid:
            problems.append(([*path, "custom_id"], "BASE_TYPE_REQUIRED", "This field is required"))
        else:
            _too_long(problems, [*path, "custom_id"], cid, 100)
            custom_ids.append(cid)
    if ctype == 2:  # button
        _too_long(problems, [*path, "label"], c.get("label"), 80)
        style = c.get("style")
        if style == 5:
            if not c.get("url"):
                problems.append(([*path, "url"], "BASE_TYPE_REQUIRED", "This field is required"))
            if "custom_id" in c:
                problems.append(([*path, "custom_id"], "BUTTON_COMPONENT_URL_WITH_CUSTOM_ID",
                                 "A link button cannot have a custom_id"))
        elif style != 6 and not c.get("custom_id"):
            problems.append(([*path, "custom_id"], "BASE_TYPE_REQUIRED", "This field is required"))
    elif ctype in (3, 5, 6, 7, 8):  # selects
        if not c.get("custom_id"):
            problems.append(([*path, "custom_id"], "BASE_TYPE_REQUIRED", "This field is required"))
        _too_long(problems, [*path, "placeholder"], c.get("placeholder"), 150)
        if ctype == 3:
            options = c.get("options") or []
            if not 1 <= len(options) <= 25:
                problems.append(([*path, "options"], "BASE_TYPE_BAD_LENGTH", "Must be between 1 and 25 in length."))
            for k, o in enumerate(options):
                for key in ("label", "value", "description"):
                    _too_long(problems, [*path, "options", k, key], o.get(key), 100)
    elif ctype == 4:  # text input (modals)
        _too_long(problems, [*path, "label"], c.get("label"), 45)
    for key in ("components",):
        for k, child in enumerate(c.get(key) or []):
            _validate_component(child, [*path, key, k], problems, custom_ids)
    if isinstance(c.get("accessory"), dict):
        _validate_component(c["accessory"], [*path, "accessory"], problems, custom_ids)


def _validate_components(components: Any, flags: int, problems: list) -> None:
    if not isinstance(components, list):
        problems.append((["components"], "LIST_TYPE_CONVERT", "Only iterables may be used in a ListType"))
        return
    custom_ids: list[str] = []
    v2 = bool(flags & IS_COMPONENTS_V2)
    if not v2:
        if len(components) > 5:
            problems.append((["components"], "BASE_TYPE_MAX_LENGTH", "Must be 5 or fewer in length."))
        for i, row in enumerate(components):
            if not isinstance(row, dict) or row.get("type") != 1:
                problems.append(
                    (["components", i], "COMPONENT_LAYOUT_WIDTH_EXCEEDED", "Top-level components must be action rows")
                )
                continue
            children = row.get("components") or []
            if not children:
                problems.append((["components", i, "components"], "BASE_TYPE_BAD_LENGTH",
                                 "Must be between 1 and 5 in length."))
            buttons = [ch for ch in children if isinstance(ch, dict) and ch.get("type") == 2]
            others = [ch for ch in children if isinstance(ch, dict) and ch.get("type") != 2]
            if len(buttons) > 5:
                problems.append((["components", i, "components"], "BASE_TYPE_MAX_LENGTH",
                                 "Must be 5 or fewer in length."))
            if others and len(children) > 1:
                problems.append((["components", i, "components"], "COMPONENT_LAYOUT_WIDTH_EXCEEDED",
                                 "The specified component exceeds the maximum width"))
    for i, c in enumerate(components):
        _validate_component(c, ["components", i], problems, custom_ids)
    dupes = {cid for cid in custom_ids if custom_ids.count(cid) > 1}
    if dupes:
        problems.append((["components"], "COMPONENT_CUSTOM_ID_DUPLICATED",
                         f"Component custom id cannot be duplicated: {sorted(dupes)}"))


def validate_message(payload: dict, *, partial: bool = False, has_files: bool = False,
                     prefix: Sequence[Any] = ()) -> None:
    """Raises FakeHTTPError for what Discord would reject in a message create/edit payload."""
    if not isinstance(payload, dict):
        raise invalid_form([([], "DICT_TYPE_CONVERT", "Only dictionaries may be used in a DictType")], prefix)
    problems: list[tuple[list, str, str]] = []
    content = payload.get("content")
    flags = int(payload.get("flags") or 0)
    if content is not None:
        if not isinstance(content, str):
            problems.append((["content"], "BASE_TYPE_STRING", "Must be a string."))
        else:
            _too_long(problems, ["content"], content, 2000)
    if payload.get("embeds") is not None:
        _validate_embeds(payload["embeds"], problems)
    if payload.get("embed") is not None:
        _validate_embeds([payload["embed"]], problems)
    if payload.get("components") is not None:
        _validate_components(payload["components"], flags, problems)
    if problems:
        raise invalid_form(problems, prefix)
    if not partial:
        if flags & IS_COMPONENTS_V2 and (content or payload.get("embeds")):
            raise invalid_form([(["content"], "MESSAGE_CANNOT_USE_LEGACY_FIELDS_WITH_COMPONENTS_V2",
                                  "The 'content' and 'embeds' fields cannot be used with components v2")], prefix)
        empty = not (content or payload.get("embeds") or payload.get("components") or payload.get("sticker_ids")
                     or payload.get("poll") or payload.get("attachments") or has_files)
        if empty:
            raise FakeHTTPError(400, 50006, "Cannot send an empty message")


def validate_choices(data: Any) -> None:
    problems: list[tuple[list, str, str]] = []
    choices = (data or {}).get("choices")
    if not isinstance(choices, list):
        problems.append((["choices"], "BASE_TYPE_REQUIRED", "This field is required"))
    else:
        if len(choices) > 25:
            problems.append((["choices"], "BASE_TYPE_MAX_LENGTH", "Must be 25 or fewer in length."))
        for i, ch in enumerate(choices):
            name = ch.get("name") if isinstance(ch, dict) else None
            value = ch.get("value") if isinstance(ch, dict) else None
            if not isinstance(name, str) or not 1 <= len(name) <= 100:
                problems.append(
                    (["choices", i, "name"], "BASE_TYPE_BAD_LENGTH", "Must be between 1 and 100 in length.")
                )
            if isinstance(value, str):
                _too_long(problems, ["choices", i, "value"], value, 100)
            elif not isinstance(value, int | float) or isinstance(value, bool):
                problems.append((["choices", i, "value"], "BASE_TYPE_REQUIRED", "This field is required"))
    if problems:
        raise invalid_form(problems, ["data"])


_NAME_RE = re.compile(r"^[-_'\w]{1,32}$")


def validate_commands(commands: Any) -> None:
    if not isinstance(commands, list):
        raise invalid_form([([], "LIST_TYPE_CONVERT", "Only iterables may be used in a ListType")])
    problems: list[tuple[list, str, str]] = []
    seen: set[tuple[int, str]] = set()
    for i, cmd in enumerate(commands):
        ctype = int(cmd.get("type", 1) or 1)
        name = cmd.get("name") or ""
        key = (ctype, name)
        if key in seen:
            problems.append(([i, "name"], "APPLICATION_COMMANDS_DUPLICATE_NAME", f"Duplicate name: {name}"))
        seen.add(key)
        if ctype == 1:
            _validate_chat_input(cmd, [i], problems)
        elif not 1 <= len(name) <= 32:
            problems.append(([i, "name"], "BASE_TYPE_BAD_LENGTH", "Must be between 1 and 32 in length."))
    if problems:
        raise invalid_form(problems)


def _validate_chat_input(obj: dict, path: list, problems: list, depth: int = 0) -> None:
    name = obj.get("name") or ""
    if not _NAME_RE.match(name) or name != name.lower():
        problems.append(([*path, "name"], "APPLICATION_COMMAND_INVALID_NAME", "Command name is invalid"))
    desc = obj.get("description") or ""
    if not 1 <= len(desc) <= 100:
        problems.append(([*path, "description"], "BASE_TYPE_BAD_LENGTH", "Must be between 1 and 100 in length."))
    options = obj.get("options") or []
    if len(options) > 25:
        problems.append(([*path, "options"], "BASE_TYPE_MAX_LENGTH", "Must be 25 or fewer in length."))
    seen_optional = False
    for j, opt in enumerate(options):
        op = [*path, "options", j]
        if opt.get("type") in (1, 2):
            if depth >= 2:
                problems.append((op, "APPLICATION_COMMAND_OPTIONS_TYPE_INVALID", "Too deeply nested"))
            _validate_chat_input(opt, op, problems, depth + 1)
            continue
        _validate_chat_input({**opt, "options": []}, op, problems, depth + 1)
        if opt.get("required"):
            if seen_optional:
                problems.append((op, "APPLICATION_COMMAND_OPTIONS_REQUIRED_INVALID",
                                 "Required options must be placed before non-required options"))
        else:
            seen_optional = True
        choices = opt.get("choices") or []
        if len(choices) > 25:
            problems.append(([*op, "choices"], "BASE_TYPE_MAX_LENGTH", "Must be 25 or fewer in length."))
        if choices and opt.get("autocomplete"):
            problems.append(([*op, "autocomplete"], "APPLICATION_COMMAND_OPTIONS_AUTOCOMPLETE_WITH_CHOICES",
                             "Autocomplete cannot be used with choices"))


def _length_between(problems, path, value, low, high, *, required=True):
    if value is None or value == "":
        if required and low > 0:
            problems.append((path, "BASE_TYPE_REQUIRED", "This field is required"))
        return
    if not isinstance(value, str) or not low <= len(value) <= high:
        problems.append((path, "BASE_TYPE_BAD_LENGTH", f"Must be between {low} and {high} in length."))


def _validate_text_input(c: Any, path: list, problems: list, *, in_label: bool) -> str | None:
    """One text input (type 4) of a modal; returns its custom_id."""
    if not isinstance(c, dict) or c.get("type") != 4:
        problems.append((path, "MODAL_COMPONENT_TYPE_INVALID", "Modals accept only text inputs here"))
        return None
    _length_between(problems, [*path, "custom_id"], c.get("custom_id"), 1, 100)
    if in_label:  # the Label carries the text; a label on the input itself is refused
        if c.get("label") is not None:
            problems.append(([*path, "label"], "TEXT_INPUT_LABEL_IN_LABEL", "A text input in a label has no label"))
    else:
        _length_between(problems, [*path, "label"], c.get("label"), 1, 45)
    if c.get("style") not in (1, 2):
        problems.append(([*path, "style"], "BASE_TYPE_CHOICES", "Value must be one of (1, 2)."))
    min_length, max_length = c.get("min_length"), c.get("max_length")
    for key, value, low in (("min_length", min_length, 0), ("max_length", max_length, 1)):
        if value is not None and not (isinstance(value, int) and low <= value <= 4000):
            problems.append(([*path, key], "NUMBER_TYPE_MAX", f"Must be between {low} and 4000."))
    if isinstance(min_length, int) and isinstance(max_length, int) and min_length > max_length:
        problems.append(([*path, "min_length"], "BASE_TYPE_BAD_LENGTH", "min_length exceeds max_length"))
    _too_long(problems, [*path, "value"], c.get("value"), 4000)
    _too_long(problems, [*path, "placeholder"], c.get("placeholder"), 100)
    return c.get("custom_id")


def validate_modal(data: Any) -> None:
    """A modal (interaction response type 9): title 1-45, custom_id 1-100, 1-5 top-level components,
    each an action row holding exactly one text input (label 1-45, style 1 or 2, value <= 4000,
    0 <= min_length <= max_length <= 4000) or a Label (type 18, label 1-45, description <= 100) wrapping one;
    custom_ids unique."""
    if not isinstance(data, dict):
        raise invalid_form([([], "DICT_TYPE_CONVERT", "Only dictionaries may be used in a DictType")], ["data"])
    problems: list[tuple[list, str, str]] = []
    _length_between(problems, ["title"], data.get("title"), 1, 45)
    _length_between(problems, ["custom_id"], data.get("custom_id"), 1, 100)
    rows = data.get("components")
    if not isinstance(rows, list) or not 1 <= len(rows) <= 5:
        problems.append((["components"], "BASE_TYPE_BAD_LENGTH", "Must be between 1 and 5 in length."))
        rows = rows if isinstance(rows, list) else []
    ids: list[str | None] = []
    for i, row in enumerate(rows):
        path = ["components", i]
        if isinstance(row, dict) and row.get("type") == 1:
            children = row.get("components") or []
            if len(children) != 1:
                problems.append(([*path, "components"], "BASE_TYPE_BAD_LENGTH", "Must be between 1 and 1 in length."))
            ids += [_validate_text_input(c, [*path, "components", j], problems, in_label=False)
                    for j, c in enumerate(children)]
        elif isinstance(row, dict) and row.get("type") == 18:
            _length_between(problems, [*path, "label"], row.get("label"), 1, 45)
            _too_long(problems, [*path, "description"], row.get("description"), 100)
            ids.append(_validate_text_input(row.get("component"), [*path, "component"], problems, in_label=True))
        else:
            problems.append((path, "MODAL_COMPONENT_TYPE_INVALID", "Top-level modal components must be action rows "
                                                                   "or labels"))
    named = [i for i in ids if i]
    if len(set(named)) != len(named):
        problems.append((["components"], "COMPONENT_CUSTOM_ID_DUPLICATED", "Component custom id cannot be duplicated"))
    if problems:
        raise invalid_form(problems, ["data"])


def validate_thread(body: Any) -> None:
    """Starting a thread: name 1-100, auto_archive_duration one of 60/1440/4320/10080 minutes,
    rate_limit_per_user 0-21600 seconds."""
    if not isinstance(body, dict):
        raise invalid_form([([], "DICT_TYPE_CONVERT", "Only dictionaries may be used in a DictType")])
    problems: list[tuple[list, str, str]] = []
    _length_between(problems, ["name"], body.get("name"), 1, 100)
    duration = body.get("auto_archive_duration")
    if duration is not None and duration not in (60, 1440, 4320, 10080):
        problems.append((["auto_archive_duration"], "BASE_TYPE_CHOICES", "Value must be one of (60, 1440, 4320, 10080)."))
    slowmode = body.get("rate_limit_per_user")
    if slowmode is not None and not (isinstance(slowmode, int) and 0 <= slowmode <= 21600):
        problems.append((["rate_limit_per_user"], "NUMBER_TYPE_MAX", "int value should be <= 21600."))
    if problems:
        raise invalid_form(problems)
