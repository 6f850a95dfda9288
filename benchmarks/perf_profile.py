"""Where a tick's CPU time goes, instruction by instruction: Linux ``perf`` over the
steady ticks of a run, with numba's compiled kernels named.

A Python profiler sees a compiled kernel as one call, and cannot see what a call costs
before the kernel's first instruction (numba's dispatch, unboxing each array argument
into a reference-counted handle, and releasing it after). ``perf`` samples machine code,
so it sees all of it; but numba's kernels are machine code made at run time, which
``perf`` cannot name. The measured process writes ``/tmp/perf-<pid>.map`` (the format
``perf`` reads for code made at run time) with the address of every kernel of the
package (and its Python wrapper, which unboxes the arguments) and of numba's runtime
functions that count references (``NRT_incref``, ``NRT_decref``). A kernel's size is
taken as the distance to the next address known (its inlined helpers are counted in it).

The child process runs the workload once to load the compiled kernels, then the measured
part (``kalundborg`` runs of 120 ticks, or ticks ``--from`` (5) to ``--ticks`` - 1 (24) of
a synthetic region of ``--firms`` firms sized as ``bench.py`` sizes it, built and run to
tick ``--from`` beforehand; a ``kalundborg`` run's construction is measured with it), and
tells the parent the monotonic clock at both ends, so only the measured part's samples
are read. Printed: the CPU time per tick (``time.process_time``), its share by kind of
code, and the symbols that take most. It writes ``perf.data`` under ``--out`` (git-ignored
``benchmarks/results/perf``) and, while ``perf`` reads it, the map in ``/tmp``; nothing
else. ``perf`` adds about a tenth to the CPU time; read the shares. Needs ``perf``
(``linux-perf``) and ``perf_event_paranoid`` <= 2.

Usage::

    python benchmarks/perf_profile.py                      # kalundborg, 300 runs
    python benchmarks/perf_profile.py --firms 600 --runs 60
    python benchmarks/perf_profile.py --firms 600 --runs 6 --from 60 --ticks 72  # late
    python benchmarks/perf_profile.py --python             # by Python function, 60 runs

``--python`` sorts the samples by the code that owns them instead: the innermost Python
function (CPython 3.12's ``-X perf`` names each function's frame for ``perf``) or
compiled kernel on the sample's stack, with the C code it called (the interpreter's,
numpy's, numba's unboxing). ``perf`` unwinds each sample's stack from a copy of it
(``--call-graph dwarf``) up to the first such frame, which is all it needs. It shows
which of the phases' functions the interpreter's share is spent in, without a Python
profiler's cost per call; samples whose stack reaches neither (code made at run time
that is not named, a stack cut short) are listed as such. Its samples are larger: the
defaults drop to 60 runs at 1,000 samples a second.
"""

from __future__ import annotations

import argparse
import collections
import json
import os
import re
import shutil
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent

#: numba's runtime functions made at run time (the ``nrt`` module), named in the map
NRT_FUNCTIONS = ("nrt_atomic_add", "nrt_atomic_sub", "nrt_atomic_cas",
                 "NRT_MemInfo_data_fast", "NRT_incref", "NRT_decref")

#: the kinds of code, by the shared object and symbol a sample falls in (first match
#: wins). A kernel's wrapper is counted with the kernels: the code after a wrapper's start
#: (``[wrapper]``) is its own, a few instructions an argument, and that of the helpers
#: linked into the kernel after it, which ``perf`` cannot tell apart (their names are not
#: kept in numba's cache). The unboxing itself runs in numba's C helpers.
KINDS = (
    ("numba reference counts", lambda dso, sym: sym in ("NRT_incref", "NRT_decref",
                                                        "nrt_atomic_add", "nrt_atomic_sub")),
    ("numba calls: dispatch, (un)boxing", lambda dso, sym: any(
        name in dso for name in ("_dispatcher", "_nrt_python", "_helperlib"))),
    ("compiled kernels", lambda dso, sym: dso.startswith("[JIT]") and not sym.startswith("0x")),
    ("run-time code not named", lambda dso, sym: dso.startswith("[JIT]")),
    ("numpy random draws", lambda dso, sym: any(
        name in dso for name in ("_generator", "_pcg64", "_common", "_bounded_integers"))),
    ("numpy", lambda dso, sym: "_multiarray_umath" in dso or "openblas" in dso),
    ("Python interpreter", lambda dso, sym: "libpython" in dso),
    ("C library (malloc, free, copies)", lambda dso, sym: dso.startswith("libc.")),
    ("thread-local look-ups (ld.so)", lambda dso, sym: dso.startswith("ld-linux")),
    ("other", lambda dso, sym: True),
)


