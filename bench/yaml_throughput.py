"""YAML throughput (MB/s) of the loader when every object must be read: libyaml alone vs rapidyaml.

Generates ``bench/out/podlist_<N>.yaml``, a go-yaml-shaped ``PodList`` of N pods (the pods of
``bench/gen_mustgather.pod`` with what real ones also carry: multus ``network-status`` JSON in
``|-`` blocks, a sidecar in every other pod, security contexts, OOM-killed last states; ~6.5 KB
each, so 20,000 pods is about perf-baseline.md's 134 MB file) and the same pods as one ``pods.yaml`` per namespace
of 40 (``bench/out/podlist_<N>_ns/``). Then times, each in its own process (``/usr/bin/time -v``):

- PyYAML ``yaml.load(CSafeLoader)`` over the whole file (no item split, GC on: the naive loader);
- our loader (``parsers.yaml_docs.iter_objects``) with ``MGA_YAML=pyyaml`` (per-item CSafeLoader);
- our loader with ``MGA_YAML=fast`` (rapidyaml where the scan proves it agrees);
- the per-namespace files through ``parsers.load_objects.parse_documents`` (two spawned workers, as
  ``mga analyze`` reads them), with either loader.

Prints a Markdown table: wall and in-process seconds, MB/s of each, peak RSS (for the two-worker
rows the largest process, not the sum), and the share of items rapidyaml loaded.

Usage: ``python -m bench.yaml_throughput [--pods N] [--no-whole]``
"""

from __future__ import annotations

import argparse
import copy
import json
import os
import random
import re
import subprocess
import sys
from pathlib import Path

OUT = Path(__file__).resolve().parent / "out"
PODS_PER_NAMESPACE = 40

NETWORK_STATUS = """[{{
    "name": "ovn-kubernetes",
    "interface": "eth0",
    "ips": [
        "{ip}"
    ],
    "mac": "0a:58:0a:80:02:{mac:02x}",
    "default": true,
    "dns": {{}}
}}]"""


def real_pod(ns: str, app: str, i: int, rng: random.Random) -> dict:
    """``gen_mustgather.pod`` plus the fields a real ``oc get pods -o yaml`` item carries."""
    from bench.gen_mustgather import pod

    obj = copy.deepcopy(pod(ns, app, i, rng))  # shared sub-objects would be dumped as anchors (go-yaml has none)
    ip = obj["status"]["podIP"]
    status = NETWORK_STATUS.format(ip=ip, mac=rng.randrange(256))
    obj["metadata"]["annotations"].update({
        "k8s.v1.cni.cncf.io/network-status": status, "k8s.v1.cni.cncf.io/networks-status": status,
        "kubectl.kubernetes.io/default-container": app, "seccomp.security.alpha.kubernetes.io/pod": "runtime/default",
    })
    obj["metadata"]["generateName"] = obj["metadata"]["name"][:-5]
    container = obj["spec"]["containers"][0]
    container.update({
        "imagePullPolicy": "IfNotPresent", "terminationMessagePath": "/dev/termination-log",
        "terminationMessagePolicy": "File", "args": ["--port=8080", "--log-level=info", f"--namespace={ns}"],
        "securityContext": {"allowPrivilegeEscalation": False, "capabilities": {"drop": ["ALL"]},
                            "runAsNonRoot": True, "runAsUser": 1000680000},
    })
    if i % 2:  # 1 to 2 containers, as in perf-baseline.md's file
        sidecar = {**copy.deepcopy(container), "name": "oauth-proxy", "image": "quay.io/bench/oauth-proxy:4.16",
                   "args": ["--https-address=:8443", "--provider=openshift", "--upstream=http://localhost:8080",
                            "--tls-cert=/etc/tls/private/tls.crt", "--tls-key=/etc/tls/private/tls.key"],
                   "ports": [{"containerPort": 8443, "name": "https", "protocol": "TCP"}]}
        obj["spec"]["containers"].append(sidecar)
        obj["status"]["containerStatuses"].append({**copy.deepcopy(obj["status"]["containerStatuses"][0]),
                                                   "name": "oauth-proxy"})
    obj["spec"].update({
        "dnsPolicy": "ClusterFirst", "enableServiceLinks": True, "preemptionPolicy": "PreemptLowerPriority",
        "priority": 0, "restartPolicy": "Always", "schedulerName": "default-scheduler",
        "serviceAccount": "default", "serviceAccountName": "default",
        "securityContext": {"fsGroup": 1000680000, "seLinuxOptions": {"level": "s0:c26,c15"},
                            "seccompProfile": {"type": "RuntimeDefault"}},
        "imagePullSecrets": [{"name": f"default-dockercfg-{rng.randrange(36**5):05x}"}],
    })
    st = obj["status"]
    st.update({"hostIP": f"10.0.{i % 3}.{10 + i % 3}", "podIPs": [{"ip": ip}], "qosClass": "Burstable",
               "startTime": "2026-11-20T06:00:01Z"})
    for cond in st["conditions"]:
        cond["lastProbeTime"] = None
    for cs in st["containerStatuses"]:
        cs.update({"containerID": f"cri-o://{rng.randrange(16**64):064x}",
                   "imageID": f"quay.io/bench/{app}@sha256:{rng.randrange(16**64):064x}", "lastState": {}})
    if i % 25 == 0:
        cs = st["containerStatuses"][0]
        cs["restartCount"] = 3
        cs["lastState"] = {"terminated": {
            "containerID": f"cri-o://{rng.randrange(16**64):064x}", "exitCode": 137, "reason": "OOMKilled",
            "startedAt": "2026-11-20T05:40:00Z", "finishedAt": "2026-11-20T05:59:58Z",
            "message": "container exceeded its memory limit\nlast log line: allocating buffer"}}
    return obj


