"""Start an MXNet parameter-server job: a scheduler, servers and workers (ps-lite).

Usage::

    python -m course_tools.launch [options] -- COMMAND [ARGS...]

COMMAND is the training script each worker runs, e.g. ``python examples/train_dist.py``
(the course's example worker). In it,
``kv = mx.kv.create('dist_sync')`` joins the job; ``kv.rank`` (0..num_workers-1) and
``kv.num_workers`` choose the worker's part of the data, and ``fit(..., recipe=Recipe(kvstore=kv))``
trains with it::

    kv = mx.kv.create("dist_sync")
    train_iter, test_iter = d2l_extras.load_data_fashion_mnist(
        256, num_parts=kv.num_workers, part_index=kv.rank)
    d2l_extras.fit(net, train_iter, test_iter, 10, 0.1, recipe=d2l_extras.Recipe(kvstore=kv))

Every process gets the standard ps-lite variables: DMLC_ROLE (scheduler, server or
worker), DMLC_PS_ROOT_URI and DMLC_PS_ROOT_PORT (the scheduler's address and port),
DMLC_NUM_SERVER, DMLC_NUM_WORKER, and DMLC_NODE_HOST (the address a node announces)
where it is known. Servers and the scheduler are ``python -c "import mxnet"``: MXNet
runs the role given by DMLC_ROLE when it is imported.

Three ways to start a job
-------------------------

One machine (the default): everything runs here, on 127.0.0.1::

    python -m course_tools.launch -n 2 -s 1 -- python examples/train_dist.py

Several machines over ssh: the scheduler runs here, at ``--scheduler ADDRESS:PORT``
(an address of this machine that the others can reach); one worker per entry of the
host list (repeat a host to run several workers on it), servers spread over the same
hosts. Every host needs the same working directory and Python path (a shared file
system, or the same checkout and virtual environment), and password-less ssh::

    python -m course_tools.launch --hosts 10.0.0.2,10.0.0.3 -s 2 \\
        --scheduler 10.0.0.1:9091 -- python examples/train_dist.py

By hand, one role per command (clusters without ssh, or to watch each node): start
the scheduler first, then the servers and workers on their machines with the same
numbers; servers and workers wait at most --connect-timeout seconds for the scheduler::

    python -m course_tools.launch --role scheduler --scheduler 10.0.0.1:9091 -n 2 -s 1
    python -m course_tools.launch --role server    --scheduler 10.0.0.1:9091 -n 2 -s 1
    python -m course_tools.launch --role worker    --scheduler 10.0.0.1:9091 -n 2 -s 1 -- python examples/train_dist.py

Ports: the scheduler listens on PORT (default 9091); servers and workers listen on
free ports that ps-lite picks, so the machines must accept TCP connections from each
other on any port (or set PORT per node with --env). DMLC_INTERFACE (--interface)
chooses the network interface when a node has several.

Failures are reported, not waited for: a port in use, a worker count that does not
match the host list, or an unreachable scheduler stop the launcher within seconds;
when any node exits with an error, or --timeout passes, every process it started is
stopped and the failed node is named. The launcher's exit status is the failed
node's (124 on a timeout, 2 for a bad configuration).
"""
import argparse
import ipaddress
import os
import shlex
import signal
import socket
import subprocess
import sys
import threading
import time

from d2l_extras_boot import cores_available

__all__ = ["LaunchError", "main"]

DEFAULT_PORT = 9091
SERVER_COMMAND = ["-c", "import mxnet"]  # with DMLC_ROLE=server/scheduler, importing mxnet runs it
FORWARDED_PREFIXES = ("D2L_", "MXNET_", "PS_", "DMLC_INTERFACE")


class LaunchError(RuntimeError):
    """A bad configuration, found before or while starting the job."""


# ---------------------------------------------------------------- configuration checks


def parse_address(text, default_port=DEFAULT_PORT):
    """``host[:port]`` -> (host, port)."""
    host, sep, port = text.rpartition(":")
    if not sep:
        host, port = text, str(default_port)
    if not host or not port.isdigit() or not 0 <= int(port) <= 65535:
        raise LaunchError(f"--scheduler {text!r}: expected HOST or HOST:PORT with PORT in 0..65535")
    return host, int(port)


