"""YAML as Studybot reads its files (the manifest, question sets, Markdown front matter, the config's
values): PyYAML's safe loader, whose constructors raise a bare ValueError (or KeyError) on a value
they cannot make, which no reader expected. Here an unquoted date that is no day (2017-13-45,
2020-02-30) is the text it was written as, as if quoted, and what reads it judges it as it judges a
quoted one; any other such value (`!!int three`) is a yaml.YAMLError naming its line, as bad syntax is,
and so is a key given twice in one mapping, and a character YAML does not allow. error_text says any
of them in one line, as every reader reports it: the file, the line and column, and what is wrong.

What every reader says alike is here too: read_text, whose NotUTF8 names the line and the byte where
a file stops being UTF-8, and duplicate_key, the words for a key given twice (the config reader finds
those in its nodes itself)."""

from __future__ import annotations

import errno
from pathlib import Path
from typing import Any

import yaml


class NotUTF8(ValueError):
    """A file that is not UTF-8 text; its str is the one line to show."""


def read_text(path: Path, source: str) -> str:
    """A YAML file's text (UTF-8, a byte order mark dropped). OSError when it cannot be read; NotUTF8
    when it is not UTF-8, saying where it stops being it: the line and the byte, not the offset into
    the chunk Python's decoder was reading."""
    if Path(path).exists() and not Path(path).is_file() and not Path(path).is_dir():  # reading would block
        raise OSError(errno.EINVAL, "not a regular file (a pipe or a device)")
    try:
        return Path(path).read_text(encoding="utf-8-sig")
    except UnicodeDecodeError:
        raise NotUTF8(not_utf8(source, Path(path).read_bytes())) from None


def not_utf8(source: str, raw: bytes) -> str:
    """Where a file that is not UTF-8 first stops being it (a file saved as Windows-1252)."""
    try:
        raw.decode("utf-8")
    except UnicodeDecodeError as exc:
        line = raw.count(b"\n", 0, exc.start) + 1
        return f"{source}, line {line}: not UTF-8 text (the byte 0x{raw[exc.start]:02x}); save the file as UTF-8"
    return f"{source}: not UTF-8 text; save the file as UTF-8"


def duplicate_key(key: Any, mark: yaml.Mark, first: yaml.Mark) -> str:
    """The words for a key given twice in one mapping (at `mark`, first at `first`), after "<file>, line N: "."""
    where = f"line {first.line + 1}" + (f", column {first.column + 1}" if first.line == mark.line else "")
    return f"duplicate key {key!r} (first defined on {where})"


class DuplicateKeyError(yaml.constructor.ConstructorError):
    """A key given twice in one mapping: said by error_text with its line only, as the config says it."""


class Loader(yaml.SafeLoader):
    def construct_object(self, node: yaml.Node, deep: bool = False) -> Any:
        try:
            return super().construct_object(node, deep)
        except (ValueError, OverflowError, KeyError, AttributeError):  # !!int three, !!bool maybe, !!timestamp soon
            tag = node.tag.replace("tag:yaml.org,2002:", "!!")
            problem = f"{node.value!r} is not a valid {tag}"
            raise yaml.constructor.ConstructorError(None, None, problem, node.start_mark) from None

    def construct_mapping(self, node: yaml.MappingNode, deep: bool = False) -> dict:
        """A key written twice is an error naming its line: PyYAML keeps the last one without a word,
        so a manifest entry or a question given twice would lose the first silently."""
        seen: dict[tuple[str, str], yaml.Node] = {}
        for key_node, _ in node.value:
            if isinstance(key_node, yaml.ScalarNode):
                key = (key_node.tag, key_node.value)
                if key in seen:
                    problem = duplicate_key(key_node.value, key_node.start_mark, seen[key].start_mark)
                    raise DuplicateKeyError(None, None, problem, key_node.start_mark)
                seen[key] = key_node
        return super().construct_mapping(node, deep)

    def construct_yaml_timestamp(self, node: yaml.ScalarNode) -> Any:
        try:
            return super().construct_yaml_timestamp(node)
        except (ValueError, OverflowError):  # month 13, 30 February, hour 25
            return self.construct_scalar(node)


Loader.add_constructor("tag:yaml.org,2002:timestamp", Loader.construct_yaml_timestamp)


def load(text: str) -> Any:
    """A YAML document → plain values (dicts, lists, str, int, float, bool, None, dates); yaml.YAMLError
    when it is no YAML."""
    return load_with_nodes(text)[0]


def load_with_nodes(text: str) -> tuple[Any, yaml.Node | None]:
    """load() and compose() from one parse: the values and the node tree they were made from (where
    each item starts, for messages); yaml.YAMLError when it is no YAML."""
    try:
        loader = Loader(text)  # its reader checks the characters already
        try:
            node = loader.get_single_node()
            return (loader.construct_document(node) if node is not None else None), node
        finally:
            loader.dispose()
    except yaml.reader.ReaderError as exc:
        raise _marked(text, exc) from None


def compose(text: str) -> yaml.Node | None:
    """A YAML document → its node tree (the safe composer: no tag constructs anything); yaml.YAMLError
    when it is no YAML."""
    try:
        return yaml.compose(text, Loader=yaml.SafeLoader)
    except yaml.reader.ReaderError as exc:
        raise _marked(text, exc) from None


def _marked(text: str, exc: yaml.reader.ReaderError) -> yaml.MarkedYAMLError:
    """A character YAML does not allow (a control character pasted in), at its line and column:
    PyYAML names only its offset in the text."""
    position = exc.position
    line, column = text.count("\n", 0, position), position - (text.rfind("\n", 0, position) + 1)
    mark = yaml.Mark(exc.name, position, line, column, None, None)
    character = f"#x{exc.character:04x}" if isinstance(exc.character, int) else repr(exc.character)
    return yaml.MarkedYAMLError(problem=f"the character {character} is not allowed", problem_mark=mark)


def error_text(source: str, exc: yaml.YAMLError) -> str:
    """A YAML error in one line: "<source>, line 4, column 9: not valid YAML: <what is wrong>", or
    "<source>, line 4: duplicate key 'title' (first defined on line 3)". PyYAML's own message takes
    several lines, quoting the file with a caret under the place."""
    mark = getattr(exc, "problem_mark", None)
    if isinstance(exc, DuplicateKeyError):  # no syntax error: said as the config says it
        return f"{source}, line {mark.line + 1}: {exc.problem}"
    where = f"{source}, line {mark.line + 1}, column {mark.column + 1}" if mark else source
    context, context_mark = getattr(exc, "context", None), getattr(exc, "context_mark", None)
    if context and context.startswith("while ") and context_mark and mark and context_mark.line != mark.line:
        context += f" that starts at line {context_mark.line + 1}, column {context_mark.column + 1}"
    problem = getattr(exc, "problem", None)
    said = ", ".join(p for p in (context, problem) if p) or str(exc).splitlines()[0]
    if "'\\t'" in said or "\t" in said:
        said = "tabs are not allowed for indentation in YAML; indent with spaces"
    elif "<block" in said:  # expected <block end>, but found '<block mapping start>'
        said += "; check the indentation"
    return f"{where}: not valid YAML: {said}"
