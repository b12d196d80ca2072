#!/usr/bin/env python3
"""Runs ModelMigration step pods on the local control plane, where kwok fakes pods but runs nothing.

The operator's step Jobs are real: their pods carry the exact fl-model command, arguments,
environment and volumes a kubelet would run. This executor plays the kubelet's part for them on
this machine: for every Running pod labelled `federatedlearning.dev/step` that has no result yet,
it maps the pod's volumes to host directories (a claim -> its bound PersistentVolume's hostPath,
plus subPath; ConfigMap/Secret -> files; emptyDir -> a scratch directory; the termination-message
path -> a file), rewrites mount paths in the arguments and environment accordingly, runs the
container's command with `fl-model` from the build on PATH, and hands the outcome to kwok:

* the termination message becomes the annotation `fl-operator.test/termination-message`, on which
  kwok's `step-pod-succeeded` stage completes the pod (deploy/local/kwok-stages.yaml);
* a non-zero exit code also sets the label `fl-operator.test/fail=true` and the annotation
  `fl-operator.test/exit-code`, on which the `job-pod-failed` stage fails it.

    step_executor.py --namespace NS --workdir DIR --fl-model PATH   (runs until SIGTERM)
"""

import argparse
import base64
import json
import os
import shutil
import signal
import subprocess
import threading

STEP_LABEL = "federatedlearning.dev/step"
MESSAGE = "fl-operator.test/termination-message"
MESSAGE_LIMIT = 4096  # the kubelet keeps at most 4 KiB of a termination message


def kubectl(*args, input_text=None):
    done = subprocess.run(["kubectl", *args], input=input_text, capture_output=True, text=True,
                          timeout=60)
    if done.returncode != 0:
        raise RuntimeError(f"kubectl {' '.join(args)}: {done.stderr.strip()}")
    return done.stdout


def get(kind, name, namespace=None):
    ns = ["-n", namespace] if namespace else []
    return json.loads(kubectl("get", kind, name, *ns, "-o", "json"))


class PodRun:
    """One pod's container, mapped onto this machine."""

    def __init__(self, pod, scratch, fl_model_dir):
        self.pod = pod
        self.ns = pod["metadata"]["namespace"]
        self.scratch = scratch
        self.fl_model_dir = fl_model_dir
        self.container = pod["spec"]["containers"][0]
        self.mounts = {}  # container path -> host path

    def volume_dir(self, volume):
        name = volume["name"]
        if "persistentVolumeClaim" in volume:
            claim = get("pvc", volume["persistentVolumeClaim"]["claimName"], self.ns)
            pv_name = claim["spec"].get("volumeName")
            if not pv_name or claim.get("status", {}).get("phase") != "Bound":
                raise RuntimeError(f"claim {claim['metadata']['name']} is not bound")
            pv = get("pv", pv_name)["spec"]
            path = (pv.get("hostPath") or pv.get("local") or {}).get("path")
            if not path:
                raise RuntimeError(f"PersistentVolume {pv_name} has no hostPath/local path")
            return path
        path = os.path.join(self.scratch, "volumes", name)
        os.makedirs(path, exist_ok=True)
        if "configMap" in volume:
            data = get("configmap", volume["configMap"]["name"], self.ns).get("data", {})
            self.write_items(path, data, volume["configMap"].get("items"), decode=False)
        elif "secret" in volume:
            data = get("secret", volume["secret"]["secretName"], self.ns).get("data", {})
            self.write_items(path, data, volume["secret"].get("items"), decode=True)
        elif "emptyDir" not in volume:
            raise RuntimeError(f"volume {name}: kind not supported by the local executor")
        return path

    @staticmethod
    def write_items(path, data, items, decode):
        chosen = items or [{"key": k, "path": k} for k in data]
        for item in chosen:
            value = data[item["key"]]
            raw = base64.b64decode(value) if decode else value.encode()
            with open(os.path.join(path, item["path"]), "wb") as f:
                f.write(raw)

    def map_volumes(self):
        volumes = {v["name"]: v for v in self.pod["spec"].get("volumes", [])}
        for mount in self.container.get("volumeMounts", []):
            host = self.volume_dir(volumes[mount["name"]])
            if mount.get("subPath"):
                host = os.path.join(host, mount["subPath"])
                os.makedirs(host, exist_ok=True)  # as the kubelet does for a missing subPath
            self.mounts[mount["mountPath"].rstrip("/")] = host
        termination = self.container.get("terminationMessagePath", "/dev/termination-log")
        self.termination_file = os.path.join(self.scratch, "termination-log")
        open(self.termination_file, "w").close()
        self.mounts[termination] = self.termination_file

    def translate(self, value):
        """A container path (or --flag=path) in terms of the host."""
        prefix, sep, rest = value.partition("=") if value.startswith("--") else ("", "", value)
        for mount in sorted(self.mounts, key=len, reverse=True):
            if rest == mount or rest.startswith(mount + "/"):
                rest = self.mounts[mount] + rest[len(mount):]
                break
        return prefix + sep + rest

    def env_value(self, entry):
        if "value" in entry:
            return self.translate(entry["value"])
        source = entry.get("valueFrom", {})
        if "secretKeyRef" in source:
            ref = source["secretKeyRef"]
            return base64.b64decode(get("secret", ref["name"], self.ns)["data"][ref["key"]]).decode()
        if "configMapKeyRef" in source:
            ref = source["configMapKeyRef"]
            return get("configmap", ref["name"], self.ns)["data"][ref["key"]]
        if "fieldRef" in source:
            field = source["fieldRef"]["fieldPath"]
            return {"metadata.name": self.pod["metadata"]["name"],
                    "metadata.namespace": self.ns}.get(field, "")
        raise RuntimeError(f"env {entry['name']}: source not supported by the local executor")

    def run(self):
        self.map_volumes()
        env = {"PATH": self.fl_model_dir + os.pathsep + os.environ.get("PATH", "/usr/bin:/bin"),
               "HOME": self.scratch, "LANG": "C.UTF-8"}
        for entry in self.container.get("env", []):
            env[entry["name"]] = self.env_value(entry)
        argv = [self.translate(a) for a in self.container.get("command", []) +
                self.container.get("args", [])]
        done = subprocess.run(argv, env=env, cwd=self.scratch, capture_output=True, text=True,
                              timeout=600)
        with open(self.termination_file) as f:
            message = f.read().strip()
        if not message and done.returncode != 0:  # terminationMessagePolicy FallbackToLogsOnError
            message = (done.stdout + done.stderr).strip()[-MESSAGE_LIMIT:]
        # Report paths as the container saw them, not where they lie on this machine.
        for mount, host in sorted(self.mounts.items(), key=lambda m: len(m[1]), reverse=True):
            message = message.replace(host, mount)
        return done.returncode, message[:MESSAGE_LIMIT]


