"""FLCluster e2e on the local control plane with the operator process and the scheduler double
(issue 5 "Tests"). Each test has its own namespace, double, operator and bridge."""

import json
import os
import re
import subprocess
import sys
import time

import pytest

import harness as h

sys.path.insert(0, os.path.join(h.SOURCE, "tests/packaging"))
import monitoring_metrics as mm  # noqa: E402  (names the dashboard and alerts query)


@pytest.fixture(scope="session", autouse=True)
def crds():
    subprocess.run([f"{h.SOURCE}/tests/support/install-crds.sh"], check=True)


@pytest.fixture
def env(tmp_path, request):
    started = []

    class Env:
        def __init__(self):
            self.ns = h.Namespace("flc-" + request.node.name[5:25].replace("_", "-"))
            started.append(self.ns)

        def double(self, server_num, *flags, port=0):
            self.sched = h.Double(str(tmp_path), server_num, *flags, port=port)
            started.append(self.sched)
            return self.sched

        def operator(self, *flags):
            self.op = h.Operator(str(tmp_path), self.ns.name, *flags)
            started.append(self.op)
            return self.op

        def bridge(self, order=None):
            self.br = h.Bridge(self.ns.name, self.sched, order)
            self.br.start()
            started.append(self.br)
            return self.br

        def cluster(self, name, replicas, **kwargs):
            h.apply(h.flcluster(name, self.ns.name, self.sched.url, replicas, **kwargs))

        def ready(self, name, replicas, timeout=120):
            return h.wait_for(f"{name} Ready with {replicas} servers",
                              lambda: self.br.check() or h.is_ready(self.ns.name, name, replicas), timeout)

    yield Env()
    for thing in reversed(started):
        thing.stop() if hasattr(thing, "stop") else thing.delete()
    print(f"logs of {request.node.name}: {tmp_path}")


def scale(env, name, replicas):
    h.kubectl("scale", f"flcluster/{name}", "-n", env.ns.name, f"--replicas={replicas}")


def sample(exposition, metric, **labels):
    """The value of the one series of `metric` whose labels include `labels` (None: absent)."""
    found = []
    for line in exposition.splitlines():
        m = re.match(r"^([a-zA-Z_:][a-zA-Z0-9_:]*)\{(.*)\} (\S+)$", line)
        if m and m.group(1) == metric and labels.items() <= dict(re.findall(r'(\w+)="([^"]*)"', m.group(2))).items():
            found.append(float(m.group(3)))
    assert len(found) <= 1, (metric, labels, found)
    return found[0] if found else None


def seq_of(log, event, key, value):
    return [e["seq"] for e in log if e["event"] == event and e.get(key) == value]


