"""What every e2e harness needs from the local control plane: kubectl, polling, a free port.

The harnesses (tests/controllers/*/e2e, the benches) put tests/support on sys.path and import
this module, so a fix to how a test waits or calls kubectl lands everywhere at once.
"""

import json
import socket
import subprocess
import time


def kubectl(*args, check=True, input_text=None):
    """Runs kubectl (from PATH: the control plane's own build); stdout, or raises with stderr."""
    proc = subprocess.run(["kubectl", *args], capture_output=True, text=True, input=input_text)
    if check and proc.returncode != 0:
        raise RuntimeError(f"kubectl {' '.join(args)}: {proc.stderr.strip()}")
    return proc.stdout


def kubectl_json(*args):
    return json.loads(kubectl(*args, "-o", "json"))


def wait_for(what, predicate, timeout=120.0, interval=0.3):
    """Polls predicate until it returns something truthy (returned); fails naming `what` and the
    last value seen."""
    deadline = time.monotonic() + timeout
    last = None
    while time.monotonic() < deadline:
        last = predicate()
        if last:
            return last
        time.sleep(interval)
    raise AssertionError(f"timed out after {timeout}s waiting for {what} (last: {last!r})")


def free_port():
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]