def _dumper() -> type:
    """CSafeDumper writing multi-line strings as ``|`` blocks, as go-yaml does."""
    import yaml

    class GoStyleDumper(yaml.CSafeDumper):  # type: ignore[misc, name-defined]
        pass

    def text(dumper: yaml.Dumper, data: str) -> yaml.ScalarNode:
        return dumper.represent_scalar("tag:yaml.org,2002:str", data, style="|" if "\n" in data else None)

    GoStyleDumper.add_representer(str, text)
    return GoStyleDumper


def write_list(path: Path, items: list[dict]) -> None:
    import yaml

    path.parent.mkdir(parents=True, exist_ok=True)
    doc = {"apiVersion": "v1", "kind": "PodList", "metadata": {"resourceVersion": "1"}, "items": items}
    with open(path, "w") as fh:
        fh.write("---\n")
        yaml.dump(doc, fh, Dumper=_dumper(), default_flow_style=False, sort_keys=True, width=1000)


def generate(pods: int) -> tuple[Path, Path]:
    """The whole list and the per-namespace directory (reused when present)."""
    path, split = OUT / f"podlist_{pods}.yaml", OUT / f"podlist_{pods}_ns"
    if path.exists() and split.exists():
        return path, split
    print(f"generating {path} and {split}/ ...", file=sys.stderr)
    rng = random.Random(7)
    items = [real_pod(f"team-{i // PODS_PER_NAMESPACE:03d}", f"svc{i % 4}", i, rng) for i in range(pods)]
    for start in range(0, pods, PODS_PER_NAMESPACE):
        write_list(split / f"team-{start // PODS_PER_NAMESPACE:03d}" / "pods.yaml",
                   items[start:start + PODS_PER_NAMESPACE])
    write_list(path, items)
    return path, split


