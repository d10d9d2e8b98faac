"""Peers benchmark: Studybot's BM25 index beside rank-bm25, bm25s and tantivy on the same analysed terms.

    python -m benchmarks.peers [--passages 100000,1000000] [--questions 200] [--reference-cap 100000]
                               [--seed N] [--json]

One seeded synthetic corpus per size (benchmarks.search's generator) is analysed once by Studybot's
Analyzer; every engine then indexes those very terms and answers the same analysed questions, each
in its own fresh spawned process, one after the other:

- build_s: analysed terms -> a searchable index (tantivy: written and committed, its own threads);
- index_mb: resident memory after the build minus before it (terms resident both times; tantivy:
  its files on disk, as it reads them through the page cache); peak_mb: VmHWM during the build
  minus the same baseline;
- p50_ms / p99_ms: one analysed question -> the top 10 ids, one question at a time as the bot asks;
- overlap: of each engine's top 10, the share that belongs in the exact BM25Okapi top 10 (rank-bm25's
  scores; a passage tied with the 10th counts), averaged over the questions. The exact top 10 is
  Studybot's, whose scores are bit-identical to rank-bm25's (tests; benchmarks.search prints the
  difference); where rank-bm25 runs, its own top 10 is also compared with it.

rank-bm25 costs about a second a question and several GB at 1M passages: above --reference-cap it
runs on the first --reference-cap passages instead, and its row says so. bm25s runs with numba when
installed (its fastest backend), k1 1.5, b 0.75, method "robertson" (rank-bm25's idf, without the
floor); tantivy uses its own BM25 (k1 1.2, b 0.75, Lucene's idf). A missing peer (pip install
'.[bench]') is reported as missing, not silently left out.
"""

from __future__ import annotations

import argparse
import json
import multiprocessing as mp
import sys
import tempfile
import time
from collections.abc import Sequence
from importlib.util import find_spec
from pathlib import Path

import numpy as np

from benchmarks.search import (
    Progress,
    Vocabulary,
    _percentile,
    _reset_peak,
    _settle,
    _status,
    machine,
    make_passages,
    make_questions,
)

TOP_K = 10
TIES_KEPT = 200  # passages tied with the exact 10th score that the overlap accepts
ENGINES = ("studybot", "rank-bm25", "bm25s", "tantivy")
MODULES = {"studybot": "bot.core.index", "rank-bm25": "rank_bm25", "bm25s": "bm25s", "tantivy": "tantivy"}


# ---------------------------------------------------------------- the engines, each in its own process


def _build(engine: str, documents: list[list[str]], lines: list[str], folder: Path):
    """The engine's index over the analysed passages, and a function from analysed question to top-10 ids."""
    if engine == "studybot":
        from bot.core.index import BM25Index

        index = BM25Index.build(documents)
        return index, lambda q: [d for d, _ in index.top_k(q, TOP_K)]
    if engine == "rank-bm25":
        from rank_bm25 import BM25Okapi

        from bot.core.index import EPSILON, K1, B

        index = BM25Okapi(documents, k1=K1, b=B, epsilon=EPSILON)
        return index, lambda q: np.argsort(index.get_scores(q))[::-1][:TOP_K].tolist()
    if engine == "bm25s":
        import bm25s

        backend = "numba" if find_spec("numba") else "numpy"
        index = bm25s.BM25(k1=1.5, b=0.75, method="robertson", backend=backend)
        index.index(documents, show_progress=False)

        def ask(q):
            ids, _ = index.retrieve([q], k=TOP_K, show_progress=False, n_threads=1, backend_selection=backend)
            return ids[0].tolist()

        return index, ask
    import tantivy

    schema_builder = tantivy.SchemaBuilder()
    schema_builder.add_text_field("terms", tokenizer_name="whitespace", index_option="freq")
    schema_builder.add_unsigned_field("pid", stored=True)
    schema = schema_builder.build()
    index = tantivy.Index(schema, path=str(folder))
    writer = index.writer()
    for pid, line in enumerate(lines):
        writer.add_document(tantivy.Document(terms=line, pid=pid))
    writer.commit()
    writer.wait_merging_threads()
    index.reload()
    searcher = index.searcher()

    def ask(q):
        clauses = [(tantivy.Occur.Should, tantivy.Query.term_query(schema, "terms", t)) for t in q]
        hits = searcher.search(tantivy.Query.boolean_query(clauses), TOP_K).hits
        return [searcher.doc(address)["pid"][0] for _, address in hits]

    return index, ask


