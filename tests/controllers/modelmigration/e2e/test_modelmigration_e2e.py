"""ModelMigration e2e on the local control plane (kube-apiserver + kcm + scheduler + kwok).

kwok completes Job pods (exit 0) without running them, so these tests check what the operator
does with Kubernetes: plan and status, the Job order per party, the FATE version gate, and
resuming after SIGKILL with exactly one Job per step attempt. That the Jobs' commands really
work is proven by modelmigration_jobs_run_tests (the same Job specs executed locally).
"""

import json
import os
import random
import signal
import string
import subprocess
import sys
import time

import pytest

SOURCE = os.environ.get("FLOP_SOURCE_DIR",
                        os.path.abspath(os.path.join(os.path.dirname(__file__), "../../../..")))
OPERATOR = os.environ["FLOP_MM_OPERATOR"]
STATE = os.path.join(os.environ.get("FLOP_CLUSTER_DIR", "/tmp"), "e2e-modelmigration")
NEW_MODEL_ID = "arbiter-100#guest-99#host-100#model"
UNIFY_VERSION = "202006180930125432100"

sys.path.insert(0, os.path.join(SOURCE, "tests", "support"))
from e2e_common import free_port, kubectl, wait_for  # noqa: E402


def apply(obj, ns=None):
    args = ["apply", "-f", "-"] + (["-n", ns] if ns else [])
    kubectl(*args, input_text=json.dumps(obj))


def get_json(*args):
    return json.loads(kubectl("get", *args, "-o", "json"))


class Operator:
    """The e2e operator process for one namespace; stop() is a SIGTERM, kill() a crash."""

    def __init__(self, ns):
        os.makedirs(STATE, exist_ok=True)
        self.ns = ns
        self.log_path = os.path.join(STATE, f"operator-{ns}.log")
        self.proc = None

    def start(self, *flags):
        log = open(self.log_path, "ab")
        self.proc = subprocess.Popen(
            [OPERATOR, "--kubeconfig", os.environ["KUBECONFIG"], "--watch-namespaces", self.ns,
             "--health-probe-bind-address", f"127.0.0.1:{free_port()}",
             "--metrics-bind-address", f"127.0.0.1:{free_port()}", "--log-level", "debug",
             *flags],
            stdout=log, stderr=subprocess.STDOUT)

    def kill(self):
        if self.proc and self.proc.poll() is None:
            self.proc.send_signal(signal.SIGKILL)
            self.proc.wait()

    def stop(self):
        if self.proc and self.proc.poll() is None:
            self.proc.terminate()
            try:
                self.proc.wait(timeout=30)
            except subprocess.TimeoutExpired:
                self.kill()

    def log_tail(self):
        with open(self.log_path, errors="replace") as f:
            return "".join(f.readlines()[-40:])


@pytest.fixture(scope="module", autouse=True)
def crds():
    subprocess.run([os.path.join(SOURCE, "tests/support/install-crds.sh")], check=True)


@pytest.fixture
def ns():
    name = "mm-" + "".join(random.choices(string.ascii_lowercase + string.digits, k=6))
    kubectl("create", "namespace", name)
    wait_for("default service account",
             lambda: kubectl("get", "serviceaccount", "default", "-n", name, check=False))
    yield name
    kubectl("delete", "namespace", name, "--wait=false", check=False)
    for pv in get_json("pv", "-l", f"mm-e2e={name}")["items"]:
        kubectl("delete", "pv", pv["metadata"]["name"], "--wait=false", check=False)


@pytest.fixture
def operator(ns):
    op = Operator(ns)
    op.start()
    yield op
    op.stop()


def bound_claim(ns, name):
    """A PVC pre-bound to its own hostPath PV, so the scheduler can place the step pods."""
    pv_name = f"{ns}-{name}"
    apply({"apiVersion": "v1", "kind": "PersistentVolume",
           "metadata": {"name": pv_name, "labels": {"mm-e2e": ns}},
           "spec": {"capacity": {"storage": "1Gi"}, "accessModes": ["ReadWriteOnce"],
                    "storageClassName": "", "persistentVolumeReclaimPolicy": "Retain",
                    "hostPath": {"path": f"/tmp/{pv_name}"},
                    "claimRef": {"namespace": ns, "name": name}}})
    apply({"apiVersion": "v1", "kind": "PersistentVolumeClaim",
           "metadata": {"name": name, "namespace": ns},
           "spec": {"accessModes": ["ReadWriteOnce"], "storageClassName": "", "volumeName": pv_name,
                    "resources": {"requests": {"storage": "1Gi"}}}})


