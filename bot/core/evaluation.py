"""Answer quality on a question set: hit@1, hit@3, MRR, negatives left unanswered, footnotes attached."""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from pathlib import Path

import yaml

from bot.core.engine import Engine
from bot.core.models import Answer, Excerpt

MRR_DEPTH = 10
KINDS = ("lexical", "paraphrase", "negative")


class QuestionSetError(Exception):
    pass


@dataclass(frozen=True)
class EvalQuestion:
    q: str
    kind: str
    gold: tuple[str, ...] = ()
    footnotes: tuple[str, ...] = ()


@dataclass
class QuestionResult:
    question: EvalQuestion
    answered: bool
    gold_rank: int | None  # 1-based rank of the first excerpt holding a gold string
    footnotes_ok: bool | None  # None when the question lists no footnotes
    top_passage: str | None
    gold_in_quote: bool = False  # the gold excerpt's quote (what a member reads first) shows the answer


@dataclass
class EvalReport:
    results: list[QuestionResult] = field(default_factory=list)

    @property
    def positives(self) -> list[QuestionResult]:
        return [r for r in self.results if r.question.kind != "negative"]

    @property
    def negatives(self) -> list[QuestionResult]:
        return [r for r in self.results if r.question.kind == "negative"]

    def hits(self, k: int) -> int:
        return sum(1 for r in self.positives if r.gold_rank is not None and r.gold_rank <= k)

    @property
    def mrr(self) -> float:
        ranks = [1 / r.gold_rank if r.gold_rank else 0.0 for r in self.positives]
        return sum(ranks) / len(ranks) if ranks else 0.0

    @property
    def negatives_unanswered(self) -> int:
        return sum(1 for r in self.negatives if not r.answered)

    @property
    def with_footnotes(self) -> list[QuestionResult]:
        return [r for r in self.results if r.footnotes_ok is not None]

    def to_dict(self) -> dict:
        n = len(self.positives)
        return {
            "questions": len(self.results),
            "hit_at_1": self.hits(1),
            "hit_at_3": self.hits(3),
            "answerable": n,
            "mrr": round(self.mrr, 4),
            "negatives_unanswered": self.negatives_unanswered,
            "negatives": len(self.negatives),
            "footnotes_attached": sum(1 for r in self.with_footnotes if r.footnotes_ok),
            "footnotes_expected": len(self.with_footnotes),
            "gold_in_quote": sum(1 for r in self.positives if r.gold_in_quote),
            "misses": [
                {"q": r.question.q, "kind": r.question.kind, "gold_rank": r.gold_rank, "top": r.top_passage}
                for r in self.results
                if (r.answered if r.question.kind == "negative" else r.gold_rank != 1) or r.footnotes_ok is False
            ],
        }


def load_questions(path: Path) -> list[EvalQuestion]:
    try:
        data = yaml.safe_load(Path(path).read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError) as exc:
        raise QuestionSetError(f"{path}: cannot read it ({exc})") from None
    except yaml.YAMLError as exc:
        raise QuestionSetError(f"{path}: not valid YAML: {exc}") from None
    if not isinstance(data, dict) or not isinstance(data.get("questions"), list):
        raise QuestionSetError(f"{path}: expected a mapping with a 'questions' list")
    questions = []
    for i, item in enumerate(data["questions"], 1):
        where = f"{path}: questions[{i}]"
        if not isinstance(item, dict) or not isinstance(item.get("q"), str):
            raise QuestionSetError(f"{where}: needs 'q', the question text")
        kind = item.get("kind", "lexical")
        if kind not in KINDS:
            raise QuestionSetError(f"{where}: 'kind' must be one of {', '.join(KINDS)}")
        gold, notes = item.get("gold", []), item.get("footnotes", [])
        if not isinstance(gold, list) or not isinstance(notes, list):
            raise QuestionSetError(f"{where}: 'gold' and 'footnotes' must be lists")
        if kind != "negative" and not gold:
            raise QuestionSetError(f"{where}: a {kind} question needs 'gold' strings")
        questions.append(EvalQuestion(item["q"], kind, tuple(map(str, gold)), tuple(map(str, notes))))
    return questions


def evaluate(engine: Engine, questions: list[EvalQuestion]) -> EvalReport:
    report = EvalReport()
    for question in questions:
        answer = engine.ask(question.q, top_k=MRR_DEPTH)
        report.results.append(_judge(question, answer))
    return report


def _fold(text: str) -> str:
    return re.sub(r"\s+", " ", text).casefold().strip()


def _holds_gold(excerpt: Excerpt, gold: tuple[str, ...]) -> bool:
    text = _fold(excerpt.passage.text)
    return any(_fold(g) in text for g in gold)


def _judge(question: EvalQuestion, answer: Answer) -> QuestionResult:
    excerpts = answer.excerpts if answer.answered else ()
    gold = next((e for e in excerpts if question.gold and _holds_gold(e, question.gold)), None)
    footnotes_ok = None
    if question.footnotes:
        cited = {f.marker for f in gold.passage.footnotes} if gold else set()
        footnotes_ok = all(m.strip("[]").lower() in cited for m in question.footnotes)
    return QuestionResult(
        question=question,
        answered=answer.answered,
        gold_rank=gold.rank if gold else None,
        footnotes_ok=footnotes_ok,
        top_passage=excerpts[0].passage.id if excerpts else None,
        gold_in_quote=bool(gold) and any(_fold(g) in _fold(gold.quote) for g in question.gold),
    )