def _measure(engine: str, terms_file: str, questions_file: str, n: int, out: str, show: bool) -> None:
    """Runs in a fresh process: reads the analysed passages, builds one engine, times its questions."""
    progress = Progress(show, f"[{n:,} {engine}]")
    progress.step("reading terms")
    with open(terms_file, encoding="utf-8") as fh:
        lines = [line.rstrip("\n") for _, line in zip(range(n), fh, strict=False)]
    documents = [line.split() for line in lines]
    questions = json.loads(Path(questions_file).read_text(encoding="utf-8"))
    if engine != "tantivy":
        lines = []
    folder = Path(out) / f"{engine}-index"
    folder.mkdir()
    rss_before = _settle()
    peak_ok = _reset_peak()
    progress.step("building")
    t0 = time.perf_counter()
    index, ask = _build(engine, documents, lines, folder)
    build_s = time.perf_counter() - t0
    peak = _status("VmHWM") - rss_before if peak_ok else None
    index_mb = _settle() - rss_before
    disk_mb = sum(f.stat().st_size for f in folder.rglob("*") if f.is_file()) / 2**20
    ask(questions[0])  # warm-up, untimed
    latencies, top = [], []
    for i, question in enumerate(questions):
        progress(i, len(questions), "questions")
        t0 = time.perf_counter()
        ids = ask(question)
        latencies.append((time.perf_counter() - t0) * 1000)
        top.append([int(d) for d in ids])
    result = {
        "engine": engine, "passages": n, "build_s": build_s, "index_mb": index_mb, "disk_mb": disk_mb,
        "peak_mb": peak, "p50_ms": _percentile(latencies, 50), "p99_ms": _percentile(latencies, 99),
        "questions": len(questions), "top": top,
    }  # fmt: skip
    if engine == "bm25s":
        result["note"] = "numba backend" if find_spec("numba") else "numpy backend (numba not installed)"
    if engine == "tantivy":
        result["index_mb"] = disk_mb  # memory-mapped files: what it reads lives in the page cache
        result["note"] = f"index_mb: files on disk; resident growth {index_mb:.0f} MB"
    if engine == "studybot":  # the exact top 10 and every passage tied with its 10th score
        exact = []
        for question in questions:
            ranked = index.top_k(question, TOP_K + TIES_KEPT)
            cut = ranked[min(TOP_K, len(ranked)) - 1][1] if ranked else 0.0
            exact.append([d for d, s in ranked if s >= cut])
        result["exact"] = exact
    (Path(out) / f"{engine}.json").write_text(json.dumps(result), encoding="utf-8")
    progress.clear()


def _run(engine: str, n: int, work: Path, show: bool) -> dict:
    proc = mp.get_context("spawn").Process(
        target=_measure, args=(engine, str(work / "terms.txt"), str(work / "questions.json"), n, str(work), show)
    )
    proc.start()
    proc.join()
    if proc.exitcode != 0:
        raise RuntimeError(f"{engine} at {n:,} passages failed (exit code {proc.exitcode})")
    return json.loads((work / f"{engine}.json").read_text(encoding="utf-8"))


# ---------------------------------------------------------------- corpus, once per size


def _analyse(texts: list[str]) -> list[str]:
    from bot.core.analysis import Analyzer

    analyzer = Analyzer("en")
    return [" ".join(analyzer.tokens(text)) for text in texts]


def prepare(n: int, args: argparse.Namespace, work: Path, progress: Progress) -> None:
    """The corpus as analysed terms (one passage a line) and the analysed questions, on both cores."""
    vocab = Vocabulary(args.seed)
    texts = make_passages(vocab, n, args.seed, lambda d, t: progress(d, t, "generating"))
    progress.step("analysing")
    chunks = [texts[i : i + 20_000] for i in range(0, len(texts), 20_000)]
    with mp.get_context("spawn").Pool(2) as pool, (work / "terms.txt").open("w", encoding="utf-8") as fh:
        for lines in pool.imap(_analyse, chunks):
            fh.write("\n".join(lines) + "\n")
    from bot.core.analysis import Analyzer

    analyzer = Analyzer("en")
    questions = [analyzer.tokens(q) for q in make_questions(vocab, args.questions, args.seed)]
    (work / "questions.json").write_text(json.dumps(questions), encoding="utf-8")


def overlap(top: list[list[int]], exact: list[list[int]]) -> float:
    """Mean share of each top 10 that belongs in the exact top 10 (ties with its 10th score included)."""
    shares = [len(set(t) & set(e)) / max(1, min(TOP_K, len(e))) for t, e in zip(top, exact, strict=True)]
    return float(np.mean(shares)) if shares else float("nan")


