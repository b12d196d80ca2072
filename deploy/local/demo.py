#!/usr/bin/env python3
"""The peers of the main job's demo, and the demo's objects.

Nothing runs in pods on the local control plane, and no real FATE-Flow or MindSpore FL scheduler
can run here, so the demo uses the project's test doubles (tests/doubles/) as the parties'
peers: one FATE-Flow double per party and one scheduler double for party 99's server group, plus
the e2e "kubelet bridge" that registers server pods with the scheduler double when kwok reports
them Running. It then applies deploy/examples/ with the endpoints pointed at those doubles, and
keeps the bridge running until SIGTERM/SIGINT.

The ModelMigration example runs for real when FATE's own migration case is at hand
(shared/testdata/fate-migration/v111_sbt_binning_selection_lr_3party): the source parties' model
stores are host directories holding that case's models, bound through static PersistentVolumes;
the step Jobs' pods are executed on this machine by step_executor.py with the built fl-model; the
target parties' FATE-Flow doubles verify every imported model with fl-model.

    demo.py --namespace fl-demo --workdir DIR --fl-model PATH [--testdata DIR]
"""

import argparse
import copy
import json
import os
import shutil
import signal
import sys
import threading
import zipfile

import yaml

ROOT = os.path.abspath(os.path.join(os.path.dirname(__file__), "../.."))
sys.path.insert(0, os.path.join(ROOT, "tests/controllers/flcluster/e2e"))
import harness as h  # noqa: E402  (the doubles' process wrappers and the kubelet bridge)
import step_executor  # noqa: E402

MIGRATION_CASE = "fate-migration/v111_sbt_binning_selection_lr_3party"


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


def static_claim(name, namespace, host_path, size="1Gi"):
    """A hostPath PersistentVolume and the claim bound to it (no provisioner runs here)."""
    os.makedirs(host_path, exist_ok=True)
    pv = f"fl-demo-{namespace}-{name}"
    return [{"apiVersion": "v1", "kind": "PersistentVolume", "metadata": {"name": pv},
             "spec": {"capacity": {"storage": size}, "accessModes": ["ReadWriteOnce"],
                      "storageClassName": "", "persistentVolumeReclaimPolicy": "Retain",
                      "claimRef": {"namespace": namespace, "name": name},
                      "hostPath": {"path": host_path}}},
            {"apiVersion": "v1", "kind": "PersistentVolumeClaim",
             "metadata": {"name": name, "namespace": namespace},
             "spec": {"accessModes": ["ReadWriteOnce"], "storageClassName": "", "volumeName": pv,
                      "resources": {"requests": {"storage": size}}}}]


def fill_model_stores(case_dir, stores, model_version):
    """Each source party's model_local_cache, from FATE's case: model directories are copied,
    export zips unpacked into {role}#{party}#{model_id}/{version}/ as FATE-Flow keeps them."""
    for entry in sorted(os.listdir(os.path.join(case_dir, "input"))):
        path = os.path.join(case_dir, "input", entry)
        role, party, rest = entry.split("#", 2)
        cache = os.path.join(stores[int(party)], "fateflow/model_local_cache")
        if os.path.isdir(path):
            shutil.copytree(path, os.path.join(cache, entry), dirs_exist_ok=True)
        elif entry.endswith(f"_{model_version}.zip"):
            model_id = rest[:-len(f"_{model_version}.zip")]
            with zipfile.ZipFile(path) as archive:
                archive.extractall(os.path.join(cache, f"{role}#{party}#{model_id}", model_version))


def migration_demo(namespace, workdir, case_dir):
    """Source FLClusters with filled model stores, a workspace claim, and the ModelMigration
    example set to FATE's case (its model, version and unified version)."""
    with open(os.path.join(case_dir, "migrate_conf.json")) as f:
        conf = json.load(f)
    sources = load("flcluster-party-9999.yaml") + load("flcluster-party-10000.yaml")
    stores = {c["spec"]["partyId"]: os.path.join(workdir, "stores", c["metadata"]["name"])
              for c in sources}
    for store in stores.values():
        shutil.rmtree(store, ignore_errors=True)
    fill_model_stores(case_dir, stores, conf["model_version"])
    claims = []
    for cluster in sources:
        claims += static_claim(cluster["spec"]["fate"]["modelStore"]["claimName"], namespace,
                               stores[cluster["spec"]["partyId"]])
    claims += static_claim("fl-demo-migration-workspace", namespace,
                           os.path.join(workdir, "migration-workspace"), "5Gi")
    migration = load("modelmigration.yaml")[0]
    spec = migration["spec"]
    spec["modelVersion"] = conf["model_version"]
    spec["unifyModelVersion"] = conf["unify_model_version"]
    spec["workspace"] = {"claimName": "fl-demo-migration-workspace"}
    for source in spec["sources"]:  # every source model is read from its party's model store
        source.pop("url", None)
        source.pop("sha256", None)
        source["clusterRef"] = {"name": f"party-{source['partyId']}"}
    return sources, claims, migration


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--namespace", default="fl-demo")
    parser.add_argument("--workdir", required=True)
    parser.add_argument("--fl-model", required=True, help="the built fl-model binary")
    parser.add_argument("--testdata", default=os.environ.get(
        "FLOP_TESTDATA_DIR", os.path.join(ROOT, "../shared/testdata")))
    args = parser.parse_args()
    shutil.rmtree(args.workdir, ignore_errors=True)  # fresh peers: no models from an earlier run
    os.makedirs(args.workdir)
    os.environ["FLOP_FL_MODEL"] = os.path.abspath(args.fl_model)  # the doubles verify imports

    clusters = load("flcluster.yaml") + load("flcluster-party-100.yaml")
    case_dir = os.path.join(args.testdata, MIGRATION_CASE)
    migration = []
    if os.path.isdir(case_dir):
        sources, claims, migration = migration_demo(args.namespace, args.workdir, case_dir)
        clusters += sources
        h.kubectl("apply", "-f", "-", input_text=json.dumps(
            {"apiVersion": "v1", "kind": "List", "items": claims}))
        migration = [migration]
    else:
        print(f"no ModelMigration: FATE's migration case is not at {case_dir}", flush=True)
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
    objects = point_at_doubles(clusters + load("federatedjob.yaml") +
                               load("federatedjob-mindspore.yaml") + migration, flow_urls,
                               scheduler.url)
    h.kubectl("apply", "-n", args.namespace, "-f", "-", input_text=json.dumps(
        {"apiVersion": "v1", "kind": "List", "items": objects}))
    print(json.dumps({"fateflow": flow_urls, "scheduler": scheduler.url}), flush=True)

    bridge = h.Bridge(args.namespace, scheduler)
    bridge.start()
    stop = threading.Event()
    signal.signal(signal.SIGTERM, lambda *_: stop.set())
    signal.signal(signal.SIGINT, lambda *_: stop.set())
    executor = threading.Thread(target=step_executor.serve, daemon=True, args=(
        args.namespace, os.path.join(args.workdir, "step-pods"), args.fl_model, stop,
        lambda m: print(m, flush=True)))
    executor.start()
    stop.wait()
    executor.join(timeout=30)
    bridge.stop()
    for double in doubles:
        double.stop()


if __name__ == "__main__":
    main()
