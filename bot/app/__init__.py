"""Discord glue: a thin adapter over bot.core and bot.storage."""
