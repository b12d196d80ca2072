#!/usr/bin/env python3
"""A FATE-Flow 1.x test double (Python 3 standard library only).

Serves the endpoints of ../../../../shared/reference/fate-flow-api.md with FATE's request and
response shapes, plus a side channel under /_double/ for tests:

  GET  /_double/calls            {"calls": {endpoint: count}, "log": [...] (with ?log=1)}
  GET  /_double/mode             the current fault/scenario knobs (see double_state.default_mode)
  POST /_double/mode             merge a JSON object into the knobs
  POST /_double/down             {"seconds": N}: close the listener for N s (connection refused)
  GET  /_double/jobs             every job with its current state, notes and stop calls
  POST /_double/job              {"job_id", "status"[, "role", "party_id"]}: pin a job's state
  GET  /_double/models           stored/trained/deployed models, their loads and files
  POST /_double/reset            forget everything except the FATE version

Client authentication (FATE-Flow 1.7+, client_auth.py) is enforced when the mode's
"client_auth" is {"app_key": K, "app_secret": S} (or with --app-key/--app-secret).

Usage: fateflow_double.py --port 0 --port-file F --state-dir D [--fate-version 1.11.1]
                          [--app-key K --app-secret S]
"""

import argparse
import email.parser
import email.policy
import http.server
import json
import os
import socket
import sys
import threading
import time
import urllib.parse

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

import client_auth  # noqa: E402
import fate_jobs  # noqa: E402
import fate_models  # noqa: E402
from double_state import State, version_tuple  # noqa: E402
from fate_jobs import current_status, fail, ok  # noqa: E402


def version_get(state, body, module_required):
    if module_required and not isinstance(body, dict):
        return fail(100, "AttributeError(\"'NoneType' object has no attribute 'get'\")")
    module = (body or {}).get("module", "FATE")
    value = state.mode["fate_version"] if module == "FATE" else None
    data = {module: value} if value is not None else {}
    if state.fate_version() >= (1, 7, 0):
        data["API"] = "v1"
    return ok(data)


def info_version(state, body):
    module = (body or {}).get("module", "FATE")
    if module != "FATE":
        return 404, {"retcode": 404, "retmsg": "unknown module %s" % module}
    return version_get(state, body, False)


# (path, minimum FATE version, handler(state, body))
ROUTES = [
    ("/v1/version/get", (1, 5, 0),
     lambda s, b: version_get(s, b, s.fate_version() < (1, 7, 0))),
    ("/v1/info/version", (1, 11, 0), info_version),
    ("/v1/job/submit", (1, 5, 0), fate_jobs.submit),
    ("/v1/job/query", (1, 5, 0), fate_jobs.query),
    ("/v1/job/stop", (1, 5, 0), fate_jobs.stop),
    ("/v1/job/rerun", (1, 5, 0), fate_jobs.rerun),
    ("/v1/job/update", (1, 5, 0), fate_jobs.update),
    ("/v1/job/list/job", (1, 5, 0), fate_jobs.list_jobs),
    ("/v1/model/deploy", (1, 5, 0), fate_models.deploy),
    ("/v1/model/load", (1, 5, 0), fate_models.load),
    ("/v1/model/bind", (1, 5, 0), fate_models.bind),
    ("/v1/model/export", (1, 5, 0), fate_models.export),
    ("/v1/model/query", (1, 5, 0), fate_models.query),
    ("/v1/model/archive/packaging", (1, 9, 0), fate_models.archive_packaging),
    ("/v1/model/migrate", (1, 5, 0), fate_models.not_in_double),
    ("/v1/model/migrate/do", (1, 5, 0), fate_models.not_in_double),
    ("/v1/model/transfer", (1, 5, 0), fate_models.not_in_double),
]


def parse_multipart(content_type, raw):
    """Form fields and the `file` part of a multipart/form-data body."""
    message = email.parser.BytesParser(policy=email.policy.HTTP).parsebytes(
        b"Content-Type: " + content_type.encode() + b"\r\nMIME-Version: 1.0\r\n\r\n" + raw)
    fields, file_bytes = {}, None
    for part in message.iter_parts():
        name = part.get_param("name", header="content-disposition")
        payload = part.get_payload(decode=True) or b""
        if name == "file":
            file_bytes = payload
        elif name:
            fields[name] = payload.decode("utf-8", "replace")
    return fields, file_bytes


