"""Options that take several values after one flag, as the report contract writes them: ``--route shop/a shop/b``.

Click gives a repeatable option one value per flag (``--route shop/a --route shop/b``); a second value after
one flag was an input path (``shop/b: no such file or directory; skipped``) and the filter silently narrower.
:func:`take_following_values` lets the options of :data:`FOLLOWING_VALUES` also take the words after their
first value, as long as each can be one of their values and is not a path: a route key or a namespace name
is a DNS name, never an existing file, an archive name or a path starting with ``/``, ``./`` or ``~``
(:func:`looks_like_path`), so ``-n shop mg/`` still reads ``mg/`` as an input. The first value after the flag
is always the option's, and the flag may still be repeated; ``--`` or any word starting with ``-`` ends the
values. When the command then lacks its inputs (``-n shop mgx``, mgx a path typed wrong), the command line is
read again with one value after each flag (:class:`mga.once_options.OnceOptionsCommand`), so mgx is said
missing as an input. ``--logs`` needs none of this: a log file after its first one is an input, and an input that is a
log is read as one.
"""

from __future__ import annotations

import os
import re
from collections.abc import Callable
from typing import Any

# what ends an input's file name (``parsers.inputs.open_input``); a route is never NAMESPACE/NAME.tar.gz
PATH_SUFFIXES = (".tar", ".gz", ".tgz", ".xz", ".bz2", ".zip", ".yaml", ".yml", ".json", ".log")

# a namespace is a DNS label (RFC 1123: 63 characters at most, lower case), a route's name a DNS subdomain
_LABEL = r"[a-z0-9](?:[-a-z0-9]{0,61}[a-z0-9])?"
NAMESPACE = re.compile(_LABEL)
ROUTE_KEY = re.compile(rf"{_LABEL}/{_LABEL}(?:\.{_LABEL})*")


def looks_like_path(arg: str) -> bool:
    """Whether ``arg`` can only be a path: no route name or ``NAMESPACE/NAME`` looks like this.

    Route and namespace names are DNS names (no slash, no ``~``), so a leading ``/``, ``./``, ``../``
    or ``~``, a second slash, or a slash with an input's suffix after it is a path.
    """
    if arg.startswith(("/", "./", "../", "~")) or arg.count("/") > 1:
        return True
    return "/" in arg and arg.lower().endswith(PATH_SUFFIXES)


def _a_name(pattern: re.Pattern[str]) -> Callable[[str], bool]:
    def accepts(word: str) -> bool:
        return bool(pattern.fullmatch(word)) and not looks_like_path(word) and not os.path.lexists(word)

    return accepts


# the options that take several values after one flag, by their long name, each with which words after its
# first value are values too (a namespace name, a NAMESPACE/NAME key; the next word that is not one is the
# next argument); only an option given as a list (``multiple``) takes them
FOLLOWING_VALUES: dict[str, Callable[[str], bool]] = {
    "--namespace": _a_name(NAMESPACE),
    "--route": _a_name(ROUTE_KEY),
}


def take_following_values(parser: Any) -> None:
    """Make the options of ``parser`` (a click option parser) named in :data:`FOLLOWING_VALUES` take the words
    after their first value that are values of theirs, each stored as if its flag were repeated."""
    options = {id(o): o for o in (*parser._long_opt.values(), *parser._short_opt.values())}.values()
    for option in options:
        accepts = next((FOLLOWING_VALUES[name] for name in option.obj.opts if name in FOLLOWING_VALUES), None)
        if accepts is None or not getattr(option.obj, "multiple", False):
            continue
        store = option.process

        def process(value: Any, state: Any, store: Any = store, accepts: Any = accepts) -> None:
            store(value, state)
            while state.rargs and not state.rargs[0].startswith("-") and accepts(state.rargs[0]):
                store(state.rargs.pop(0), state)

        option.process = process
