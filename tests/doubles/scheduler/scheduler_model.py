"""State machine of a MindSpore FL scheduler (1.5-1.7 contract), without any I/O.

Everything here follows shared/reference/mindspore-fl-scheduler.md: the cluster states (section 4),
rank rules (section 5), timeouts (section 6) and the management endpoints' checks and effects
(section 3). Time comes from an injectable clock so the 3/30/300 s timeouts run instantly in tests.
The HTTP layer (scheduler_http.py) only translates requests into calls on `Scheduler`.
"""

import threading
import time
from dataclasses import dataclass, field

UINT32_MAX = 4294967295
HEARTBEAT_TIMEOUT_S = 30.0
CLUSTER_AVAILABLE_TIMEOUT_S = 300.0

STARTING = "CLUSTER_STARTING"
READY = "CLUSTER_READY"
EXIT = "CLUSTER_EXIT"
NODE_TIMEOUT = "NODE_TIMEOUT"
SCALE_OUT = "CLUSTER_SCALE_OUT"
SCALE_IN = "CLUSTER_SCALE_IN"
NEW_INSTANCE = "CLUSTER_NEW_INSTANCE"
ENABLE_FLS = "CLUSTER_ENABLE_FLS"
DISABLE_FLS = "CLUSTER_DISABLE_FLS"
SCALE_OUT_ROLLBACK = "CLUSTER_SCALE_OUT_ROLLBACK"

# States that wait for registrations and become READY once the expected servers are in.
FORMING_STATES = (STARTING, SCALE_OUT, SCALE_IN, NODE_TIMEOUT, SCALE_OUT_ROLLBACK)

NOT_READY = "The cluster is not ready."
CONNECTIONS_MISMATCH = (
    "The Scheduler's connections are not equal with total node num, Maybe this is because some "
    "server nodes are drop out or scale in nodes has not been recycled.")
ENOUGH_NODES = "There are enough nodes registering to scheduler."


class FakeClock:
    """Monotonic seconds that only move when told to."""

    def __init__(self, start=1000.0):
        self._now = start

    def __call__(self):
        return self._now

    def advance(self, seconds):
        self._now += seconds


class OffsetClock:
    """Real monotonic time plus an offset that tests can push forward over the side channel."""

    def __init__(self):
        self._offset = 0.0

    def __call__(self):
        return time.monotonic() + self._offset

    def advance(self, seconds):
        self._offset += seconds


class Rejected(Exception):
    """A management request refused with HTTP 400 and this exact error_message."""


@dataclass
class Options:
    server_num: int = 1
    flavour: str = "1.5"  # "1.5": original bodies; "1.6": "code" strings and the new /nodes schema
    connection_check: bool = False  # later sources: connections must equal the total node count
    strict_ranks: bool = False  # later sources: reject out-of-range ranks and ids replacing dead ones
    rollback: bool = False  # later sources: /scaleoutRollback exists
    persistent_fls: bool = False  # later sources: DISABLE_FLS stays until /enableFLS
    starting_spelling: str = "ClUSTER_STARTING"  # sic up to 1.7
    scheduler_node_id: str = "scheduler-0000"


@dataclass
class Node:
    node_id: str
    role: str
    rank: int
    alive: bool = True
    last_heartbeat: float = 0.0


@dataclass
class Process:
    """A fake server process: connected to the scheduler until the pod goes away."""
    node_id: str
    role: str
    auto_heartbeat: bool = True
    last_heartbeat: float = 0.0


@dataclass
class Modes:
    stuck_scale: bool = False  # scales never finish (the iteration barrier never releases)
    barrier_seconds: float = 0.0  # READY only this long after the last expected registration
    scaleout_delay: float = 0.0  # /scaleout handler sleeps this long after changing state
    fan_out_delay: float = 0.0  # instance/FLS handlers block this long in their transient state
    drop_next: int = 0  # close the connection without replying to this many management requests


