"""A fork server for the docs tests: each ``keras-sr`` command of a page runs in a fresh
process without paying TensorFlow's start-up (about 7 s on the CI's 2 cores; a page runs
up to a dozen commands).

``python forkserver.py serve ADDRESS`` imports TensorFlow, Keras and ``keras_sr`` once,
with no thread started (checked: forking a process that has threads is unsafe), and
listens on the Unix socket ``ADDRESS``. ``python -S forkserver.py client ARGS...`` (the
``keras-sr`` of a docs page) connects, hands over its standard input, output and error
(the descriptors themselves), its working folder and its environment; the server forks
a child that takes them, runs ``keras_sr.cli.main(ARGS)`` and sends back the exit
status, which the client exits with. What a command sees is what a fresh
``python -m keras_sr.cli ARGS`` would see, except that the modules are already imported.
Without ``KERAS_SR_FORKSERVER`` in the environment the client runs exactly that.
Only the standard library is imported before ``serve`` starts, so the client is quick.
"""

import json
import os
import signal
import socket
import struct
import sys
import threading
import time
import traceback

HEADER = struct.Struct("!I")   # byte length of the JSON request that follows
WAIT_FOR_SERVER_S = 180


def serve(address):
    """Import the heavy modules, then fork one child per connection, forever.

    A failure before the server listens is written to ``ADDRESS.failed`` (clients that
    wait for the server report it) and re-raised.
    """
    try:
        cli, listener = _start(address)
    except BaseException:
        with open(address + ".failed", "w") as failed:
            failed.write(traceback.format_exc())
        raise
    while True:
        connection, _ = listener.accept()
        if os.fork() == 0:
            listener.close()
            _run_in_child(connection, cli)
        connection.close()


def _start(address):
    os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")
    import keras  # noqa: F401  (the point: imported once, before any fork)
    import tensorflow  # noqa: F401

    import keras_sr.cli as cli
    import keras_sr.models  # noqa: F401

    if threading.active_count() != 1:
        sys.exit(f"forkserver: {threading.active_count()} threads after the imports; "
                 f"forking would be unsafe")
    signal.signal(signal.SIGCHLD, signal.SIG_IGN)   # children are reaped by the kernel
    listener = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    listener.bind(address + ".part")
    listener.listen(16)
    os.rename(address + ".part", address)   # clients wait for this name: ready
    return cli, listener


def _run_in_child(connection, cli):
    signal.signal(signal.SIGCHLD, signal.SIG_DFL)   # the command may wait on subprocesses
    status = 1
    try:
        request = _receive(connection)
        sys.stdout.flush()
        sys.stderr.flush()
        for target, descriptor in enumerate(request.pop("fds")):
            os.dup2(descriptor, target)
            os.close(descriptor)
        os.chdir(request["cwd"])
        os.environ.clear()
        os.environ.update(request["env"])
        sys.argv = ["keras-sr", *request["argv"]]
        try:
            status = cli.main(request["argv"])
        except SystemExit as stop:   # argparse: --help, bad arguments
            status = stop.code if isinstance(stop.code, int) else (stop.code is not None)
            if isinstance(stop.code, str):
                print(stop.code, file=sys.stderr)
        status = int(status or 0)
    except BaseException:   # noqa: BLE001 - reported to the page's output, status 1
        traceback.print_exc()
    finally:
        sys.stdout.flush()
        sys.stderr.flush()
        try:
            connection.sendall(str(status).encode())
        finally:
            os._exit(status)


def _receive(connection):
    """One request: ``{"argv", "cwd", "env"}`` plus the three descriptors as ``fds``."""
    data, fds, _, _ = socket.recv_fds(connection, 1 << 16, 3)
    while len(data) < HEADER.size or len(data) < HEADER.size + HEADER.unpack_from(data)[0]:
        chunk = connection.recv(1 << 16)
        if not chunk:
            raise ConnectionError("forkserver: the client closed mid-request")
        data += chunk
    if len(fds) != 3:
        raise ConnectionError(f"forkserver: expected 3 descriptors, got {len(fds)}")
    request = json.loads(data[HEADER.size:].decode())
    request["fds"] = fds
    return request


def client(argv):
    """Run ``keras-sr argv`` through the server named by ``KERAS_SR_FORKSERVER``."""
    address = os.environ.get("KERAS_SR_FORKSERVER")
    if not address:
        os.execv(sys.executable, [sys.executable, "-m", "keras_sr.cli", *argv])
    deadline = time.monotonic() + WAIT_FOR_SERVER_S
    while not os.path.exists(address):   # the server is still importing TensorFlow
        if os.path.exists(address + ".failed"):
            with open(address + ".failed") as failed:
                sys.exit(f"keras-sr (docs-test fork server): the server failed:\n"
                         f"{failed.read()}")
        if time.monotonic() > deadline:
            sys.exit(f"keras-sr (docs-test fork server): no server at {address} after "
                     f"{WAIT_FOR_SERVER_S} s")
        time.sleep(0.05)
    request = json.dumps({"argv": argv, "cwd": os.getcwd(), "env": dict(os.environ)})
    payload = request.encode()
    with socket.socket(socket.AF_UNIX, socket.SOCK_STREAM) as connection:
        connection.connect(address)
        message = HEADER.pack(len(payload)) + payload
        sent = socket.send_fds(connection, [message], [0, 1, 2])
        connection.sendall(message[sent:])
        reply = b""
        while chunk := connection.recv(64):
            reply += chunk
    if not reply:
        sys.exit("keras-sr (docs-test fork server): the command's process died "
                 "without an exit status")
    sys.exit(int(reply))


if __name__ == "__main__":
    if sys.argv[1:2] == ["serve"] and len(sys.argv) == 3:
        serve(sys.argv[2])
    elif sys.argv[1:2] == ["client"]:
        client(sys.argv[2:])
    else:
        sys.exit("usage: forkserver.py serve ADDRESS | forkserver.py client ARGS...")
