"""How a count reads in a sentence: "1 error", "3 errors", and in the reports "2,699,998 requests".

One helper for the rules' titles and explanations and for the reports' and the terminal's sentences,
so a count of one is never followed by a plural noun ("1 errors"). Finding texts are JSON values,
compared and grepped as written, so the rules keep plain digits; the reports' own sentences (the
terminal summary, the Markdown, the HTML) group a count's thousands (``sep=True``) so that millions of
requests can be read at a glance.
"""

from __future__ import annotations

# Why a route's counts (requests, errors, error ledger) are null: they were not measured, which is not zero.
NO_ACCESS_LOGS = "no access logs"  # the inputs hold no router access log at all
NO_ROUTE_LINES = "no access-log line of this route"  # access logs were read, none of them a line of this route


def number(n: int) -> str:
    """``n`` with its thousands grouped: ``2,699,998``."""
    return f"{n:,}"


def plural(n: int, word: str, many: str | None = None, *, sep: bool = False) -> str:
    """``n`` and ``word``, the noun plural unless ``n`` is 1 (``many``, else ``word`` + "s"); with ``sep``, ``n``'s
    thousands grouped (:func:`number`)."""
    return f"{number(n) if sep else n} {word if n == 1 else many or word + 's'}"
