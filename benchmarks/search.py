"""Search benchmark: our engine (Analyzer + BM25Index) against rank_bm25.BM25Okapi on the same tokens.

    python -m benchmarks.search [--passages 10000,100000,1000000] [--questions 200] [--json] [--seed N]
                                [--skip-reference-above N] [--reference-questions N]

For each size it generates a seeded synthetic corpus *as text* (a Zipf-distributed vocabulary of 50,000
made-up words with a few hundred real English words, inflections, stopwords, numbers, hyphenated names,
capitals and punctuation mixed in, 40-80 words a passage) and seeded questions of 3-6 content words
wrapped in ordinary question phrasing. Each engine is measured in its own fresh process (multiprocessing,
spawn), one after the other, so that neither its memory nor its timings see the other engine:

- build_s: text -> terms -> index (ours: bot.core.indexing.build_index, as the engine builds: analysis
  in a pool of one process per core from 50k passages, then BM25Index.from_flat); build_index_only_s:
  the index part;
- index_mb: resident memory (VmRSS, /proc/self/status) after building minus before it, the passages'
  text (rank-bm25: and its tokens) resident both times, each after gc.collect() and glibc's
  malloc_trim(0) (else free holes left in the heap by generating the corpus would absorb the index
  unseen); peak_build_mb: VmHWM during the build (peak counter reset through /proc/self/clear_refs just
  before it) minus the same baseline (ours: analysis included); worker_peak_mb: the analysis
  processes' peak RSS together (descendants sampled every 0.1 s), when there is a pool;
- ours also: disk_mb of the saved index and load_s of BM25Index.load (memory-mapped; the files were
  just written, so the page cache is warm);
- p50_ms / p99_ms: one question = analysing its text + scoring + the top 10 (ours: BM25Index.top_k;
  rank-bm25: get_scores + argsort, as its get_top_n does), one untimed warm-up question first;
- max_abs_diff: the largest |ours.scores(q) - BM25Okapi.get_scores(q)| over every passage of every
  question timed on both engines;
- ours also: ask_plain p50/p99 and ask_rerank p50/p99, a whole Engine.ask for the top 10 (gate, first
  stage, quotes) without and with the second stage (ranking.py, over the top 10) and the passage gate,
  the passages grouped a thousand to an article; with the semantic extra installed also ask_semantic
  p50/p99 (the second stage with search.semantic_weight 0.5, the model loaded before timing).

rank-bm25 costs about a second a question and several GB at 1M passages, so it is timed on fewer
questions at large sizes (all of them below 100k, 20 below 1M, 5 from 1M; --reference-questions sets it)
and can be skipped above a size with --skip-reference-above. speedup_p50 compares the p50s on those
same questions.
"""

from __future__ import annotations

import argparse
import contextlib
import ctypes
import gc
import json
import multiprocessing as mp
import os
import platform
import random
import sys
import tempfile
import threading
import time
from collections.abc import Sequence
from pathlib import Path

import numpy as np

SYNTHETIC_WORDS = 50_000
ZIPF_EXPONENT = 1.05
MIN_WORDS, MAX_WORDS = 40, 80
TOP_K = 10
MEMORY_METHOD = (
    "each engine built in a fresh spawned process; index_mb = VmRSS after build - VmRSS before, text "
    "(rank-bm25: and tokens) resident both times, each after gc.collect() and malloc_trim(0); "
    "peak_build_mb = VmHWM during build - same baseline (ours: analysis included; worker_MB = peak "
    "of the analysis processes together)"
)

# Function words in rough order of frequency: the top of the Zipf ranking, mostly stopwords to the analyzer.
FUNCTION_WORDS = """the of and to a in is that for it as was with be by on not he this are or his from at which
but have an they you were her she there been their one all we can has more would if will when who so no
its into than them only other then about these also some what may could our any most such over""".split()