class Handler(http.server.BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    server_version = "fateflow-double"

    def log_message(self, fmt, *args):  # quiet unless asked
        if self.server.verbose:
            sys.stderr.write("fateflow-double: " + (fmt % args) + "\n")

    @property
    def state(self):
        return self.server.state

    def _read_body(self):
        if "chunked" in self.headers.get("Transfer-Encoding", "").lower():
            chunks = []
            while True:
                size = int(self.rfile.readline().strip().split(b";")[0], 16)
                if size == 0:
                    self.rfile.readline()
                    break
                chunks.append(self.rfile.read(size))
                self.rfile.readline()
            return b"".join(chunks)
        length = int(self.headers.get("Content-Length", 0) or 0)
        return self.rfile.read(length) if length else b""

    def _send(self, status, body, headers=None):
        payload = body if isinstance(body, bytes) else json.dumps(body).encode()
        self.send_response(status)
        headers = headers or {"Content-Type": "application/json"}
        for name, value in headers.items():
            self.send_header(name, value)
        self.send_header("Content-Length", str(len(payload)))
        self.end_headers()
        self.wfile.write(payload)

    def do_GET(self):
        self._dispatch("GET")

    def do_POST(self):
        self._dispatch("POST")

    def _dispatch(self, method):
        url = urllib.parse.urlsplit(self.path)
        raw = self._read_body()
        if url.path.startswith("/_double/"):
            self._side_channel(method, url, raw)
            return
        self._fate(method, url, raw)

    # ---- FATE-Flow endpoints ---------------------------------------------------------------------
    def _fate(self, method, url, raw):
        state = self.state
        content_type = self.headers.get("Content-Type", "")
        multipart = content_type.startswith("multipart/form-data")
        state.record_call(url.path, "<multipart>" if multipart else raw[:2000].decode("utf-8",
                                                                                      "replace"))
        if state.mode.get("down") == "reset":
            self.close_connection = True
            self.connection.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER,
                                       b"\x01\x00\x00\x00\x00\x00\x00\x00")
            return
        if state.mode.get("delay_seconds"):
            time.sleep(float(state.mode["delay_seconds"]))
        if state.mode.get("http_status"):
            code = int(state.mode["http_status"])
            self._send(code, {"retcode": code, "retmsg": "injected HTTP %d" % code})
            return
        fault = state.take_endpoint_fault(url.path)
        if fault:
            self._send(int(fault.get("http_status", 200)),
                       {"retcode": fault.get("retcode", 100),
                        "retmsg": fault.get("retmsg", "injected fault")})
            return
        fields, file_bytes = parse_multipart(content_type, raw) if multipart else ({}, None)
        json_body = raw if content_type.startswith("application/json") else b""
        rejected = client_auth.check(state.mode.get("client_auth"), self.headers, url.path,
                                     url.query, json_body, fields)
        if rejected:
            self._send(*fail(*rejected))
            return
        if url.path == "/v1/model/import" and method == "POST":
            if not multipart:
                self._send(*fail(101, "required argument are missing: file"))
                return
            self._send(*fate_models.import_model(state, fields, file_bytes))
            return
        route = next((r for r in ROUTES if r[0] == url.path), None)
        if route is None or state.fate_version() < route[1]:
            self._send(404, {"retcode": 404, "retmsg": "404 Not Found: %s" % url.path})
            return
        body = None
        if raw.strip():
            try:
                body = json.loads(raw)
            except ValueError as exc:
                self._send(*fail(100, "JSONDecodeError(%r)" % str(exc)))
                return
        elif method == "GET" and url.query:
            body = {k: v[0] for k, v in urllib.parse.parse_qs(url.query).items()}
        if url.path != "/v1/version/get":
            body = body if isinstance(body, dict) else {}
        self._send(*route[2](state, body))

    # ---- side channel --------------------------------------------------------------------------
    def _side_channel(self, method, url, raw):
        state = self.state
        body = json.loads(raw) if raw.strip() else {}
        query = urllib.parse.parse_qs(url.query)
        path = url.path
        with state.lock:
            if path == "/_double/calls":
                answer = {"calls": dict(state.calls)}
                if query.get("log"):
                    answer["log"] = list(state.call_log)
                self._send(200, answer)
            elif path == "/_double/mode":
                self._send(200, state.merge_mode(body) if method == "POST" else state.mode)
            elif path == "/_double/down":
                self._send(200, {"down_for_seconds": float(body.get("seconds", 1))})
                self.close_connection = True
                self.server.owner.go_down(float(body.get("seconds", 1)))
            elif path == "/_double/jobs":
                jobs = []
                for job in state.jobs.values():
                    jobs.append(dict(job, status=current_status(job)))
                self._send(200, {"jobs": jobs})
            elif path == "/_double/job" and method == "POST":
                job = state.jobs.get(body.get("job_id"))
                if job is None:
                    self._send(404, {"error": "no such job"})
                elif body.get("role"):
                    job["party_status"]["%s:%s" % (body["role"], body["party_id"])] = body["status"]
                    state.save()
                    self._send(200, {"ok": True})
                else:
                    job["pinned_status"], job["pinned_at"] = body["status"], time.time()
                    state.save()
                    self._send(200, {"ok": True})
            elif path == "/_double/models":
                self._send(200, {"models": list(state.models.values()),
                                 "bindings": dict(state.bindings)})
            elif path == "/_double/reset" and method == "POST":
                state.reset()
                self._send(200, {"ok": True})
            else:
                self._send(404, {"error": "unknown side-channel path %s" % path})


