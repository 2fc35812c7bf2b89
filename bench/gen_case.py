"""Generate a whole support case: a default-shaped must-gather of ~2 GB, an inspect of 3 app namespaces, 1M log lines.

What a customer attaches: ``oc adm must-gather`` (mostly ``openshift-*`` namespaces whose container
logs are most of the bytes, a few platform routes: console, oauth, monitoring, canary; the router
pods in ``openshift-ingress`` with their access logs), plus ``oc adm inspect`` of the application
namespaces. The router log is ``bench/gen_logs.py``'s (seed 1), split over the three router pods
it names; the inspect holds three of its namespaces (``ns-000-team`` … ``ns-002-team``: 30 routes
whose pods, IPs and ports are the logged server names), so the analysis joins real requests.

Usage: ``python -m bench.gen_case OUTDIR [--log-lines N] [--platform-mb MB]`` (defaults 1,000,000
and 1,450: about 2 GB in all). Deterministic; writes ``OUTDIR/must-gather.local.*`` and
``OUTDIR/inspect.local.*``.
"""

from __future__ import annotations

import argparse
import random
import tempfile
from pathlib import Path

import yaml

from bench.gen_logs import ROUTERS, generate, routes

IMAGE = "quay-io-openshift-release-dev-ocp-v4-0-art-dev-sha256-" + "7c1e4b2a9d8f6e5c" * 4
MUST_GATHER = "must-gather.local.2718281828459045235"
INSPECT = "inspect.local.3141592653589793238"
APP_NAMESPACES = ("ns-000-team", "ns-001-team", "ns-002-team")
PLATFORM_ROUTES = {  # namespace -> (route, service, port name, termination)
    "openshift-console": [("console", "console", "https", "reencrypt"), ("downloads", "downloads", "http", "edge")],
    "openshift-authentication": [("oauth-openshift", "oauth-openshift", "6443", "passthrough")],
    "openshift-monitoring": [("alertmanager-main", "alertmanager-main", "web", "reencrypt"),
                             ("prometheus-k8s", "prometheus-k8s", "web", "reencrypt"),
                             ("thanos-querier", "thanos-querier", "web", "reencrypt")],
    "openshift-ingress-canary": [("canary", "ingress-canary", "8080-tcp", "edge")],
}
OTHER_PLATFORM = [f"openshift-{name}" for name in (
    "apiserver", "apiserver-operator", "authentication-operator", "cloud-controller-manager", "cluster-version",
    "cluster-node-tuning-operator", "config-operator", "controller-manager", "dns", "dns-operator", "etcd",
    "etcd-operator", "image-registry", "ingress-operator", "insights", "kube-apiserver", "kube-apiserver-operator",
    "kube-controller-manager", "kube-scheduler", "machine-api", "machine-config-operator", "marketplace",
    "multus", "network-diagnostics", "network-operator", "oauth-apiserver", "operator-lifecycle-manager",
    "ovn-kubernetes", "service-ca", "service-ca-operator", "cluster-storage-operator", "cluster-csi-drivers",
    "cluster-samples-operator", "console-operator", "kube-storage-version-migrator", "cloud-credential-operator",
    "cluster-machine-approver", "route-controller-manager", "user-workload-monitoring", "operators",
    "host-network", "kni-infra", "vsphere-infra", "nutanix-infra", "ovirt-infra", "openstack-infra", "logging",
    "gitops", "pipelines", "serverless")]
PODS_PER_NAMESPACE = 12


def dump(path: Path, obj: dict) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    with open(path, "w") as fh:
        fh.write("---\n")
        yaml.dump(obj, fh, Dumper=yaml.CSafeDumper, default_flow_style=False, sort_keys=True, width=1000)


def listing(kind: str, items: list[dict], api: str = "v1") -> dict:
    return {"apiVersion": api, "kind": f"{kind}List", "metadata": {"resourceVersion": "1"}, "items": items}