# Real English content words with inflections, so that stemming merges forms as it does on real articles.
ENGLISH_WORDS = """negotiate negotiates negotiated negotiating negotiation negotiations negotiator negotiators
treaty treaties agree agrees agreed agreement agreements policy policies govern governs governed government
governments governing elect elects elected election elections elector economy economies economic economics
economist economists sanction sanctions sanctioned military militaries militarily alliance alliances allied
ally allies security secure secured securing nation nations national nationalism nationalist nationalists
state states stated statement statements minister ministers ministry ministries president presidents
presidential presidency diplomat diplomats diplomatic diplomacy war wars warring conflict conflicts
conflicting defend defends defended defense defence defensive weapon weapons weaponry nuclear missile
missiles strategy strategies strategic strategically power powers powerful influence influences influenced
influential region regions regional border borders bordered territory territories territorial crisis crises
reform reforms reformed reforming reformer trade trades traded trading trader energy energies gas pipeline
pipelines oil market markets marketed invest invests invested investment investments investor investors
cooperate cooperates cooperated cooperation cooperative relation relations relationship relationships
expand expands expanded expansion enlarge enlarged enlargement integrate integrated integration democracy
democracies democratic democrat democrats parliament parliaments parliamentary vote votes voted voting voter
voters leader leaders leadership lead leads leading argue argues argued argument arguments analyst analysts
analysis analyses analyze analyzed report reports reported reporting reporter history histories historical
historian historians decade decades century centuries summit summits meeting meetings meet meets
conference conferences declare declared declaration ambassador ambassadors embassy embassies foreign
domestic international internationally global globally globalization interest interests interested
threat threats threaten threatened threatening perceive perceived perception perceptions identity
identities culture cultures cultural society societies social socially institution institutions
institutional organization organizations organize organized member members membership partner partners
partnership partnerships neighbor neighbors neighboring europe european europeans russia russian russians
america american americans china chinese ukraine ukrainian germany german france french britain british
soviet union unions communist communism capital capitals capitalism city cities country countries
population populations people peoples public publicly private privately law laws legal legally court
courts right rights freedom freedoms protest protests protested protesters reset resets engage engaged
engagement contain contained containment deter deterred deterrence escalate escalated escalation
withdraw withdrew withdrawn withdrawal troop troops army armies navy naval force forces forced forcing
operation operations operational intelligence spy spies spying cyber attack attacks attacked attacking
invade invaded invasion occupy occupied occupation annex annexed annexation recognize recognized
recognition sovereign sovereignty independent independence revolution revolutions revolutionary
ideology ideologies ideological propaganda media journalist journalists newspaper newspapers
""".split()

NUMBERS = [str(y) for y in range(1945, 2025)] + [str(n) for n in (2, 3, 5, 10, 12, 20, 50, 100, 500, 1000)]
HYPHENATED = """start-iv post-soviet cold-war anti-missile pro-western non-proliferation self-determination
well-known long-term short-term co-operation re-election""".split()

QUESTION_TEMPLATES = (
    "What does the reading say about {}?",
    "Why did the {} matter?",
    "Tell me about {}.",
    "How are {} related?",
    "{}?",
    "Who wrote on {} and when?",
)


# ---------------------------------------------------------------- corpus


class Vocabulary:
    """Words in Zipf rank order, their printed forms, and the cumulative distributions to draw from."""

    def __init__(self, seed: int):
        rnd = random.Random(seed)
        known = set(FUNCTION_WORDS) | set(ENGLISH_WORDS) | set(NUMBERS) | set(HYPHENATED)
        synthetic: list[str] = []
        seen = set(known)
        onsets, vowels, codas = "bcdfghjklmnprstvwz", "aeiouy", ["", "", "", "n", "r", "s", "l", "k", "m", "t"]
        while len(synthetic) < SYNTHETIC_WORDS:
            word = "".join(
                rnd.choice(onsets) + rnd.choice(vowels) + rnd.choice(codas) for _ in range(rnd.randint(2, 4))
            )
            if word not in seen:
                seen.add(word)
                synthetic.append(word)
        # Real content words rank among the commoner content words, as topical words do in articles.
        extras = ENGLISH_WORDS + NUMBERS + HYPHENATED
        keyed = [(float(i), w) for i, w in enumerate(synthetic)] + [(rnd.uniform(0, 3000), w) for w in extras]
        keyed.sort()
        content = [w for _, w in keyed]
        self.words = FUNCTION_WORDS + content
        self.n_function = len(FUNCTION_WORDS)
        ranks = np.arange(1, len(self.words) + 1, dtype=np.float64)
        p = ranks**-ZIPF_EXPONENT
        self.cdf = np.cumsum(p / p.sum())
        q = p[self.n_function :]
        self.content_cdf = np.cumsum(q / q.sum())
        # Printed forms of word i: 6*i + 3*capitalized + (0 plain, 1 comma, 2 full stop).
        forms = []
        for w in self.words:
            c = w[:1].upper() + w[1:]
            forms += [w, w + ",", w + ".", c, c + ",", c + "."]
        self.forms = np.array(forms, dtype=object)

    def draw(self, rng: np.random.Generator, size: int, content_only: bool = False) -> np.ndarray:
        cdf = self.content_cdf if content_only else self.cdf
        ids = np.searchsorted(cdf, rng.random(size), side="right")
        np.minimum(ids, len(cdf) - 1, out=ids)
        return ids + self.n_function if content_only else ids


