"""The bundle of services a front end (the Discord bot) holds."""

from __future__ import annotations

from dataclasses import dataclass

from bot.service.admin import Admin
from bot.service.answers import StoredAnswers
from bot.service.asking import Asking
from bot.service.rules import ServerRules, ServiceOptions


@dataclass(frozen=True)
class Services:
    """Everything the bot (or any other front end) calls, over one store and the libraries."""

    libraries: object  # bot.library.registry.Libraries: server id → engine
    rules: ServerRules
    asking: Asking
    answers: StoredAnswers
    admin: Admin

    @classmethod
    def create(cls, libraries, store, options: ServiceOptions) -> Services:
        rules = ServerRules(store, options)
        asking, answers = Asking(libraries, store, rules), StoredAnswers(libraries, store)
        return cls(libraries, rules, asking, answers, Admin(store, rules))