@dataclass
class Scheduler:
    options: Options
    clock: object = field(default_factory=FakeClock)
    modes: Modes = field(default_factory=Modes)

    def __post_init__(self):
        self.lock = threading.RLock()
        self.server_num = self.options.server_num
        self.worker_num = 0
        self.state = STARTING
        self.started_at = self.clock()
        self.nodes = {}  # node_id -> Node: the scheduler's node table
        self.live = []  # node ids registered since the last reset, in registration order
        self.snapshot = []  # Nodes as of the last successful network build (1.5 /nodes, /scalein)
        self.processes = {}  # node_id -> Process: open connections
        self.next_server_rank = 0
        self.formed_at = None  # when the expected set completed (barrier start)
        self.previous_server_num = None  # for /scaleoutRollback
        self.unrecoverable = None  # reason once server 0 is lost
        self.exited = False
        self.calls = []  # management calls: {"path", "body", "status", "seq"}
        self.log = []  # calls and side-channel events in one order: {"seq", "event", ...}

    # ---- side channel: fake server processes -------------------------------------------------

    def register(self, node_id, role="SERVER", rank=None):
        """A server process (re)connects and registers. Returns the assigned rank."""
        with self.lock:
            self._tick()
            now = self.clock()
            proc = self.processes.get(node_id) or Process(node_id, role)
            proc.last_heartbeat = now
            self.processes[node_id] = proc
            assigned = self._assign_rank(node_id, role, rank)
            node = self.nodes.get(node_id)
            if node is None:
                node = Node(node_id, role, assigned)
                self.nodes[node_id] = node
            node.rank, node.alive, node.last_heartbeat = assigned, True, now
            if node_id not in self.live:
                self.live.append(node_id)
            self._maybe_form()
            self.record("register", node_id=node_id, rank=assigned, state=self.state)
            return assigned

    def record(self, event, **details):
        """Appends to the ordered log (tests check what happened before what)."""
        with self.lock:
            entry = {"seq": len(self.log), "event": event, "wall": time.time(), **details}
            self.log.append(entry)
            return entry

    def heartbeat(self, node_id):
        with self.lock:
            proc = self.processes.get(node_id)
            if proc is None:
                raise KeyError(node_id)
            proc.last_heartbeat = self.clock()
            self._tick()

    def set_auto_heartbeat(self, node_id, enabled):
        with self.lock:
            self._tick()
            self.processes[node_id].auto_heartbeat = enabled
            self.processes[node_id].last_heartbeat = self.clock()

    def unregister(self, node_id):
        """The pod is gone: its connection closes and heartbeats stop (the table keeps the node)."""
        with self.lock:
            self._tick()
            self.processes.pop(node_id, None)
            self.record("unregister", node_id=node_id, state=self.state)

    def advance(self, seconds):
        with self.lock:
            self._tick()  # heartbeats up to now count before time jumps
            self.clock.advance(seconds)
            self._tick()

    # ---- management API ----------------------------------------------------------------------

    def cluster_state(self):
        with self.lock:
            self._tick()
            return self.state

    def scale_out(self, worker_num, server_num):
        with self.lock:
            self._tick()
            self._require_ready()
            self.previous_server_num = self.server_num
            self.server_num += server_num  # an increment, not a target
            self.state = SCALE_OUT
            self._reset_live(self._members_by_rank())

    def scale_in(self, node_ids):
        """`node_ids` is the parsed "node_ids" value, or None when the key is missing."""
        with self.lock:
            self._tick()
            self._require_ready()
            if node_ids is None:
                raise Rejected("The json is not contain the key:node_ids")
            if not node_ids:
                raise Rejected("The node ids should not be empty.")
            known = {n.node_id: n for n in self.snapshot}
            for node_id in node_ids:
                node = known.get(node_id)
                if node is None:
                    raise Rejected(f"The node id:{node_id} is illegal.")
                if node.role == "SERVER" and node.rank == 0:
                    raise Rejected(f"The node id:{node_id} is rank 0 of server, should not be scale in.")
                if node.role == "WORKER":
                    raise Rejected(f"The node id:{node_id} is the role of worker, should not be scale in.")
            victims = set(node_ids)
            smallest = min(known[v].rank for v in victims)
            order = [n for n in self._members_by_rank() if n.node_id not in victims]
            self.server_num -= len(victims)
            self.state = SCALE_IN
            for victim in victims:
                self.nodes.pop(victim, None)
            # Survivors above the smallest removed rank are renumbered in re-registration order.
            self.next_server_rank = smallest
            for node in order:
                if node.role == "SERVER" and node.rank >= smallest:
                    node.rank = None
            self._reset_live(order)

    def scale_out_rollback(self):
        with self.lock:
            self._tick()
            if self.state != SCALE_OUT:
                raise Rejected("Cluster servers are not ready for scaling rollback.")
            self.server_num = self.previous_server_num
            self.state = SCALE_OUT_ROLLBACK
            for node_id, node in list(self.nodes.items()):
                if node.role == "SERVER" and not _usable(node.rank, self.server_num):
                    del self.nodes[node_id]
            self.next_server_rank = self.server_num
            self.live = [n for n in self.live if n in self.nodes]
            self.formed_at = None
            self._maybe_form()

    def begin_fan_out(self, transient_state):
        """First half of /newInstance, /queryInstance, /enableFLS, /disableFLS."""
        with self.lock:
            self._tick()
            if transient_state == ENABLE_FLS and self.options.persistent_fls:
                if self.state != DISABLE_FLS:
                    raise Rejected("The instance has already been enabled.")
            elif transient_state == DISABLE_FLS and self.options.persistent_fls and \
                    self.state == DISABLE_FLS:
                raise Rejected("The instance has already been disabled.")
            else:
                self._require_ready()
            self.state = transient_state

    def end_fan_out(self, transient_state):
        with self.lock:
            if self.state != transient_state:
                return
            if not (self.options.persistent_fls and transient_state == DISABLE_FLS):
                self.state = READY

    def server_ranks(self):
        with self.lock:
            return sorted(n.rank for n in self.nodes.values()
                          if n.role == "SERVER" and _usable(n.rank, self.server_num))

    # ---- rules -------------------------------------------------------------------------------

    def _require_ready(self):
        if self.state != READY:
            raise Rejected(NOT_READY)
        if self.options.connection_check and len(self.processes) != self.server_num + self.worker_num:
            raise Rejected(CONNECTIONS_MISMATCH)

    def _members_by_rank(self):
        return sorted(self.nodes.values(),
                      key=lambda n: n.rank if n.rank is not None else UINT32_MAX)

    def _reset_live(self, members):
        """The scheduler resets its registration table; connected members re-register in order."""
        self.formed_at = None
        self.live = []
        for node in members:
            if node.node_id not in self.processes:
                continue
            node.rank = self._assign_rank(node.node_id, node.role, node.rank)
            node.last_heartbeat = self.clock()
            self.live.append(node.node_id)

    def _assign_rank(self, node_id, role, previous_rank):
        known = self.nodes.get(node_id)
        if known is not None and known.rank is not None:
            return known.rank
        if previous_rank is not None and previous_rank < self.next_server_rank and \
                not any(n.rank == previous_rank and n.alive for n in self.nodes.values()):
            return previous_rank
        dead = [n for n in self.nodes.values() if not n.alive and n.role == role]
        if dead:
            if self.options.strict_ranks:
                raise Rejected(ENOUGH_NODES)
            # 1.5: a new id takes over the dead server's rank.
            taken = min(dead, key=lambda n: n.rank)
            del self.nodes[taken.node_id]
            if taken.node_id in self.live:
                self.live.remove(taken.node_id)
            return taken.rank
        rank = self.next_server_rank
        if rank >= self.server_num:
            if self.options.strict_ranks:
                raise Rejected(ENOUGH_NODES)
            return UINT32_MAX  # 1.5 stores it; the node never becomes useful
        self.next_server_rank += 1
        return rank

    def _usable_live(self):
        return [n for n in self.live
                if self.nodes[n].alive and _usable(self.nodes[n].rank, self.server_num)]

    def _maybe_form(self):
        if self.state not in FORMING_STATES or self.unrecoverable:
            return
        if len(self._usable_live()) < self.server_num:
            self.formed_at = None
            return
        if self.state in (SCALE_OUT, SCALE_IN) and self.modes.stuck_scale:
            return
        if self.formed_at is None:
            self.formed_at = self.clock()
        if self.clock() - self.formed_at >= self.modes.barrier_seconds:
            self._network_built()

    def _network_built(self):
        self.state = READY
        self.formed_at = None
        self.snapshot = sorted((Node(n.node_id, n.role, n.rank, n.alive) for n in self.nodes.values()
                                if _usable(n.rank, self.server_num)), key=lambda n: n.rank)

    def _tick(self):
        """Applies everything time-driven up to now."""
        if self.exited:
            return
        now = self.clock()
        for proc in self.processes.values():
            if proc.auto_heartbeat:
                proc.last_heartbeat = now
        for node in self.nodes.values():
            proc = self.processes.get(node.node_id)
            if proc is not None and proc.last_heartbeat > node.last_heartbeat:
                node.last_heartbeat = proc.last_heartbeat
        if self.state in (READY, STARTING, NODE_TIMEOUT, DISABLE_FLS):
            for node in self.nodes.values():
                if node.alive and now - node.last_heartbeat > HEARTBEAT_TIMEOUT_S:
                    node.alive = False
                    if node.role == "SERVER" and node.rank == 0:
                        self.unrecoverable = f"server rank 0 ({node.node_id}) timed out"
                    if self.state != STARTING:
                        self.state = NODE_TIMEOUT
        if self.state == STARTING and now - self.started_at > CLUSTER_AVAILABLE_TIMEOUT_S:
            self.state = EXIT if self.options.strict_ranks else NODE_TIMEOUT
        if self.nodes and not any(n.alive for n in self.nodes.values()):
            self.state = EXIT  # timed-out nodes count as finished
        if self.state == EXIT:
            self.exited = True
            return
        self._maybe_form()


def _usable(rank, server_num):
    return rank is not None and rank < server_num