def flcluster(ns, name, party_id, version, store=True):
    fate = {"version": version, "flow": {"url": f"http://fateflow-{name}.invalid:9380"}}
    if store:
        bound_claim(ns, f"{name}-data")
        fate["modelStore"] = {"claimName": f"{name}-data", "path": "fateflow/model_local_cache"}
    apply({"apiVersion": "federatedlearning.dev/v1alpha1", "kind": "FLCluster",
           "metadata": {"name": name, "namespace": ns},
           "spec": {"partyId": party_id, "fate": fate}})
    # What the FLCluster controller would report after probing FATE-Flow's /v1/version/get.
    kubectl("patch", "flcluster", name, "-n", ns, "--subresource=status", "--type=merge",
            "-p", json.dumps({"status": {"fate": {"detectedVersion": version}}}))


def seed_clusters(ns, target_version="1.11.4"):
    flcluster(ns, "party-9999", 9999, "1.6.1")
    flcluster(ns, "party-10000", 10000, "1.6.1")
    flcluster(ns, "party-99", 99, "1.11.4", store=False)
    flcluster(ns, "party-100", 100, target_version, store=False)
    bound_claim(ns, "migration-ws")


def seed_migration(ns, name="seed"):
    apply({"apiVersion": "federatedlearning.dev/v1alpha1", "kind": "ModelMigration",
           "metadata": {"name": name, "namespace": ns},
           "spec": {
               "modelId": "arbiter-10000#guest-9999#host-10000#model",
               "modelVersion": "202006171904247702041",
               "role": {"guest": [9999], "host": [10000], "arbiter": [10000]},
               "migrateRole": {"guest": [99], "host": [100], "arbiter": [100]},
               "migrateInitiator": {"role": "guest", "partyId": 99},
               "executeParty": {"guest": [9999], "host": [10000], "arbiter": [10000]},
               "jobParameters": {"federatedMode": "MULTIPLE"},
               "unifyModelVersion": UNIFY_VERSION,
               "sources": [
                   {"role": "guest", "partyId": 9999, "clusterRef": {"name": "party-9999"}},
                   {"role": "host", "partyId": 10000, "clusterRef": {"name": "party-10000"}},
                   {"role": "arbiter", "partyId": 10000, "clusterRef": {"name": "party-10000"}}],
               "targets": [
                   {"role": "guest", "partyId": 99, "clusterRef": {"name": "party-99"}},
                   {"role": "host", "partyId": 100, "clusterRef": {"name": "party-100"}},
                   {"role": "arbiter", "partyId": 100, "clusterRef": {"name": "party-100"}}],
               "workspace": {"claimName": "migration-ws"},
               "import": {"enabled": True},
               "stepImage": "fl-operator:e2e"}})


def migration(ns, name="seed"):
    return get_json("modelmigration", name, "-n", ns)


def condition(obj, kind):
    for c in obj.get("status", {}).get("conditions", []):
        if c["type"] == kind:
            return c
    return None


def jobs(ns):
    return get_json("jobs", "-n", ns, "-l", "federatedlearning.dev/owner-kind=ModelMigration")["items"]


def assert_one_job_per_step_in_order(ns, mm):
    items = jobs(ns)
    names = sorted(j["metadata"]["name"] for j in items)
    assert len(names) == 9, names
    assert len(set(names)) == 9
    by_party = {}
    for job in items:
        labels = job["metadata"]["labels"]
        assert labels["federatedlearning.dev/attempt"] == "1", job["metadata"]["name"]
        owner = job["metadata"]["ownerReferences"][0]
        assert owner["kind"] == "ModelMigration" and owner["uid"] == mm["metadata"]["uid"]
        assert owner["controller"] is True
        key = (labels["federatedlearning.dev/role"], labels["federatedlearning.dev/party"])
        by_party.setdefault(key, {})[labels["federatedlearning.dev/step"]] = job
    assert set(by_party) == {("guest", "9999"), ("host", "10000"), ("arbiter", "10000")}
    for steps in by_party.values():
        created = {s: steps[s]["metadata"]["creationTimestamp"] for s in steps}
        done = {s: steps[s]["status"].get("completionTime") for s in steps}
        # Each step starts only after the previous one completed.
        assert done["transfer"] and created["migrate"] >= done["transfer"], (created, done)
        assert done["migrate"] and created["import"] >= done["migrate"], (created, done)


