"""Answer quality on a question set: hit@k, MRR, the quote showing the answer, refusals and weak answers.

Two question formats are read, both a mapping with a `questions` list:
- the seeds' format: `gold` strings the answering excerpt must contain, optional `footnotes` markers,
  `kind` lexical | paraphrase | negative;
- SQuAD style: also `article` (a file stem) and `paragraph` (0-based among the file's blank-line
  separated paragraphs after the title line); a passage is gold when its text lies inside that paragraph.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from functools import cache
from pathlib import Path

import yaml

from bot.core import yamlfile
from bot.core.engine import Engine
from bot.core.models import Answer, Excerpt

MRR_DEPTH = 10
KINDS = ("lexical", "paraphrase", "negative")
KEYS = ("q", "kind", "gold", "footnotes", "article", "paragraph")  # of a question entry


class QuestionSetError(Exception):
    pass


@dataclass(frozen=True)
class EvalQuestion:
    q: str
    kind: str
    gold: tuple[str, ...] = ()
    footnotes: tuple[str, ...] = ()
    article: str | None = None  # SQuAD style: the gold paragraph's article (file stem) ...
    paragraph: int | None = None  # ... and its 0-based index after the title line
    where: str = field(default="", compare=False)  # "FILE: questions[N]", for messages


@dataclass
class QuestionResult:
    question: EvalQuestion
    answered: bool
    weak: bool
    gold_rank: int | None  # 1-based rank of the first gold excerpt
    footnotes_ok: bool | None  # None when the question lists no footnotes
    top_passage: str | None
    gold_in_quote: bool = False  # the top excerpt's quote (what a member reads first) shows an answer text


def _rate(part: int, whole: int) -> float:
    return round(part / whole, 4) if whole else 0.0


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
    def with_footnotes(self) -> list[QuestionResult]:
        return [r for r in self.results if r.footnotes_ok is not None]

    def to_dict(self) -> dict:
        pos, neg = self.positives, self.negatives
        n = len(pos)
        refused = sum(1 for r in pos if not r.answered)
        weak = sum(1 for r in pos if r.answered and r.weak)
        neg_confident = sum(1 for r in neg if r.answered and not r.weak)
        return {
            "questions": len(self.results),
            "answerable": n,
            "hit_at_1": self.hits(1),
            "hit_at_3": self.hits(3),
            "hit_at_5": self.hits(5),
            "hit_at_1_rate": _rate(self.hits(1), n),
            "hit_at_3_rate": _rate(self.hits(3), n),
            "hit_at_5_rate": _rate(self.hits(5), n),
            "mrr": round(self.mrr, 4),
            "gold_in_quote": sum(1 for r in pos if r.gold_in_quote),
            "gold_in_quote_rate": _rate(sum(1 for r in pos if r.gold_in_quote), n),
            "refused": refused,
            "refused_rate": _rate(refused, n),
            "weak": weak,
            "weak_rate": _rate(weak, n),
            "negatives": len(neg),
            "negatives_unanswered": sum(1 for r in neg if not r.answered),
            "negatives_weak": sum(1 for r in neg if r.answered and r.weak),
            "negatives_answered_confidently": neg_confident,
            "negatives_answered_confidently_rate": _rate(neg_confident, len(neg)),
            "footnotes_attached": sum(1 for r in self.with_footnotes if r.footnotes_ok),
            "footnotes_expected": len(self.with_footnotes),
            "misses": [
                {"q": r.question.q, "kind": r.question.kind, "gold_rank": r.gold_rank, "top": r.top_passage}
                for r in self.results
                if (r.answered if r.question.kind == "negative" else r.gold_rank != 1) or r.footnotes_ok is False
            ],
        }


def report_text(report: dict) -> str:
    """The human summary `studybot eval` prints for a to_dict() report."""
    r, n = report, report["answerable"]
    lines = [
        f"hit@1 {r['hit_at_1']}/{n} ({r['hit_at_1_rate']:.1%})   hit@3 {r['hit_at_3']}/{n} ({r['hit_at_3_rate']:.1%})"
        f"   hit@5 {r['hit_at_5']}/{n} ({r['hit_at_5_rate']:.1%})   MRR@{MRR_DEPTH} {r['mrr']:.3f}",
        f"answer shown in the top quote {r['gold_in_quote']}/{n} ({r['gold_in_quote_rate']:.1%})",
        f"real questions refused {r['refused']}/{n} ({r['refused_rate']:.1%}), "
        f"marked weak {r['weak']}/{n} ({r['weak_rate']:.1%})",
        f"negatives unanswered {r['negatives_unanswered']}/{r['negatives']}, weak {r['negatives_weak']}, "
        f"answered without weak {r['negatives_answered_confidently']} "
        f"({r['negatives_answered_confidently_rate']:.1%})",
        f"footnotes attached {r['footnotes_attached']}/{r['footnotes_expected']}",
    ]
    lines += [
        f"  miss ({m['kind']}, gold rank {m['gold_rank']}, top {m['top']}): {m['q']}" for m in r["misses"]
    ]
    return "\n".join(lines)


def load_questions(path: Path) -> list[EvalQuestion]:
    try:
        text = yamlfile.read_text(Path(path), str(path))
        data, root = yamlfile.load_with_nodes(text)
    except OSError as exc:
        raise QuestionSetError(f"{path}: cannot read it ({exc.strerror or exc})") from None
    except yamlfile.NotUTF8 as exc:
        raise QuestionSetError(str(exc)) from None
    except yaml.YAMLError as exc:
        raise QuestionSetError(yamlfile.error_text(str(path), exc)) from None
    if not isinstance(data, dict) or not isinstance(data.get("questions"), list):
        raise QuestionSetError(f"{path}: expected a mapping with a 'questions' list")
    if not data["questions"]:
        raise QuestionSetError(f"no questions in {path}")
    questions = []
    lines = _item_lines(root)
    for i, item in enumerate(data["questions"], 1):
        where = f"{path}, line {lines[i - 1]}: questions[{i}]" if i <= len(lines) else f"{path}: questions[{i}]"
        if not isinstance(item, dict) or not isinstance(item.get("q"), str) or not item["q"].strip():
            raise QuestionSetError(f"{where}: needs 'q', the question text")
        if (unknown := next((key for key in item if key not in KEYS), None)) is not None:
            raise QuestionSetError(f"{where}: unknown key '{unknown}' (expected one of: {', '.join(KEYS)})")
        kind = item.get("kind", "lexical")
        if kind not in KINDS:
            raise QuestionSetError(f"{where}: 'kind' must be one of {', '.join(KINDS)}")
        gold, notes = item.get("gold", []), item.get("footnotes", [])
        for key, texts in (("gold", gold), ("footnotes", notes)):  # an empty gold string is in every excerpt
            if not isinstance(texts, list) or not all(t is not None and str(t).strip() for t in texts):
                raise QuestionSetError(f"{where}: '{key}' must be a list of texts, none empty")
        article, paragraph = item.get("article"), item.get("paragraph")
        if (article is None) != (paragraph is None):
            raise QuestionSetError(f"{where}: 'article' and 'paragraph' go together")
        if article is not None and (not isinstance(article, str) or type(paragraph) is not int or paragraph < 0):
            raise QuestionSetError(f"{where}: 'article' must be a file stem and 'paragraph' an index from 0")
        if kind != "negative" and not gold and article is None:
            raise QuestionSetError(f"{where}: a {kind} question needs 'gold' strings or 'article' and 'paragraph'")
        questions.append(
            EvalQuestion(item["q"], kind, tuple(map(str, gold)), tuple(map(str, notes)), article, paragraph, where)
        )
    return questions


def _item_lines(root: yaml.Node | None) -> list[int]:
    """The line each item of the 'questions' list starts on."""
    if not isinstance(root, yaml.MappingNode):
        return []
    found = next((value for key, value in root.value if key.value == "questions"), None)
    return [item.start_mark.line + 1 for item in found.value] if isinstance(found, yaml.SequenceNode) else []


def evaluate(engine: Engine, questions: list[EvalQuestion]) -> EvalReport:
    for question in questions:
        _check_gold_paragraph(engine, question)
    report = EvalReport()
    for question in questions:
        answer = engine.ask(question.q, top_k=MRR_DEPTH)
        report.results.append(_judge(question, answer))
    return report


def _fold(text: str) -> str:
    return re.sub(r"\s+", " ", text.replace("**", "")).casefold().strip()


@cache
def _paragraphs(path: str) -> tuple[str, ...]:
    """An article file's folded blank-line-separated paragraphs after its title line."""
    text = Path(path).read_text(encoding="utf-8-sig")
    blocks = [b for b in re.split(r"\n\s*\n", text.strip()) if b.strip()]
    return tuple(_fold(b) for b in blocks[1:])


