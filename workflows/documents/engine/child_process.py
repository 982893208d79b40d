"""Running a parser of untrusted input in a child process that limits itself.

A hostile file can make a parser loop, allocate without bound or crash the interpreter. In a
child process the web worker only sees an exit status: the child caps its own CPU time, address
space and file writes (``apply_limits``) and the parent kills it at a wall-clock deadline.

A child module is run as ``python -m <module>``: it reads its payload from stdin and writes its
answer to stdout, most simply by calling ``serve(handler)`` from its ``__main__`` block.
"""

from __future__ import annotations

import contextlib
import math
import os
import resource
import signal
import subprocess
import sys
from collections.abc import Callable, Sequence
from pathlib import Path

TIMEOUT = "timeout"
MEMORY = "memory"
CRASHED = "crashed"

# A child refusing in its own words exits with this code and writes the words to stderr;
# any other non-zero exit is a crash.
EXIT_REFUSED = 3
EXIT_MEMORY = 4

_SECONDS_VARIABLE = "BESLUITWERK_CHILD_SECONDS"
_MEMORY_VARIABLE = "BESLUITWERK_CHILD_MEMORY_MB"
# Answers go through stdout; a parser has no business writing files, but a library may want
# a small temporary file, so a little is allowed.
_FILE_SIZE_LIMIT = 1024 * 1024
_REASON_LIMIT = 500
_STDERR_KEPT = 4000
_MIB = 1024 * 1024

# The directory holding the ``workflows`` package, so the child imports this very code even when
# the package is not installed.
_SOURCE_ROOT = str(Path(__file__).resolve().parents[3])


class ChildFailed(Exception):
    """The child gave no answer.

    ``reason`` is ``"timeout"``, ``"memory"``, ``"crashed"`` or the child's own refusal text;
    ``stderr`` keeps the end of the child's error output for logs (never show it to users: it
    may quote the input).
    """

    def __init__(self, reason: str, *, stderr: str = "") -> None:
        super().__init__(reason)
        self.reason = reason
        self.stderr = stderr


def run_limited(
    module: str,
    payload: bytes,
    *,
    seconds: float,
    memory_mb: int,
    args: Sequence[str] = (),
) -> bytes:
    """Run ``python -m module *args`` with ``payload`` on stdin and return its stdout."""
    if seconds <= 0 or memory_mb <= 0:
        raise ValueError("seconds and memory_mb must be positive")
    # -P keeps the current directory off sys.path: an upload directory must not be able to
    # shadow a module.
    command = [sys.executable, "-P", "-m", module, *args]
    # Its own session, so a timeout can kill whatever the child started as well.
    with subprocess.Popen(  # noqa: S603 - fixed interpreter and module, no shell
        command,
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        env=_child_environment(seconds, memory_mb),
        start_new_session=True,
    ) as child:
        try:
            stdout, stderr_bytes = child.communicate(payload, timeout=seconds)
        except subprocess.TimeoutExpired:
            with contextlib.suppress(ProcessLookupError):
                os.killpg(child.pid, signal.SIGKILL)
            _, stderr_bytes = child.communicate()
            raise ChildFailed(TIMEOUT, stderr=_tail(stderr_bytes)) from None
    stderr = _tail(stderr_bytes)
    status = child.returncode
    if status == 0:
        return stdout
    if status == EXIT_REFUSED and stderr.strip():
        # Libraries may have logged before the refusal; the refusal is the last line.
        own_words = stderr.strip().splitlines()[-1].strip()
        raise ChildFailed(own_words[:_REASON_LIMIT], stderr=stderr)
    if status == -signal.SIGXCPU:
        raise ChildFailed(TIMEOUT, stderr=stderr)
    if status == EXIT_MEMORY or "MemoryError" in stderr:
        raise ChildFailed(MEMORY, stderr=stderr)
    raise ChildFailed(CRASHED, stderr=stderr)


def apply_limits(seconds: float, memory_mb: int) -> None:
    """Cap this process: CPU seconds, address space, size of written files, no core dumps."""
    cpu = max(1, math.ceil(seconds))
    # The soft CPU limit sends SIGXCPU (exit status -SIGXCPU, reported as a timeout); the hard
    # one a second later is SIGKILL for a child that ignores it.
    _lower(resource.RLIMIT_CPU, cpu, cpu + 1)
    memory = memory_mb * _MIB
    _lower(resource.RLIMIT_AS, memory, memory)
    _lower(resource.RLIMIT_FSIZE, _FILE_SIZE_LIMIT, _FILE_SIZE_LIMIT)
    _lower(resource.RLIMIT_CORE, 0, 0)


def serve(handler: Callable[[bytes], bytes]) -> None:
    """The child's main loop: apply the limits the parent passed, answer one payload, exit.

    ``handler`` may raise ``ChildFailed(text)`` to refuse in its own words (one line).
    """
    try:
        seconds = float(os.environ[_SECONDS_VARIABLE])
        memory_mb = int(os.environ[_MEMORY_VARIABLE])
    except (KeyError, ValueError):
        # Without limits this child would be exactly the risk it exists to contain.
        sys.stderr.write("child started without limits; use run_limited\n")
        sys.exit(2)
    apply_limits(seconds, memory_mb)
    try:
        answer = handler(sys.stdin.buffer.read())
    except MemoryError:
        # Formatting a traceback may itself need memory that is not there.
        os._exit(EXIT_MEMORY)
    except ChildFailed as refusal:
        sys.stderr.write("\n" + " ".join(refusal.reason.split()) + "\n")
        sys.stderr.flush()
        sys.exit(EXIT_REFUSED)
    sys.stdout.buffer.write(answer)
    sys.stdout.flush()


def _child_environment(seconds: float, memory_mb: int) -> dict[str, str]:
    # Nothing of the parent's environment (secrets, database URLs) reaches the child but what
    # it needs to start Python and find our code.
    python_path = os.pathsep.join(
        part for part in (_SOURCE_ROOT, os.environ.get("PYTHONPATH", "")) if part
    )
    environment = {
        "PATH": os.environ.get("PATH", os.defpath),
        "PYTHONPATH": python_path,
        "PYTHONDONTWRITEBYTECODE": "1",
        "PYTHONIOENCODING": "utf-8",
        "LC_ALL": "C.UTF-8",
        _SECONDS_VARIABLE: repr(float(seconds)),
        _MEMORY_VARIABLE: str(int(memory_mb)),
    }
    if "TMPDIR" in os.environ:
        environment["TMPDIR"] = os.environ["TMPDIR"]
    return environment


def _lower(limit: int, soft: int, hard: int) -> None:
    # An unprivileged process may only lower a hard limit; keep an existing stricter one.
    _, current_hard = resource.getrlimit(limit)
    if current_hard != resource.RLIM_INFINITY:
        hard = min(hard, current_hard)
        soft = min(soft, hard)
    resource.setrlimit(limit, (soft, hard))


def _tail(stderr: bytes) -> str:
    return stderr[-_STDERR_KEPT:].decode("utf-8", "replace")
