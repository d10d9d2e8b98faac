"""YAML as Studybot reads its files (the manifest, question sets, Markdown front matter): PyYAML's
safe loader, except that an unquoted date that is no day (2017-13-45, 2020-02-30) is the text it
was written as, as if quoted, and what reads it judges it as it judges a quoted one (PyYAML's
constructor raised a bare ValueError on it, which no reader expected)."""

from __future__ import annotations

from typing import Any

import yaml


class Loader(yaml.SafeLoader):
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
