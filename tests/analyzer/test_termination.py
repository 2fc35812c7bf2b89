"""Each termination state of a router-side 5xx decoded in words, and the check it points to."""

from __future__ import annotations

import pytest

from analyzer.termination import NOSRV, check_for, meaning

POD = "pod:web-5d4f8-abcde:web:http:10.128.2.31:8080"


@pytest.mark.parametrize(
    ("term", "server", "words"),
    [
        ("SC", NOSRV, "no server to send the request to"),
        ("SC", POD, "refused or reset"),
        ("sC", POD, "timed out on every retry"),
        ("sC", NOSRV, "no server was left"),
        ("sQ", NOSRV, "queue timeout"),
        ("sQ", POD, "server's queue"),
        ("sH", POD, "server timeout (504)"),
        ("SH", POD, "before sending complete response headers"),
        ("PH", POD, "rejected the backend's response headers"),
        ("SD", POD, "middle of the response body"),
        ("sD", POD, "stopped sending the response body"),
        ("DC", POD, "marked DOWN and its sessions were killed"),
        ("RC", NOSRV, "ran out of a resource"),
        ("IH", POD, "internal error"),
        ("KH", POD, "administrator killed"),
        ("PR", NOSRV, "blocked the session"),
        ("SR", POD, "while waiting for the client's request"),
    ],
)
def test_every_state_reads_as_words(term: str, server: str, words: str):
    text = meaning(term, server)
    assert words in text
    assert "Look at" in text  # and says what to look at next


def test_a_state_without_a_server_says_so():
    assert "no server was reached" in meaning("DQ", NOSRV)
    assert "no server was reached" not in meaning("DQ", POD)


def test_an_unknown_state_is_named_not_dropped():
    assert "'Zz'" in meaning("Zz", POD)


@pytest.mark.parametrize(
    ("term", "check"),
    [
        ("SC", "endpoints-populated"),
        ("sC", "network-policy-allows-router"),
        ("sH", "timeout-sufficient"),
        ("sQ", "capacity-sufficient"),
        ("SH", "service-port-matches"),
        ("PH", "tls-matches-backend"),
        ("SD", "pods-ready"),
        ("DC", "pods-ready"),
        ("sD", "timeout-sufficient"),
        ("RC", "capacity-sufficient"),
    ],
)
def test_each_state_points_to_one_check(term: str, check: str):
    assert check_for(term + "--") == check
