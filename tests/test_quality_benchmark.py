"""The answer-quality benchmark runs, names a bad configuration, and reports every figure it promises."""

from __future__ import annotations

import json

import pytest

from benchmarks import quality


def test_quality_benchmark_reports_every_figure(capsys):
    assert quality.main(["--only", "default,no-long-sentence-quotes", "--no-leave-out", "--json"]) == 0
    rows = json.loads(capsys.readouterr().out)
    default, plain_quotes = rows["default"], rows["no-long-sentence-quotes"]
    for key in (
        "hit_at_1_rate",
        "hit_at_3_rate",
        "mrr",
        "gold_in_quote_rate",
        "odd_weak_rate",
        "even_weak_rate",
        "refused_rate",
        "neighbours_confident_rate",
    ):
        assert 0 <= default[key] <= 1, key
    assert default["seeds_dev"].startswith("hit@1 19/19")
    # The switch it measures does what it says: cutting long sentences shows the answer more often.
    assert default["gold_in_quote_rate"] > plain_quotes["gold_in_quote_rate"]
    assert default["hit_at_1_rate"] == plain_quotes["hit_at_1_rate"]


def test_quality_benchmark_names_an_unknown_configuration(capsys):
    with pytest.raises(SystemExit):
        quality.main(["--only", "default,bogus"])
    assert "unknown configuration bogus" in capsys.readouterr().err
