"""Generate a large must-gather tree shaped like the real ones (deterministic), for benchmarks.

Layout per mustgather-layout.md: ``must-gather.local.<n>/<image dir>/namespaces/<ns>/{core,apps,
route.openshift.io,discovery.k8s.io}/*.yaml`` lists plus per-pod directories with logs, and the
ingress namespaces. ``N`` application namespaces of ``pods`` pods each; the pod objects carry the
fields real ones do (probes, env, volumes, statuses), about 6–7 KB each, so N=500 × 40 gives the
perf-baseline's 20,000 pods.

Usage: ``python -m bench.gen_mustgather OUTDIR [--namespaces N] [--pods P] [--log-kb K]``
"""

from __future__ import annotations

import argparse
import random
from pathlib import Path

import yaml

IMAGE = "quay-io-openshift-release-dev-ocp-v4-0-art-dev-sha256-" + "0b5e7a1c3d9f2e4a" * 4


def pod(ns: str, app: str, i: int, rng: random.Random) -> dict:
    name = f"{app}-{rng.randrange(16**10):010x}-{rng.randrange(36**5):05x}"
    env = [{"name": f"SETTING_{k}", "value": f"value-{rng.randrange(10**6)}"} for k in range(12)]
    return {
        "apiVersion": "v1", "kind": "Pod",
        "metadata": {"name": name, "namespace": ns, "uid": f"{rng.randrange(16**32):032x}",
                     "resourceVersion": str(rng.randrange(10**7)), "creationTimestamp": "2026-11-20T06:00:00Z",
                     "labels": {"app": app, "pod-template-hash": f"{rng.randrange(16**10):010x}"},
                     "annotations": {"k8s.ovn.org/pod-networks": '{"default":{"ip_addresses":["10.128.2.4/23"]}}',
                                     "openshift.io/scc": "restricted-v2"},
                     "ownerReferences": [{"apiVersion": "apps/v1", "kind": "ReplicaSet", "controller": True,
                                          "name": f"{app}-5c7d9e8f6", "uid": f"{rng.randrange(16**32):032x}"}]},
        "spec": {"containers": [{"name": app, "image": f"quay.io/bench/{app}:1.0", "env": env,
                                 "ports": [{"containerPort": 8080, "name": "http", "protocol": "TCP"}],
                                 "readinessProbe": {"httpGet": {"path": "/ready", "port": 8080, "scheme": "HTTP"},
                                                    "periodSeconds": 10, "timeoutSeconds": 1},
                                 "livenessProbe": {"httpGet": {"path": "/live", "port": 8080, "scheme": "HTTP"}},
                                 "resources": {"limits": {"memory": "512Mi"}, "requests": {"cpu": "100m"}},
                                 "volumeMounts": [{"mountPath": f"/var/run/{k}", "name": f"vol-{k}"}
                                                  for k in range(6)]}],
                 "volumes": [{"name": f"vol-{k}", "projected": {"sources": [{"serviceAccountToken": {
                     "expirationSeconds": 3607, "path": "token"}}]}} for k in range(6)],
                 "nodeName": f"worker-{i % 3}", "terminationGracePeriodSeconds": 30,
                 "tolerations": [{"effect": "NoExecute", "key": "node.kubernetes.io/not-ready", "operator": "Exists",
                                  "tolerationSeconds": 300}]},
        "status": {"phase": "Running", "podIP": f"10.{128 + i % 4}.{i % 250}.{rng.randrange(2, 250)}",
                   "conditions": [{"type": t, "status": "True", "lastTransitionTime": "2026-11-20T06:00:20Z"}
                                  for t in ("Initialized", "Ready", "ContainersReady", "PodScheduled")],
                   "containerStatuses": [{"name": app, "ready": True, "restartCount": 0, "started": True,
                                          "image": f"quay.io/bench/{app}:1.0",
                                          "state": {"running": {"startedAt": "2026-11-20T06:00:10Z"}}}]},
    }


def write(path: Path, obj: dict) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    with open(path, "w") as fh:
        fh.write("---\n")
        yaml.dump(obj, fh, Dumper=yaml.CSafeDumper, default_flow_style=False, sort_keys=True, width=1000)


def generate(out: Path, namespaces: int = 50, pods: int = 40, log_kb: int = 64, seed: int = 1) -> Path:
    rng = random.Random(seed)
    root = out / "must-gather.local.5551212" / IMAGE
    (root).mkdir(parents=True, exist_ok=True)
    (root / "version").write_text("openshift/must-gather\n4.16.21\n")
    log_line = "2026-11-20T06:00:11.000000000Z I1120 06:00:11.000000 1 server.go:42] serving request\n"
    for n in range(namespaces):
        ns = f"team-{n:03d}"
        base = root / "namespaces" / ns
        write(base / f"{ns}.yaml", {"apiVersion": "v1", "kind": "Namespace", "metadata": {"name": ns}})
        apps = [f"svc{k}" for k in range(4)]
        items = [pod(ns, apps[i % 4], i, rng) for i in range(pods)]
        write(base / "core" / "pods.yaml", {"apiVersion": "v1", "kind": "PodList", "items": items,
                                            "metadata": {"resourceVersion": "1"}})
        write(base / "core" / "services.yaml", {"apiVersion": "v1", "kind": "ServiceList", "items": [
            {"apiVersion": "v1", "kind": "Service", "metadata": {"name": a, "namespace": ns},
             "spec": {"selector": {"app": a}, "ports": [{"name": "http", "port": 8080, "targetPort": 8080}]}}
            for a in apps], "metadata": {}})
        write(base / "route.openshift.io" / "routes.yaml", {"apiVersion": "route.openshift.io/v1",
                                                           "kind": "RouteList", "metadata": {}, "items": [
            {"apiVersion": "route.openshift.io/v1", "kind": "Route", "metadata": {"name": a, "namespace": ns},
             "spec": {"host": f"{a}-{ns}.apps.bench.example.com", "to": {"kind": "Service", "name": a},
                      "tls": {"termination": "edge"}},
             "status": {"ingress": [{"routerName": "default", "conditions": [{"type": "Admitted",
                                                                              "status": "True"}]}]}}
            for a in apps]})
        write(base / "core" / "events.yaml", {"apiVersion": "v1", "kind": "EventList", "metadata": {}, "items": [
            {"apiVersion": "v1", "kind": "Event", "metadata": {"name": f"e{i}", "namespace": ns},
             "reason": "Pulled", "message": "Container image already present on machine", "type": "Normal",
             "involvedObject": {"kind": "Pod", "name": items[i]["metadata"]["name"], "namespace": ns},
             "lastTimestamp": "2026-11-20T06:00:09Z"} for i in range(pods)]})
        for item in items[:10]:
            name = item["metadata"]["name"]
            logs = base / "pods" / name / item["spec"]["containers"][0]["name"]
            log = logs / item["spec"]["containers"][0]["name"] / "logs" / "current.log"
            log.parent.mkdir(parents=True, exist_ok=True)
            log.write_text(log_line * (log_kb * 1024 // len(log_line)))
    return out


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("out", type=Path)
    parser.add_argument("--namespaces", type=int, default=50)
    parser.add_argument("--pods", type=int, default=40)
    parser.add_argument("--log-kb", type=int, default=64)
    args = parser.parse_args()
    generate(args.out, args.namespaces, args.pods, args.log_kb)


if __name__ == "__main__":
    main()
