"""The one thing pyproject.toml cannot say: the optional C extension that scores questions.

Without a C compiler the build skips it (optional=True) and bot.core.index scores with numpy:
the same results, several times slower on a large corpus. Contracting a*b+c into one fused
multiply-add would round differently from numpy and rank-bm25: it is turned off.
"""

import sys

from setuptools import Extension, setup

exact_floats = [] if sys.platform == "win32" else ["-ffp-contract=off"]
setup(ext_modules=[Extension("bot.core._bm25", ["bot/core/_bm25.c"], optional=True, extra_compile_args=exact_floats)])