# ----------------------------------------------------------------------------- child
def kernel_addresses() -> list[tuple[int, str]]:
    """Every compiled kernel's (and its wrapper's) start address in this process, and
    numba's reference-counting functions'."""
    from numba.core.registry import CPUDispatcher
    from numba.core.runtime import nrt

    found = set()
    dispatchers = {id(v): v for name, module in list(sys.modules.items())
                   if name.startswith("symbiosis_abm") and module is not None
                   for v in list(vars(module).values()) if isinstance(v, CPUDispatcher)}
    for dispatcher in dispatchers.values():
        label = dispatcher.py_func.__name__
        for compiled in dispatcher.overloads.values():
            names = ((compiled.fndesc.llvm_func_name, label),
                     (compiled.fndesc.llvm_cpython_wrapper_name, f"{label}[wrapper]"))
            for symbol, shown in names:
                address = compiled.library.get_pointer_to_function(symbol)
                if address:
                    found.add((address, shown))
    for name in NRT_FUNCTIONS:
        found.add((nrt.rtsys.library.get_pointer_to_function(name), name))
    return sorted(found)


def write_perf_map(entries: list[tuple[int, str]], path: Path | None = None) -> None:
    """Append to ``path`` (``perf``'s ``/tmp/perf-<pid>.map`` of this process, where
    ``-X perf`` writes Python's entries) each entry's start, size (to the next start; 64
    KiB for the last, at most 1 MiB) and name, in hex."""
    with open(path or f"/tmp/perf-{os.getpid()}.map", "a") as out:   # (after -X perf's)
        for (start, name), (following, _) in zip(entries, entries[1:] + [(0, "")]):
            size = following - start if following > start else 1 << 16
            out.write(f"{start:x} {min(size, 1 << 20):x} {name}\n")


def child(args: argparse.Namespace) -> None:
    """Run the workload; print the measured part's clock, CPU time and ticks (JSON)."""
    sys.path.insert(0, str(ROOT / "benchmarks"))
    from bench import region_overrides

    from symbiosis_abm import SymbiosisModel

    if args.firms:
        def workload(seed: int) -> tuple:
            model = SymbiosisModel("synthetic", rng=seed, region_seed=seed,
                                   **region_overrides(args.firms))
            model.run(args.start)
            return model, args.ticks - args.start
    else:
        def workload(seed: int) -> tuple:
            return SymbiosisModel("kalundborg", rng=seed), args.ticks

    model, ticks = workload(10**6)
    model.run(ticks)
    models = [workload(seed) for seed in range(args.runs)] if args.firms else None
    start, cpu = time.monotonic(), time.process_time()
    measured = 0
    for seed in range(args.runs):
        model, ticks = models[seed] if models else workload(seed)
        model.run(ticks)
        measured += ticks
    cpu, end = time.process_time() - cpu, time.monotonic()
    if args.write_map:   # (under perf: the parent removes it once perf has read it)
        write_perf_map(kernel_addresses())
    print(json.dumps({"start": start, "end": end, "cpu_s": cpu, "ticks": measured,
                      "pid": os.getpid()}))


# ----------------------------------------------------------------------------- parent
def samples_by_symbol(data: Path, start: float, end: float) -> dict[tuple[str, str], float]:
    """The share (%) of the samples in ``start..end`` of each (shared object, symbol)."""
    report = subprocess.run(
        ["perf", "report", "-i", str(data), "--stdio", "--no-children", "-g", "none",
         "--sort", "dso,sym", "--time", f"{start:.6f},{end:.6f}"],
        capture_output=True, text=True, check=True).stdout
    shares: dict[tuple[str, str], float] = {}
    for line in report.splitlines():
        hit = re.match(r"\s*([\d.]+)%\s+(.+?)\s+\[[.k]\]\s+(.+?)\s*$", line)
        if hit:
            shares[(hit.group(2).strip(), hit.group(3))] = float(hit.group(1))
    return shares


