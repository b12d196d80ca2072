"""e2e harness for the FLCluster controller: a namespace, the scheduler double, the operator
process and a "kubelet bridge" that makes the double see what a real scheduler would.

In the local control plane pods never run (kwok only writes their status), so the bridge plays
the server processes: when kwok reports a server pod Running it registers the pod's name (its
MS_NODE_ID) with the double, and when the pod goes away it unregisters it.
"""

import http.client
import json
import os
import random
import string
import subprocess
import sys
import threading
import time

SOURCE = os.environ.get("FLOP_SOURCE_DIR", os.path.abspath(os.path.join(os.path.dirname(__file__), "../../../..")))
DOUBLE = os.path.join(SOURCE, "tests/doubles/scheduler/ms_scheduler_double.py")
SERVER_LABEL = "app.kubernetes.io/component=server"

sys.path.insert(0, os.path.join(SOURCE, "tests", "support"))
from e2e_common import free_port, kubectl, kubectl_json, wait_for  # noqa: E402


class Namespace:
    def __init__(self, prefix):
        suffix = "".join(random.choices(string.ascii_lowercase + string.digits, k=6))
        self.name = f"{prefix}-{suffix}"
        kubectl("create", "namespace", self.name)
        wait_for("default service account", lambda: kubectl("get", "serviceaccount", "default", "-n",
                                                             self.name, check=False))

    def delete(self):
        kubectl("delete", "namespace", self.name, "--wait=false", check=False)


class Double:
    """The scheduler double as a separate process, like the real scheduler."""

    def __init__(self, workdir, server_num, *flags, port=0):
        port_file = os.path.join(workdir, f"double-{time.monotonic_ns()}.port")
        self.log_file = open(os.path.join(workdir, "double.log"), "ab")
        self.proc = subprocess.Popen([sys.executable, DOUBLE, "--port", str(port), "--port-file", port_file,
                                      "--server-num", str(server_num), *flags],
                                     stdout=self.log_file, stderr=subprocess.STDOUT)
        wait_for("double port", lambda: os.path.exists(port_file), 20)
        with open(port_file) as f:
            self.port = int(f.read())
        self.url = f"http://127.0.0.1:{self.port}"

    def post(self, path, body=None, timeout=30):
        conn = http.client.HTTPConnection("127.0.0.1", self.port, timeout=timeout)
        conn.request("POST", path, body=json.dumps(body or {}))
        resp = conn.getresponse()
        data = resp.read()
        conn.close()
        return resp.status, (json.loads(data) if data else {})

    def side(self, path, body=None):
        status, data = self.post("/_double/" + path, body)
        assert status == 200, (path, status, data)
        return data

    def calls(self, path=None):
        return [c for c in self.side("calls")["calls"] if path is None or c["path"] == path]

    def log(self):
        return self.side("log")["log"]

    def stop(self):
        self.proc.terminate()
        try:
            self.proc.wait(10)
        except subprocess.TimeoutExpired:
            self.proc.kill()
        self.log_file.close()


class Operator:
    def __init__(self, workdir, namespace, *flags):
        self.binary = os.environ["FLOP_FLCLUSTER_OPERATOR"]
        self.workdir, self.namespace, self.flags = workdir, namespace, flags
        self.proc = None
        self.start()

    def start(self):
        health = free_port()
        self.metrics_port = free_port()
        log = open(os.path.join(self.workdir, "operator.log"), "ab")
        self.proc = subprocess.Popen([self.binary, "--kubeconfig", os.environ["KUBECONFIG"],
                                      "--watch-namespaces", self.namespace,
                                      "--health-probe-bind-address", f"127.0.0.1:{health}",
                                      "--metrics-bind-address", f"127.0.0.1:{self.metrics_port}",
                                      "--log-format", "text", "--log-level", os.environ.get("FLOP_E2E_LOG_LEVEL", "debug"), *self.flags],
                                     stdout=log, stderr=subprocess.STDOUT)

        def ready():
            if self.proc.poll() is not None:
                raise AssertionError(f"operator exited with {self.proc.returncode}")
            try:
                conn = http.client.HTTPConnection("127.0.0.1", health, timeout=1)
                conn.request("GET", "/readyz")
                return conn.getresponse().status == 200
            except OSError:
                return False

        wait_for("operator /readyz", ready, 60)

    def metrics(self):
        """The Prometheus text exposition the operator serves on /metrics."""
        conn = http.client.HTTPConnection("127.0.0.1", self.metrics_port, timeout=5)
        conn.request("GET", "/metrics")
        resp = conn.getresponse()
        assert resp.status == 200, resp.status
        return resp.read().decode()

    def kill(self):
        self.proc.kill()
        self.proc.wait()

    def stop(self):
        if self.proc.poll() is None:
            self.proc.terminate()
            try:
                self.proc.wait(30)
            except subprocess.TimeoutExpired:
                self.proc.kill()


