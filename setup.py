"""The one thing pyproject.toml cannot say: the optional C extensions that score questions and look up
the terms of chunks of text while indexing.

Without a C compiler the build skips them (optional=True): bot.core.index scores with numpy and
bot.core.analysis looks chunks up in dicts: the same results, several times slower on a large
corpus. Contracting a*b+c into one fused multiply-add would round differently from numpy and
rank-bm25: it is turned off in the scorer.
"""

import sys

from setuptools import Extension, setup

exact_floats = [] if sys.platform == "win32" else ["-ffp-contract=off"]
setup(
    ext_modules=[
        Extension("bot.core._bm25", ["bot/core/_bm25.c"], optional=True, extra_compile_args=exact_floats),
        Extension("bot.core._analysis", ["bot/core/_analysis.c"], optional=True),
    ]
)