def make_passages(vocab: Vocabulary, n: int, seed: int, progress=None) -> list[str]:
    """n passages of 40-80 words as text: sentences with capitals, commas and full stops."""
    rng = np.random.default_rng([seed, n, 1])
    texts: list[str] = []
    chunk = 50_000
    for start in range(0, n, chunk):
        m = min(chunk, n - start)
        lengths = rng.integers(MIN_WORDS, MAX_WORDS + 1, m)
        ends = np.cumsum(lengths)
        total = int(ends[-1])
        ids = vocab.draw(rng, total)
        r = rng.random(total)
        punct = np.where(r < 0.07, 2, np.where(r < 0.13, 1, 0))
        punct[ends - 1] = 2  # every passage ends a sentence
        capital = np.zeros(total, dtype=np.int64)
        capital[1:] = punct[:-1] == 2
        capital[ends - lengths] = 1  # and starts one
        words = vocab.forms[ids * 6 + capital * 3 + punct].tolist()
        lo = 0
        for hi in ends.tolist():
            texts.append(" ".join(words[lo:hi]))
            lo = hi
        if progress:
            progress(start + m, n)
    return texts


def make_questions(vocab: Vocabulary, count: int, seed: int) -> list[str]:
    """count questions of 3-6 content words each (Zipf-drawn like the corpus), in ordinary phrasing."""
    rng = np.random.default_rng([seed, 2])
    questions = []
    for _ in range(count):
        words = [vocab.words[i] for i in vocab.draw(rng, int(rng.integers(3, 7)), content_only=True)]
        template = QUESTION_TEMPLATES[int(rng.integers(len(QUESTION_TEMPLATES)))]
        phrase = ", ".join(words[:-1]) + " and " + words[-1]
        questions.append(template.format(phrase))
    return questions


# ---------------------------------------------------------------- measuring


def _status(field: str) -> float:
    """A /proc/self/status memory field in MB."""
    with open("/proc/self/status", encoding="ascii") as fh:
        for line in fh:
            if line.startswith(field + ":"):
                return int(line.split()[1]) / 1024
    raise RuntimeError(f"{field} not in /proc/self/status")


def _settle() -> float:
    """VmRSS in MB once garbage is collected and malloc has handed its free pages back to the system."""
    gc.collect()
    with contextlib.suppress(OSError, AttributeError):
        ctypes.CDLL(None).malloc_trim(0)  # glibc: freed heap holes would otherwise hide new allocations
    return _status("VmRSS")


def _reset_peak() -> bool:
    try:
        with open("/proc/self/clear_refs", "w", encoding="ascii") as fh:
            fh.write("5")
        return True
    except OSError:
        return False


class DescendantsPeak:
    """The largest summed VmRSS (MB) of this process's descendants (analysis workers, their forkserver),
    sampled every 0.1 s from /proc on a thread until stop()."""

    def __init__(self) -> None:
        self.peak, self._done = 0.0, threading.Event()
        self._thread = threading.Thread(target=self._sample, daemon=True)
        self._thread.start()

    def _sample(self) -> None:
        while not self._done.wait(0.1):
            self.peak = max(self.peak, self.total())

    @staticmethod
    def total() -> float:
        parents, rss = {}, {}
        for pid in filter(str.isdigit, os.listdir("/proc")):
            with contextlib.suppress(OSError):
                with open(f"/proc/{pid}/status", encoding="ascii", errors="replace") as fh:
                    fields = dict(line.split(":", 1) for line in fh if ":" in line)
                parents[int(pid)] = int(fields["PPid"])
                rss[int(pid)] = int(fields.get("VmRSS", "0 kB").split()[0]) / 1024
        me, total = os.getpid(), 0.0
        for pid in rss:
            p = parents.get(pid)
            while p and p != me:
                p = parents.get(p)
            if p == me:
                total += rss[pid]
        return total

    def stop(self) -> float:
        self._done.set()
        self._thread.join()
        return self.peak


