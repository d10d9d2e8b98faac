"""Studybot: answers a study group's questions from the texts it reads."""

__version__ = "0.1.0"