def test_scale_out_then_in_follows_the_protocol(env):
    env.double(4, "--flavour", "1.6")
    env.operator()
    env.bridge()
    env.cluster("x", 4)
    env.ready("x", 4)
    assert h.server_pods(env.ns.name) == [f"x-server-{i}" for i in range(4)]

    scale(env, "x", 6)
    env.ready("x", 6)
    calls = env.sched.calls("/scaleout")
    assert len(calls) == 1 and json.loads(calls[0]["body"]) == {"worker_num": 0, "server_num": 2}
    log = env.sched.log()
    call_seq = calls[0]["seq"]
    for pod in ("x-server-4", "x-server-5"):  # the REST call came before the pods existed
        assert min(seq_of(log, "note", "text", f"pod-seen {pod}")) > call_seq
    assert h.server_pods(env.ns.name) == [f"x-server-{i}" for i in range(6)]

    scale(env, "x", 3)
    env.ready("x", 3)
    scaleins = env.sched.calls("/scalein")
    assert len(scaleins) == 1
    assert json.loads(scaleins[0]["body"]) == {"node_ids": ["x-server-5", "x-server-4", "x-server-3"]}
    victims = ("x-server-3", "x-server-4", "x-server-5")
    # Status may say Ready before the bridge (polling like a kubelet) has seen the pods go.
    unregistered = lambda log: {e["node_id"] for e in log if e["event"] == "unregister"}  # noqa: E731
    h.wait_for("victims unregistered", lambda: set(victims) <= unregistered(env.sched.log()), 60)
    log = env.sched.log()
    for victim in victims:  # deleted only after READY
        gone = [e for e in log if e["event"] == "unregister" and e["node_id"] == victim]
        assert gone and gone[0]["seq"] > scaleins[0]["seq"] and gone[0]["state"] == "CLUSTER_READY"
    h.wait_for("victim pods gone",
               lambda: h.server_pods(env.ns.name) == ["x-server-0", "x-server-1", "x-server-2"], 60)
    status = h.get_cluster(env.ns.name, "x")["status"]
    assert status["selector"] and status["mindspore"]["clusterState"] == "CLUSTER_READY"
    assert "scale" not in status["mindspore"]

    # The operator's /metrics: every name the dashboard and alerts query that this operator's
    # parts export (runtime, FLCluster) is there, with this run's values.
    exposition = env.op.metrics()
    exported = mm.families(exposition)
    ours = [n for n in mm.referenced(h.SOURCE) if n.startswith(("controller_runtime_", "workqueue_",
                                                               "rest_client_", "fl_cluster_"))]
    assert len(ours) >= 12, ours
    assert [n for n in ours if n not in exported] == []
    x = {"namespace": env.ns.name, "name": "x"}
    assert sample(exposition, "fl_cluster_servers", state="desired", **x) == 3
    assert sample(exposition, "fl_cluster_servers", state="registered", **x) == 3
    assert sample(exposition, "fl_cluster_servers", state="ready", **x) == 3
    assert sample(exposition, "fl_cluster_scheduler_state", state="CLUSTER_READY", **x) == 1
    assert sample(exposition, "fl_cluster_scheduler_state", state="CLUSTER_SCALE_OUT", **x) == 0
    for direction in ("out", "in"):
        assert sample(exposition, "fl_cluster_scale_operations_total", direction=direction,
                      result="succeeded", **x) == 1
        assert sample(exposition, "fl_cluster_scale_duration_seconds_count", direction=direction,
                      result="succeeded") == 1
    h.kubectl("delete", "flcluster", "x", "-n", env.ns.name)
    h.wait_for("series of x removed", lambda: f'name="x"' not in env.op.metrics() and "gone", 30)


def test_rank_zero_on_a_high_ordinal_is_refused(env):
    env.double(3, "--flavour", "1.5")
    env.operator()
    # y-server-2 registers first and so holds rank 0: the others are held back until it has
    # (pods come up at different times under load, so ordering one poll is not enough).
    bridge = env.bridge(order=lambda name: -h.ordinal(name))
    bridge.held.update({"y-server-0", "y-server-1"})
    env.cluster("y", 3, api="1.5")
    h.wait_for("y-server-2 registered first", lambda: "y-server-2" in bridge.registered, 120)
    bridge.held.clear()
    env.ready("y", 3)
    scale(env, "y", 2)

    def refused():
        stalled = h.condition(h.get_cluster(env.ns.name, "y"), "Stalled")
        return stalled if stalled and stalled["reason"] == "ScaleInRefused" else None

    try:
        stalled = h.wait_for("ScaleInRefused", refused, 60)
    except AssertionError as err:  # say what the operator did instead
        obj = h.get_cluster(env.ns.name, "y")
        counts = [line for line in env.op.metrics().splitlines()
                  if line.startswith(("controller_runtime_reconcile_total", "workqueue_depth"))]
        raise AssertionError(f"{err}\nspec {obj['spec']['mindspore']['servers']}, generation "
                             f"{obj['metadata']['generation']}\nstatus {json.dumps(obj.get('status'))}\n"
                             f"scheduler {env.sched.side('status')}\n" + "\n".join(counts)) from None
    assert "y-server-2 holds rank 0" in stalled["message"]
    assert env.sched.calls("/scalein") == []
    assert len(h.server_pods(env.ns.name)) == 3