def test_seed_migration_succeeds_with_every_step_in_order(ns, operator):
    seed_clusters(ns)
    seed_migration(ns)
    mm = wait_for("Succeeded", lambda: (lambda m: m if m.get("status", {}).get("phase") == "Succeeded"
                                        else None)(migration(ns)), timeout=180)
    assert mm["status"]["newModelId"] == NEW_MODEL_ID
    assert mm["status"]["newModelVersion"] == UNIFY_VERSION
    assert condition(mm, "Ready")["status"] == "True"
    assert condition(mm, "Succeeded")["status"] == "True"
    assert condition(mm, "Stalled") is None and condition(mm, "Reconciling") is None
    assert mm["status"]["observedGeneration"] == mm["metadata"]["generation"]
    for party in mm["status"]["parties"]:
        for step in ("transfer", "migrate", "import"):
            assert party["steps"][step]["phase"] == "Succeeded", party
    assert_one_job_per_step_in_order(ns, mm)
    conf = get_json("configmap", "seed-migrate-conf", "-n", ns)
    assert json.loads(conf["data"]["migrate_model.json"])["unify_model_version"] == UNIFY_VERSION
    events = kubectl("get", "events", "-n", ns, "--field-selector", "involvedObject.name=seed")
    assert "ImportSucceeded" in events, events


def test_target_on_fate_150_is_stalled_and_no_job_runs(ns, operator):
    seed_clusters(ns, target_version="1.5.0")
    seed_migration(ns)
    mm = wait_for("Stalled", lambda: (lambda m: m if (condition(m, "Stalled") or {}).get("status") == "True"
                                      else None)(migration(ns)), timeout=60)
    stalled = condition(mm, "Stalled")
    assert stalled["reason"] == "FateVersionTooOld"
    assert "host 100" in stalled["message"] and "arbiter 100" in stalled["message"]
    assert "guest 99" not in stalled["message"]
    time.sleep(3)
    assert jobs(ns) == []


def test_operator_killed_midway_resumes_with_one_job_per_attempt(ns, operator):
    seed_clusters(ns)
    seed_migration(ns)
    wait_for("a first step Job", lambda: jobs(ns), timeout=60, interval=0.1)
    operator.kill()
    before = {j["metadata"]["name"] for j in jobs(ns)}
    time.sleep(2)  # kwok finishes the running pods while nobody watches
    operator.start()
    mm = wait_for("Succeeded after restart",
                  lambda: (lambda m: m if m.get("status", {}).get("phase") == "Succeeded"
                           else None)(migration(ns)), timeout=180)
    assert before <= {j["metadata"]["name"] for j in jobs(ns)}
    assert_one_job_per_step_in_order(ns, mm)


def test_failing_step_is_retried_then_failed_while_other_parties_finish(ns):
    op = Operator(ns)
    # The guest's transfer pods fail (kwok stage job-pod-failed); two Jobs per step at most.
    op.start("--fail-step=transfer:guest", "--max-attempts=2")
    try:
        seed_clusters(ns)
        seed_migration(ns)
        mm = wait_for("Failed", lambda: (lambda m: m if m.get("status", {}).get("phase") == "Failed"
                                         else None)(migration(ns)), timeout=180)
    finally:
        op.stop()
    failed = condition(mm, "Failed")
    assert failed["status"] == "True" and failed["reason"] == "StepFailed"
    assert "guest 9999" in failed["message"] and "BackoffLimitExceeded" in failed["message"]
    assert condition(mm, "Stalled")["status"] == "True"
    assert condition(mm, "Succeeded")["status"] == "False"
    parties = {p["role"]: p for p in mm["status"]["parties"]}
    assert parties["guest"]["steps"]["transfer"]["phase"] == "Failed"
    assert parties["guest"]["steps"]["transfer"]["attempts"] == 2
    assert "migrate" not in parties["guest"]["steps"]
    for role in ("host", "arbiter"):
        assert parties[role]["steps"]["import"]["phase"] == "Succeeded", parties[role]
    names = sorted(j["metadata"]["name"] for j in jobs(ns))
    guest = [n for n in names if "-guest-" in n]
    assert guest == ["seed-guest-9999-transfer-1", "seed-guest-9999-transfer-2"], names
    assert len(names) == 2 + 6, names
    events = kubectl("get", "events", "-n", ns, "--field-selector", "involvedObject.name=seed")
    assert "TransferRetrying" in events and "TransferFailed" in events, events