def _percentile(values: Sequence[float], q: float) -> float:
    return float(np.percentile(np.asarray(values, dtype=np.float64), q)) if len(values) else float("nan")


class Progress:
    """One overwritten status line on stderr when it is a terminal; silent otherwise."""

    def __init__(self, enabled: bool, label: str):
        self.enabled, self.label, self.last = enabled, label, 0.0

    def __call__(self, done: int, total: int, what: str = "") -> None:
        if not self.enabled:
            return
        now = time.monotonic()
        if done < total and now - self.last < 0.2:
            return
        self.last = now
        sys.stderr.write(f"\r\033[K{self.label} {what} {done:,}/{total:,}")
        sys.stderr.flush()

    def step(self, what: str) -> None:
        if self.enabled:
            sys.stderr.write(f"\r\033[K{self.label} {what}")
            sys.stderr.flush()

    def clear(self) -> None:
        if self.enabled:
            sys.stderr.write("\r\033[K")
            sys.stderr.flush()


def _measure(engine: str, n: int, n_questions: int, n_compared: int, seed: int, out: str, show: bool) -> None:
    """Runs in a fresh process: generates the corpus, builds one engine, times it, writes out/<engine>.json."""
    from bot.core.analysis import Analyzer

    out_dir = Path(out)
    progress = Progress(show, f"[{n:,} {engine}]")
    vocab = Vocabulary(seed)
    texts = make_passages(vocab, n, seed, lambda d, t: progress(d, t, "generating"))
    questions = make_questions(vocab, n_questions, seed)
    analyzer = Analyzer("en")
    gc.collect()

    if engine == "ours":  # as the engine builds: analysis on every core (a pool from 50k passages), then the index
        from bot.core.index import ARRAYS as INDEX_ARRAYS
        from bot.core.index import BM25Index
        from bot.core.indexing import build_index

        stage_start: dict[str, float] = {}

        def on_progress(stage: str, done: int, total: int) -> None:
            stage_start.setdefault(stage, time.perf_counter())
            progress(done, total, stage)

        rss_before = _settle()
        peak_ok = _reset_peak()
        descendants = DescendantsPeak()
        t0 = time.perf_counter()
        index = build_index(((analyzer, text, "") for text in texts), n, on_progress)
        index_s = time.perf_counter() - stage_start.get("indexing", t0)
        analysis_s = time.perf_counter() - t0 - index_s
        n_tokens = None
    else:  # rank-bm25 takes the same terms as strings
        t0 = time.perf_counter()
        documents = []
        for i, text in enumerate(texts):
            documents.append(analyzer.tokens(text))
            if i % 10_000 == 0:
                progress(i, n, "analysing")
        analysis_s = time.perf_counter() - t0
        n_tokens = sum(map(len, documents))
        rss_before = _settle()
        peak_ok = _reset_peak()
        progress.step("building")
        from rank_bm25 import BM25Okapi

        from bot.core import index as core

        descendants = DescendantsPeak()
        t0 = time.perf_counter()
        index = BM25Okapi(documents, k1=core.K1, b=core.B, epsilon=core.EPSILON)
        index_s = time.perf_counter() - t0
    peak = _status("VmHWM") - rss_before if peak_ok else None
    worker_peak = descendants.stop()
    rss_after = _settle()
    result: dict = {
        "build_s": analysis_s + index_s,
        "build_index_only_s": index_s,
        "analysis_s": analysis_s,
        "index_mb": rss_after - rss_before,
        "peak_build_mb": peak,
        "tokens": n_tokens,
        "worker_peak_mb": worker_peak or None,
    }

    if engine == "ours":
        progress.step("saving")
        folder = out_dir / "index"
        index.save(folder)
        result["disk_mb"] = sum(f.stat().st_size for f in folder.iterdir()) / 2**20
        result["arrays_mb"] = sum(getattr(index, name).nbytes for name in INDEX_ARRAYS) / 2**20
        result["terms"] = len(index.vocabulary)
        rss_pre_load = _settle()
        t0 = time.perf_counter()
        loaded = BM25Index.load(folder)
        result["load_s"] = time.perf_counter() - t0

        def ask(question: str):
            return index.top_k(analyzer.tokens(question), TOP_K)

        def ask_loaded(question: str):
            return loaded.top_k(analyzer.tokens(question), TOP_K)

        def scores(question: str) -> np.ndarray:
            return index.scores(analyzer.tokens(question))
    else:

        def ask(question: str):
            s = index.get_scores(analyzer.tokens(question))
            return np.argsort(s)[::-1][:TOP_K]

        def scores(question: str) -> np.ndarray:
            return index.get_scores(analyzer.tokens(question))

    timed = questions if engine == "ours" else questions[:n_compared]
    ask(timed[0])  # warm-up, untimed
    latencies = []
    for i, question in enumerate(timed):
        progress(i, len(timed), "questions")
        t0 = time.perf_counter()
        ask(question)
        latencies.append((time.perf_counter() - t0) * 1000)
    result["p50_ms"], result["p99_ms"] = _percentile(latencies, 50), _percentile(latencies, 99)
    result["max_ms"] = max(latencies)
    result["questions"] = len(timed)
    result["latencies_ms"] = latencies
    if engine == "ours":
        ask_loaded(timed[0])
        loaded_latencies = []
        for question in timed:
            t0 = time.perf_counter()
            ask_loaded(question)
            loaded_latencies.append((time.perf_counter() - t0) * 1000)
        result["p50_loaded_ms"] = _percentile(loaded_latencies, 50)
        result["p99_loaded_ms"] = _percentile(loaded_latencies, 99)
        result["loaded_rss_mb"] = _settle() - rss_pre_load  # mapped pages the questions touched, and vocabulary
        progress.step("engine questions")
        result.update(_engine_latencies(texts, index, timed))
    progress.step("scoring for comparison")
    np.save(out_dir / f"{engine}-scores.npy", np.stack([scores(q) for q in questions[:n_compared]]))
    (out_dir / f"{engine}.json").write_text(json.dumps(result), encoding="utf-8")
    progress.clear()