def test_stuck_scale_stalls_after_the_deadline_then_recovers(env):
    env.double(2, "--flavour", "1.6", "--stuck-scale")
    env.operator()
    env.bridge()
    env.cluster("z", 2, scaling={"deadlineSeconds": 30, "onStuck": "Wait"})
    env.ready("z", 2)
    scale(env, "z", 3)

    def stalled():
        c = h.condition(h.get_cluster(env.ns.name, "z"), "Stalled")
        return c if c and c["reason"] == "ScaleDeadlineExceeded" else None

    c = h.wait_for("Stalled after the deadline", stalled, 90)
    assert "not complete 30s after it started" in c["message"]
    env.sched.side("mode", {"stuck_scale": False})
    obj = env.ready("z", 3)
    assert h.condition(obj, "Stalled") is None
    assert len(env.sched.calls("/scaleout")) == 1


def test_killed_server_pod_returns_with_the_same_name_and_rank(env):
    env.double(3, "--flavour", "1.6")
    env.operator()
    bridge = env.bridge()
    env.cluster("w", 3)
    env.ready("w", 3)
    uid = h.kubectl_json("get", "pod", "w-server-1", "-n", env.ns.name)["metadata"]["uid"]
    bridge.held.add("w-server-1")  # the recreated process has not started yet
    h.kubectl("delete", "pod", "w-server-1", "-n", env.ns.name, "--wait=false")
    h.wait_for("pod recreated", lambda: h.kubectl_json("get", "pod", "w-server-1", "-n", env.ns.name,
                                                       )["metadata"]["uid"] != uid)
    h.wait_for("old process gone", lambda: "w-server-1" not in bridge.registered)
    env.sched.side("advance", {"seconds": 31})  # its heartbeats stop: NODE_TIMEOUT

    def node_timeout():
        obj = h.get_cluster(env.ns.name, "w")
        c = h.condition(obj, "Reconciling")
        return c if c and c["reason"] == "NodeTimeout" else None

    h.wait_for("Reconciling/NodeTimeout", node_timeout, 60)
    bridge.held.clear()
    env.ready("w", 3)
    nodes = {n["node_id"]: n["rank"] for n in env.sched.side("status")["nodes"]}
    assert nodes["w-server-1"] == 1


def test_operator_killed_mid_scale_resumes_without_a_second_call(env):
    env.double(3, "--flavour", "1.6", "--scaleout-delay", "6")
    op = env.operator()
    env.bridge()
    env.cluster("v", 3)
    env.ready("v", 3)
    scale(env, "v", 4)
    h.wait_for("scheduler in SCALE_OUT", lambda: env.sched.side("status")["state"] == "CLUSTER_SCALE_OUT", 60)
    op.kill()  # while /scaleout is still being answered
    op.start()
    env.ready("v", 4, timeout=120)
    assert len(env.sched.calls("/scaleout")) == 1


def test_autoscaling_creates_an_hpa_on_the_scale_subresource(env):
    env.double(2, "--flavour", "1.6")
    env.operator()
    env.bridge()
    env.cluster("u", 2, extra={"autoscaling": {"minReplicas": 2, "maxReplicas": 4}})
    env.ready("u", 2)
    hpa = h.kubectl_json("get", "hpa", "u", "-n", env.ns.name)
    assert hpa["spec"]["scaleTargetRef"] == {"apiVersion": "federatedlearning.dev/v1alpha1",
                                             "kind": "FLCluster", "name": "u"}
    # What the HPA controller does: write the scale subresource; the same protocol follows.
    h.kubectl("patch", "flcluster", "u", "-n", env.ns.name, "--subresource=scale", "--type=merge",
              "-p", '{"spec":{"replicas":3}}')
    env.ready("u", 3)
    assert len(env.sched.calls("/scaleout")) == 1


