"""Run one timed step in a fresh process and report its wall time and peak memory."""

from __future__ import annotations

import multiprocessing
import resource
import time


def _target(queue, function, kwargs):
    started = time.perf_counter()
    extra = function(**kwargs) or {}
    seconds = time.perf_counter() - started
    queue.put({"seconds": seconds, "peak_gib": peak_memory_gib(), **extra})


def peak_memory_gib() -> float:
    """This process's peak resident memory.

    ``VmHWM`` starts afresh at exec, unlike ``ru_maxrss``, which a spawned child inherits from
    its (possibly large) parent.
    """
    try:
        with open("/proc/self/status") as status:
            for line in status:
                if line.startswith("VmHWM:"):
                    return int(line.split()[1]) / 1024**2
    except OSError:
        pass
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024**2


def run_measured(function, **kwargs) -> dict:
    """Call ``function(**kwargs)`` in a spawned process; return seconds, peak GiB and extras."""
    context = multiprocessing.get_context("spawn")
    queue = context.Queue()
    process = context.Process(target=_target, args=(queue, function, kwargs))
    process.start()
    result = queue.get()
    process.join()
    if process.exitcode:
        raise RuntimeError(f"{function.__name__} failed with exit code {process.exitcode}")
    return result
