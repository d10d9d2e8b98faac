"""Optional semantic similarity for the second stage: a small static embedding model shipped in a package.

The model is wordllama's bundled `l2_supercat_256` (MIT): a 32,000-token table of 256-number vectors
(16 MB, float16) with its Llama-2 BPE tokenizer, both files inside the wordllama wheel. We read those
two files ourselves (safetensors and tokenizers, wordllama's own dependencies) and never import
wordllama's Python code, whose loader falls back to downloading from a model hub: nothing is fetched,
ever. Install it with `pip install 'studybot[semantic]'`; without it the engine is unchanged and a
configuration that asks for it is refused (`require_model()`), and so is a damaged install, when
the engine that uses it is made (`model()`).

A text's vector is the mean of its tokens' vectors, unit length. The tokenizer's ids follow its merge
order, so the first COMMON_TOKENS ids are the commonest pieces ("the", "of", "▁in", punctuation):
they weigh COMMON_WEIGHT, so that a passage's vector says what it is about rather than how English
reads (measured on the SQuAD set, odd half: all tokens alike gained nothing on hit@1; ids below 500,
1000 or 2000 down-weighted gained alike, 4000 less). Only the second stage's few candidates are
embedded per question: there is no cost at index time.
"""

from __future__ import annotations

import importlib.util
import threading
from collections.abc import Sequence
from pathlib import Path

import numpy as np

PACKAGE = "wordllama"
EXTRA = "semantic"
WEIGHTS = Path("weights") / "l2_supercat_256.safetensors"
TOKENIZER = Path("tokenizers") / "l2_supercat_tokenizer_config.json"
TENSOR = "embedding.weight"
COMMON_TOKENS = 1000
COMMON_WEIGHT = 1e-3
# Said after the key's name, by the configuration check and by require_model().
NEEDS = f"needs the {PACKAGE} package: pip install 'studybot[{EXTRA}]' (or set it to 0)"
KEY = "search.semantic_weight"


class SemanticUnavailable(Exception):
    """The semantic model's package (or one of its bundled files) is not installed."""


class StaticEmbedding:
    """Texts → unit vectors: the weighted mean of their tokens' vectors."""

    def __init__(self, table: np.ndarray, tokenizer) -> None:
        self.table = table  # (vocabulary, dimensions), as stored (float16): 16 MB, not 32
        self.tokenizer = tokenizer
        weights = np.ones(len(table), dtype=np.float32)
        weights[:COMMON_TOKENS] = COMMON_WEIGHT
        self.token_weights = weights

    def embed(self, texts: Sequence[str]) -> np.ndarray:
        """One unit-length float32 row per text (zeros for a text without tokens)."""
        out = np.zeros((len(texts), self.table.shape[1]), dtype=np.float32)
        for row, text in enumerate(texts):  # one by one: encode_batch's thread pool gains nothing on a few texts
            # the tokenizer takes only valid Unicode: a lone surrogate (undecodable bytes in a terminal's
            # argument, a "\ud800" in JSON) becomes U+FFFD
            text = text.encode("utf-16", "surrogatepass").decode("utf-16", "replace")
            ids = np.asarray(self.tokenizer.encode(text, add_special_tokens=False).ids, dtype=np.int64)
            ids = ids[(ids >= 0) & (ids < len(self.table))]
            if not len(ids):
                continue
            vector = self.token_weights[ids] @ self.table[ids].astype(np.float32)
            norm = float(np.linalg.norm(vector))
            out[row] = vector / norm if norm else vector
        return out

    def similarities(self, question: str, texts: Sequence[str]) -> np.ndarray:
        """Cosine similarity of the question to each text (float32, -1..1)."""
        vectors = self.embed([question, *texts])
        return vectors[1:] @ vectors[0]


def model_dir() -> Path | None:
    """The installed wordllama package's folder, found without importing it (None: not installed)."""
    spec = importlib.util.find_spec(PACKAGE)
    locations = list(spec.submodule_search_locations or ()) if spec else []
    return Path(locations[0]) if locations else None


def available() -> bool:
    """Whether the model's package, its bundled files and the libraries that read them are installed."""
    folder = model_dir()
    return (
        folder is not None
        and (folder / WEIGHTS).is_file()
        and (folder / TOKENIZER).is_file()
        and all(importlib.util.find_spec(name) for name in ("safetensors", "tokenizers"))
    )


def require_model() -> None:
    """Raise SemanticUnavailable (the key and the extra to install) unless available()."""
    if not available():
        raise SemanticUnavailable(f"{KEY} {NEEDS}")


_lock = threading.Lock()
_model: StaticEmbedding | None = None


def model() -> StaticEmbedding:
    """The bundled model, loaded once per process (thread-safe) on first use."""
    global _model
    if _model is None:
        with _lock:
            if _model is None:
                _model = _load()
    return _model


def _load() -> StaticEmbedding:
    require_model()
    from safetensors.numpy import load_file
    from tokenizers import Tokenizer

    folder = model_dir()
    try:
        table = load_file(str(folder / WEIGHTS))[TENSOR]
        tokenizer = Tokenizer.from_file(str(folder / TOKENIZER))
        if table.ndim != 2 or not len(table):
            raise ValueError(f"{TENSOR} has the shape {table.shape}, not (tokens, dimensions)")
    except Exception as exc:  # a damaged or other install: safetensors, tokenizers and the lookup raise their own
        raise SemanticUnavailable(
            f"{KEY}: cannot read the model in {folder} ({exc}); "
            f"pip install --force-reinstall 'studybot[{EXTRA}]' (or set it to 0)"
        ) from None
    return StaticEmbedding(table, tokenizer)