def _engine_latencies(texts: list[str], index, questions: list[str]) -> dict:
    """Engine.ask p50/p99 without and with the second stage, over the index just built."""
    from bot.core import semantic
    from bot.core.engine import Engine, EngineOptions
    from bot.core.models import Article, Corpus, Passage
    from bot.core.ranking import RerankOptions

    articles = []
    for start in range(0, len(texts), 1000):
        article_id = f"a{start // 1000}"
        passages = tuple(
            Passage(f"{article_id}:{i}", article_id, i, i, text)
            for i, text in enumerate(texts[start : start + 1000], 1)
        )
        articles.append(Article(article_id, article_id, article_id, passages=passages))
    corpus = Corpus(tuple(articles))
    result = {}
    plain = EngineOptions(rerank=RerankOptions(depth=0), passage_gate=False)
    configs = [("plain", plain), ("rerank", EngineOptions())]
    if semantic.available():  # the semantic extra: the model loaded before timing, its cost apart
        before, t0 = _settle(), time.perf_counter()
        semantic.model()
        result["semantic_load_s"] = time.perf_counter() - t0
        result["semantic_model_mb"] = _settle() - before
        configs.append(("semantic", EngineOptions(rerank=RerankOptions(semantic_weight=0.5))))
    for label, options in configs:
        engine = Engine(corpus, options, index=index)
        engine.ask(questions[0], top_k=TOP_K)
        latencies = []
        for question in questions:
            t0 = time.perf_counter()
            engine.ask(question, top_k=TOP_K)
            latencies.append((time.perf_counter() - t0) * 1000)
        result[f"ask_{label}_p50_ms"] = _percentile(latencies, 50)
        result[f"ask_{label}_p99_ms"] = _percentile(latencies, 99)
    return result


def _run_child(engine: str, n: int, args: argparse.Namespace, n_compared: int, out: Path) -> dict:
    ctx = mp.get_context("spawn")
    show = sys.stderr.isatty()
    proc = ctx.Process(target=_measure, args=(engine, n, args.questions, n_compared, args.seed, str(out), show))
    proc.start()
    proc.join()
    if proc.exitcode != 0:
        raise RuntimeError(f"{engine} at {n:,} passages failed (exit code {proc.exitcode})")
    return json.loads((out / f"{engine}.json").read_text(encoding="utf-8"))


def reference_questions(n: int, n_questions: int, override: int | None) -> int:
    if override is not None:
        wanted = override
    elif n >= 1_000_000:
        wanted = 5
    elif n >= 100_000:
        wanted = 20
    else:
        wanted = n_questions
    return max(1, min(wanted, n_questions))


