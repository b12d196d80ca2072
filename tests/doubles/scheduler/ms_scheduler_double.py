#!/usr/bin/env python3
"""Runs the MindSpore FL scheduler double: `ms_scheduler_double.py --port 0 --port-file f`.

Exits with code 1 when the cluster reaches CLUSTER_EXIT, like the real scheduler (whose normal end
is also exit code 1).
"""

import argparse
import os
import signal
import sys
import threading

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

import scheduler_http  # noqa: E402
import scheduler_model as model  # noqa: E402


def parse_args(argv):
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, default=11202, help="0 picks a free port")
    parser.add_argument("--port-file", help="write the bound port here once listening")
    parser.add_argument("--server-num", type=int, default=1)
    parser.add_argument("--flavour", choices=["1.5", "1.6"], default="1.5")
    parser.add_argument("--later", action="store_true",
                        help="later ps/core sources: connection check, strict ranks, rollback, "
                             "persistent DISABLE_FLS, CLUSTER_STARTING spelling")
    parser.add_argument("--connection-check", action="store_true")
    parser.add_argument("--rollback", action="store_true")
    parser.add_argument("--tls-cert")
    parser.add_argument("--tls-key")
    parser.add_argument("--stuck-scale", action="store_true")
    parser.add_argument("--scaleout-delay", type=float, default=0.0)
    parser.add_argument("--barrier-seconds", type=float, default=0.0)
    return parser.parse_args(argv)


def build(args):
    options = model.Options(server_num=args.server_num, flavour=args.flavour,
                            connection_check=args.connection_check or args.later,
                            strict_ranks=args.later, rollback=args.rollback or args.later,
                            persistent_fls=args.later,
                            starting_spelling="CLUSTER_STARTING" if args.later else "ClUSTER_STARTING")
    modes = model.Modes(stuck_scale=args.stuck_scale, scaleout_delay=args.scaleout_delay,
                        barrier_seconds=args.barrier_seconds)
    return model.Scheduler(options, clock=model.OffsetClock(), modes=modes)


def main(argv):
    args = parse_args(argv)
    exited = threading.Event()
    double = scheduler_http.SchedulerDouble(build(args), args.host, args.port, args.tls_cert,
                                            args.tls_key, on_exit=exited.set)
    if args.port_file:
        tmp = args.port_file + ".tmp"
        with open(tmp, "w") as out:
            out.write(str(double.port))
        os.replace(tmp, args.port_file)
    signal.signal(signal.SIGTERM, lambda *_: exited.set())
    double.serve_in_background()
    exited.wait()
    code = 1 if double.scheduler.exited else 0
    double.shutdown()
    return code


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
