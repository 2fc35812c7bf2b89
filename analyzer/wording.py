"""How a count reads in a sentence: "1 error", "3 errors".

One helper for the rules' titles and explanations and for the reports' and the terminal's sentences,
so a count of one is never followed by a plural noun ("1 errors"). The digits are left as they are:
finding texts are JSON values, compared and grepped as written.
"""

from __future__ import annotations


def plural(n: int, word: str, many: str | None = None) -> str:
    """``n`` and ``word``, the noun plural unless ``n`` is 1 (``many``, else ``word`` + "s")."""
    return f"{n} {word if n == 1 else many or word + 's'}"