def run_size(n: int, args: argparse.Namespace) -> dict:
    skip = args.skip_reference_above is not None and n > args.skip_reference_above
    n_compared = reference_questions(n, args.questions, args.reference_questions)
    with tempfile.TemporaryDirectory(prefix="studybot-bench-") as tmp:
        out = Path(tmp)
        ours = _run_child("ours", n, args, n_compared, out)
        record: dict = {"passages": n, "ours": ours, "rank_bm25": None, "speedup_p50": None,
                        "max_abs_diff": None, "reference_questions": 0}  # fmt: skip
        if not skip:
            ref = _run_child("rank_bm25", n, args, n_compared, out)
            a, b = np.load(out / "ours-scores.npy"), np.load(out / "rank_bm25-scores.npy")
            same = ours["latencies_ms"][:n_compared]
            record.update(
                rank_bm25=ref,
                reference_questions=n_compared,
                max_abs_diff=float(np.max(np.abs(a - b))) if a.size else 0.0,
                ours_p50_same_questions_ms=_percentile(same, 50),
                speedup_p50=ref["p50_ms"] / _percentile(same, 50),
            )
    for engine in ("ours", "rank_bm25"):
        if record[engine]:
            del record[engine]["latencies_ms"]
    return record


def machine() -> dict:
    from importlib.metadata import version

    return {
        "cpu_count": os.cpu_count(),
        "python": platform.python_version(),
        "numpy": np.__version__,
        "rank_bm25": version("rank-bm25"),
        "platform": platform.platform(),
        "memory_gb": round(os.sysconf("SC_PAGE_SIZE") * os.sysconf("SC_PHYS_PAGES") / 2**30, 1),
    }


# ---------------------------------------------------------------- report

TARGETS = (
    "at 1M: p50 <= 0.7 ms, p99 <= 2 ms, index <= 600 MB, build <= 30 s, load <= 1 s; at 3M: p50 <= 2 ms; "
    ">= 100x p50 at 100k and 1M"
)


def verdicts(records: list[dict]) -> list[tuple[str, bool]]:
    out = []
    for r in records:
        n, o = r["passages"], r["ours"]
        if r["max_abs_diff"] is not None:
            out.append((f"{n:,}: max score diff {r['max_abs_diff']:.3g} <= 1e-9", r["max_abs_diff"] <= 1e-9))
        if n >= 100_000 and r["speedup_p50"] is not None:
            out.append((f"{n:,}: speedup p50 {r['speedup_p50']:.0f}x >= 100x", r["speedup_p50"] >= 100))
        if 1_000_000 <= n < 3_000_000:
            out += [
                (f"{n:,}: p50 {o['p50_ms']:.3f} ms <= 0.7 ms", o["p50_ms"] <= 0.7),
                (f"{n:,}: p99 {o['p99_ms']:.3f} ms <= 2 ms", o["p99_ms"] <= 2),
                (f"{n:,}: index {o['index_mb']:.0f} MB resident <= 600 MB", o["index_mb"] <= 600),
                (f"{n:,}: build from text {o['build_s']:.1f} s <= 30 s", o["build_s"] <= 30),
                (f"{n:,}: load {o['load_s']:.3f} s <= 1 s", o["load_s"] <= 1),
            ]
        if n >= 3_000_000:
            out += [
                (f"{n:,}: p50 {o['p50_ms']:.3f} ms <= 2 ms", o["p50_ms"] <= 2),
                (f"{n:,}: load {o['load_s']:.3f} s <= 1 s", o["load_s"] <= 1),
            ]
    return out


def _fmt(value, spec: str) -> str:
    return "-" if value is None else format(value, spec)


