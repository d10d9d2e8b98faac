"""Use cases as plain async code over a store and the engine: no Discord here.

    rules.py     per-server rules: settings (cached), channels, cooldowns, page size, privacy
    asking.py    a question → refusal, "not answered", or a stored answer
    answers.py   what the buttons of a stored answer do: pages, votes, full passages
    admin.py     /settings and /stats
    messages.py  every sentence people read
    citations.py how quotes, footnotes and references read
    services.py  the bundle a front end holds
"""
