"""What application containers say about where they listen, from their logs in the input.

``oc adm inspect`` stores each container's log (``pods/<pod>/<c>/<c>/logs/current.log``). Servers
usually announce their address at start-up ("Listening on :8081", "bound to 127.0.0.1:8080",
"Started server on 0.0.0.0:3000", "Tomcat started on port(s): 8080"). Those lines are the evidence a
human would look for when the router's connections are refused. This module only extracts the lines
and the address they name; the port rule decides what they mean.

The grammar is deliberately narrow: an announcement verb, then ``on``/``to``/``at``, then an address
whose port is introduced by a colon or by the word ``port``. Lines about the application's own
clients ("connected to redis at redis:6379", "running migrations on postgres:5432") or clock times
("started job at 12:30") are not announcements and must not become evidence.

Rows have the columns of the ``container_log_lines`` frame (parsers/schema.py).
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from typing import Any

# verbs a server uses about its own listening socket
_VERB = (
    r"listen(?:ing|s)?|bound|binding|bind|serving(?:\s+https?)?|accepting\s+connections|"
    r"(?:https?\s+)?server\s+(?:is\s+)?(?:started|listening|running|ready)|"
    r"start(?:ed|ing)\s+(?:the\s+)?(?:https?\s+)?(?:web\s*)?server|"
    r"(?:tomcat|jetty|netty|undertow|uvicorn|gunicorn|puma|kestrel)\s+(?:started|running|listening)|"
    r"started|running"
)
_HOST = r"\[[0-9a-fA-F:.]*\]|[0-9]{1,3}(?:\.[0-9]{1,3}){3}|\*|localhost|[A-Za-z][\w.-]*"
LISTEN_RE = re.compile(
    rf"(?i)\b(?P<verb>{_VERB})\b(?P<gap>[^\n:]{{0,40}}?)\b(?:on|to|at)\b:?\s*(?:"
    rf"port(?:\(s\))?:?\s+(?P<port1>[0-9]{{2,5}})"
    rf"|(?P<host2>[0-9]{{1,3}}(?:\.[0-9]{{1,3}}){{3}})\s+port\s+(?P<port2>[0-9]{{2,5}})"
    rf"|(?:(?P<scheme>https?)://)?(?P<host>{_HOST})?:(?P<port>[0-9]{{2,5}})"
    rf")\b"
)
# "started"/"running" alone are too common ("started job at ...", "running migrations on ..."): only
# right before the preposition, as in " * Running on http://..." or "Netty started on port 8080"
_BARE_VERBS = ("started", "running")
# a bind that failed is the opposite of an announcement
FAILURE_RE = re.compile(r"(?i)\b(?:fail(?:ed|ure|s)?|error|unable|cannot|can't|could not|in use|refused)\b")
_PREPOSITION_RE = re.compile(r"(?i)\b(?:on|to|at)\b")  # LISTEN_RE needs one of them
CANDIDATE_RE = re.compile(rf"(?i)\b(?:{_VERB})\b")
# every alternative of _VERB contains one of these (lower case): a line without any cannot announce
VERB_STEMS = ("listen", "bound", "bind", "serving", "accepting", "server", "start", "running", "tomcat", "jetty",
              "netty", "undertow", "uvicorn", "gunicorn", "puma", "kestrel")
# the words of _PREPOSITION_RE (lower case): a line without any of them as a substring cannot announce
PREPOSITIONS = ("on", "to", "at")
MAX_BYTES = 4 << 20  # start-up lines are at the top; a huge log is not read past this
MAX_ROWS = 20
LINE_TS = re.compile(r"^(\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(?:\.\d+)?(?:Z|[+-]\d\d:\d\d)) (?:std(?:out|err) [FP] )?")


def scan_listen_lines(data: bytes, *, namespace: str, pod: str, container: str, input: str,
                      source: str) -> list[dict[str, Any]]:
    """Rows for the ``container_log_lines`` frame: each announcement's text, line, host and port.

    ``host`` is None when the line names no address (all interfaces), otherwise as written
    (``0.0.0.0``, ``::``, ``127.0.0.1``, ``localhost``). At most the first 20 announcements.
    """
    rows: list[dict[str, Any]] = []
    text = data[:MAX_BYTES].decode("utf-8", errors="replace")
    # a log repeats its messages ("serving request" on every line): each message is parsed once. The
    # answer is the line's without its time prefix, which holds no verb, preposition or failure word.
    answers: dict[str, tuple[str | None, int] | None] = {}
    for number, line in _candidate_lines(text):
        ts = LINE_TS.match(line)
        message = line[ts.end():] if ts else line
        if message in answers:
            found = answers[message]
        else:
            found = answers[message] = listen_address(message)
        if found is None:
            continue
        host, port = found
        rows.append({
            "namespace": namespace, "pod": pod, "container": container, "ts": ts.group(1) if ts else None,
            "text": line.strip()[:500], "input": input, "source": source, "line": number,
            "host": host, "port": port,
        })
        if len(rows) >= MAX_ROWS:
            break
    return rows


def _candidate_lines(text: str) -> Iterator[tuple[int, str]]:
    """(line number, line) of the lines holding the words an announcement needs, in file order.

    Most lines of a log announce nothing. Every verb of :data:`LISTEN_RE` contains one of
    :data:`VERB_STEMS` and every announcement one of :data:`PREPOSITIONS` (as a word, which
    :func:`listen_address` checks), so plain substring searches on the lower-cased text (C speed, no
    regex) find every line the full grammar could accept; only those lines get it. The rarer of the
    two kinds of word is searched for and the other tested on its lines: a log that says "serving
    request" on every line and never "on", "to" or "at" gives no candidate (4,000 such logs: 1.37 →
    0.11 s of CPU). 120,000 lines took 1.5 s line by line.
    """
    low = text.lower()
    if len(low) != len(text):  # a few characters change length when lower-cased: positions would drift
        yield from _regex_candidate_lines(text)
        return
    words = sum(map(low.count, PREPOSITIONS))
    stems = sum(map(low.count, VERB_STEMS)) if words else 0
    if not stems:
        return
    searched, tested = (VERB_STEMS, PREPOSITIONS) if stems <= words else (PREPOSITIONS, VERB_STEMS)
    starts: set[int] = set()
    for needle in searched:
        pos = low.find(needle)
        while pos >= 0:
            starts.add(low.rfind("\n", 0, pos) + 1)
            end = low.find("\n", pos)
            if end < 0:
                break
            pos = low.find(needle, end)
    number, counted_to = 1, 0
    for start in sorted(starts):
        end = text.find("\n", start)
        end = len(text) if end < 0 else end
        line_low = low[start:end]
        if not any(needle in line_low for needle in tested):
            continue
        number += text.count("\n", counted_to, start)
        counted_to = start
        yield number, text[start:end]


def _regex_candidate_lines(text: str) -> Iterator[tuple[int, str]]:
    line_start, number, counted_to = -1, 1, 0
    for m in CANDIDATE_RE.finditer(text):
        if m.start() < line_start:
            continue  # another verb on a line already given
        start = text.rfind("\n", 0, m.start()) + 1
        number += text.count("\n", counted_to, start)
        counted_to = start
        end = text.find("\n", m.end())
        end = len(text) if end < 0 else end
        line_start = end + 1
        yield number, text[start:end]


def listen_address(line: str) -> tuple[str | None, int] | None:
    """(host or None, port) when the line announces a listening address, else None.

    Cheapest test first: every announcement has "on", "to" or "at" before its address, and most
    log lines that merely contain a verb ("serving request") have none (10 -> 1.5 µs a line).
    """
    if not _PREPOSITION_RE.search(line) or FAILURE_RE.search(line):
        return None
    for m in LISTEN_RE.finditer(line):
        if m.group("verb").lower() in _BARE_VERBS and m.group("gap").strip():
            continue
        port = m.group("port1") or m.group("port2") or m.group("port")
        host = (m.group("host2") or m.group("host") or "").strip("[]") or None
        if host is not None and host.lower() == "port":
            continue
        value = int(port)
        if 0 < value < 65536:
            return host, value
    return None