class Bridge(threading.Thread):
    """Registers Running server pods with the double and unregisters deleted ones; turns a server
    pod Ready once the operator set its readiness gate (the kubelet's part, which kwok skips)."""

    def __init__(self, namespace, double, order=None, poll=0.3):
        super().__init__(daemon=True)
        self.interval = poll
        self.namespace, self.double = namespace, double
        self.order = order or (lambda name: ordinal(name))  # registration order within one poll
        self.registered = {}  # pod name -> uid
        self.seen = set()
        self.held = set()  # pod names not to register (yet)
        self.stopped = threading.Event()
        self.error = None

    def run(self):
        while not self.stopped.is_set():
            double = self.double
            try:
                self.poll()
            except Exception as err:  # reported by check(), unless the double was replaced since
                if double is self.double:
                    self.error = err
            self.stopped.wait(self.interval)

    def poll(self):
        pods = kubectl_json("get", "pods", "-n", self.namespace, "-l", SERVER_LABEL)["items"]
        live = {}
        for pod in pods:
            name = pod["metadata"]["name"]
            if name not in self.seen:
                self.seen.add(name)
                self.double.side("note", {"text": f"pod-seen {name}"})
            running = pod.get("status", {}).get("phase") == "Running" and \
                "deletionTimestamp" not in pod["metadata"]
            if running:
                live[name] = pod["metadata"]["uid"]
        for name, uid in list(self.registered.items()):
            if live.get(name) != uid:  # deleted, or replaced by a new pod with the same name
                self.double.side("unregister", {"node_id": name})
                del self.registered[name]
        for name in sorted(live, key=self.order):
            if name not in self.registered and name not in self.held:
                self.double.side("register", {"node_id": name})
                self.registered[name] = live[name]
        for pod in pods:
            if pod["metadata"]["name"] in live:
                self.gate_readiness(pod)

    def gate_readiness(self, pod):
        """What the kubelet does and kwok does not: a pod with readinessGates is Ready only while
        its containers are ready and every gate condition is True."""
        gates = [g["conditionType"] for g in pod["spec"].get("readinessGates", [])]
        if not gates:
            return
        conditions = {c["type"]: c["status"] for c in pod.get("status", {}).get("conditions", [])}
        want = "True" if all(conditions.get(t) == "True" for t in gates + ["ContainersReady"]) else "False"
        if conditions.get("Ready") != want:
            now = time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime())
            patch = {"status": {"conditions": [{"type": "Ready", "status": want, "lastTransitionTime": now}]}}
            kubectl("patch", "pod", pod["metadata"]["name"], "-n", self.namespace, "--subresource=status",
                    "--type=strategic", "-p", json.dumps(patch), check=False)

    def check(self):
        if self.error:
            raise self.error

    def reattach(self, double):
        """A restarted scheduler knows nobody: the running servers register with it again."""
        self.double = double
        self.registered = {}
        self.error = None

    def stop(self):
        self.stopped.set()
        self.join(5)


def ordinal(pod_name):
    return int(pod_name.rsplit("-", 1)[1])


def flcluster(name, namespace, double_url, replicas, api="1.6", scaling=None, extra=None):
    spec = {"partyId": 9999,
            "mindspore": {"schedulerApi": api,
                          "scheduler": {"image": "mindspore-fl:e2e", "externalManagementUrl": double_url},
                          "servers": {"image": "mindspore-fl:e2e", "replicas": replicas}}}
    if scaling:
        spec["mindspore"]["scaling"] = scaling
    if extra:
        spec["mindspore"].update(extra)
    return {"apiVersion": "federatedlearning.dev/v1alpha1", "kind": "FLCluster",
            "metadata": {"name": name, "namespace": namespace}, "spec": spec}


def apply(obj):
    kubectl("apply", "-f", "-", input_text=json.dumps(obj))


def get_cluster(namespace, name):
    return kubectl_json("get", "flcluster", name, "-n", namespace)


def condition(obj, type_):
    for c in obj.get("status", {}).get("conditions", []):
        if c["type"] == type_:
            return c
    return None


def is_ready(namespace, name, replicas):
    obj = get_cluster(namespace, name)
    ready = condition(obj, "Ready")
    status = obj.get("status", {})
    return ready and ready["status"] == "True" and \
        status.get("observedGeneration") == obj["metadata"]["generation"] and \
        status.get("mindspore", {}).get("serverNum") == replicas and \
        status.get("replicas") == replicas and obj


def server_pods(namespace):
    pods = kubectl_json("get", "pods", "-n", namespace, "-l", SERVER_LABEL)["items"]
    return sorted((p["metadata"]["name"] for p in pods if "deletionTimestamp" not in p["metadata"]),
                  key=ordinal)


class FateFlowDouble:
    """The FATE-Flow double (tests/doubles/fateflow) as a separate process."""

    def __init__(self, workdir, version, port=0):
        port_file = os.path.join(workdir, f"fateflow-{time.monotonic_ns()}.port")
        self.log_file = open(os.path.join(workdir, "fateflow.log"), "ab")
        self.proc = subprocess.Popen([sys.executable, os.path.join(SOURCE, "tests/doubles/fateflow/fateflow_double.py"),
                                      "--port", str(port), "--port-file", port_file,
                                      "--state-dir", os.path.join(workdir, "fateflow-state"),
                                      "--fate-version", version],
                                     stdout=self.log_file, stderr=subprocess.STDOUT)
        wait_for("fateflow double port", lambda: os.path.exists(port_file) and open(port_file).read().strip(), 20)
        with open(port_file) as f:
            self.port = int(f.read())
        self.url = f"http://127.0.0.1:{self.port}"

    def stop(self):
        self.proc.terminate()
        try:
            self.proc.wait(10)
        except subprocess.TimeoutExpired:
            self.proc.kill()
        self.log_file.close()
