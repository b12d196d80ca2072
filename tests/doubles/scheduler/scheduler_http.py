"""HTTP face of the scheduler double: the management REST API plus a /_double/ side channel.

Management paths are served strictly one at a time (the real scheduler has one evhttp thread, so a
slow /scaleout blocks /state); the side channel is not serialised with them, because in the real
system registrations arrive over a separate TCP server.
"""

import json
import ssl
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import scheduler_model as model

MAX_BODY = 100 * 1024 * 1024
TRANSIENT = {
    "/newInstance": (model.NEW_INSTANCE, "Start update flPlan successful.", "The new instance is timeout."),
    "/queryInstance": (model.NEW_INSTANCE, "Start update flPlan successful.", "The query instance is timeout."),
    "/enableFLS": (model.ENABLE_FLS, "start enabling FL-Server successful.", "The enable FLS is timeout."),
    "/disableFLS": (model.DISABLE_FLS, "start disabling FL-Server successful.", "The disable FLS is timeout."),
}
# 1.5's state string table stops at entry 5: later states read as "".
STATES_KNOWN_TO_1_5 = (model.STARTING, model.READY, model.EXIT, model.NODE_TIMEOUT,
                       model.SCALE_OUT, model.SCALE_IN)
NOT_FOUND_PAGE = (b"<html><head><title>404 Not Found</title></head>"
                  b"<body><h1>Not Found</h1></body></html>")


class BodyError(Exception):
    pass


class DroppedConnection(Exception):
    pass


def parse_body(raw):
    if not raw:
        raise model.Rejected("The post message size is invalid.")
    if len(raw) > MAX_BODY:
        raise model.Rejected("The post message is bigger than 100mb.")
    try:
        return json.loads(raw)
    except ValueError as err:
        raise model.Rejected(f"Illegal JSON format:{err}") from err


def require_count(body, key):
    if key not in body:
        raise model.Rejected(f"The json is not contain the key:{key}")
    value = body[key]
    if not isinstance(value, int) or isinstance(value, bool):
        raise DroppedConnection(f"uncaught type error reading {key}")  # the real handler crashes
    if value < 0:
        raise model.Rejected("The value should not be less than 0.")
    return value


