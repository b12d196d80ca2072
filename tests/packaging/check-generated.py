#!/usr/bin/env python3
"""The chart, the kustomize base/overlay, the CRDs and the generated snippets must not drift.

1. Regenerates everything charts/fl-operator/hack/generate.py derives into a temporary root and
   diffs it against the committed files (and finds stale generated files).
2. Renders the chart and builds the kustomizations, and compares them object by object after
   normalising only the labels that name the tool (helm.sh/chart, app.kubernetes.io/managed-by):
     kubectl kustomize deploy/kustomize/base              == helm template (crds.keep=false)
     kubectl kustomize deploy/kustomize/overlays/namespaced == helm template (watchNamespaces=[fl-workloads])
3. The chart's CRDs equal crds/*.yaml, and carry helm.sh/resource-policy: keep unless crds.keep=false.
Needs helm, kubectl and PyYAML.
"""
import difflib
import os
import pathlib
import subprocess
import sys
import tempfile

import yaml

SRC = pathlib.Path(os.environ.get("FLOP_SOURCE_DIR", pathlib.Path(__file__).resolve().parents[2]))
KUBE_VERSION = os.environ.get("FLOP_KUBE_VERSION", "1.33.13")
failures = []


def fail(msg):
    print("FAIL", msg)
    failures.append(msg)


def run(*cmd):
    return subprocess.run(cmd, check=True, capture_output=True, text=True, cwd=SRC).stdout


def helm(*args):
    out = run("helm", "template", "fl-operator", str(SRC / "charts/fl-operator"),
              "--namespace", "fl-operator-system", "--kube-version", KUBE_VERSION, *args)
    return [d for d in yaml.safe_load_all(out) if d]


def kustomize(path):
    return [d for d in yaml.safe_load_all(run("kubectl", "kustomize", str(SRC / path))) if d]


def normalise(docs):
    out = {}
    for d in docs:
        if d["kind"] == "Namespace":
            continue
        for labels in (d["metadata"].get("labels"),
                       d.get("spec", {}).get("template", {}).get("metadata", {}).get("labels")
                       if isinstance(d.get("spec"), dict) else None):
            if labels:
                labels.pop("helm.sh/chart", None)
                labels.pop("app.kubernetes.io/managed-by", None)
        key = (d["kind"], d["metadata"].get("namespace", ""), d["metadata"]["name"])
        if key in out:
            fail(f"duplicate object {key}")
        out[key] = d
    return out


def compare(name, left, right):
    a, b = normalise(left), normalise(right)
    for key in sorted(set(a) | set(b)):
        if key not in a or key not in b:
            fail(f"{name}: {key} only in {'chart' if key in a else 'kustomize'}")
        elif a[key] != b[key]:
            diff = difflib.unified_diff(yaml.safe_dump(a[key]).splitlines(),
                                        yaml.safe_dump(b[key]).splitlines(), "chart", "kustomize",
                                        lineterm="")
            fail(f"{name}: {key} differs\n" + "\n".join(list(diff)[:40]))
    print(f"{name}: {len(a)} objects compared")


def main():
    # 1. generated files are current.
    with tempfile.TemporaryDirectory() as tmp:
        run(sys.executable, str(SRC / "charts/fl-operator/hack/generate.py"), "--root", tmp)
        generated = sorted(p.relative_to(tmp) for p in pathlib.Path(tmp).rglob("*") if p.is_file())
        for rel in generated:
            want, have = (pathlib.Path(tmp) / rel).read_text(), (SRC / rel)
            if not have.exists():
                fail(f"{rel} is missing (run charts/fl-operator/hack/generate.py)")
            elif have.read_text() != want:
                diff = difflib.unified_diff(have.read_text().splitlines(), want.splitlines(),
                                            f"{rel} (committed)", f"{rel} (generated)", lineterm="")
                fail(f"{rel} is stale (run charts/fl-operator/hack/generate.py)\n"
                     + "\n".join(list(diff)[:30]))
        for d in ("charts/fl-operator/templates/crds", "deploy/kustomize/base/crds"):
            for p in (SRC / d).glob("*"):
                if p.relative_to(SRC) not in generated:
                    fail(f"{p.relative_to(SRC)} is not generated any more; delete it")
        print(f"{len(generated)} generated files checked")

    # 2. chart == kustomize.
    compare("base", helm("--set", "crds.keep=false"), kustomize("deploy/kustomize/base"))
    compare("namespaced", helm("--set", "crds.keep=false", "--set", "watchNamespaces={fl-workloads}"),
            kustomize("deploy/kustomize/overlays/namespaced"))

    # 3. CRDs.
    source = {d["metadata"]["name"]: d for f in sorted((SRC / "crds").glob("*.yaml"))
              for d in [yaml.safe_load(f.read_text())]}
    kept = {d["metadata"]["name"]: d for d in helm() if d["kind"] == "CustomResourceDefinition"}
    plain = {d["metadata"]["name"]: d for d in helm("--set", "crds.keep=false")
             if d["kind"] == "CustomResourceDefinition"}
    if set(kept) != set(source) or plain != source:
        fail("chart CRDs (crds.keep=false) differ from crds/*.yaml")
    for name, d in kept.items():
        if d["metadata"].get("annotations") != {"helm.sh/resource-policy": "keep"}:
            fail(f"{name}: no helm.sh/resource-policy: keep with default values")
        d["metadata"].pop("annotations", None)
        if d != source.get(name):
            fail(f"{name}: chart CRD differs from crds/ beyond the keep annotation")
    if any(d["kind"] == "CustomResourceDefinition" for d in helm("--set", "crds.install=false")):
        fail("crds.install=false still renders CRDs")
    print(f"{len(source)} CRDs compared")
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
