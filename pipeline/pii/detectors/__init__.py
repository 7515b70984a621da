"""One detector per kind of personal data.

A detector is a function ``find(text) -> Iterator[Span]``. Patterns use explicit ASCII
look-arounds instead of ``\\b``: Python counts CJK characters as word characters, so
``\\b`` never matches an ID glued to Chinese text (``身分證字號A123456789，``).
"""