def table(records: list[dict], facts: dict) -> str:
    lines = [
        f"machine: {facts['cpu_count']} CPUs, {facts['memory_gb']} GB, Python {facts['python']}, "
        f"numpy {facts['numpy']}, rank-bm25 {facts['rank_bm25']}, {facts['platform']}",
        f"memory: {MEMORY_METHOD}",
        "latency: analysing the question + scoring + top 10, per question; load_s with a warm page cache",
        "ask/rerank: a whole Engine.ask for the top 10 (gate, search, quotes) without / with the second stage;",
        "semantic: with it and search.semantic_weight 0.5 (the semantic extra; '-' when not installed)",
        "",
    ]
    head = ("passages", "engine", "build_s", "index_s", "index_MB", "peak_MB", "worker_MB", "disk_MB", "load_s",
            "p50_ms", "p99_ms", "questions", "ask_p50", "ask_p99", "rerank_p50", "rerank_p99", "semantic_p50",
            "semantic_p99")  # fmt: skip
    rows = [head]
    for r in records:
        for engine in ("ours", "rank_bm25"):
            e = r[engine]
            if e is None:
                rows.append((f"{r['passages']:,}", "rank-bm25", "skipped", *[""] * (len(head) - 3)))
                continue
            rows.append((
                f"{r['passages']:,}", "ours" if engine == "ours" else "rank-bm25",
                _fmt(e["build_s"], ".2f"), _fmt(e["build_index_only_s"], ".2f"), _fmt(e["index_mb"], ".0f"),
                _fmt(e["peak_build_mb"], ".0f"), _fmt(e.get("worker_peak_mb"), ".0f"),
                _fmt(e.get("disk_mb"), ".0f"), _fmt(e.get("load_s"), ".3f"),
                _fmt(e["p50_ms"], ".3f"), _fmt(e["p99_ms"], ".3f"), str(e["questions"]),
                _fmt(e.get("ask_plain_p50_ms"), ".3f"), _fmt(e.get("ask_plain_p99_ms"), ".3f"),
                _fmt(e.get("ask_rerank_p50_ms"), ".3f"), _fmt(e.get("ask_rerank_p99_ms"), ".3f"),
                _fmt(e.get("ask_semantic_p50_ms"), ".3f"), _fmt(e.get("ask_semantic_p99_ms"), ".3f"),
            ))  # fmt: skip
    widths = [max(len(row[i]) for row in rows) for i in range(len(head))]
    for i, row in enumerate(rows):
        cells = [c.rjust(w) if j >= 2 else c.ljust(w) for j, (c, w) in enumerate(zip(row, widths, strict=True))]
        lines.append("  ".join(cells))
        if i == 0:
            lines.append("  ".join("-" * w for w in widths))
    lines.append("")
    for r in records:
        if r["rank_bm25"] is None:
            lines.append(f"{r['passages']:,} passages: rank-bm25 skipped (--skip-reference-above)")
        else:
            lines.append(
                f"{r['passages']:,} passages: rank-bm25 timed on {r['reference_questions']} questions; "
                f"speedup p50 {r['speedup_p50']:.0f}x (ours {r['ours_p50_same_questions_ms']:.3f} ms on those); "
                f"max |score diff| {r['max_abs_diff']:.3g}"
            )
        if (ours := r["ours"]) and "semantic_load_s" in ours:
            lines.append(f"{r['passages']:,} passages: the semantic model loaded in {ours['semantic_load_s']:.2f} s, "
                         f"resident +{ours['semantic_model_mb']:.0f} MB")  # fmt: skip
    lines += ["", f"targets ({TARGETS}):"]
    for text, ok in verdicts(records):
        lines.append(f"  {'met   ' if ok else 'MISSED'} {text}")
    return "\n".join(lines)


def parse_args(argv: Sequence[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(prog="python -m benchmarks.search", description=__doc__.split("\n")[0])
    parser.add_argument("--passages", default="10000,100000,1000000", help="comma-separated corpus sizes")
    parser.add_argument("--questions", type=int, default=200)
    parser.add_argument("--json", action="store_true", help="print a JSON list, one object per size")
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--skip-reference-above", type=int, metavar="N", help="no rank-bm25 above N passages")
    parser.add_argument(
        "--reference-questions", type=int, metavar="N",
        help="questions timed on rank-bm25 (default: all below 100k, 20 below 1M, 5 from 1M)",
    )  # fmt: skip
    args = parser.parse_args(argv)
    try:
        args.sizes = [int(s.replace("_", "")) for s in args.passages.split(",") if s.strip()]
    except ValueError:
        parser.error(f"--passages: not a list of integers: {args.passages!r}")
    if not args.sizes or min(args.sizes) < 1 or args.questions < 1:
        parser.error("--passages and --questions must be positive")
    return args


def main(argv: Sequence[str] | None = None) -> int:
    args = parse_args(argv)
    facts = machine()
    records = []
    for n in args.sizes:
        record = run_size(n, args)
        record["machine"] = facts
        record["memory_method"] = MEMORY_METHOD
        records.append(record)
    if args.json:
        print(json.dumps(records, indent=1))
    else:
        print(table(records, facts))
    return 0


if __name__ == "__main__":
    sys.exit(main())
