"""Answer-quality benchmark: every figure of `studybot eval`, with and without each switch of the engine.

    python -m benchmarks.quality [--only NAME[,NAME]] [--no-leave-out] [--json]

On the SQuAD "University of Notre Dame" set (tests/data/squad-notre-dame: 269 crowd-written questions)
it prints hit@1, hit@3, MRR@10, the top quote showing the answer, real questions refused and marked weak,
each also on the questions' odd and even halves (choose parameters on one half, check on the other);
the neighbouring-topic negatives (tests/data/neighbour-negatives-questions.yaml) answered without
"weak"; a leave-one-paragraph-out proxy for another article's questions (each question asked of the
article without its gold paragraph and without any paragraph holding its answer: it should be weak);
and the seeds' dev and held-out sets on the bundled corpus. Deterministic: no timing, no randomness.
"""

from __future__ import annotations

import argparse
import json
import re
import sys
import tempfile
from collections.abc import Sequence
from dataclasses import replace
from pathlib import Path

from bot.config import bundled_corpus_dir
from bot.core import semantic
from bot.core.engine import Engine, EngineOptions
from bot.core.evaluation import EvalQuestion, _fold, evaluate, load_questions
from bot.core.ranking import RerankOptions
from bot.library import load_corpus

DATA = Path(__file__).resolve().parents[1] / "tests" / "data"
SQUAD = DATA / "squad-notre-dame"
DEFAULT = EngineOptions()
CONFIGS = {
    "default": DEFAULT,
    "no-rerank": replace(DEFAULT, rerank=RerankOptions(depth=0)),
    "no-synonyms": replace(DEFAULT, rerank=RerankOptions(synonym_weight=0)),
    "no-title-context": replace(DEFAULT, rerank=RerankOptions(title_context=False)),
    "synonyms-0.5": replace(DEFAULT, rerank=RerankOptions(synonym_weight=0.5)),
    "no-sentence-score": replace(DEFAULT, rerank=RerankOptions(sentence_weight=0, proximity_weight=1.0)),
    "no-passage-gate": replace(DEFAULT, passage_gate=False),
    "no-name-phrase-gate": replace(DEFAULT, name_phrase_gate=False),
    "passage-floor-0.4": replace(DEFAULT, passage_floor=0.4),
    "passage-floor-0.5": replace(DEFAULT, passage_floor=0.5),
    "passage-floor-0.7": replace(DEFAULT, passage_floor=0.7),
    "no-long-sentence-quotes": replace(DEFAULT, quote_long_sentences=False),
    "quote-answer-kind-0.1": replace(DEFAULT, quote_answer_kind=0.1),
    "quote-by-coverage": replace(DEFAULT, quote_by_sentences=False),
    "no-quote-fill": replace(DEFAULT, quote_fill=False),
    # The semantic extra (bot.core.semantic): question-passage similarity in the second stage.
    "semantic-0.5": replace(DEFAULT, rerank=RerankOptions(semantic_weight=0.5)),
    "semantic-1.0": replace(DEFAULT, rerank=RerankOptions(semantic_weight=1.0)),
}


def leave_one_paragraph_out(options: EngineOptions, questions: Sequence[EvalQuestion]) -> tuple[float, int]:
    """(share answered without "weak", questions asked) when each question's answer is not in the corpus."""
    blocks = [b for b in re.split(r"\n\s*\n", (SQUAD / "corpus" / "University_of_Notre_Dame.txt").read_text(
        encoding="utf-8").strip()) if b.strip()]  # fmt: skip
    title, paragraphs = blocks[0], blocks[1:]
    confident = asked = 0
    for gold in sorted({q.paragraph for q in questions}):
        kept = [p for i, p in enumerate(paragraphs) if i != gold]
        folded = _fold(" ".join(kept))
        with tempfile.TemporaryDirectory() as folder:
            (Path(folder) / "article.txt").write_text("\n\n".join([title, *kept]) + "\n", encoding="utf-8")
            engine = Engine(load_corpus(Path(folder)), options)
            for question in (q for q in questions if q.paragraph == gold):
                if any(_fold(g) in folded for g in question.gold):
                    continue  # another paragraph answers it too
                answer = engine.ask(question.q)
                asked += 1
                confident += answer.answered and not answer.weak
    return round(confident / asked, 4) if asked else 0.0, asked


