"""Test infrastructure shared by tests/ and benchmarks/: the fake Discord and the bot as a process."""
