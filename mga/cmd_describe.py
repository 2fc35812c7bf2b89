"""``mga describe route NS/NAME``: one route as ``oc describe`` would show it, plus what mga found.

The route, its services, their endpoints with pod readiness, the backend the router rendered for
it in haproxy.config, and its findings. A sub-app (``describe``) so further kinds join it.
"""

from __future__ import annotations

from typing import Annotated, Any

import typer

from analyzer.wording import plural
from mga import __version__
from mga.console import clean, echo, fail, guarded, progress_bar, refuse_empty_paths, table
from mga.once_options import OnceOptionsCommand

describe_app = typer.Typer(help="Show one object with what mga found about it.", no_args_is_help=True)


def _value(value: Any) -> str:
    import pandas as pd  # here, not at import: ``mga --help`` and ``mga version`` need no pandas

    # an empty value is shown as absent, not as nothing
    if value is None or (isinstance(value, str) and not value):
        return "<none>"
    if not isinstance(value, list | dict) and pd.isna(value):
        return "<none>"
    return clean(value)


def _balance(snap: Any, backend: Any) -> str:
    """The algorithm HAProxy balances the backend's servers with: its own ``balance`` line's, else its router's
    ``defaults`` section's, else round robin. A ``balance`` line without an algorithm (OpenShift 4.8 renders
    one for routes without the ``haproxy.router.openshift.io/balance`` annotation) selects round robin, even
    over a ``defaults`` section's other algorithm (HAProxy 2.6, checked by sending requests through both)."""
    own = backend["balance"]
    if isinstance(own, str) and own:
        return clean(own)
    if isinstance(own, str):
        return "roundrobin (a balance line without an algorithm)"
    router = backend["router_pod"]
    inherited = snap.router_defaults.get(router, {}).get("balance") if isinstance(router, str) else None
    if isinstance(inherited, str) and inherited:
        return f"{clean(inherited)} (defaults section)"
    return "roundrobin (HAProxy's default)"


def _server_timeout(snap: Any, backend: Any) -> str:
    """The backend's ``timeout server``, else the one of its router's ``defaults`` section, which HAProxy then
    applies (``<none>`` read as "no timeout" on OpenShift's usual backends, which set none of their own)."""
    own = _value(backend["timeout_server"])
    if own != "<none>":
        return own
    router = backend["router_pod"]
    inherited = snap.router_defaults.get(router, {}).get("timeout server") if isinstance(router, str) else None
    return f"{clean(inherited)} (defaults section)" if isinstance(inherited, str) and inherited else own


def describe_text(snap: Any, result: Any, ns: str, name: str) -> str:
    """The text of ``describe route``: sections like ``oc describe``, every input value sanitised."""
    from analyzer.joins import distinct_servers, endpoints_for_backend
    from mga.views import oc_termination

    routes = snap.frame("routes")
    rows = routes[(routes["namespace"] == ns) & (routes["name"] == name)]
    first = rows.iloc[0]
    out = [
        f"Name:         {clean(name)}",
        f"Namespace:    {clean(ns)}",
        f"Host:         {_value(first['host'])}",
        f"Path:         {_value(first['path'])}",
        f"TLS:          {oc_termination(first['termination'], first['insecure_policy']) or '<none>'}",
        f"Target port:  {_value(first['target_port'])}",
        f"Timeout:      {_value(first['timeout'])}",
        f"Admitted:     {_value(first['admitted'])}",
        f"Source:       {_value(first['source'])}:{_value(first['line'])}",
        "",
        "Services and endpoints:",
    ]
    endpoints = snap.frame("endpoints")
    for _, backend in rows.iterrows():
        service = backend["service"]
        if not isinstance(service, str):
            continue
        # Endpoints and EndpointSlices both describe an address when both were collected: one row each
        eps = distinct_servers(endpoints_for_backend(endpoints, ns, service, backend["target_port"]))
        out.append(f"  {clean(service)} (weight {_value(backend['weight'])}): {plural(len(eps), 'endpoint')}")
        if len(eps):
            out += ["    " + line for line in table(
                ["POD", "IP", "PORT", "READY"],
                [[_value(e["pod"]), _value(e["ip"]), _value(e["port"]), _value(e["ready"])] for _, e in eps.iterrows()],
            ).splitlines()]
    backends = snap.frame("router_backends")
    servers = snap.frame("router_servers")
    mine = backends[(backends["namespace"] == ns) & (backends["route"] == name)]
    out += ["", "Router backend (haproxy.config):"]
    if mine.empty:
        out.append("  <not in the collected haproxy.config>")
    for _, b in mine.iterrows():
        out.append(f"  {_value(b['backend'])} on {_value(b['router_pod'])}: timeout server "
                   f"{_server_timeout(snap, b)}, balance {_balance(snap, b)}")
        rendered = servers[(servers["backend"] == b["backend"]) & (servers["router_pod"] == b["router_pod"])]
        for _, s in rendered.iterrows():
            out.append(f"    server {_value(s['server'])} {_value(s['ip'])}:{_value(s['port'])}"
                       f"{' disabled' if s['disabled'] is True else ''}")
    verdict = next((r for r in result.routes if r.namespace == ns and r.name == name), None)
    out += ["", f"Verdict:      {verdict.verdict if verdict else 'unknown'}", "Findings:"]
    findings = [f for f in result.findings if f.namespace == ns and f.route == name]
    if not findings:
        out.append("  <none>")
    for f in findings:
        out.append(f"  {f.code} {f.severity} {clean(f.cause)}: {clean(f.title)}")
        # every step, in order: a first step can be a comment on what to look at, the command the next one
        out += [f"    fix: {clean(step)}" for step in f.remediation]
        out += [f"    check: {clean(step)}" for step in f.diagnostics]
    return "\n".join(out) + "\n"


@describe_app.command("route", cls=OnceOptionsCommand)
def describe_route(
    inputs: Annotated[list[str], typer.Argument(help="must-gather / inspect directories or archives, then the route "
                                                     "NS/NAME (or give it with --route)",
                                                metavar="INPUT... [NS/NAME]")],
    route: Annotated[str, typer.Option("--route", "-r", help="NAMESPACE/NAME", metavar="NS/NAME")] = "",
) -> None:
    """The route NS/NAME: spec, services, endpoints with readiness, the router's backend, findings."""
    with guarded():
        refuse_empty_paths(inputs, "input")
        if not route:
            if len(inputs) < 2:
                fail("describe route: give the inputs, then NAMESPACE/NAME")
            inputs, route = inputs[:-1], inputs[-1]
        ns, sep, name = route.partition("/")
        if not sep or not ns or not name:
            listing = " ".join(["mga routes", *inputs, route if not sep else ""]).strip()
            fail(f"describe route {route!r}: expected NAMESPACE/NAME (`{listing}` shows the routes and their "
                 "namespaces)")
        from analyzer.run import analyze as run_analysis
        from mga.checks import require_filters_match, require_usable
        from parsers.load_snapshot import load_snapshot

        with progress_bar(True) as update:
            snap = load_snapshot(inputs, namespaces={ns}, progress=update)
        require_usable(snap, inputs)
        require_filters_match(snap, None, [(ns, name)], route_option="describe route")
        result = run_analysis(snap, routes=[(ns, name)], namespaces=[ns], tool_version=__version__)
        echo(describe_text(snap, result, ns, name), nl=False)