class _Server(http.server.ThreadingHTTPServer):
    daemon_threads = True
    allow_reuse_address = True

    def __init__(self, *args, **kwargs):
        self.open_connections = set()
        self.connections_lock = threading.Lock()
        super().__init__(*args, **kwargs)

    def process_request(self, request, client_address):
        with self.connections_lock:
            self.open_connections.add(request)
        super().process_request(request, client_address)

    def shutdown_request(self, request):
        with self.connections_lock:
            self.open_connections.discard(request)
        super().shutdown_request(request)

    def drop_connections(self):
        """Down means down: kept-alive client connections die with the listener."""
        with self.connections_lock:
            connections = list(self.open_connections)
        for connection in connections:
            try:
                connection.shutdown(socket.SHUT_RDWR)
            except OSError:
                pass


class DoubleServer:
    """Owns the listening socket so the double can really go down and come back on its port."""

    def __init__(self, host, port, state, verbose=False):
        self.host, self.port, self.state, self.verbose = host, port, state, verbose
        self._lock = threading.Lock()
        self._server = None
        self._thread = None
        self._start()

    def _start(self):
        server = _Server((self.host, self.port), Handler)
        server.state, server.owner, server.verbose = self.state, self, self.verbose
        self.port = server.server_address[1]
        self._server = server
        self._thread = threading.Thread(target=server.serve_forever, args=(0.05,), daemon=True)
        self._thread.start()

    def go_down(self, seconds):
        def cycle():
            time.sleep(0.05)  # let the side-channel answer go out first
            with self._lock:
                self._server.shutdown()
                self._server.server_close()
                self._server.drop_connections()
            time.sleep(seconds)
            with self._lock:
                for _ in range(100):
                    try:
                        self._start()
                        return
                    except OSError:
                        time.sleep(0.05)

        threading.Thread(target=cycle, daemon=True).start()


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, default=0, help="0 picks a free port")
    parser.add_argument("--port-file", help="write the bound port here")
    parser.add_argument("--state-dir", required=True)
    parser.add_argument("--fate-version", default="1.11.1")
    parser.add_argument("--app-key", help="enforce client authentication with this key")
    parser.add_argument("--app-secret", help="... and this secret")
    parser.add_argument("--verbose", action="store_true")
    args = parser.parse_args(argv)
    os.makedirs(args.state_dir, exist_ok=True)
    state = State(args.state_dir, args.fate_version)
    if version_tuple(args.fate_version) != state.fate_version():
        state.merge_mode({"fate_version": args.fate_version})
    if args.app_key and args.app_secret:
        state.merge_mode({"client_auth": {"app_key": args.app_key, "app_secret": args.app_secret}})
    server = DoubleServer(args.host, args.port, state, args.verbose)
    if args.port_file:
        tmp = args.port_file + ".tmp"
        with open(tmp, "w", encoding="utf-8") as f:
            f.write("%d\n" % server.port)
        os.replace(tmp, args.port_file)
    print("fateflow-double listening on %s:%d (FATE %s)" % (args.host, server.port,
                                                           state.mode["fate_version"]), flush=True)
    try:
        threading.Event().wait()
    except KeyboardInterrupt:
        pass


if __name__ == "__main__":
    main()