def pod(ns: str, name: str, app: str, ip: str, port: int, port_name: str, node: int) -> dict:
    return {
        "apiVersion": "v1", "kind": "Pod",
        "metadata": {"name": name, "namespace": ns, "uid": f"uid-{ns}-{name}", "resourceVersion": "4242",
                     "creationTimestamp": "2024-04-30T06:00:00Z", "labels": {"app": app},
                     "ownerReferences": [{"apiVersion": "apps/v1", "kind": "ReplicaSet", "controller": True,
                                          "name": f"{app}-5c7d9e8f6", "uid": f"rs-{ns}-{app}"}]},
        "spec": {"nodeName": f"worker-{node % 3}", "containers": [{
            "name": app, "image": f"quay.io/case/{app}:1.0",
            "ports": [{"containerPort": port, "name": port_name, "protocol": "TCP"}],
            "readinessProbe": {"httpGet": {"path": "/ready", "port": port, "scheme": "HTTP"}, "periodSeconds": 10},
            "env": [{"name": f"SETTING_{k}", "value": f"value-{k}"} for k in range(10)],
            "resources": {"limits": {"memory": "512Mi"}, "requests": {"cpu": "100m"}}}]},
        "status": {"phase": "Running", "podIP": ip, "podIPs": [{"ip": ip}], "hostIP": f"10.0.1.{node % 3 + 10}",
                   "conditions": [{"type": t, "status": "True", "lastTransitionTime": "2024-04-30T06:00:20Z"}
                                  for t in ("Initialized", "Ready", "ContainersReady", "PodScheduled")],
                   "containerStatuses": [{"name": app, "ready": True, "restartCount": 0, "started": True,
                                          "image": f"quay.io/case/{app}:1.0",
                                          "state": {"running": {"startedAt": "2024-04-30T06:00:10Z"}}}]},
    }


def app_namespace(base: Path, ns: str, table: list[tuple[str, str, str, list[str], str]]) -> None:
    """Routes, services, endpoints and pods whose names, IPs and ports are the logged server names."""
    termination = {"be_http": None, "be_edge_http": "edge", "be_secure": "reencrypt", "be_tcp": "passthrough"}
    route_items, services, endpoints, pods = [], [], [], []
    for i, (_, name, kind, servers, host) in enumerate(r for r in table if r[0] == ns):
        spec: dict = {"host": host, "to": {"kind": "Service", "name": name, "weight": 100},
                      "port": {"targetPort": "http"}}
        if termination[kind]:
            spec["tls"] = {"termination": termination[kind]}
        route_items.append({"apiVersion": "route.openshift.io/v1", "kind": "Route",
                            "metadata": {"name": name, "namespace": ns, "uid": f"route-{ns}-{name}"},
                            "spec": spec,
                            "status": {"ingress": [{"host": host, "routerName": "default", "conditions": [
                                {"type": "Admitted", "status": "True",
                                 "lastTransitionTime": "2024-04-30T06:00:00Z"}]}]}})
        addresses, ports = [], set()
        for server in servers:
            _, pod_name, _, port_name, ip, port = server.split(":")
            pods.append(pod(ns, pod_name, name, ip, int(port), port_name, i))
            addresses.append({"ip": ip, "targetRef": {"kind": "Pod", "name": pod_name, "namespace": ns}})
            ports.add(int(port))
        port = min(ports)
        services.append({"apiVersion": "v1", "kind": "Service", "metadata": {"name": name, "namespace": ns},
                         "spec": {"selector": {"app": name}, "clusterIP": f"172.30.{i}.{len(services) + 10}",
                                  "ports": [{"name": "http", "port": 8080, "targetPort": "http", "protocol": "TCP"}]}})
        endpoints.append({"apiVersion": "v1", "kind": "Endpoints", "metadata": {"name": name, "namespace": ns},
                          "subsets": [{"addresses": addresses, "ports": [{"name": "http", "port": port}]}]})
    root = base / "namespaces" / ns
    dump(root / f"{ns}.yaml", {"apiVersion": "v1", "kind": "Namespace", "metadata": {"name": ns}})
    dump(root / "route.openshift.io" / "routes.yaml", listing("Route", route_items, "route.openshift.io/v1"))
    dump(root / "core" / "services.yaml", listing("Service", services))
    dump(root / "core" / "endpoints.yaml", listing("Endpoints", endpoints))
    dump(root / "core" / "pods.yaml", listing("Pod", pods))
    dump(root / "core" / "events.yaml", listing("Event", []))
    line = "2024-05-01T10:00:00.000000000Z I0501 10:00:00.000000 1 server.go:88] served GET /api/v1/items 200\n"
    for p in pods[:20]:
        name, app = p["metadata"]["name"], p["spec"]["containers"][0]["name"]
        log = root / "pods" / name / app / app / "logs" / "current.log"
        log.parent.mkdir(parents=True, exist_ok=True)
        log.write_text(line * 2000)


