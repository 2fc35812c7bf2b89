"""Names from the inputs made safe inside the shell commands of a finding's fix and checks.

Kubernetes names are DNS-safe, but a crafted or damaged archive can name a namespace ``x;rm -rf ~``.
The rules write their commands with the names as they are; :func:`quote_names` then quotes each name
that is not already a plain shell word, where it stands: ``shlex.quote`` outside quotes, escaped for
the quotes it stands in (a JSON patch in ``'...'``), in a ``# comment`` as written but for its control
characters, escaped (a line break would end the comment and run the rest of the name). A
name that is a plain shell word (every valid Kubernetes name) is left alone, so normal commands read
exactly as the rule wrote them.
"""

from __future__ import annotations

import re
import shlex
from collections.abc import Iterable

_MARK = "\x00{}\x00"
_MARKS = re.compile("\x00(\\d+)\x00")


def quote_names(command: str, names: Iterable[str | None]) -> str:
    """``command`` with each name of ``names`` that a shell would not read as one plain word quoted."""
    unsafe = sorted({n for n in names if n and shlex.quote(n) != n}, key=len, reverse=True)
    if not unsafe:
        return command
    if command.lstrip().startswith("#"):  # a comment line: only a line break in a name could end it
        return _in_comment(command, unsafe)
    masked = command
    for i, name in enumerate(unsafe):  # longest first: a name inside another is not cut out of it
        # a name joined to other text (``{svc}-tls``, ``{svc}.{ns}.svc``, ``={node}``) is quoted where it
        # stands, which a shell still reads as one word; only a letter or digit on either side means
        # another word that merely contains the name
        masked = re.sub(rf"(?<!\w){re.escape(name)}(?!\w)", _MARK.format(i), masked)
    out: list[str] = []
    state, start = "", 0  # "" outside quotes, "'" or '"' inside them, "#" in a comment
    for pos, ch in enumerate(masked):
        if state == "" and ch in "'\"#" and (ch != "#" or pos == 0 or masked[pos - 1].isspace()):
            out.append(_unmask(masked[start:pos], unsafe, ""))
            state, start = ch, pos
        elif state in "'\"" and state and ch == state and pos > start:
            out.append(_unmask(masked[start:pos + 1], unsafe, state))
            state, start = "", pos + 1
    out.append(_unmask(masked[start:], unsafe, state))
    return "".join(out)


def _unmask(text: str, names: list[str], state: str) -> str:
    def name(match: re.Match[str]) -> str:
        value = names[int(match.group(1))]
        if state == "":
            return shlex.quote(value)
        if state == "'":
            return value.replace("'", "'\\''")
        if state == '"':
            return re.sub(r'(["\\$`])', r"\\\1", value)
        return _printable(value)  # a comment is read by nobody's shell, unless a line break in a name ends it

    return _MARKS.sub(name, text)


def _printable(value: str) -> str:
    """``value`` with its control characters written as escapes (``\\n``): a name inside a comment cannot end the
    comment's line and start a command on the next."""
    return value if value.isprintable() else value.encode("unicode_escape").decode("ascii")


def _in_comment(command: str, names: list[str]) -> str:
    for name in names:
        if not name.isprintable():
            command = command.replace(name, _printable(name))
    return command