# Each child prints {"seconds": in-process load time, "objects": n, "fast": items rapidyaml loaded}.
WHOLE = """import sys, json, time, yaml
data = open(sys.argv[1], 'rb').read(); t = time.perf_counter()
doc = yaml.load(data, Loader=yaml.CSafeLoader)
print(json.dumps({"seconds": time.perf_counter() - t, "objects": len(doc["items"])}))"""
ONE_FILE = """import sys, json, time
from parsers import yaml_docs, yaml_fast
calls = [0]; load_item, load_items = yaml_fast.load_item, yaml_fast.load_items
def counted(text, checked=False):
    docs = load_item(text, checked); calls[0] += docs is not None; return docs
def counted_items(texts):
    docs = load_items(texts); calls[0] += sum(d is not None for d in docs); return docs
yaml_fast.load_item, yaml_fast.load_items = counted, counted_items
data = open(sys.argv[1], 'rb').read(); t = time.perf_counter()
n = sum(1 for _ in yaml_docs.iter_objects(data, 'pods.yaml'))
print(json.dumps({"seconds": time.perf_counter() - t, "objects": n, "fast": calls[0]}))"""
TWO_WORKERS = """import sys, json, time, pathlib
from parsers import load_objects
if __name__ == '__main__':
    batch = [(str(p), p.read_bytes()) for p in sorted(pathlib.Path(sys.argv[1]).rglob('pods.yaml'))]
    t = time.perf_counter()
    results = load_objects.parse_documents(batch)
    print(json.dumps({"seconds": time.perf_counter() - t, "objects": sum(len(r[1]) for r in results)}))"""


def measure(code: str, target: Path, mode: str) -> tuple[float, float, dict]:
    """Wall seconds, peak RSS MiB and the child's own report, for one child process."""
    env = {**os.environ, "MGA_YAML": mode}
    proc = subprocess.run(["/usr/bin/time", "-v", sys.executable, "-c", code, str(target)], env=env,
                          capture_output=True, text=True, check=True, cwd=Path(__file__).resolve().parent.parent)
    wall = re.search(r"Elapsed \(wall clock\) time.*: (?:(\d+):)?(\d+):([\d.]+)", proc.stderr)
    seconds = (int(wall.group(1) or 0) * 3600 + int(wall.group(2)) * 60 + float(wall.group(3))) if wall else 0.0
    rss = re.search(r"Maximum resident set size \(kbytes\): (\d+)", proc.stderr)
    return seconds, int(rss.group(1)) / 1024 if rss else float("nan"), json.loads(proc.stdout.splitlines()[-1])


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--pods", type=int, default=20_000)
    parser.add_argument("--no-whole", action="store_true", help="skip the whole-file CSafeLoader row (slowest)")
    args = parser.parse_args()
    path, split = generate(args.pods)
    mb = path.stat().st_size / 1e6
    split_mb = sum(p.stat().st_size for p in split.rglob("pods.yaml")) / 1e6
    cases = [] if args.no_whole else [("PyYAML `yaml.load(CSafeLoader)`, whole file", WHOLE, path, "pyyaml", mb)]
    cases += [
        ("`iter_objects`, `MGA_YAML=pyyaml` (per-item CSafeLoader)", ONE_FILE, path, "pyyaml", mb),
        ("`iter_objects`, `MGA_YAML=fast` (rapidyaml where proven)", ONE_FILE, path, "fast", mb),
        (f"`parse_documents`, 2 workers, {args.pods // PODS_PER_NAMESPACE} files, pyyaml", TWO_WORKERS, split,
         "pyyaml", split_mb),
        (f"`parse_documents`, 2 workers, {args.pods // PODS_PER_NAMESPACE} files, fast", TWO_WORKERS, split,
         "fast", split_mb),
    ]
    print(f"{args.pods:,} pods: one {mb:.1f} MB `PodList`, or {args.pods // PODS_PER_NAMESPACE} namespace files "
          f"({split_mb:.1f} MB)\n")
    print("| loader | wall s | MB/s (wall) | in-process s | MB/s (in-process) | peak RSS MiB | items via rapidyaml |")
    print("|---|---:|---:|---:|---:|---:|---:|")
    for what, code, target, mode, size in cases:
        wall, rss, report = measure(code, target, mode)
        fast = f"{report['fast'] / report['objects']:.1%}" if "fast" in report else "–"
        print(f"| {what} | {wall:.2f} | {size / wall:.1f} | {report['seconds']:.2f} | "
              f"{size / report['seconds']:.1f} | {rss:,.0f} | {fast} |", flush=True)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