def test_stuck_scale_out_rolls_back_where_the_scheduler_can(env):
    env.double(2, "--flavour", "1.6", "--rollback", "--stuck-scale")
    env.operator("--scheduler-has-rollback")
    env.bridge()
    env.cluster("r", 2, scaling={"deadlineSeconds": 30, "onStuck": "Rollback"})
    env.ready("r", 2)
    scale(env, "r", 4)

    def rolled_back():
        obj = h.get_cluster(env.ns.name, "r")
        c = h.condition(obj, "Stalled")
        return obj if c and c["reason"] == "ScaleRolledBack" else None

    obj = h.wait_for("ScaleRolledBack", rolled_back, 120)
    assert obj["status"]["mindspore"]["serverNum"] == 2
    assert len(env.sched.calls("/scaleoutRollback")) == 1
    h.wait_for("extra pods removed", lambda: h.server_pods(env.ns.name) == ["r-server-0", "r-server-1"])
    assert len(env.sched.calls("/scaleout")) == 1  # not retried for the same spec


def test_unreachable_scheduler_is_reconciling_then_stalled_then_recovers(env, tmp_path):
    sched = env.double(2, "--flavour", "1.6")
    env.operator("--peer-stall-after-s=20", "--scheduler-timeout-ms=2000")
    bridge = env.bridge()
    env.cluster("p", 2)
    env.ready("p", 2)
    port = sched.port
    sched.stop()
    down = time.monotonic()

    def reason_of(type_, reason):
        def check():
            obj = h.get_cluster(env.ns.name, "p")
            c = h.condition(obj, type_)
            return obj if c and c["status"] == "True" and c["reason"] == reason else None
        return check

    obj = h.wait_for("Reconciling/SchedulerUnreachable", reason_of("Reconciling", "SchedulerUnreachable"), 30)
    assert h.condition(obj, "Ready")["status"] == "False"
    assert h.condition(obj, "SchedulerReachable")["status"] == "False"
    assert h.condition(obj, "Stalled") is None  # within the bound
    obj = h.wait_for("Stalled/SchedulerUnreachable", reason_of("Stalled", "SchedulerUnreachable"), 60)
    stalled = h.condition(obj, "Stalled")
    assert "scheduler management API unreachable" in stalled["message"], stalled
    assert time.monotonic() - down >= 19  # lastTransitionTime has whole seconds
    assert h.condition(obj, "Ready")["status"] == "False"
    assert h.condition(obj, "Ready")["reason"] == "SchedulerUnreachable"
    # Backoff, not a busy loop: attempts while down grow further apart (1 s doubling to 60 s).
    with open(os.path.join(str(tmp_path), "operator.log")) as f:
        attempts = sum("scheduler not reachable" in line for line in f)
    assert 3 <= attempts <= 25, attempts

    bridge.reattach(env.double(2, "--flavour", "1.6", port=port))
    obj = env.ready("p", 2, timeout=120)  # within the 60 s backoff cap
    assert h.condition(obj, "Stalled") is None and h.condition(obj, "Reconciling") is None
    assert h.condition(obj, "SchedulerReachable")["status"] == "True"


