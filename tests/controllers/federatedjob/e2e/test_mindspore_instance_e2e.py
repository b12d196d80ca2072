"""FederatedJob with spec.mindspore on the local control plane (issue 7 "MindSpore FL instances"):
the operator runs the FLCluster and FederatedJob controllers against the MindSpore scheduler
double, whose server pods are registered by the kubelet bridge of the FLCluster e2e harness
(imported from tests/controllers/flcluster/e2e, not copied). The double counts every call."""

import json
import os
import subprocess
import sys
import time

import pytest

sys.path.insert(0, os.path.join(os.path.dirname(__file__), "../../flcluster/e2e"))
import harness as flc  # noqa: E402  (the FLCluster e2e helpers: double, bridge, operator)

HYPER_PARAMETERS = {"fl_name": "lenet", "fl_iteration_num": 5, "start_fl_job_threshold": 2,
                    "client_learning_rate": 0.01}
OPERATOR_FLAGS = ("--with-flcluster", "--federatedjob-poll-min=1s", "--federatedjob-poll-max=2s",
                  "--federatedjob-unavailable-retry=1s")


@pytest.fixture(scope="session", autouse=True)
def crds():
    subprocess.run([f"{flc.SOURCE}/tests/support/install-crds.sh"], check=True)


@pytest.fixture
def env(tmp_path, request):
    # flc.Operator starts the binary named here: the FederatedJob e2e operator, which also runs
    # the FLCluster controller with --with-flcluster.
    os.environ["FLOP_FLCLUSTER_OPERATOR"] = os.environ["FLOP_FEDERATEDJOB_OPERATOR"]
    started = []

    class Env:
        ns = flc.Namespace("fj-ms-" + request.node.name[5:20].replace("_", "-").strip("-"))
        started.append(ns)
        sched = flc.Double(str(tmp_path), 2, "--flavour", "1.5")
        started.append(sched)
        op = flc.Operator(str(tmp_path), ns.name, *OPERATOR_FLAGS)
        started.append(op)
        bridge = flc.Bridge(ns.name, sched)
        bridge.start()
        started.append(bridge)

    yield Env
    for thing in reversed(started):
        thing.stop() if hasattr(thing, "stop") else thing.delete()
    print(f"logs of {request.node.name}: {tmp_path}")


def job_manifest(namespace, run_policy=None):
    spec = {"clusterRef": {"name": "msc"}, "mindspore": {"hyperParameters": HYPER_PARAMETERS}}
    if run_policy:
        spec["runPolicy"] = run_policy
    return {"apiVersion": "federatedlearning.dev/v1alpha1", "kind": "FederatedJob",
            "metadata": {"name": "lenet", "namespace": namespace}, "spec": spec}


def get_job(env):
    return flc.kubectl_json("get", "federatedjob", "lenet", "-n", env.ns.name)


def wait_phase(env, phase, timeout=90):
    def reached():
        env.bridge.check()
        job = get_job(env)
        status = job.get("status", {})
        current = status.get("phase") == phase and \
            status.get("observedGeneration") == job["metadata"]["generation"]
        return current and job
    return flc.wait_for(f"FederatedJob phase {phase}", reached, timeout)


def capture(job, label):
    """With FLOP_CAPTURE_OBJECTS_DIR set, keeps the object as the operator wrote it (samples for
    tests/packaging/argocd-health.py)."""
    where = os.environ.get("FLOP_CAPTURE_OBJECTS_DIR")
    if where:
        with open(os.path.join(where, f"federatedjob-mindspore-{label}.json"), "w") as f:
            json.dump(job, f, indent=1)


def suspend(env, value):
    flc.kubectl("patch", "federatedjob", "lenet", "-n", env.ns.name, "--type=merge",
                "-p", json.dumps({"spec": {"runPolicy": {"suspend": value}}}))


def test_instance_created_once_suspended_resumed_and_not_reposted_after_restart(env):
    flc.apply(flc.flcluster("msc", env.ns.name, env.sched.url, 2, api="1.5"))
    flc.wait_for("scheduler CLUSTER_READY in the FLCluster's status",
                 lambda: env.bridge.check() or flc.get_cluster(env.ns.name, "msc").get(
                     "status", {}).get("mindspore", {}).get("clusterState") == "CLUSTER_READY",
                 120)
    started = time.monotonic()
    flc.apply(job_manifest(env.ns.name))
    job = wait_phase(env, "Succeeded")
    print(f"figure: apply -> Succeeded {time.monotonic() - started:.2f} s")
    capture(job, "succeeded")
    posted = env.sched.calls("/newInstance")
    assert len(posted) == 1, posted
    assert json.loads(posted[0]["body"]) == HYPER_PARAMETERS
    assert posted[0]["status"] == 200
    assert env.sched.calls("/queryInstance"), "the instance is followed with /queryInstance"
    assert job["status"]["attempts"][0]["state"] == "established"
    assert [r["reply"] for r in job["status"]["mindspore"]["ranks"]] == ["success", "success"]
    ready = flc.condition(job, "Ready")
    assert ready["status"] == "True" and ready["reason"] == "InstanceEstablished", ready

    started = time.monotonic()
    suspend(env, True)
    job = wait_phase(env, "Suspended")
    print(f"figure: suspend -> Suspended (/disableFLS) {time.monotonic() - started:.2f} s")
    capture(job, "suspended")
    assert job["status"]["mindspore"]["serversEnabled"] is False
    assert len(env.sched.calls("/disableFLS")) == 1
    assert flc.condition(job, "Succeeded")["status"] == "True"

    started = time.monotonic()
    suspend(env, False)
    wait_phase(env, "Succeeded")
    print(f"figure: resume -> Succeeded (/enableFLS) {time.monotonic() - started:.2f} s")
    assert len(env.sched.calls("/enableFLS")) == 1

    calls_before = len(env.sched.calls())
    env.op.kill()
    env.op.start()
    # A spec change only the restarted operator can acknowledge (observedGeneration), then a few
    # poll periods in which it could post again.
    flc.kubectl("patch", "federatedjob", "lenet", "-n", env.ns.name, "--type=merge",
                "-p", json.dumps({"spec": {"runPolicy": {"ttlSecondsAfterFinished": 3600}}}))
    wait_phase(env, "Succeeded")
    time.sleep(5)
    assert len(env.sched.calls("/newInstance")) == 1, env.sched.calls("/newInstance")
    assert len(env.sched.calls("/disableFLS")) == 1
    assert len(env.sched.calls("/enableFLS")) == 1
    later = [c["path"] for c in env.sched.calls()[calls_before:]]
    assert all(path in ("/state", "/nodes") for path in later), later
    assert get_job(env)["status"]["phase"] == "Succeeded"
