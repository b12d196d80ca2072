#!/usr/bin/env python3
"""The Grafana dashboard and the alert rules are well-formed and use real metric names.

- grafana-dashboard.json parses; every target queries the ${datasource} variable and filters by
  job=~"$job"; the panels cover reconciles, errors, queue depth, scale operations, migrations, jobs.
- prometheusrule.yaml (generated) has the required alerts, each with expr, severity and summary.
- Every metric name in any expression is defined by a prometheus-cpp builder (.Name("...")) in
  operator/ or controllers/, or is listed as awaited in deploy/monitoring/README.md; an awaited one
  that now exists is reported. (The FLCluster e2e also checks the runtime's and fl_cluster_* names
  against a real operator's /metrics.)
"""
import json
import os
import pathlib
import re
import sys

import yaml

sys.path.insert(0, str(pathlib.Path(__file__).resolve().parent))

SRC = pathlib.Path(os.environ.get("FLOP_SOURCE_DIR", pathlib.Path(__file__).resolve().parents[2]))
MON = SRC / "deploy/monitoring"
failures = []


def fail(msg):
    print("FAIL", msg)
    failures.append(msg)


from monitoring_metrics import defined, metric_names  # noqa: E402  (next to this script)


dash = json.loads((MON / "grafana-dashboard.json").read_text())
exprs = []
titles = " ".join(p.get("title", "") for p in dash["panels"]).lower()
for p in dash["panels"]:
    for t in p.get("targets", []):
        exprs.append(("dashboard: " + p["title"], t["expr"]))
        if 'job=~"$job"' not in t["expr"]:
            fail(f"dashboard panel '{p['title']}' does not filter by $job")
        if t.get("datasource", {}).get("uid") != "${datasource}":
            fail(f"dashboard panel '{p['title']}' does not use the datasource variable")
for topic in ("reconcile", "error", "queue depth", "scale", "migration", "federatedjob"):
    if topic not in titles:
        fail(f"dashboard has no panel about '{topic}'")
ids = [p["id"] for p in dash["panels"]]
if len(ids) != len(set(ids)):
    fail("dashboard panel ids are not unique")

rule = yaml.safe_load((MON / "prometheusrule.yaml").read_text())
alerts = {}
for group in rule["spec"]["groups"]:
    for r in group["rules"]:
        alerts[r["alert"]] = r
        exprs.append(("alert " + r["alert"], r["expr"]))
        if not r.get("labels", {}).get("severity") or not r.get("annotations", {}).get("summary"):
            fail(f"alert {r['alert']} lacks severity or summary")
for want in ("FLOperatorDown", "FLOperatorReconcileErrors", "FLModelMigrationFailed", "FLClusterScaleStuck"):
    if want not in alerts:
        fail(f"alert {want} missing")

exported_names = defined(SRC)
readme = (MON / "README.md").read_text()
awaited = set(re.findall(r"^\| `(fl_[a-z0-9_]+)` \|", readme.split("Awaited", 1)[1], re.M)) if "Awaited" in readme else set()
used = set()
for where, expr in exprs:
    for name in metric_names(expr):
        used.add(name)
        exported = name in exported_names
        if not exported and name not in awaited:
            fail(f"{where}: metric {name} is neither exported by the sources nor listed as awaited")
        if exported and name in awaited:
            print(f"note {name} is exported now: move it to the 'Exported today' table")
print(f"{len(exprs)} expressions, {len(used)} metrics ({len(used & awaited)} awaited: {sorted(used & awaited)})")
sys.exit(1 if failures else 0)