def _check_gold_paragraph(engine: Engine, question: EvalQuestion) -> None:
    """A SQuAD-style question's paragraph is in the engine's corpus: else no excerpt could be gold."""
    if question.article is None:
        return
    article = engine.article(question.article)
    if article is None:
        raise QuestionSetError(f"{question.where}: 'article' {question.article}: no such article in the corpus")
    if not (Path(article.path).is_absolute() and Path(article.path).is_file()):  # an upload: no file to count in
        raise QuestionSetError(f"{question.where}: 'article' {question.article}: SQuAD-style questions need an "
                               "article of the corpus folder, whose file holds its paragraphs")  # fmt: skip
    if question.paragraph >= (count := len(_paragraphs(article.path))):
        raise QuestionSetError(f"{question.where}: 'paragraph' {question.paragraph}: {article.id} has {count} "
                               f"paragraphs after its title line, numbered from 0")  # fmt: skip


def _is_gold(question: EvalQuestion, excerpt: Excerpt) -> bool:
    text = _fold(excerpt.passage.text)
    if question.article is not None:  # (_check_gold_paragraph: the article and its paragraph exist)
        return excerpt.article.id == question.article and text in _paragraphs(excerpt.article.path)[question.paragraph]
    return any(_fold(g) in text for g in question.gold)


def _judge(question: EvalQuestion, answer: Answer) -> QuestionResult:
    excerpts = answer.excerpts if answer.answered else ()
    gold = next((e for e in excerpts if _is_gold(question, e)), None)
    footnotes_ok = None
    if question.footnotes:
        cited = {f.marker for f in gold.passage.footnotes} if gold else set()
        footnotes_ok = all(m.strip("[]").lower() in cited for m in question.footnotes)
    top_quote = _fold(excerpts[0].quote) if excerpts else ""
    return QuestionResult(
        question=question,
        answered=answer.answered,
        weak=answer.weak,
        gold_rank=gold.rank if gold else None,
        footnotes_ok=footnotes_ok,
        top_passage=excerpts[0].passage.id if excerpts else None,
        gold_in_quote=bool(excerpts) and any(_fold(g) in top_quote for g in question.gold),
    )
