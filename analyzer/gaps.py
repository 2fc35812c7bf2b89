"""What the inputs cannot tell, and the exact command that would collect it.

A gap is not a finding: it says which checks had to stay ``unknown`` and how the engineer gets
the missing data on the next round trip with the customer. Its command is pasted as it is (the reports
give it a copy button): the namespace and IngressController names from the inputs are quoted where a shell
would not read them as one plain word, and a value to fill in is an upper-case word its comment explains.
"""

from __future__ import annotations

import pandas as pd

from analyzer.model import Gap
from analyzer.shell_words import quote_names
from analyzer.windows import logged_after_collection
from parsers.snapshot import Snapshot

ENABLE_ACCESS_LOG = (
    "oc patch ingresscontroller/{ic} -n openshift-ingress-operator --type=merge "
    """-p '{{"spec":{{"logging":{{"access":{{"destination":{{"type":"Container"}}}}}}}}}}'"""
)


def find_gaps(snap: Snapshot, route_namespaces: list[str]) -> list[Gap]:
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
                "oc logs -n openshift-ingress -l ingresscontroller.operator.openshift.io/deployment-ingresscontroller="
                f"{ic['name']} -c logs --timestamps > access.log  # then: mga analyze ... --logs access.log"
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
            )
        )
    return gaps