class SchedulerDouble:
    """Owns the model, the HTTP server and the management-request serialisation."""

    def __init__(self, scheduler, host="127.0.0.1", port=11202, tls_cert=None, tls_key=None,
                 on_exit=None):
        self.scheduler = scheduler
        self.management_lock = threading.Lock()
        self.release = threading.Event()  # ends a blocking /scaleout early
        self.on_exit = on_exit
        handler = type("Handler", (_Handler,), {"double": self})
        self.server = ThreadingHTTPServer((host, port), handler)
        self.server.daemon_threads = True
        if tls_cert:
            context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
            context.load_cert_chain(tls_cert, tls_key)
            self.server.socket = context.wrap_socket(self.server.socket, server_side=True)
        self.port = self.server.server_address[1]

    def serve_in_background(self):
        thread = threading.Thread(target=self.server.serve_forever, daemon=True)
        thread.start()
        return thread

    def shutdown(self):
        self.release.set()
        self.server.shutdown()
        self.server.server_close()

    # ---- management endpoints ----------------------------------------------------------------

    def management(self, path, raw):
        """Returns (status, body dict) or raises DroppedConnection."""
        sched = self.scheduler
        with self.management_lock:
            if sched.modes.drop_next > 0:
                sched.modes.drop_next -= 1
                raise DroppedConnection("dropped by mode")
            try:
                status, body = 200, self._dispatch(path, raw)
            except model.Rejected as rejected:
                status, body = 400, {"error_message": str(rejected)}
            if self.scheduler.options.flavour != "1.5":
                body["code"] = "0" if status == 200 else "1"
            with sched.lock:
                entry = sched.record("call", path=path, body=raw.decode("utf-8", "replace"),
                                     status=status, state=sched.state)
                sched.calls.append(entry)
            return status, body

    def _dispatch(self, path, raw):
        sched = self.scheduler
        if path == "/state":
            state = sched.cluster_state()
            if sched.options.flavour == "1.5" and state not in STATES_KNOWN_TO_1_5:
                state = ""
            if state == model.STARTING:
                state = sched.options.starting_spelling
            return {"message": "Get cluster state successful.", "cluster_state": state}
        if path == "/nodes":
            return self._nodes()
        if path == "/scaleout":
            body = parse_body(raw)
            worker_num = require_count(body, "worker_num")
            if worker_num > 0:
                raise model.Rejected("The Worker does not currently support scale out.")
            server_num = require_count(body, "server_num")
            sched.scale_out(worker_num, server_num)
            self._sleep(sched.modes.scaleout_delay)  # messages to each node, 3 s timeout each
            return {"message": "Cluster begin to scale out."}
        if path == "/scalein":
            body = parse_body(raw)
            node_ids = body.get("node_ids") if isinstance(body, dict) else None
            if node_ids is not None and not (isinstance(node_ids, list) and
                                             all(isinstance(n, str) for n in node_ids)):
                raise DroppedConnection("uncaught type error reading node_ids")
            sched.scale_in(node_ids)
            return {"message": "Cluster begin to scale in."}
        if path == "/scaleoutRollback" and sched.options.rollback:
            sched.scale_out_rollback()
            return {"message": "Cluster begin to rollback scale out."}
        if path in TRANSIENT:
            state, message, _ = TRANSIENT[path]
            sched.begin_fan_out(state)
            self._sleep(sched.modes.fan_out_delay)
            sched.end_fan_out(state)
            ranks = sched.server_ranks()
            return {"message": message, "result": ["success" for _ in ranks]}
        raise LookupError(path)

    def _nodes(self):
        sched = self.scheduler
        with sched.lock:
            sched._tick()
            if sched.options.flavour == "1.5":
                return {"message": "Get nodes info successful.",
                        "node_ids": [{"node_id": n.node_id, "rank_id": str(n.rank), "role": n.role}
                                     for n in sched.snapshot]}
            entries = []
            for node_id in sched.live:
                node = sched.nodes.get(node_id)
                if node is None:
                    continue
                entries.append({"alive": "true" if node.alive else "false", "nodeId": node.node_id,
                                "rankId": str(node.rank), "role": node.role})
            entries.append({"alive": "true", "nodeId": sched.options.scheduler_node_id,
                            "rankId": "0", "role": "SCHEDULER"})
            return {"message": "Get nodes info successful.", "nodeIds": entries}

    def _sleep(self, seconds):
        if seconds > 0:
            self.release.wait(seconds)
            self.release.clear()

    # ---- side channel ------------------------------------------------------------------------

    def side_channel(self, path, raw):
        try:
            return self._side_channel(path, json.loads(raw) if raw else {})
        except (KeyError, ValueError, TypeError) as err:
            return 400, {"error": f"{type(err).__name__}: {err}"}

    def _side_channel(self, path, body):
        sched = self.scheduler
        if path == "/_double/register":
            try:
                rank = sched.register(body["node_id"], body.get("role", "SERVER"), body.get("rank"))
            except model.Rejected as rejected:
                return 409, {"error": str(rejected)}
            return 200, {"rank": rank}
        if path == "/_double/heartbeat":
            sched.heartbeat(body["node_id"])
            return 200, {}
        if path == "/_double/silence":
            sched.set_auto_heartbeat(body["node_id"], not body.get("silent", True))
            return 200, {}
        if path == "/_double/unregister":
            sched.unregister(body["node_id"])
            return 200, {}
        if path == "/_double/advance":
            sched.advance(float(body["seconds"]))
            return 200, {"state": sched.cluster_state()}
        if path == "/_double/mode":
            with sched.lock:
                for key, value in body.items():
                    if not hasattr(sched.modes, key):
                        return 400, {"error": f"unknown mode {key}"}
                    setattr(sched.modes, key, type(getattr(sched.modes, key))(value))
                sched._tick()
            return 200, vars(sched.modes)
        if path == "/_double/note":  # harness observations (e.g. "a pod exists") in the log
            sched.record("note", text=str(body["text"]))
            return 200, {}
        if path == "/_double/release":
            self.release.set()
            return 200, {}
        if path == "/_double/calls":
            with sched.lock:
                return 200, {"calls": list(sched.calls)}
        if path == "/_double/log":
            with sched.lock:
                return 200, {"log": list(sched.log)}
        if path == "/_double/status":
            return 200, self.status()
        return 404, {"error": f"no side-channel path {path}"}

    def status(self):
        sched = self.scheduler
        with sched.lock:
            sched._tick()
            return {
                "state": sched.state, "server_num": sched.server_num, "exited": sched.exited,
                "unrecoverable": sched.unrecoverable,
                "nodes": [{"node_id": n.node_id, "rank": n.rank, "alive": n.alive, "role": n.role}
                          for n in sched.nodes.values()],
                "connected": sorted(sched.processes),
            }


class _Handler(BaseHTTPRequestHandler):
    double = None
    protocol_version = "HTTP/1.1"

    def do_GET(self):
        self._handle()

    do_POST = do_PUT = do_DELETE = do_PATCH = do_GET

    def log_message(self, fmt, *args):  # quiet: tests read /_double/calls instead
        pass

    def _handle(self):
        length = int(self.headers.get("Content-Length") or 0)
        raw = self.rfile.read(length) if length else b""
        path = self.path.split("?", 1)[0]
        try:
            if path.startswith("/_double/"):
                status, body = self.double.side_channel(path, raw)
                self._reply(status, "OK", body, json_type=True)
            else:
                status, body = self.double.management(path, raw)
                self._reply(status, "Client", body, json_type=status == 200)
        except LookupError:
            self._reply_raw(404, "Not Found", NOT_FOUND_PAGE, "text/html")
        except DroppedConnection:
            self.close_connection = True
            self.connection.close()
        if self.double.scheduler.exited and self.double.on_exit:
            self.double.on_exit()

    def _reply(self, status, reason, body, json_type):
        data = json.dumps(body).encode()
        self._reply_raw(status, reason, data, "application/json" if json_type else None)

    def _reply_raw(self, status, reason, data, content_type):
        self.send_response(status, reason)
        if content_type:
            self.send_header("Content-Type", content_type)
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)


def wait_until(predicate, timeout=5.0):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if predicate():
            return True
        time.sleep(0.01)
    return False