def measure(options: EngineOptions, leave_out: bool) -> dict:
    questions = load_questions(SQUAD / "questions.yaml")
    engine = Engine(load_corpus(SQUAD / "corpus"), options)
    row: dict = {}
    for half, subset in (("", questions), ("odd_", questions[1::2]), ("even_", questions[0::2])):
        r = evaluate(engine, subset).to_dict()
        for key in ("hit_at_1_rate", "hit_at_3_rate", "mrr", "gold_in_quote_rate", "refused_rate", "weak_rate"):
            row[half + key] = r[key]
    negatives = evaluate(engine, load_questions(DATA / "neighbour-negatives-questions.yaml")).to_dict()
    row["neighbours_confident_rate"] = negatives["negatives_answered_confidently_rate"]
    if leave_out:
        row["leave_out_confident_rate"], row["leave_out_questions"] = leave_one_paragraph_out(options, questions)
    seeds = Engine(load_corpus(bundled_corpus_dir()), options)
    for name in ("dev", "heldout"):
        r = evaluate(seeds, load_questions(DATA / f"{name}-questions.yaml")).to_dict()
        row[f"seeds_{name}"] = (
            f"hit@1 {r['hit_at_1']}/{r['answerable']} footnotes {r['footnotes_attached']}/{r['footnotes_expected']} "
            f"negatives unanswered {r['negatives_unanswered']}/{r['negatives']} weak {r['weak']}/{r['answerable']}"
        )
    return row


COLUMNS = (
    ("hit@1", "hit_at_1_rate"), ("hit@1 odd/even", ("odd_hit_at_1_rate", "even_hit_at_1_rate")),
    ("hit@3", "hit_at_3_rate"), ("hit@3 odd/even", ("odd_hit_at_3_rate", "even_hit_at_3_rate")),
    ("MRR", "mrr"), ("MRR odd/even", ("odd_mrr", "even_mrr")), ("quote", "gold_in_quote_rate"),
    ("quote odd/even", ("odd_gold_in_quote_rate", "even_gold_in_quote_rate")), ("refused", "refused_rate"),
    ("weak", "weak_rate"), ("weak odd/even", ("odd_weak_rate", "even_weak_rate")),
    ("neighbours", "neighbours_confident_rate"), ("leave-out", "leave_out_confident_rate"),
)  # fmt: skip


def table(rows: dict[str, dict]) -> str:
    def cell(row: dict, key) -> str:
        if isinstance(key, tuple):
            return "/".join(f"{row[k]:.3f}" for k in key)
        return f"{row[key]:.3f}" if key in row else "-"

    lines = ["| config | " + " | ".join(label for label, _ in COLUMNS) + " | seeds dev | seeds held-out |",
             "| --- " * (len(COLUMNS) + 3) + "|"]  # fmt: skip
    for name, row in rows.items():
        cells = [cell(row, key) for _, key in COLUMNS] + [row["seeds_dev"], row["seeds_heldout"]]
        lines.append(f"| {name} | " + " | ".join(cells) + " |")
    lines.append('neighbours / leave-out: negatives answered without "weak" (lower is better)')
    return "\n".join(lines)


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m benchmarks.quality", description=__doc__.split("\n")[0])
    parser.add_argument("--only", help=f"comma-separated configurations (of {', '.join(CONFIGS)})")
    parser.add_argument("--no-leave-out", action="store_true", help="skip the leave-one-paragraph-out proxy")
    parser.add_argument("--json", action="store_true")
    args = parser.parse_args(argv)
    names = args.only.split(",") if args.only else list(CONFIGS)
    unknown = [n for n in names if n not in CONFIGS]
    if unknown:
        parser.error(f"--only: unknown configuration {', '.join(unknown)} (known: {', '.join(CONFIGS)})")
    missing = [n for n in names if CONFIGS[n].rerank.semantic_weight and not semantic.available()]
    if missing:
        print(f"skipped {', '.join(missing)}: {semantic.KEY} {semantic.NEEDS}", file=sys.stderr)
    rows = {name: measure(CONFIGS[name], not args.no_leave_out) for name in names if name not in missing}
    print(json.dumps(rows, indent=1) if args.json else table(rows))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
