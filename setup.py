"""The one thing pyproject.toml cannot say: the optional C extension that scores questions.

Without a C compiler the build skips it (optional=True) and bot.core.index scores with numpy:
the same results, several times slower on a large corpus.
"""

from setuptools import Extension, setup

setup(ext_modules=[Extension("bot.core._bm25", ["bot/core/_bm25.c"], optional=True)])
