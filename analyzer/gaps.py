"""What the inputs cannot tell, and the exact command that would collect it.

A gap is not a finding: it says which checks had to stay ``unknown`` and how the engineer gets
the missing data on the next round trip with the customer. Its command is pasted as it is (the reports
give it a copy button): the namespace and IngressController names from the inputs are quoted where a shell
would not read them as one plain word, and a value to fill in is an upper-case word its comment explains.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterable

import pandas as pd

from analyzer.host_routes import unnamed_default_lines
from analyzer.ledger import router_side_mask
from analyzer.model import CheckStatus, Gap, RouteResult
from analyzer.rule import INPUTS, LOGS, RuleSkip
from analyzer.shell_words import quote_names
from analyzer.windows import logged_after_collection
from analyzer.wording import plural
from parsers.snapshot import Snapshot

ENABLE_ACCESS_LOG = (
    "oc patch ingresscontroller/{ic} -n openshift-ingress-operator --type=merge "
    """-p '{{"spec":{{"logging":{{"access":{{"destination":{{"type":"Container"}}}}}}}}}}'"""
)

# every line of the router pods' access logs: with a label selector `oc logs` shows the last 10 lines of each pod
# unless --tail says otherwise
ROUTER_LOGS = ("oc logs -n openshift-ingress -l ingresscontroller.operator.openshift.io/deployment-ingresscontroller="
               "{ic} -c logs --timestamps --tail=-1 > {out}")


def find_gaps(snap: Snapshot, route_namespaces: list[str], routes: Iterable[RouteResult] = (),
              skips: Iterable[RuleSkip] = ()) -> list[Gap]:
    """What to collect next, each with its command: every check left ``unknown`` for want of an input has one.
    ``routes``: the route results (the checks they left unknown, the routes a gap leaves without counts);
    ``skips``: the rules not run for want of an input (a namespace collected without its pods, say)."""
    gaps: list[Gap] = []
    gaps.extend(
        Gap(
            what=f"Input {record.path} is damaged: {record.damaged}",
            why_it_matters="Everything after the damage is missing from this analysis; what came before it was used.",
            how_to_collect="# ask for the archive again (check its size and sha256sum against the original)",
        )
        for record in snap.inputs
        if record.damaged
    )
    if not route_namespaces:
        gaps.append(
            Gap(
                what="No Route objects in the inputs",
                why_it_matters="Every diagnosis starts from a route; without one there is no runbook to walk.",
                how_to_collect=("oc adm inspect ns/NAMESPACE  # NAMESPACE: the application's namespace; "
                                "or: oc get routes -A -o yaml > routes.yaml"),
            )
        )
    gaps.extend(_access_log_gaps(snap))
    gaps.extend(_objects_before_logs(snap, route_namespaces))
    gaps.extend(_namespace_gaps(snap, route_namespaces))
    routes = list(routes)
    gaps.extend(_missing_input_gaps(snap, route_namespaces, routes, skips))
    host = _host_capture_gaps(snap, routes)
    gaps.extend(host)
    gaps.extend(_route_lines_gaps(snap, routes, without_router=bool(host)))
    return gaps


def _objects_before_logs(snap: Snapshot, route_namespaces: list[str]) -> list[Gap]:
    """Access-log lines well after the objects were collected (``analyzer.windows.logged_after_collection``): the
    pods, endpoints and events of the time of those requests are not in the inputs."""
    later = logged_after_collection(snap)
    if later is None:
        return []
    collected, last = (moment.strftime("%Y-%m-%d %H:%M:%S UTC") for moment in later)
    namespaces = sorted(set(route_namespaces))
    inspect = "".join(f"; oc adm inspect ns/{ns}" for ns in namespaces[:3])
    return [Gap(
        what=f"The access logs run to {last}, after the objects were collected ({collected})",
        why_it_matters=("The requests logged after the collection are judged against pods, endpoints and events "
                        "that predate them: what the cluster looked like while they failed is not in the inputs."),
        how_to_collect=quote_names(f"oc adm must-gather{inspect}  # while or right after the errors, beside the "
                                   "same router logs", namespaces[:3]),
    )]


def _access_log_gaps(snap: Snapshot) -> list[Gap]:
    if snap.has_access_logs:
        return []
    ics = snap.frame("ingresscontrollers")
    why = (
        "Without the router's access log no 502/503/504 can be counted, timed or joined to the pod that "
        "served it; log-based checks stay unknown."
    )
    if ics.empty:
        return [
            Gap(
                what="Router access logs: none in the inputs, and no IngressController was collected",
                why_it_matters=why,
                how_to_collect=ENABLE_ACCESS_LOG.format(ic="default")
                + "  # then reproduce the errors and collect: oc adm must-gather",
            )
        ]
    gaps = []
    for _, ic in ics.sort_values("name").iterrows():
        if ic["access_logging"] is True or (pd.notna(ic["access_logging"]) and bool(ic["access_logging"])):
            dest = ic["log_destination"] if pd.notna(ic["log_destination"]) else "Container"
            how = (
                ROUTER_LOGS.format(ic=ic["name"], out="access.log") + "  # then: mga analyze ... --logs access.log"
                if dest == "Container"
                else "# export the router's messages from the customer's syslog server and pass them with --logs"
            )
            gaps.append(
                Gap(
                    what=(
                        f"Router access logs of IngressController {ic['name']} (logging to {dest}) "
                        "are not in the inputs"
                    ),
                    why_it_matters=why,
                    how_to_collect=quote_names(how, [ic["name"]]),
                )
            )
        else:
            gaps.append(
                Gap(
                    what=f"Access logging is not enabled on IngressController {ic['name']} (spec.logging.access unset)",
                    why_it_matters=why,
                    how_to_collect=quote_names(ENABLE_ACCESS_LOG.format(ic=ic["name"])
                                               + "  # then reproduce the errors and collect: oc adm must-gather",
                                               [ic["name"]]),
                )
            )
    return gaps


def _namespace_gaps(snap: Snapshot, route_namespaces: list[str]) -> list[Gap]:
    gaps = []
    for ns in sorted(set(route_namespaces)):
        if ns in snap.collected_namespaces:
            continue
        gaps.append(
            Gap(
                what=f"Namespace {ns} was not collected (routes only; no services, endpoints or pods)",
                why_it_matters=(
                    "A default must-gather does not inspect application namespaces, so the service, endpoints, "
                    "pod readiness and NetworkPolicies behind these routes cannot be checked."
                ),
                how_to_collect=quote_names(f"oc adm inspect ns/{ns} --dest-dir=inspect-{ns}  "
                                           "# then pass it as another INPUT", [ns]),
                names=(ns,),
            )
        )
    return gaps


# the route checks each input feeds (analyzer.checklist): what stays unknown without it
INPUT_CHECKS: dict[str, tuple[str, ...]] = {
    "routes": (),
    "services": ("endpoints-populated", "service-port-matches"),
    "endpoints": ("pods-ready", "endpoints-populated", "service-port-matches", "health-endpoint-ok"),
    "pods": ("pods-ready", "service-port-matches", "health-endpoint-ok"),
    "networkpolicies": ("network-policy-allows-router",),
}
INPUT_ORDER = ("routes", "services", "endpoints", "pods", "networkpolicies")
SINCE = {"networkpolicies": "4.11"}  # the oc release from which `oc adm inspect ns/...` collects the input


def _missing_input_gaps(snap: Snapshot, route_namespaces: list[str], routes: list[RouteResult],
                        skips: Iterable[RuleSkip]) -> list[Gap]:
    """Namespaces collected without some of the inputs the rules read (a must-gather's platform namespace without
    its pods, an inspect by an oc too old for NetworkPolicies): the rules skipped there and the checks of their
    routes left unknown, with the inspect that collects them. Namespaces with the same inputs missing share one
    gap; a namespace not collected at all has its own (:func:`_namespace_gaps`), the access logs theirs."""
    wanted = set(route_namespaces) & set(snap.collected_namespaces)
    missing: dict[str, set[str]] = {}  # namespace -> inputs
    codes: dict[str, set[str]] = {}  # namespace -> rules not run
    for s in skips:
        inputs = {name for name in s.inputs if name != LOGS}
        if s.namespace not in wanted or not inputs:
            continue
        missing.setdefault(s.namespace, set()).update(inputs)
        codes.setdefault(s.namespace, set()).add(s.code)
    groups: dict[tuple[str, ...], list[str]] = {}
    for ns, inputs in missing.items():
        groups.setdefault(tuple(n for n in INPUT_ORDER if n in inputs), []).append(ns)
    gaps = []
    for inputs, namespaces in sorted(groups.items(), key=lambda g: sorted(g[1])):
        namespaces.sort()
        rules = sorted(set().union(*(codes[ns] for ns in namespaces)))
        fed = {c for name in inputs for c in INPUT_CHECKS.get(name, ())}
        unknown = sorted({c.check for r in routes if r.namespace in namespaces for c in r.checklist
                          if c.check in fed and c.status == CheckStatus.UNKNOWN})
        words = _and([INPUTS[name] for name in inputs])
        one = len(namespaces) == 1
        why = f"{'Rule' if len(rules) == 1 else 'Rules'} {_and(rules)} did not run there (see the skipped list)"
        if unknown:
            why += (f", and the checks of {'its' if one else 'their'} routes that read them stay unknown: "
                    f"{_and(unknown)}")
        since = [f"oc {SINCE[name]} or later collects {INPUTS[name]} too" for name in inputs if name in SINCE]
        dest = f"inspect-{namespaces[0]}" if one else "inspect-namespaces"
        how = (f"oc adm inspect {' '.join(f'ns/{ns}' for ns in namespaces)} --dest-dir={dest}  # "
               + "".join(f"{s}; " for s in since) + "then pass it as another INPUT")
        gaps.append(Gap(  # every input is named in the plural ("pods", "endpoints", "NetworkPolicies")
            what=f"{words[:1].upper()}{words[1:]} of {'namespace' if one else 'namespaces'} {_and(namespaces)} "
                 "were not collected",
            why_it_matters=why + ".",
            how_to_collect=quote_names(how, namespaces),
            names=tuple(namespaces),
        ))
    return gaps


def _and(items: list[str]) -> str:
    """``a``, ``a and b``, ``a, b and c``."""
    return items[0] if len(items) == 1 else ", ".join(items[:-1]) + " and " + items[-1]


SHOWN_ROUTES = 5
CAPTURED_HOST = {"name": "Host", "maxLength": 256}
_HEADER_NAME = re.compile(r"^[A-Za-z0-9-]{1,64}$")
_ROUTER_POD = re.compile(r"^router-(.+)-[a-z0-9]+-[a-z0-9]+$")  # router-<ingresscontroller>-<rs hash>-<pod hash>


def _host_capture_gaps(snap: Snapshot, routes: list[RouteResult]) -> list[Gap]:
    """The access log holds router-side 5xx of ``openshift_default`` that name no host: the log does not record
    the Host header, so no route's ledger can count them (report-contract "Error ledger"). One gap per
    IngressController whose router logged them, with the patch that captures the header."""
    if not snap.has_access_logs:
        return []
    requests = snap.frame("requests")
    unnamed = unnamed_default_lines(requests)
    if not unnamed.any():
        return []
    lines = requests.loc[unnamed, ["status", "term", "router_pod"]]  # a few columns of the default answers only
    lines = lines[router_side_mask(lines).to_numpy()]
    if lines.empty:
        return []
    ics = snap.frame("ingresscontrollers")
    by_ic = lines["router_pod"].astype("object").map(lambda pod: _ingresscontroller_of(pod, ics)).value_counts()
    lost = _routes_without_router(snap, routes)
    gaps = []
    for ic, count in sorted(by_ic.items()):
        why = ("openshift_default answers the requests for a host no router serves (a route not admitted or "
               "sharded away, a host no route claims); only the Host header says which route was asked for, so "
               "without it these lines are in no route's error ledger")
        if lost:
            shown = ", ".join(lost[:SHOWN_ROUTES]) + (f" and {len(lost) - SHOWN_ROUTES} more"
                                                        if len(lost) > SHOWN_ROUTES else "")
            one = len(lost) == 1
            why += (f"; {'route' if one else 'routes'} {shown}, which no router admits, {'has' if one else 'have'} "
                    f"no access-log line of {'its' if one else 'their'} own, and {'its' if one else 'their'} "
                    "log checks stay unknown")
        gaps.append(Gap(
            what=(f"The access log of IngressController {ic} does not record the Host header: "
                  f"{plural(int(count), 'router-side 5xx', 'router-side 5xx')} from openshift_default name no route"),
            why_it_matters=why + ".",
            how_to_collect=quote_names(_capture_host_command(ic, ics)
                                       + "  # then reproduce the errors and collect the router logs again", [ic]),
            names=(ic, *lost[:SHOWN_ROUTES]),
        ))
    return gaps


def _ingresscontroller_of(pod: object, ics: pd.DataFrame) -> str:
    """The IngressController whose router pod ``pod`` is (``router-<name>-<hash>-<hash>``), ``default`` when unknown."""
    if not isinstance(pod, str):
        return "default"
    names = sorted((str(n) for n in ics["name"].dropna()), key=len, reverse=True) if not ics.empty else []
    found = next((n for n in names if pod.startswith(f"router-{n}-")), None)
    if found is not None:
        return found
    match = _ROUTER_POD.match(pod)
    return match.group(1) if match else "default"


def _capture_host_command(ic: str, ics: pd.DataFrame) -> str:
    """``oc patch`` adding Host to the IngressController's captured request headers (a merge patch replaces the
    list: the headers it captures already are kept); with access logging off, the log is switched on too."""
    row = ics[ics["name"] == ic] if not ics.empty else ics
    access: dict = {}
    headers: list = []
    if not row.empty:
        first = row.iloc[0]
        on = first["access_logging"]
        if not (on is True or (pd.notna(on) and bool(on))):
            access["destination"] = {"type": "Container"}
        captured = first["capture_headers"]
        if isinstance(captured, str):
            try:
                headers = list((json.loads(captured) or {}).get("request") or [])
            except (ValueError, AttributeError):
                headers = []
    # kept as they are only when plain (a name of letters, digits and dashes, an integer length): the command
    # is pasted into a shell, inside single quotes, and a name from the archive must not end them
    headers = [{"name": h["name"], "maxLength": h["maxLength"]} for h in headers
               if isinstance(h, dict) and isinstance(h.get("name"), str) and _HEADER_NAME.match(h["name"])
               and h["name"].lower() != "host" and type(h.get("maxLength")) is int]
    access["httpCaptureHeaders"] = {"request": [*headers, CAPTURED_HOST]}
    patch = json.dumps({"spec": {"logging": {"access": access}}}, separators=(",", ":"))
    return f"oc patch ingresscontroller/{ic} -n openshift-ingress-operator --type=merge -p '{patch}'"


def _routes_without_router(snap: Snapshot, routes: list[RouteResult]) -> list[str]:
    """``ns/name`` of the routes without a line of their own that no router admits: their requests, if any, are
    among the default answers."""
    unmeasured = {(r.namespace, r.name) for r in routes if r.requests is None}
    if not unmeasured:
        return []
    frame = snap.frame("routes")
    out = []
    for ns, name, admitted in zip(frame["namespace"], frame["name"], frame["admitted"], strict=True):
        if (ns, name) in unmeasured and not (pd.notna(admitted) and bool(admitted)):
            out.append(f"{ns}/{name}")
    return sorted(set(out))


LOG_CHECKS = ("tls-matches-backend", "timeout-sufficient", "capacity-sufficient")  # read from the route's lines


def _route_lines_gaps(snap: Snapshot, routes: list[RouteResult], *, without_router: bool) -> list[Gap]:
    """Routes without any line in the access logs read (the logs are of other routers, or of a time without their
    traffic): their log checks stay unknown. One gap per IngressController that admits them (``default`` for a
    route no router admits), with the command that collects its routers' logs. With ``without_router`` the routes
    no router admits are left out: the Host header gap (:func:`_host_capture_gaps`) names them."""
    if not snap.has_access_logs:
        return []
    unmeasured = {(r.namespace, r.name): r for r in routes if r.requests is None}
    if not unmeasured:
        return []
    frame = snap.frame("routes")
    by_ic: dict[str, set[str]] = {}
    unknown: dict[str, set[str]] = {}
    for ns, name, routers in zip(frame["namespace"], frame["name"], frame["admitted_routers"], strict=True):
        route = unmeasured.get((ns, name))
        names = [n for n in routers.split(",") if n] if isinstance(routers, str) else []
        if route is None or (without_router and not names):
            continue
        ic = names[0] if names else "default"
        by_ic.setdefault(ic, set()).add(f"{ns}/{name}")
        unknown.setdefault(ic, set()).update(c.check for c in route.checklist
                                             if c.check in LOG_CHECKS and c.status == CheckStatus.UNKNOWN)
    gaps = []
    for ic, named in sorted(by_ic.items()):
        listed = sorted(named)
        one = len(listed) == 1
        shown = ", ".join(listed[:SHOWN_ROUTES]) + (f" and {len(listed) - SHOWN_ROUTES} more"
                                                      if len(listed) > SHOWN_ROUTES else "")
        checks = [c for c in LOG_CHECKS if c in unknown[ic]]
        why = (f"The access logs read are of other routers, or of a time without {'its' if one else 'their'} "
               f"traffic: {'its' if one else 'their'} requests are not counted")
        if checks:
            why += f" and {'its' if one else 'their'} log checks stay unknown ({_and(checks)})"
        out = f"access-{ic}.log"
        gaps.append(Gap(
            what=f"No access-log line of {'route' if one else f'{len(listed)} routes'} {shown} (IngressController "
                 f"{ic}) in the logs read",
            why_it_matters=why + ".",
            how_to_collect=quote_names(ROUTER_LOGS.format(ic=ic, out=out) + "  # while requests for "
                                       f"{'it' if one else 'them'} fail; then: mga analyze ... --logs {out}", [ic]),
            names=(ic, *listed[:SHOWN_ROUTES]),
        ))
    return gaps