def run_size(n: int, args: argparse.Namespace) -> list[dict]:
    show = sys.stderr.isatty()
    rows = []
    with tempfile.TemporaryDirectory(prefix="studybot-peers-") as tmp:
        work = Path(tmp)
        prepare(n, args, work, Progress(show, f"[{n:,}]"))
        ours = _run("studybot", n, work, show)
        for engine in ENGINES:
            if find_spec(MODULES[engine].split(".")[0]) is None:
                rows.append({"engine": engine, "passages": n, "missing": f"{MODULES[engine]} not installed"})
                continue
            if engine == "studybot":
                row = ours
            elif engine == "rank-bm25" and n > args.reference_cap:
                row = _run(engine, args.reference_cap, work, show)
                row["note"] = f"run on the first {args.reference_cap:,} passages only (--reference-cap)"
            else:
                row = _run(engine, n, work, show)
            row["overlap"] = None if row["passages"] != n else overlap(row["top"], ours["exact"])
            rows.append(row)
        reference = rows[1]
        if "top" in reference and reference["passages"] == n:  # rank-bm25 on the whole corpus: its own top 10
            ours["overlap_with_rank_bm25_top"] = overlap(ours["top"], reference["top"])
    for row in rows:
        row.pop("top", None)
        row.pop("exact", None)
    return rows


def table(rows: list[dict], facts: dict) -> str:
    head = ("passages", "engine", "build_s", "index_MB", "peak_MB", "p50_ms", "p99_ms", "overlap", "note")
    lines = [
        f"machine: {facts['cpu_count']} CPUs, {facts['memory_gb']} GB, Python {facts['python']}, "
        f"numpy {facts['numpy']}, {facts['platform']}",
        "same analysed terms for every engine; latency = analysed question -> top 10 ids; overlap = share of "
        "the top 10 in the exact BM25Okapi top 10",
        "",
    ]
    table_rows = [head]
    for r in rows:
        if "missing" in r:
            table_rows.append((f"{r['passages']:,}", r["engine"], "MISSING", "", "", "", "", "", r["missing"]))
            continue
        fmt = lambda v, spec: "-" if v is None else format(v, spec)  # noqa: E731
        note = r.get("note", "")
        if "overlap_with_rank_bm25_top" in r:
            note = f"with rank-bm25's own top 10 (random ties): {r['overlap_with_rank_bm25_top']:.3f}"
        table_rows.append((
            f"{r['passages']:,}", r["engine"], fmt(r["build_s"], ".2f"), fmt(r["index_mb"], ".0f"),
            fmt(r["peak_mb"], ".0f"), fmt(r["p50_ms"], ".3f"), fmt(r["p99_ms"], ".3f"), fmt(r["overlap"], ".3f"), note,
        ))  # fmt: skip
    widths = [max(len(row[i]) for row in table_rows) for i in range(len(head))]
    for i, row in enumerate(table_rows):
        cells = zip(row, widths, strict=True)
        lines.append("  ".join(c.rjust(w) if 2 <= j < 8 else c.ljust(w) for j, (c, w) in enumerate(cells)))
        if i == 0:
            lines.append("  ".join("-" * w for w in widths))
    return "\n".join(lines)


def parse_args(argv: Sequence[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(prog="python -m benchmarks.peers", description=__doc__.split("\n")[0])
    parser.add_argument("--passages", default="100000,1000000", help="comma-separated corpus sizes")
    parser.add_argument("--questions", type=int, default=200)
    parser.add_argument("--reference-cap", type=int, default=100_000, metavar="N",
                        help="rank-bm25 runs on at most N passages (default 100,000)")  # fmt: skip
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--json", action="store_true", help="print a JSON list, one object per engine and size")
    args = parser.parse_args(argv)
    try:
        args.sizes = [int(s.replace("_", "")) for s in args.passages.split(",") if s.strip()]
    except ValueError:
        parser.error(f"--passages: not a list of integers: {args.passages!r}")
    if not args.sizes or min(args.sizes) < 1 or args.questions < 1 or args.reference_cap < 1:
        parser.error("--passages, --questions and --reference-cap must be positive")
    return args


def main(argv: Sequence[str] | None = None) -> int:
    args = parse_args(argv)
    facts = machine()
    rows = [row for n in args.sizes for row in run_size(n, args)]
    print(json.dumps(rows, indent=1) if args.json else table(rows, facts))
    return 0


if __name__ == "__main__":
    sys.exit(main())