#: a frame of ``perf script -F ip,sym,dso``: address, symbol, shared object (a run-time
#: map for Python's functions under ``-X perf`` and the kernels named by this script)
FRAME = re.compile(r"^\s*[0-9a-f]+ (.+) \((.+)\)\s*$")
#: the shared object of code made at run time and named in a process's map
RUN_TIME_MAP = re.compile(r"^/tmp/perf-\d+\.map$")
#: the share of samples whose stack reaches no Python function and no named kernel
UNOWNED = "(no Python function or named kernel on the stack)"


def samples_by_owner(data: Path, start: float, end: float) -> dict[str, float]:
    """The share (%) of the samples in ``start..end`` owned by each Python function
    (``py::`` frames of ``-X perf``, named ``function:file``) or compiled kernel
    (``[compiled] name``): the innermost such frame of each sample's stack."""
    script = subprocess.run(
        ["perf", "script", "-i", str(data), "-F", "ip,sym,dso", "--time",
         f"{start:.6f},{end:.6f}"], capture_output=True, text=True, check=True).stdout
    owners: collections.Counter = collections.Counter()
    for sample in re.split(r"\n\s*\n", script):
        frames = [FRAME.match(line) for line in sample.splitlines()]
        frames = [frame.groups() for frame in frames if frame]
        if frames:
            owners[owner_of(frames)] += 1
    total = sum(owners.values()) or 1
    return {owner: 100.0 * count / total for owner, count in owners.items()}


def owner_of(frames: list[tuple[str, str]]) -> str:
    """The owner of a sample whose stack is ``frames`` ((symbol, shared object), the
    innermost first): see :func:`samples_by_owner`."""
    for symbol, dso in frames:
        if RUN_TIME_MAP.match(dso) and not symbol.startswith("0x"):
            if symbol.startswith("py::"):
                return _short_path(symbol[4:])
            return f"[compiled] {symbol}"
    return UNOWNED


def _short_path(function: str) -> str:
    """``name:path`` with the path from the package or the library's folder on."""
    name, _, path = function.partition(":")
    for cut in ("/src/", "/site-packages/", "/lib/python3.12/"):
        if cut in path:
            path = path.split(cut, 1)[1]
            break
    return f"{name}:{path}" if path else name


def report_owners(shares: dict[str, float], per_tick_us: float, top: int) -> None:
    """Print the ``top`` owners of samples with their share and microseconds a tick, and
    the share of all Python functions and of all kernels."""
    python = sum(v for k, v in shares.items() if not k.startswith("[compiled]") and k != UNOWNED)
    compiled = sum(v for k, v in shares.items() if k.startswith("[compiled]"))
    print(f"{'Python functions (with the C code they called)':58s} {python:6.1f}% "
          f"{per_tick_us * python / 100:8.1f}")
    print(f"{'compiled kernels (with their callees)':58s} {compiled:6.1f}% "
          f"{per_tick_us * compiled / 100:8.1f}")
    print(f"{UNOWNED:58s} {shares.get(UNOWNED, 0.0):6.1f}% "
          f"{per_tick_us * shares.get(UNOWNED, 0.0) / 100:8.1f}\n")
    print(f"{'owner':70s} {'share':>7s} {'us/tick':>8s}")
    for owner, share in sorted(shares.items(), key=lambda kv: -kv[1])[:top]:
        print(f"{owner[:70]:70s} {share:6.2f}% {per_tick_us * share / 100:8.1f}")


def kind_of(dso: str, symbol: str) -> str:
    """The kind of code (:data:`KINDS`) of a symbol in a shared object."""
    return next(kind for kind, matches in KINDS if matches(dso, symbol))


def report(shares: dict[tuple[str, str], float], per_tick_us: float, top: int) -> None:
    """Print the shares by kind of code (and in microseconds a tick) and the ``top``
    symbols."""
    kinds: collections.Counter = collections.Counter()
    for (dso, symbol), share in shares.items():
        kinds[kind_of(dso, symbol)] += share
    total = sum(shares.values()) or 1.0
    print(f"{'kind of code':36s} {'share':>7s} {'us/tick':>8s}")
    for kind, share in kinds.most_common():
        print(f"{kind:36s} {100 * share / total:6.1f}% {per_tick_us * share / total:8.1f}")
    print(f"\n{'symbol':48s} {'share':>7s}  kind")
    for (dso, symbol), share in sorted(shares.items(), key=lambda kv: -kv[1])[:top]:
        print(f"{symbol[:48]:48s} {100 * share / total:6.2f}%  {kind_of(dso, symbol)}")


