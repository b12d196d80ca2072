"""e2e harness for the FederatedJob controller: a namespace, a FATE-Flow double, an FLCluster
pointing at it, and the operator process (which can be SIGKILLed and restarted)."""

import http.client
import json
import os
import random
import shutil
import signal
import string
import subprocess
import sys
import tempfile

SOURCE = os.environ.get("FLOP_SOURCE_DIR",
                        os.path.abspath(os.path.join(os.path.dirname(__file__), "../../../..")))
DOUBLE = os.path.join(SOURCE, "tests/doubles/fateflow/fateflow_double.py")

sys.path.insert(0, os.path.join(SOURCE, "tests", "support"))
from e2e_common import kubectl, wait_for  # noqa: E402


class FateFlowDouble:
    def __init__(self, workdir):
        self.state_dir = os.path.join(workdir, "fateflow")
        os.makedirs(self.state_dir, exist_ok=True)
        port_file = os.path.join(workdir, "fateflow.port")
        self.log = open(os.path.join(workdir, "fateflow.log"), "w")
        self.proc = subprocess.Popen([sys.executable, DOUBLE, "--port", "0", "--port-file", port_file,
                                      "--state-dir", self.state_dir], stdout=self.log,
                                     stderr=subprocess.STDOUT)
        wait_for("FATE-Flow double port", lambda: os.path.exists(port_file), timeout=15)
        with open(port_file, encoding="utf-8") as f:
            self.port = int(f.read())
        self.url = "http://127.0.0.1:%d" % self.port

    def call(self, method, path, body=None, timeout=10):
        conn = http.client.HTTPConnection("127.0.0.1", self.port, timeout=timeout)
        conn.request(method, path, body=json.dumps(body) if body is not None else None,
                     headers={"Content-Type": "application/json"})
        response = conn.getresponse()
        data = json.loads(response.read() or b"null")
        conn.close()
        return data

    def mode(self, **patch):
        return self.call("POST", "/_double/mode", patch)

    def calls(self, endpoint):
        return self.call("GET", "/_double/calls")["calls"].get(endpoint, 0)

    def jobs(self):
        return self.call("GET", "/_double/jobs")["jobs"]

    def stop(self):
        if self.proc.poll() is None:
            self.proc.terminate()
            self.proc.wait(timeout=10)
        self.log.close()


class Operator:
    def __init__(self, workdir, namespace):
        self.binary = os.environ["FLOP_FEDERATEDJOB_OPERATOR"]
        self.workdir, self.namespace = workdir, namespace
        self.proc, self.log, self.starts = None, None, 0

    def start(self):
        self.starts += 1
        self.log = open(os.path.join(self.workdir, "operator-%d.log" % self.starts), "w")
        self.proc = subprocess.Popen(
            [self.binary, "--metrics-bind-address=0", "--health-probe-bind-address=0",
             "--watch-namespaces=" + self.namespace, "--federatedjob-poll-min=1s",
             "--federatedjob-poll-max=2s", "--federatedjob-retry-base=1s",
             "--federatedjob-publish-retry=1s", "--federatedjob-unavailable-retry=1s",
             "--federatedjob-fate-timeout=5000ms"],
            stdout=self.log, stderr=subprocess.STDOUT)

    def kill(self):
        self.proc.send_signal(signal.SIGKILL)
        self.proc.wait(timeout=10)
        self.log.close()

    def stop(self):
        if self.proc and self.proc.poll() is None:
            self.proc.terminate()
            try:
                self.proc.wait(timeout=20)
            except subprocess.TimeoutExpired:
                self.proc.kill()
        if self.log and not self.log.closed:
            self.log.close()

    def logs(self):
        text = []
        for n in range(1, self.starts + 1):
            with open(os.path.join(self.workdir, "operator-%d.log" % n), encoding="utf-8",
                      errors="replace") as f:
                text.append(f.read()[-4000:])
        return "\n".join(text)


class Scenario:
    """One namespace, one double, one FLCluster, one operator."""

    def __init__(self, prefix):
        suffix = "".join(random.choices(string.ascii_lowercase + string.digits, k=6))
        self.namespace = "%s-%s" % (prefix, suffix)
        self.workdir = tempfile.mkdtemp(prefix="fj-e2e-")
        kubectl("create", "namespace", self.namespace)
        self.double = FateFlowDouble(self.workdir)
        self.apply({
            "apiVersion": "federatedlearning.dev/v1alpha1", "kind": "FLCluster",
            "metadata": {"name": "party-9999"},
            "spec": {"partyId": 9999, "fate": {"version": "1.11.1", "flow": {"url": self.double.url}}},
        })
        self.operator = Operator(self.workdir, self.namespace)
        self.operator.start()

    def apply(self, obj):
        kubectl("apply", "-n", self.namespace, "-f", "-", input_text=json.dumps(obj))

    def job_manifest(self, name, publish=False, dsl_version=2, run_policy=None):
        spec = {
            "clusterRef": {"name": "party-9999"},
            "fate": {
                "dsl": {"components": {"reader_0": {"module": "Reader"}}},
                "runtimeConf": {
                    "dsl_version": dsl_version,
                    "initiator": {"role": "guest", "party_id": 9999},
                    "role": {"guest": [9999], "host": [10000], "arbiter": [10000]},
                    "job_parameters": {"common": {"job_type": "train"}},
                },
            },
        }
        if publish:
            spec["fate"]["publish"] = {"serviceId": "svc-" + name}
        if run_policy:
            spec["runPolicy"] = run_policy
        return {"apiVersion": "federatedlearning.dev/v1alpha1", "kind": "FederatedJob",
                "metadata": {"name": name}, "spec": spec}

    def get(self, name):
        out = kubectl("get", "federatedjob", name, "-n", self.namespace, "-o", "json", check=False)
        return json.loads(out) if out.strip() else None

    def condition(self, name, ctype):
        obj = self.get(name) or {}
        for cond in obj.get("status", {}).get("conditions", []):
            if cond["type"] == ctype:
                return cond
        return None

    def phase(self, name):
        return ((self.get(name) or {}).get("status") or {}).get("phase")

    def wait_phase(self, name, phase, timeout=90):
        try:
            return wait_for("%s phase %s" % (name, phase), lambda: self.phase(name) == phase and
                            self.get(name), timeout=timeout)
        except AssertionError as error:
            raise AssertionError("%s\nobject: %s\noperator log:\n%s" % (
                error, json.dumps(self.get(name), indent=1)[-3000:], self.operator.logs()))

    def patch(self, name, patch):
        kubectl("patch", "federatedjob", name, "-n", self.namespace, "--type=merge", "-p",
                json.dumps(patch))

    def close(self):
        # Finalizers must not outlive the operator: let it release them, then force the rest.
        kubectl("delete", "federatedjobs", "--all", "-n", self.namespace, "--timeout=30s",
                check=False)
        for name in kubectl("get", "federatedjobs", "-n", self.namespace, "-o", "name",
                            check=False).split():
            kubectl("patch", name, "-n", self.namespace, "--type=merge", "-p",
                    '{"metadata":{"finalizers":null}}', check=False)
        self.operator.stop()
        self.double.stop()
        kubectl("delete", "namespace", self.namespace, "--wait=false", check=False)
        if os.environ.get("FLOP_KEEP_E2E_LOGS") != "1":
            shutil.rmtree(self.workdir, ignore_errors=True)
