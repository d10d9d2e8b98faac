"""Discord rendering, pure: data in, embeds and strings out, always within Discord's limits.

    limits.py   Discord's size limits
    safety.py   text made inert (no pings, no markdown breaking out), quotes with bold highlights
    fit.py      cutting and sharing size budgets
    choices.py  autocomplete choices
    embeds.py   answers, passages, articles, settings, stats
"""

from bot.app.render.choices import choices
from bot.app.render.embeds import (
    answer_embed,
    article_embed,
    articles_embed,
    document_stats_embed,
    footnote_embed,
    join_some,
    passage_embed,
    settings_embed,
    stats_embed,
    unanswered_message,
)
from bot.app.render.fit import embed_size
from bot.app.render.limits import (
    AUTHOR,
    CHOICE_NAME,
    CHOICE_VALUE,
    CHOICES,
    CONTENT,
    DESCRIPTION,
    EMBED_TOTAL,
    FIELD_NAME,
    FIELD_VALUE,
    FIELDS,
    FOOTER,
    TITLE,
)
from bot.app.render.safety import cut, file_name, plain, quote_with_highlights, safe

__all__ = [
    "AUTHOR", "CHOICES", "CHOICE_NAME", "CHOICE_VALUE", "CONTENT", "DESCRIPTION", "EMBED_TOTAL", "FIELDS",
    "FIELD_NAME", "FIELD_VALUE", "FOOTER", "TITLE", "answer_embed", "article_embed", "articles_embed", "choices", "cut",
    "document_stats_embed", "file_name",
    "embed_size", "footnote_embed", "join_some", "passage_embed", "plain", "quote_with_highlights", "safe",
    "settings_embed", "stats_embed", "unanswered_message",
]