def platform_namespace(image: Path, ns: str, log_bytes: int, rng: random.Random) -> None:
    """An ``openshift-*`` namespace: a dozen pods, events, a large configmap list, container logs."""
    root = image / "namespaces" / ns
    short = ns.removeprefix("openshift-")
    pods = []
    for i in range(PODS_PER_NAMESPACE):
        ip = f"10.{128 + i % 4}.{rng.randrange(256)}.{rng.randrange(2, 250)}"
        pods.append(pod(ns, f"{short}-{rng.randrange(16**10):010x}-{rng.randrange(36**5):05x}", short, ip, 8443,
                        "https", i))
    dump(root / f"{ns}.yaml", {"apiVersion": "v1", "kind": "Namespace", "metadata": {"name": ns}})
    dump(root / "core" / "pods.yaml", listing("Pod", pods))
    dump(root / "core" / "configmaps.yaml", listing("ConfigMap", [
        {"apiVersion": "v1", "kind": "ConfigMap", "metadata": {"name": f"config-{k}", "namespace": ns},
         "data": {"config.yaml": "# generated\n" + "key: value-with-some-length\n" * 400}} for k in range(60)]))
    dump(root / "core" / "events.yaml", listing("Event", [
        {"apiVersion": "v1", "kind": "Event", "metadata": {"name": f"ev-{k}", "namespace": ns},
         "reason": "Pulled", "type": "Normal", "message": "Container image already present on machine",
         "involvedObject": {"kind": "Pod", "name": pods[k % len(pods)]["metadata"]["name"], "namespace": ns},
         "lastTimestamp": "2024-05-01T09:58:00Z"} for k in range(200)]))
    routes_here = PLATFORM_ROUTES.get(ns, [])
    if routes_here:
        dump(root / "route.openshift.io" / "routes.yaml", listing("Route", [
            {"apiVersion": "route.openshift.io/v1", "kind": "Route", "metadata": {"name": r, "namespace": ns},
             "spec": {"host": f"{r}-{ns}.apps.case.example.com", "to": {"kind": "Service", "name": svc},
                      "port": {"targetPort": port}, "tls": {"termination": term}},
             "status": {"ingress": [{"routerName": "default", "conditions": [{"type": "Admitted",
                                                                              "status": "True"}]}]}}
            for r, svc, port, term in routes_here], "route.openshift.io/v1"))
        dump(root / "core" / "services.yaml", listing("Service", [
            {"apiVersion": "v1", "kind": "Service", "metadata": {"name": svc, "namespace": ns},
             "spec": {"selector": {"app": short}, "ports": [{"name": port, "port": 443, "targetPort": 8443}]}}
            for _, svc, port, _ in routes_here]))
        dump(root / "core" / "endpoints.yaml", listing("Endpoints", [
            {"apiVersion": "v1", "kind": "Endpoints", "metadata": {"name": svc, "namespace": ns},
             "subsets": [{"addresses": [{"ip": p["status"]["podIP"], "targetRef": {
                 "kind": "Pod", "name": p["metadata"]["name"], "namespace": ns}} for p in pods],
                 "ports": [{"name": port, "port": 8443}]}]} for _, svc, port, _ in routes_here]))
    line = (f"2024-05-01T09:59:59.123456789Z I0501 09:59:59.123456 1 controller.go:211] {ns}: "
            "reconciled object, nothing to do; resync in 10m0s\n").encode()
    block = line * (1 << 20 // len(line) + 1)
    for p in pods:
        name, app = p["metadata"]["name"], p["spec"]["containers"][0]["name"]
        log = root / "pods" / name / app / app / "logs" / "current.log"
        log.parent.mkdir(parents=True, exist_ok=True)
        with open(log, "wb") as fh:
            left = log_bytes
            while left > 0:
                fh.write(block[:left])
                left -= len(block)


def router_logs(image: Path, lines: int) -> None:
    """The generated access log, each line in the log of the router pod that wrote it."""
    base = image / "namespaces" / "openshift-ingress"
    dump(base / "openshift-ingress.yaml", {"apiVersion": "v1", "kind": "Namespace",
                                           "metadata": {"name": "openshift-ingress"}})
    dump(base / "core" / "pods.yaml", listing("Pod", [
        pod("openshift-ingress", r, "router", f"10.0.1.{10 + i}", 80, "http", i) for i, r in enumerate(ROUTERS)]))
    with tempfile.TemporaryDirectory() as tmp:
        whole = Path(tmp) / "access.log"
        generate(lines, whole, seed=1)
        outs = {}
        for r in ROUTERS:
            path = base / "pods" / r / "logs" / "logs" / "logs" / "current.log"
            path.parent.mkdir(parents=True, exist_ok=True)
            outs[r.encode()] = open(path, "wb")  # noqa: SIM115 - closed below
        try:
            with open(whole, "rb") as fh:
                for raw in fh:
                    outs[raw.split(b" ", 3)[2]].write(raw)
        finally:
            for out in outs.values():
                out.close()
    dump(image / "namespaces" / "openshift-ingress-operator" / "operator.openshift.io" / "ingresscontrollers"
         / "default.yaml", {"apiVersion": "operator.openshift.io/v1", "kind": "IngressController",
                            "metadata": {"name": "default", "namespace": "openshift-ingress-operator"},
                            "spec": {"logging": {"access": {"destination": {"type": "Container"}}}},
                            "status": {"availableReplicas": 3, "domain": "apps.case.example.com"}})


def generate_case(out: Path, log_lines: int = 1_000_000, platform_mb: int = 1450, seed: int = 1) -> Path:
    rng = random.Random(seed)
    image = out / MUST_GATHER / IMAGE
    image.mkdir(parents=True, exist_ok=True)
    (out / MUST_GATHER / "timestamp").write_text("2024-05-01 10:30:00.000000 +0000 UTC m=+0.1\n")
    (image / "version").write_text("openshift/must-gather\n4.16.21\n")
    (image / "timestamp").write_text("2024-05-01 10:30:00.000000 +0000 UTC m=+0.1\n")
    dump(image / "cluster-scoped-resources" / "core" / "nodes" / "worker-0.yaml",
         {"apiVersion": "v1", "kind": "Node", "metadata": {"name": "worker-0"},
          "status": {"conditions": [{"type": "Ready", "status": "True"}]}})
    platform = [*PLATFORM_ROUTES, *OTHER_PLATFORM]
    per_pod = platform_mb * (1 << 20) // (len(platform) * PODS_PER_NAMESPACE)
    for ns in platform:
        platform_namespace(image, ns, per_pod, rng)
    router_logs(image, log_lines)
    table = routes(random.Random(1))  # the route table the log was generated from
    inspect = out / INSPECT
    (inspect).mkdir(parents=True, exist_ok=True)
    (inspect / "timestamp").write_text("2024-05-01 10:31:00.000000 +0000 UTC m=+0.1\n")
    for ns in APP_NAMESPACES:
        app_namespace(inspect, ns, table)
    return out


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("out", type=Path)
    parser.add_argument("--log-lines", type=int, default=1_000_000)
    parser.add_argument("--platform-mb", type=int, default=1450)
    args = parser.parse_args()
    generate_case(args.out, args.log_lines, args.platform_mb)


if __name__ == "__main__":
    main()