def resolve(host):
    """The IPv4 address of ``host`` (ps-lite binds and connects to addresses, not names)."""
    host = host.rpartition("@")[2]  # user@host in a host list
    try:
        return str(ipaddress.ip_address(host))
    except ValueError:
        pass
    try:
        return socket.gethostbyname(host)
    except OSError as err:
        raise LaunchError(f"cannot resolve the host name {host!r}: {err}") from err


def read_hosts(hosts=None, hostfile=None):
    """Host list from ``--hosts a,b`` or a file (one host per line, # comments)."""
    entries = []
    if hosts:
        entries += [h.strip() for h in hosts.split(",") if h.strip()]
    if hostfile:
        try:
            with open(hostfile) as f:
                entries += [line.split("#")[0].strip() for line in f if line.split("#")[0].strip()]
        except OSError as err:
            raise LaunchError(f"cannot read the host file {hostfile!r}: {err}") from err
        if not entries:
            raise LaunchError(f"the host file {hostfile!r} lists no host")
    return entries


def check_port_free(host, port):
    """Raise LaunchError if ``host:port`` cannot be bound (another scheduler there?)."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)  # as ZeroMQ does
        try:
            s.bind((host, port))
        except OSError as err:
            raise LaunchError(
                f"port {port} on {host} is already in use or cannot be bound ({err.strerror}); "
                "another scheduler may be running there. Choose another with --port "
                "(0 picks a free one) or stop the other job."
            ) from err


def free_port(host):
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        s.bind((host, 0))
        return s.getsockname()[1]


def wait_for_scheduler(host, port, timeout, scheduler=None):
    """Return once a TCP connection to ``host:port`` succeeds; LaunchError after ``timeout`` s.

    ps-lite itself would wait forever for a scheduler that is not there.
    """
    deadline = time.monotonic() + timeout
    last = None
    while True:
        if scheduler is not None and scheduler.popen.poll() is not None:
            raise LaunchError(f"the scheduler exited with code {scheduler.popen.returncode} "
                              f"before listening on {host}:{port} (see its output above)")
        try:
            with socket.create_connection((host, port), timeout=min(1.0, timeout)):
                return
        except OSError as err:
            last = err.strerror or str(err)
        if time.monotonic() >= deadline:
            raise LaunchError(
                f"cannot reach the scheduler at {host}:{port} (waited {timeout:g} s: {last}). "
                "Start the scheduler first (the launcher without --role, or --role scheduler on "
                "its machine) and check --scheduler's address and port and the firewall."
            )
        time.sleep(0.2)


# ---------------------------------------------------------------- processes


class Node:
    """One started process: its name ('worker 1'), role and Popen; its output is prefixed."""

    def __init__(self, name, role, argv, env, lock):
        self.name, self.role = name, role
        try:
            self.popen = subprocess.Popen(argv, env=env, stdin=subprocess.DEVNULL, stdout=subprocess.PIPE,
                                          stderr=subprocess.STDOUT, start_new_session=True)
        except OSError as err:
            raise LaunchError(f"cannot start {name} ({shlex.join(argv)}): {err}") from err
        self.thread = threading.Thread(target=self._copy_output, args=(lock,), daemon=True)
        self.thread.start()

    def _copy_output(self, lock):
        for raw in iter(self.popen.stdout.readline, b""):
            line = raw.decode(errors="replace").rstrip("\r\n")
            with lock:
                print(f"[{self.name}] {line}", flush=True)

    def stop(self, sig):
        if self.popen.poll() is None:
            try:
                os.killpg(self.popen.pid, sig)  # its whole process group (ssh and what it started)
            except (ProcessLookupError, PermissionError):
                pass


def stop_all(nodes, grace=3.0):
    for node in nodes:
        node.stop(signal.SIGTERM)
    deadline = time.monotonic() + grace
    for node in nodes:
        try:
            node.popen.wait(max(0.0, deadline - time.monotonic()))
        except subprocess.TimeoutExpired:
            node.stop(signal.SIGKILL)
            node.popen.wait()
    for node in nodes:
        node.thread.join(1.0)


def supervise(nodes, timeout=None, grace=15.0, poll=0.1):
    """Wait for the workers; stop everything on the first failure or at ``timeout``.

    Returns the exit status (0 when every worker succeeded) and a message (None if fine).
    """
    start = time.monotonic()
    workers = [n for n in nodes if n.role == "worker"]
    others = [n for n in nodes if n.role != "worker"]
    services_gone = None
    while True:
        for node in nodes:
            rc = node.popen.poll()
            if rc not in (None, 0):
                return (rc if rc > 0 else 1), (f"{node.name} (pid {node.popen.pid}) exited with "
                                               f"{_describe_rc(rc)}; stopping the other processes")
        if all(n.popen.poll() is not None for n in workers):
            break
        now = time.monotonic()
        if others and all(n.popen.poll() is not None for n in others):
            services_gone = services_gone or now
            if now - services_gone > grace:
                running = ", ".join(n.name for n in workers if n.popen.poll() is None)
                return 1, (f"{running} still running {grace:g} s after the scheduler and servers "
                           "stopped; stopping it")
        if timeout is not None and now - start > timeout:
            running = ", ".join(n.name for n in nodes if n.popen.poll() is None)
            return 124, (f"timed out after {timeout:g} s; still running: {running}. A node may be "
                         "waiting for one that never joined: check --num-workers/--num-servers, "
                         "that every node reached the scheduler, and the firewall")
        time.sleep(poll)
    deadline = time.monotonic() + grace  # workers done: rank 0 stops the servers, then the scheduler ends
    while any(n.popen.poll() is None for n in others) and time.monotonic() < deadline:
        time.sleep(poll)
    return 0, None


def _describe_rc(rc):
    if rc < 0:
        try:
            return f"signal {signal.Signals(-rc).name}"
        except ValueError:
            return f"signal {-rc}"
    return f"code {rc}"


# ---------------------------------------------------------------- plan


def dmlc_env(role, root_ip, port, num_workers, num_servers, node_host=None, interface=None):
    env = {"DMLC_ROLE": role, "DMLC_PS_ROOT_URI": root_ip, "DMLC_PS_ROOT_PORT": str(port),
           "DMLC_NUM_SERVER": str(num_servers), "DMLC_NUM_WORKER": str(num_workers),
           "PYTHONUNBUFFERED": "1"}
    if interface:
        env["DMLC_INTERFACE"] = interface
    elif node_host and role != "scheduler":
        env["DMLC_NODE_HOST"] = node_host
    return env


def _merge(*mappings):
    """One dict of the mappings, later ones winning (the DMLC_* variables come last)."""
    out = {}
    for m in mappings:
        out.update(m)
    return out


def ssh_argv(ssh, host, env, argv, cwd):
    exports = " ".join(f"{k}={shlex.quote(v)}" for k, v in sorted(env.items()))
    remote = f"cd {shlex.quote(cwd)} && env {exports} {shlex.join(argv)}"
    return shlex.split(ssh) + [host, remote]


def build_parser():
    p = argparse.ArgumentParser(
        prog="python -m course_tools.launch",
        description=__doc__,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    p.add_argument("-n", "--num-workers", type=int, default=None,
                   help="number of workers (default: 1 per host of --hosts, else 2)")
    p.add_argument("-s", "--num-servers", type=int, default=1, help="number of servers (default 1)")
    p.add_argument("--hosts", help="comma-separated worker hosts (ssh mode); repeat a host for "
                                   "several workers on it")
    p.add_argument("-H", "--hostfile", help="file with one worker host per line (ssh mode)")
    p.add_argument("--scheduler", default=None,
                   help="scheduler address HOST[:PORT] (default 127.0.0.1; in ssh mode an "
                        "address of this machine that the hosts can reach)")
    p.add_argument("--port", type=int, default=None,
                   help=f"scheduler port (default {DEFAULT_PORT}; 0 picks a free one, on one machine)")
    p.add_argument("--role", choices=["scheduler", "server", "worker"],
                   help="start only this role here (starting nodes by hand)")
    p.add_argument("--interface", help="network interface ps-lite should use (DMLC_INTERFACE)")
    p.add_argument("--node-host", help="address this node announces (DMLC_NODE_HOST), with --role")
    p.add_argument("--env", action="append", default=[], metavar="NAME=VALUE",
                   help="extra variable for every process (repeatable)")
    p.add_argument("--ssh", default="ssh -tt -o BatchMode=yes -o ConnectTimeout=10",
                   help="ssh command of ssh mode (default: %(default)s; -tt makes remote "
                        "processes end when the launcher closes the connection)")
    p.add_argument("--python", default=sys.executable,
                   help="Python that runs servers (default: this one, same path on every host)")
    p.add_argument("--threads", type=int, default=None,
                   help="OMP_NUM_THREADS of each worker on one machine (default: cores / workers)")
    p.add_argument("--connect-timeout", type=float, default=20.0,
                   help="seconds to wait for the scheduler to listen (default 20)")
    p.add_argument("--timeout", type=float, default=None,
                   help="stop everything after this many seconds (default: no limit)")
    p.add_argument("--dry-run", action="store_true", help="print what would be started, start nothing")
    p.add_argument("command", nargs=argparse.REMAINDER, help="-- the workers' command")
    return p


def plan(args):
    """Validate the arguments; return (mode, scheduler (ip, port), [(name, role, argv, env)])."""
    command = args.command[1:] if args.command[:1] == ["--"] else args.command
    hosts = read_hosts(args.hosts, args.hostfile)
    if args.role and hosts:
        raise LaunchError("--role starts one node here; it cannot be combined with --hosts/--hostfile")
    num_workers = args.num_workers if args.num_workers is not None else (len(hosts) or 2)
    if num_workers < 1:
        raise LaunchError(f"--num-workers must be at least 1, got {num_workers}")
    if args.num_servers < 1:
        raise LaunchError(f"--num-servers must be at least 1, got {args.num_servers}")
    if hosts and num_workers != len(hosts):
        raise LaunchError(
            f"--num-workers {num_workers} does not match the {len(hosts)} host(s) of the host list "
            f"({', '.join(hosts)}): one worker runs per host entry; repeat a host to run several "
            "workers on it, or drop --num-workers"
        )
    needs_command = args.role in (None, "worker")
    if needs_command and not command:
        raise LaunchError("no worker command: add it after --, e.g. -- python examples/train_dist.py")
    if not needs_command and command:
        raise LaunchError(f"--role {args.role} runs no command; drop {shlex.join(command)!r}")
    host, port = parse_address(args.scheduler or "127.0.0.1")
    if args.port is not None:
        port = args.port
    if not 0 <= port <= 65535:
        raise LaunchError(f"--port must be in 0..65535, got {port}")
    root_ip = resolve(host)
    if port == 0:
        if hosts or args.role in ("server", "worker"):
            raise LaunchError("--port 0 (a free port) only works when the scheduler starts here "
                              "with every node; give the scheduler's port")
        port = free_port(root_ip)
    for item in args.env:
        if "=" not in item or not item.split("=", 1)[0]:
            raise LaunchError(f"--env {item!r}: expected NAME=VALUE")
    extra = dict(item.split("=", 1) for item in args.env)
    common = dict(num_workers=num_workers, num_servers=args.num_servers, interface=args.interface)
    server_argv = [args.python] + SERVER_COMMAND
    nodes = []

    if args.role:  # one node, by hand
        node_host = args.node_host or (root_ip if ipaddress.ip_address(root_ip).is_loopback else None)
        env = _merge(os.environ, extra, dmlc_env(args.role, root_ip, port, node_host=node_host, **common))
        nodes.append((args.role, args.role, command if args.role == "worker" else server_argv, env))
        return "role", (root_ip, port), nodes

    sched_env = _merge(os.environ, {"OMP_NUM_THREADS": "1"}, extra,
                       dmlc_env("scheduler", root_ip, port, **common))
    nodes.append(("scheduler", "scheduler", server_argv, sched_env))
    if not hosts:  # one machine
        cores = cores_available()
        threads = args.threads or max(1, cores // num_workers)
        for i in range(args.num_servers):
            env = _merge(os.environ, {"OMP_NUM_THREADS": "1"}, extra,
                         dmlc_env("server", root_ip, port, node_host=root_ip, **common))
            nodes.append((f"server {i}", "server", server_argv, env))
        for i in range(num_workers):
            env = _merge(os.environ, {"OMP_NUM_THREADS": str(threads)}, extra,
                         dmlc_env("worker", root_ip, port, node_host=root_ip, **common))
            nodes.append((f"worker {i}", "worker", command, env))
        return "local", (root_ip, port), nodes

    if ipaddress.ip_address(root_ip).is_loopback:
        raise LaunchError(f"the scheduler address {host} is a loopback address that other hosts "
                          "cannot reach; give --scheduler an address of this machine, e.g. its LAN IP")
    forwarded = {k: v for k, v in os.environ.items() if k.startswith(FORWARDED_PREFIXES)}
    cwd = os.getcwd()
    for i in range(args.num_servers):
        h = hosts[i % len(hosts)]
        env = _merge(forwarded, extra, dmlc_env("server", root_ip, port, node_host=resolve(h), **common))
        nodes.append((f"server {i} @{h}", "server", ssh_argv(args.ssh, h, env, server_argv, cwd), None))
    for i, h in enumerate(hosts):
        env = _merge(forwarded, extra, dmlc_env("worker", root_ip, port, node_host=resolve(h), **common))
        nodes.append((f"worker {i} @{h}", "worker", ssh_argv(args.ssh, h, env, command, cwd), None))
    return "ssh", (root_ip, port), nodes


def _show(name, argv, env):
    shown = {k: v for k, v in (env or {}).items() if k.startswith("DMLC_") or k == "OMP_NUM_THREADS"}
    prefix = " ".join(f"{k}={v}" for k, v in sorted(shown.items()))
    return f"{name}: {prefix + ' ' if prefix else ''}{shlex.join(argv)}"


def main(argv=None):
    args = build_parser().parse_args(argv)
    nodes, lock = [], threading.Lock()

    def on_term(signum, frame):
        raise KeyboardInterrupt

    previous = signal.signal(signal.SIGTERM, on_term) if threading.current_thread() is threading.main_thread() else None
    try:
        mode, (ip, port), planned = plan(args)
        if args.dry_run:
            for name, _, node_argv, env in planned:
                print(_show(name, node_argv, env))
            return 0
        if mode == "role":
            name, role, node_argv, env = planned[0]
            if role == "scheduler":
                check_port_free(ip, port)
            else:
                wait_for_scheduler(ip, port, args.connect_timeout)
            nodes.append(Node(name, role, node_argv, env, lock))
            if role != "worker":  # a server or the scheduler ends when the job does
                try:
                    rc = nodes[0].popen.wait(args.timeout)
                except subprocess.TimeoutExpired:
                    print(f"course_tools.launch: error: timed out after {args.timeout:g} s; stopping "
                          f"the {role}", file=sys.stderr, flush=True)
                    return 124
                if rc:
                    print(f"course_tools.launch: error: the {role} exited with {_describe_rc(rc)}",
                          file=sys.stderr, flush=True)
                return rc if rc >= 0 else 1
        else:
            check_port_free(ip, port)
            for name, role, node_argv, env in planned:
                nodes.append(Node(name, role, node_argv, env, lock))
                if role == "scheduler":
                    wait_for_scheduler(ip, port, args.connect_timeout, scheduler=nodes[0])
        rc, message = supervise(nodes, timeout=args.timeout)
        if message:
            print(f"course_tools.launch: error: {message}", file=sys.stderr, flush=True)
        return rc
    except LaunchError as err:
        print(f"course_tools.launch: error: {err}", file=sys.stderr, flush=True)
        return 2
    except KeyboardInterrupt:
        print("course_tools.launch: interrupted; stopping every process", file=sys.stderr, flush=True)
        return 130
    finally:
        stop_all(nodes)
        if previous is not None:
            signal.signal(signal.SIGTERM, previous)


if __name__ == "__main__":
    sys.exit(main())