def report(pod, code, message):
    meta = {"annotations": {MESSAGE: message}}
    if code != 0:
        meta["annotations"]["fl-operator.test/exit-code"] = str(code)
        meta["labels"] = {"fl-operator.test/fail": "true"}
    kubectl("patch", "pod", pod["metadata"]["name"], "-n", pod["metadata"]["namespace"],
            "--type", "merge", "-p", json.dumps({"metadata": meta}))


def pending_pods(namespace):
    pods = json.loads(kubectl("get", "pods", "-n", namespace, "-l", STEP_LABEL, "-o", "json"))
    return [p for p in pods["items"]
            if p.get("status", {}).get("phase") == "Running"
            and MESSAGE not in p["metadata"].get("annotations", {})
            and not p["metadata"].get("deletionTimestamp")]


def serve(namespace, workdir, fl_model, stop, log=print):
    """Run every step pod that appears until `stop` is set."""
    fl_model_dir = os.path.dirname(os.path.abspath(fl_model))
    while not stop.is_set():
        try:
            pods = pending_pods(namespace)
        except (RuntimeError, subprocess.TimeoutExpired) as e:
            log(f"step executor: {e}")
            pods = []
        for pod in pods:
            name = pod["metadata"]["name"]
            scratch = os.path.join(workdir, name)
            shutil.rmtree(scratch, ignore_errors=True)
            os.makedirs(scratch)
            try:
                code, message = PodRun(pod, scratch, fl_model_dir).run()
            except (RuntimeError, OSError, KeyError, subprocess.TimeoutExpired) as e:
                code, message = 1, f"local step executor: {e}"
            log(f"step executor: {name} exited {code}: {message[:200]}")
            try:
                report(pod, code, message)
            except RuntimeError as e:  # the pod may be gone; the next listing decides
                log(f"step executor: {e}")
        stop.wait(1.0)


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--namespace", required=True)
    parser.add_argument("--workdir", required=True)
    parser.add_argument("--fl-model", required=True)
    args = parser.parse_args()
    stop = threading.Event()
    signal.signal(signal.SIGTERM, lambda *_: stop.set())
    signal.signal(signal.SIGINT, lambda *_: stop.set())
    serve(args.namespace, args.workdir, args.fl_model, stop, lambda m: print(m, flush=True))


if __name__ == "__main__":
    main()
