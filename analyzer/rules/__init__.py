"""The rules, one module per rule: ``analyzer/rules/<family>/<code>_<name>.py``.

Families by code: routes R1xx, endpoints E2xx, ports P3xx, network N4xx, backend B5xx, lifecycle K6xx,
platform I7xx.
A rule module declares ``RULE = rule(...)`` (:mod:`analyzer.rule`), attaches its check with
``@RULE.check``, builds findings with ``RULE.finding(...)``, and its docstring is its documentation.

What rules share lives in neutral modules, never in another family's module:
``common`` (a route's backends, pods, requests, log facts), ``backend_services`` (which services a
route's backends name), ``target_ports`` (service ports and declared container ports),
``network_policies`` (NetworkPolicy semantics), and ``analyzer.windows`` (the "near an event"
window). A family's ``shared`` module holds what only its own rules use. This package imports
nothing: ``analyzer/registry.py`` imports the rule modules and lists them.
"""
