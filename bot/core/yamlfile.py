"""YAML as Studybot reads its files (the manifest, question sets, Markdown front matter, the config's
values): PyYAML's safe loader, whose constructors raise a bare ValueError (or KeyError) on a value
they cannot make, which no reader expected. Here an unquoted date that is no day (2017-13-45,
2020-02-30) is the text it was written as, as if quoted, and what reads it judges it as it judges a
quoted one; any other such value (`!!int three`) is a yaml.YAMLError naming its line, as bad syntax is,
and so is a key given twice in one mapping."""

from __future__ import annotations

from typing import Any

import yaml


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
        seen: set = set()
        for key_node, _ in node.value:
            if isinstance(key_node, yaml.ScalarNode):
                key = (key_node.tag, key_node.value)
                if key in seen:
                    problem = f"the key {key_node.value!r} is given twice"
                    raise yaml.constructor.ConstructorError(None, None, problem, key_node.start_mark)
                seen.add(key)
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
    return yaml.load(text, Loader=Loader)
