#!/usr/bin/env python3
"""The peers of the main job's demo, and the demo's objects.

Nothing runs in pods on the local control plane, and no real FATE-Flow or MindSpore FL scheduler
can run here, so the demo uses the project's test doubles (tests/doubles/) as the parties'
peers: one FATE-Flow double per party and one scheduler double for party 99's server group, plus
the e2e "kubelet bridge" that registers server pods with the scheduler double when kwok reports
them Running. It then applies deploy/examples/ with the endpoints pointed at those doubles, and
keeps the bridge running until SIGTERM/SIGINT.

    demo.py --namespace fl-demo --workdir DIR
"""

import argparse
import copy
import json
import os
import signal
import sys
import threading

import yaml

ROOT = os.path.abspath(os.path.join(os.path.dirname(__file__), "../.."))
sys.path.insert(0, os.path.join(ROOT, "tests/controllers/flcluster/e2e"))
import harness as h  # noqa: E402  (the doubles' process wrappers and the kubelet bridge)


def load(name):
    with open(os.path.join(ROOT, "deploy/examples", name)) as f:
        return [d for d in yaml.safe_load_all(f) if d]


def point_at_doubles(objects, flow_urls, scheduler_url):
    """The examples, with FATE-Flow and scheduler endpoints replaced by the doubles' URLs."""
    out = []
    for obj in copy.deepcopy(objects):
        spec = obj.get("spec", {})
        if obj["kind"] == "FLCluster":
            fate = spec.get("fate")
            if fate and spec["partyId"] in flow_urls:
                fate["flow"] = {"url": flow_urls[spec["partyId"]]}
            ms = spec.get("mindspore")
            if ms:
                ms["scheduler"]["externalManagementUrl"] = scheduler_url
        out.append(obj)
    return out


def volumes_for(cluster, count):
    """Static PersistentVolumes for the servers' recovery claims: the local control plane has no
    provisioner, and the scheduler refuses pods whose claims are unbound."""
    recovery = cluster["spec"]["mindspore"].get("recovery", {})
    if not recovery.get("enabled"):
        return []
    name = cluster["metadata"]["name"]
    return [{"apiVersion": "v1", "kind": "PersistentVolume",
             "metadata": {"name": f"fl-demo-{name}-{i}"},
             "spec": {"capacity": {"storage": recovery.get("size", "1Gi")},
                      "accessModes": ["ReadWriteOnce"], "storageClassName": "",
                      "persistentVolumeReclaimPolicy": "Delete",
                      "hostPath": {"path": f"/tmp/fl-demo-{name}-{i}"}}}
            for i in range(count)]


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--namespace", default="fl-demo")
    parser.add_argument("--workdir", required=True)
    args = parser.parse_args()
    os.makedirs(args.workdir, exist_ok=True)

    clusters = load("flcluster.yaml") + load("flcluster-party-100.yaml")
    servers = next(c for c in clusters if c["spec"].get("mindspore"))["spec"]["mindspore"]["servers"]
    doubles = []
    flow_urls = {}
    for cluster in clusters:
        party = cluster["spec"]["partyId"]
        workdir = os.path.join(args.workdir, f"fateflow-{party}")
        os.makedirs(workdir, exist_ok=True)
        flow = h.FateFlowDouble(workdir, cluster["spec"]["fate"]["version"])
        doubles.append(flow)
        flow_urls[party] = flow.url
    scheduler = h.Double(args.workdir, servers["replicas"])
    doubles.append(scheduler)

    group = next(c for c in clusters if c["spec"].get("mindspore"))
    h.kubectl("apply", "-f", "-", input_text=json.dumps(
        {"apiVersion": "v1", "kind": "List", "items": volumes_for(group, servers["replicas"] * 2)}))
    objects = point_at_doubles(clusters + load("federatedjob.yaml"), flow_urls, scheduler.url)
    h.kubectl("apply", "-n", args.namespace, "-f", "-", input_text=json.dumps(
        {"apiVersion": "v1", "kind": "List", "items": objects}))
    print(json.dumps({"fateflow": flow_urls, "scheduler": scheduler.url}), flush=True)

    bridge = h.Bridge(args.namespace, scheduler)
    bridge.start()
    stop = threading.Event()
    signal.signal(signal.SIGTERM, lambda *_: stop.set())
    signal.signal(signal.SIGINT, lambda *_: stop.set())
    stop.wait()
    bridge.stop()
    for double in doubles:
        double.stop()


if __name__ == "__main__":
    main()
