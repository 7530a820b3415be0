"""Docstrings as the API docs show them: the code's reStructuredText literals (````x````)
become Markdown code spans (`` `x` ``), which Swagger UI renders in summaries and descriptions."""

from __future__ import annotations

import re

from apispec import BasePlugin

_LITERAL = re.compile(r"``(.+?)``")


def markdown(text: str) -> str:
    return _LITERAL.sub(r"`\1`", text)


class DocstringPlugin(BasePlugin):
    """Rewrite every operation's summary and description for Markdown."""

    def operation_helper(self, path=None, operations=None, **kwargs) -> None:
        for operation in (operations or {}).values():
            for member in ("summary", "description"):
                if isinstance(operation.get(member), str):
                    operation[member] = markdown(operation[member])
