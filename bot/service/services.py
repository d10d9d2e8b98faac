"""The bundle of services a front end (the Discord bot) holds."""

from __future__ import annotations

import logging
from dataclasses import dataclass

from bot.service.admin import Admin
from bot.service.answers import StoredAnswers
from bot.service.asking import Asking
from bot.service.library import Library
from bot.service.options import ServerLibraryOptions, ServiceOptions
from bot.service.rules import ServerRules

log = logging.getLogger("studybot.service")


@dataclass(frozen=True)
class Services:
    """Everything the bot (or any other front end) calls, over one store and the libraries."""

    libraries: object  # bot.library.registry.Libraries: server id → engine
    rules: ServerRules
    asking: Asking
    answers: StoredAnswers
    admin: Admin
    library: Library

    def apply_change(self, change) -> None:
        """A change another process (or this one) published: forget what it makes stale."""
        if change.kind in ("settings", "*"):
            log.debug("%s changed for server %s: cached settings forgotten", change.kind, change.guild_id or "*")
            if change.guild_id is None:
                self.rules.forget_all()
            else:
                self.rules.forget(change.guild_id)
        if change.kind in ("library", "*"):  # engines forgotten; saved copies of older versions dropped soon
            if change.guild_id is None:
                self.libraries.changed_all()
            else:
                self.libraries.changed(change.guild_id)

    @classmethod
    def create(cls, libraries, store, options: ServiceOptions, library: ServerLibraryOptions | None = None) -> Services:
        rules = ServerRules(store, options)
        asking, answers = Asking(libraries, store, rules), StoredAnswers(libraries, store)
        return cls(libraries, rules, asking, answers, Admin(store, rules), Library(store, libraries, rules, library))