def test_server_pod_is_ready_only_while_the_scheduler_counts_it(env):
    env.double(2, "--flavour", "1.6")
    env.operator()
    bridge = env.bridge()
    bridge.held.add("g-server-1")  # its process has not registered with the scheduler (yet)
    env.cluster("g", 2)

    def pod(name):
        out = h.kubectl("get", "pod", name, "-n", env.ns.name, "-o", "json", "--ignore-not-found")
        obj = json.loads(out) if out.strip() else {}
        return {c["type"]: c for c in obj.get("status", {}).get("conditions", [])}, obj

    def ready(name):
        return pod(name)[0].get("Ready", {}).get("status") == "True"

    h.wait_for("g-server-0 Ready (registered; scheduler STARTING)", lambda: ready("g-server-0"), 60)
    conditions, obj = pod("g-server-1")
    assert obj["status"]["phase"] == "Running"
    assert obj["spec"]["readinessGates"] == [{"conditionType": "federatedlearning.dev/registered"}]
    gate = h.wait_for("gate of g-server-1 set by the operator",
                      lambda: pod("g-server-1")[0].get("federatedlearning.dev/registered"), 30)
    assert gate["status"] == "False" and gate["reason"] == "NotRegistered"
    for _ in range(10):  # Running, containers ready, yet not Ready while the scheduler lacks it
        assert not ready("g-server-1")
        time.sleep(0.3)
    assert env.sched.side("status")["state"] != "CLUSTER_READY"

    bridge.held.clear()
    env.ready("g", 2)
    h.wait_for("g-server-1 Ready once registered", lambda: ready("g-server-1"), 30)
    assert pod("g-server-1")[0]["federatedlearning.dev/registered"]["status"] == "True"
    h.wait_for("readyReplicas 2", lambda: h.get_cluster(env.ns.name, "g")["status"].get("readyReplicas") == 2, 30)


def test_fate_flow_version_is_reported(env, tmp_path):
    flow = h.FateFlowDouble(str(tmp_path), "1.6.1")
    try:
        env.operator()
        h.apply({"apiVersion": "federatedlearning.dev/v1alpha1", "kind": "FLCluster",
                 "metadata": {"name": "f", "namespace": env.ns.name},
                 "spec": {"partyId": 10000, "fate": {"version": "1.6.1", "flow": {"url": flow.url}}}})

        def reported():
            obj = h.get_cluster(env.ns.name, "f")
            return obj if obj.get("status", {}).get("fate", {}).get("detectedVersion") else None

        obj = h.wait_for("FATE version in status", reported, 60)
        assert obj["status"]["fate"]["detectedVersion"] == "1.6.1"
        assert h.condition(obj, "FateFlowReachable")["status"] == "True"
        assert h.condition(obj, "Ready")["status"] == "True"
    finally:
        flow.stop()


def test_unreachable_fate_flow_is_reconciling_then_stalled_then_recovers(env, tmp_path):
    flow = h.FateFlowDouble(str(tmp_path), "1.6.1")
    try:
        env.operator("--peer-stall-after-s=10")
        h.apply({"apiVersion": "federatedlearning.dev/v1alpha1", "kind": "FLCluster",
                 "metadata": {"name": "q", "namespace": env.ns.name},
                 "spec": {"partyId": 10000, "fate": {"version": "1.6.1", "flow": {"url": flow.url}}}})

        def ready():
            obj = h.get_cluster(env.ns.name, "q")
            c = h.condition(obj, "Ready")
            return obj if c and c["status"] == "True" else None

        h.wait_for("Ready", ready, 60)
        port = flow.port
        flow.stop()
        h.kubectl("annotate", "flcluster", "q", "-n", env.ns.name, "test/poke=1")  # or the 30 s re-probe

        def condition_reason(type_, reason):
            obj = h.get_cluster(env.ns.name, "q")
            c = h.condition(obj, type_)
            return obj if c and c["status"] == "True" and c["reason"] == reason else None

        obj = h.wait_for("Reconciling/FateFlowUnreachable",
                         lambda: condition_reason("Reconciling", "FateFlowUnreachable"), 40)
        assert h.condition(obj, "FateFlowReachable")["status"] == "False"
        assert h.condition(obj, "Ready")["status"] == "False"
        obj = h.wait_for("Stalled/FateFlowUnreachable",
                         lambda: condition_reason("Stalled", "FateFlowUnreachable"), 40)
        assert flow.url in h.condition(obj, "Stalled")["message"]

        flow = h.FateFlowDouble(str(tmp_path), "1.6.1", port=port)
        obj = h.wait_for("Ready again", ready, 90)  # the next retry is at most 60 s away
        assert h.condition(obj, "Stalled") is None and h.condition(obj, "Reconciling") is None
    finally:
        flow.stop()
