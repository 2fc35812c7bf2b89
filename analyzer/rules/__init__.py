"""Rule families. ``TABLE`` is the explicit list of every rule the analyzer runs.

Each family module exports ``RULES``, the functions it defines in the order they are documented.
"""

from __future__ import annotations

from analyzer.rules import backend, endpoints, lifecycle, network, platform, platform_nodes, ports, routes

TABLE: list = [
    *routes.RULES,
    *endpoints.RULES,
    *ports.RULES,
    *network.RULES,
    *backend.RULES,
    *lifecycle.RULES,
    *platform.RULES,
    *platform_nodes.RULES,
]