def record_command(args: argparse.Namespace, data: Path) -> list[str]:
    """``perf record`` of the child into ``data``; with ``--python``, each sample's
    stack copied for unwinding and the child's Python functions named (``-X perf``)."""
    command = ["perf", "record", "-F", str(args.frequency), "-k", "CLOCK_MONOTONIC",
               "-o", str(data)]
    python = [sys.executable]
    if args.python:
        command += ["--call-graph", "dwarf,16384"]
        python += ["-X", "perf"]
    return [*command, "--", *python, __file__, *child_argv(args)]


def child_argv(args: argparse.Namespace) -> list[str]:
    """The arguments of the measured child process: the workload of ``args``, and the
    perf map written. ``--from`` goes with a synthetic region only (the child refuses it
    for ``kalundborg``, which is measured whole)."""
    argv = ["--child", "--write-map", "--runs", str(args.runs), "--ticks", str(args.ticks)]
    if args.firms:
        argv += ["--firms", str(args.firms), "--from", str(args.start)]
    return argv


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--firms", type=int, default=0,
                        help="a synthetic region of this many firms (default: kalundborg)")
    parser.add_argument("--runs", type=int, default=None,
                        help="measured runs (default 300, or 60 with --python)")
    parser.add_argument("--ticks", type=int, default=0,
                        help="ticks a run (default: 120, or 25 for a synthetic region)")
    parser.add_argument("--from", dest="start", type=int, default=None,
                        help="a synthetic region's first measured tick (default: 5)")
    parser.add_argument("--frequency", type=int, default=None,
                        help="samples a second (default 4000, or 1000 with --python)")
    parser.add_argument("--python", action="store_true",
                        help="samples by the Python function or kernel that owns them")
    parser.add_argument("--top", type=int, default=30, help="symbols listed")
    parser.add_argument("--out", type=Path, default=ROOT / "benchmarks/results/perf")
    parser.add_argument("--child", action="store_true",
                        help="run the workload here and print its CPU time, without perf")
    parser.add_argument("--write-map", action="store_true", help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    args.ticks = args.ticks or (25 if args.firms else 120)
    args.runs = (60 if args.python else 300) if args.runs is None else args.runs
    args.frequency = (1000 if args.python else 4000) if args.frequency is None else args.frequency
    if args.start is not None and not args.firms:
        parser.error("--from: only with --firms (a kalundborg run is measured whole)")
    args.start = 5 if args.start is None else args.start
    for name in ("firms", "runs", "ticks", "frequency", "top", "start"):
        least = 0 if name in ("firms", "start") else 1
        if getattr(args, name) < least:
            flag = "from" if name == "start" else name
            parser.error(f"--{flag}: at least {least}, got {getattr(args, name)}")
    if args.firms and args.ticks <= args.start:
        parser.error(f"--ticks: a synthetic region's run measures ticks {args.start} on "
                     f"(--from), so more than {args.start}")
    if args.child:
        child(args)
        return 0
    if shutil.which("perf") is None:
        print("perf_profile: `perf` is not installed (Debian: linux-perf)", file=sys.stderr)
        return 2
    args.out.mkdir(parents=True, exist_ok=True)
    data = args.out / "perf.data"
    done = subprocess.run(record_command(args, data), capture_output=True, text=True)
    if done.returncode != 0:
        last = (done.stderr.strip().splitlines() or ["no message"])[-1]
        print(f"perf_profile: perf record failed: {last}", file=sys.stderr)
        return 1
    measured = json.loads(done.stdout.strip().splitlines()[-1])
    read = samples_by_owner if args.python else samples_by_symbol
    try:
        shares = read(data, measured["start"], measured["end"])
    finally:   # perf has read the map: it is not left behind
        Path(f"/tmp/perf-{measured['pid']}.map").unlink(missing_ok=True)
    per_tick_us = measured["cpu_s"] / measured["ticks"] * 1e6
    what = f"synthetic, {args.firms} firms" if args.firms else "kalundborg"
    print(f"{what}: {measured['ticks']} ticks measured, {per_tick_us:.1f} us CPU a tick "
          f"(under perf)\n")
    (report_owners if args.python else report)(shares, per_tick_us, args.top)
    return 0


if __name__ == "__main__":
    sys.exit(main())
