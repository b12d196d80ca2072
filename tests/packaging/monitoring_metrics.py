"""Metric names the monitoring assets query, and metric names the operator's code defines.

Shared by check-monitoring.py (names against the code's metric definitions) and the FLCluster
e2e (names against a real operator's /metrics scrape)."""
import json
import pathlib
import re

import yaml

PREFIXES = ("controller_runtime", "workqueue", "rest_client", "leader_election", "fl")


def metric_names(expr):
    """Metric names in a PromQL expression; histogram series map to their family."""
    names = set(re.findall(r"\b((?:%s)_[a-z0-9_]+)\b" % "|".join(PREFIXES), expr))
    return {re.sub(r"_(bucket|sum|count)$", "", n) for n in names if n != "fl_operator"}


def expressions(src):
    """(where, expr) for every dashboard target and alert rule under deploy/monitoring."""
    mon = pathlib.Path(src) / "deploy/monitoring"
    out = []
    dash = json.loads((mon / "grafana-dashboard.json").read_text())
    for panel in dash["panels"]:
        for target in panel.get("targets", []):
            out.append(("dashboard: " + panel["title"], target["expr"]))
    rule = yaml.safe_load((mon / "prometheusrule.yaml").read_text())
    for group in rule["spec"]["groups"]:
        for r in group["rules"]:
            out.append(("alert " + r["alert"], r["expr"]))
    return out


def referenced(src):
    """metric name -> where it is used."""
    used = {}
    for where, expr in expressions(src):
        for name in metric_names(expr):
            used.setdefault(name, []).append(where)
    return used


def defined(src):
    """Names given to prometheus-cpp builders (.Name("...")) in operator/ and controllers/."""
    names = set()
    for d in ("operator", "controllers"):
        for p in (pathlib.Path(src) / d).rglob("*"):
            if p.suffix in (".cpp", ".hpp", ".h", ".cc"):
                names.update(re.findall(r'\.Name\(\s*"([a-zA-Z_:][a-zA-Z0-9_:]*)"\s*\)', p.read_text(errors="ignore")))
    return names


def families(exposition):
    """Metric families in a Prometheus text exposition (its # TYPE lines)."""
    return set(re.findall(r"^# TYPE ([a-zA-Z_:][a-zA-Z0-9_:]*) ", exposition, re.M))
