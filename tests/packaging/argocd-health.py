#!/usr/bin/env python3
"""Runs deploy/gitops/argocd/health.lua with a Lua 5.4 interpreter on sample objects, the way
Argo CD does (the object as the global `obj`, the script's return value the health).

Each file in testdata/health/ carries its expected result in header comments:
  # argocd-health: Healthy|Progressing|Degraded|Suspended
  # argocd-message: <substring of the message>
testdata/health/e2e-*.yaml are real objects written by fl-operator (captured from a run on the local
control plane). Objects collected from other e2e runs (no expectations) can be checked too: every *.yaml/*.json in
$FLOP_HEALTH_OBJECTS_DIR must yield a valid status consistent with kstatus. kstatus is the real
library Flux uses (sigs.k8s.io/cli-utils, as the kstatus-check tool): its verdict on every object
must agree with the Argo CD health (ARGO_FOR_KSTATUS).
Also checks that deploy/gitops/argocd/argocd-cm.yaml embeds the script verbatim for all kinds.
"""
import json
import os
import pathlib
import shutil
import subprocess
import sys
import tempfile

import yaml

SRC = pathlib.Path(os.environ.get("FLOP_SOURCE_DIR", pathlib.Path(__file__).resolve().parents[2]))
SCRIPT = SRC / "deploy/gitops/argocd/health.lua"
LUA = os.environ.get("LUA", "lua5.4")
KSTATUS = None  # path of kstatus-check, found on first use
STATUSES = {"Healthy", "Progressing", "Degraded", "Suspended", "Missing", "Unknown"}


def to_lua(v):
    if v is None:
        return "nil"
    if isinstance(v, bool):
        return "true" if v else "false"
    if isinstance(v, (int, float)):
        return repr(v)
    if isinstance(v, str):
        return json.dumps(v)  # a JSON string literal is a valid Lua string literal for \" \\ \n \uXXXX-free text
    if isinstance(v, list):
        return "{" + ", ".join(to_lua(x) for x in v) + "}"
    if isinstance(v, dict):
        return "{" + ", ".join(f"[{json.dumps(k)}] = {to_lua(x)}" for k, x in v.items() if x is not None) + "}"
    raise TypeError(type(v))


def health(obj):
    with tempfile.NamedTemporaryFile("w", suffix=".lua", delete=False) as f:
        f.write("obj = " + to_lua(obj) + "\n")
        f.write(f"local hs = dofile({json.dumps(str(SCRIPT))})\n")
        f.write('io.write(tostring(hs.status), "\\n", tostring(hs.message), "\\n")\n')
        path = f.name
    try:
        out = subprocess.run([LUA, path], check=True, capture_output=True, text=True).stdout
    finally:
        os.unlink(path)
    status, message = (out.split("\n", 1) + [""])[:2]
    return status, message.rstrip("\n")


# Which Argo CD health agrees with which kstatus verdict: a resource Flux waits on (kstatus) and
# the same resource in Argo CD must tell one story.
ARGO_FOR_KSTATUS = {"Current": {"Healthy"}, "Failed": {"Degraded"},
                    "InProgress": {"Progressing", "Suspended"}}


def agrees(obj, argo, verdict):
    # kstatus cannot tell an object nobody has reconciled yet (no status at all) from a finished
    # one and calls it Current; Argo CD's script says Progressing. Documented in docs/operations.md.
    if not obj.get("status") and verdict == "Current":
        return argo == "Progressing"
    return argo in ARGO_FOR_KSTATUS.get(verdict, set())


def kstatus(obj):
    """The kstatus library's verdict (tools/kstatus, built by deploy/local/build-tools.sh)."""
    global KSTATUS
    if KSTATUS is None:
        # On PATH in the cluster tiers; otherwise where build-tools.sh keeps it (built if missing).
        KSTATUS = shutil.which("kstatus-check") or os.path.join(subprocess.run(
            [str(SRC / "deploy/local/build-tools.sh")], check=True, capture_output=True,
            text=True).stdout.strip(), "kstatus-check")
    binary = KSTATUS
    with tempfile.NamedTemporaryFile("w", suffix=".json", delete=False) as f:
        json.dump(obj, f)
        path = f.name
    try:
        out = subprocess.run([binary, path], check=True, capture_output=True, text=True).stdout
    finally:
        os.unlink(path)
    verdict = json.loads(out)
    return verdict["status"], verdict["message"]


def main():
    failures = 0
    cases = sorted((SRC / "tests/packaging/testdata/health").glob("*.yaml"))
    kinds = set()
    for path in cases:
        text = path.read_text()
        header = dict(l[2:].split(": ", 1) for l in text.splitlines()
                      if l.startswith("# argocd-"))
        obj = yaml.safe_load(text)
        kinds.add(obj["kind"])
        status, message = health(obj)
        verdict, why = kstatus(obj)
        want, want_msg = header["argocd-health"], header["argocd-message"]
        ok = status == want and want_msg in message and agrees(obj, status, verdict)
        print(f"{'ok  ' if ok else 'FAIL'} {path.name}: {status} ({message}); kstatus {verdict}"
              + ("" if ok else f"  expected {want} with '{want_msg}', agreeing with kstatus"
                                f" {verdict} ({why})"))
        failures += not ok
    if kinds != {"FLCluster", "FederatedJob", "ModelMigration"}:
        print(f"FAIL samples cover {sorted(kinds)}, not all three kinds")
        failures += 1

    live = os.environ.get("FLOP_HEALTH_OBJECTS_DIR")
    if live:
        for path in sorted(pathlib.Path(live).glob("*.*")):
            docs = json.loads(path.read_text()) if path.suffix == ".json" else yaml.safe_load(path.read_text())
            for obj in docs.get("items", [docs]) if isinstance(docs, dict) else docs:
                status, message = health(obj)
                verdict, why = kstatus(obj)
                ok = status in STATUSES and agrees(obj, status, verdict)
                print(f"{'ok  ' if ok else 'FAIL'} {path.name} {obj['kind']}/{obj['metadata']['name']}: "
                      f"{status} ({message}); kstatus {verdict} ({why})")
                failures += not ok

    cm = yaml.safe_load((SRC / "deploy/gitops/argocd/argocd-cm.yaml").read_text())
    script = SCRIPT.read_text()
    for kind in ("FLCluster", "FederatedJob", "ModelMigration"):
        key = f"resource.customizations.health.federatedlearning.dev_{kind}"
        if cm.get("data", {}).get(key) != script:
            print(f"FAIL argocd-cm.yaml: {key} is not health.lua verbatim (run hack/generate.py)")
            failures += 1
    print(f"{len(cases)} samples, {failures} failures")
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
