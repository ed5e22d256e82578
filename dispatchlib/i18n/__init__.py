"""Translations of the lessons (``catalog``) and of the library's own texts."""
