"""The model's kernels compiled ahead of a first run, in parallel, into their on-disk cache.

numba compiles a kernel when a tick first calls it, for the types of that call, and keeps
the machine code on disk (:mod:`.compiled`). A checkout whose kernels were never compiled
(a fresh clone, or after ``kernels.py`` changed) therefore spends its first run compiling
some fifty kernels one after another: over two minutes of one core, with nothing shown. This
module does that work first, on every core, with a progress bar:

1. a short run in numba's pure-Python mode (``NUMBA_DISABLE_JIT=1``, in a child process:
   nothing is compiled) records the types each kernel is called with from the model's
   Python code (:func:`record`);
2. worker processes (``python -c``: nothing of the caller's script is imported again)
   compile those signatures at once, each into the shared on-disk cache
   (:func:`compile_signature`), the largest kernels first, and two that call the same
   kernels not at the same time while another can go (:func:`next_signature`);
3. the kernel modules' cache files that no kernel as it is now reads are removed
   (:func:`prune_cache`: numba leaves a kernel's entries behind when an edit moves it);
4. a mark beside the cache (:data:`MARK_NAME`) names the kernels' sources it holds, so a
   later command sees the cache is current without looking further (:func:`is_current`).

The run that follows loads each kernel from the cache. Its results cannot change: the
cache holds the machine code the run would have compiled itself (the same compiler, the
same types); a signature the short run did not meet is compiled by the run, as before.

The same step writes the package's own Python bytecode (:func:`write_bytecode`), which an
editable install leaves to the interpreter and the interpreter does not write where
``PYTHONDONTWRITEBYTECODE`` is set: every new process (a command, a sweep's fork server)
would otherwise compile the package's source again as it imports it.

Examples
--------
>>> from symbiosis_abm.precompile import kernel_names
>>> ("symbiosis_abm.kernels", "capped_months") in kernel_names()
True
"""

from __future__ import annotations

import argparse
import compileall
import contextlib
import json
import os
import pickle
import queue
import struct
import subprocess
import sys
import tempfile
import threading
import time
import warnings
from dataclasses import dataclass, field, replace
from importlib import import_module
from pathlib import Path

import numpy as np
from filelock import FileLock, Timeout
from tqdm import tqdm

from .compiled import LOCK_NAME as CACHE_LOCK_NAME
from .compiled import SharedFunctionCache, sources_stamp

__all__ = ["Signature", "Report", "kernel_names", "record", "compile_signature",
           "next_signature", "kernels_wrapped", "is_current", "precompile",
           "ensure_precompiled", "write_bytecode", "prune_cache", "MARK_NAME", "LOCK_NAME",
           "RECORDED_RUNS", "RECORDING_WATCH_FROM_EDGES", "RECORDING_SMALL_STORE"]

#: the modules that define the package's kernels (:func:`.compiled.kernel`)
KERNEL_MODULES = ("symbiosis_abm.kernels", "symbiosis_abm.kernels_tick",
                  "symbiosis_abm.kernels_drawn")

#: what the recording run simulates (region, overrides, ticks): between them every kernel
#: a tick calls from Python, with a facilitator or without, in a small region or a large
#: one (the 300-firm region's broker watches its inputs and its pair store takes a large
#: store's path while recording, :data:`RECORDING_WATCH_FROM_EDGES` and
#: :data:`RECORDING_SMALL_STORE`), and lines that wear out and are built again (a year's
#: life: ``kalundborg_history``'s old lines wear out from its 22nd year); about 9 s in
#: pure Python. A signature the recording did not meet is compiled by the run that meets
#: it, a second or two.
RECORDED_RUNS = (("kalundborg", {}, 120), ("kalundborg", {"facilitator": False}, 24),
                 ("synthetic", {"n_firms": 300}, 36),
                 ("kalundborg", {"lifetime_years": 1.0}, 36))

#: the broker's input watch (:data:`.terms.WATCH_FROM_EDGES`) starts at this many edges
#: while recording, so that the 300-firm region (some 6,000 edges) meets the watch's
#: kernels, as a region of 1,500 firms or more does, and ``kalundborg`` (102) does not
RECORDING_WATCH_FROM_EDGES = 1000

#: a pair store is large (past :data:`.trust.SMALL_STORE_SLOTS`: its reputation links
#: looked up through a memo's hash table) from this many slots while recording, so that
#: the 300-firm region (some 10,000 slots) meets a large store's kernels, as a region of
#: 3,000 firms or more does (65,536 slots), and ``kalundborg`` (702) does not
RECORDING_SMALL_STORE = 1000

#: the file beside the kernels' cache that names the sources it was compiled from
MARK_NAME = "symbiosis-abm-precompiled.json"

#: the lock file held while a process precompiles (:func:`ensure_precompiled`), and how
#: long another waits for it
LOCK_NAME = "symbiosis-abm-precompile.lock"
WAIT_SECONDS = 900.0


@dataclass(frozen=True)
class Signature:
    """A kernel (``module``, ``name``) and the numba types of one call's arguments, as
    numba's dispatcher would type them (``args``, and ``kws`` as (name, type) pairs);
    ``beneath``: the kernels such calls ran in turn (their compiling goes with this one's;
    not part of what the signature is)."""

    module: str
    name: str
    args: tuple
    kws: tuple = ()
    beneath: frozenset = field(default=frozenset(), compare=False)

    @property
    def kernels(self) -> frozenset:
        """The kernels compiling this signature may compile: its own and those beneath."""
        return self.beneath | {self.name}


@dataclass(frozen=True)
class Report:
    """What :func:`precompile` did: signatures compiled (and those that failed: a type
    the recording guessed wrong, compiled by the run if it ever meets it), on how many
    workers, in how many seconds."""

    compiled: int
    failed: int
    workers: int
    seconds: float
    #: the stale cache files removed after compiling (:func:`prune_cache`) and their bytes
    removed: int = 0
    freed: int = 0

    @property
    def pruned(self) -> str:
        """``"; removed N stale cache files (X MB)"``, or nothing where none was."""
        if not self.removed:
            return ""
        return f"; removed {self.removed} stale cache files ({self.freed / 1e6:.0f} MB)"


def _is_kernel(value: object) -> bool:
    return isinstance(getattr(value, "_cache", None), SharedFunctionCache)


def kernel_names() -> list[tuple[str, str]]:
    """(module, name) of every kernel of the package, in both numba modes (compiled, a
    dispatcher; pure Python, the function itself: :func:`.compiled.kernel` gives either
    its cache)."""
    names = []
    for module_name in KERNEL_MODULES:
        module = import_module(module_name)
        names += [(module_name, name) for name, value in vars(module).items()
                  if _is_kernel(value)
                  and getattr(value, "py_func", value).__module__ == module_name]
    return names


# --------------------------------------------------------------------- the recording run
def _as_boxed(value):
    """A kernel's result as a compiled kernel hands it to Python: numpy scalars as
    Python's (numba boxes an ``int64`` as an ``int``), tuples item by item."""
    if isinstance(value, tuple):
        return tuple(_as_boxed(v) for v in value)
    if isinstance(value, np.generic) and not isinstance(value, np.ndarray):
        return value.item()
    return value


@contextlib.contextmanager
def kernels_wrapped(wrap):
    """Every name a loaded module of the package has for a kernel bound to
    ``wrap(module, name, kernel)`` (the kernel's own module and name) for the block, and
    restored after: the model's Python and the kernels calling one another (as Python, or
    compiled code calling a wrapper: not) go through the wrapper."""
    kernels = {id(getattr(import_module(m), n)): (m, n) for m, n in kernel_names()}
    patched = []
    for module in [m for name, m in list(sys.modules.items())
                   if name.startswith("symbiosis_abm") and m is not None]:
        for attr, value in list(vars(module).items()):
            if id(value) in kernels:
                patched.append((module, attr, value))
                setattr(module, attr, wrap(*kernels[id(value)], value))
    try:
        yield
    finally:
        for module, attr, value in patched:
            setattr(module, attr, value)


class _Recording:
    """What :func:`record` keeps: each signature the model's Python called a kernel with,
    and the kernels that call ran beneath it (in the order first met)."""

    def __init__(self):
        self.beneath: dict[Signature, set[str]] = {}
        self.top: Signature | None = None
        self.depth = 0

    def recorder(self, module: str, name: str, func):
        """``func`` (a kernel run as Python), its calls recorded."""
        from numba import typeof
        from numba.core.typing.typeof import Purpose

        def call(*args, **kws):
            if self.depth == 0:   # from the model's Python: a call the run makes itself
                try:
                    types = (tuple(typeof(a, Purpose.argument) for a in args),
                             tuple((k, typeof(v, Purpose.argument))
                                   for k, v in sorted(kws.items())))
                except ValueError:   # a value numba cannot type: the run would fail too
                    self.top = None
                else:
                    self.top = Signature(module, name, *types)
                    self.beneath.setdefault(self.top, set())
            elif self.top is not None:
                self.beneath[self.top].add(name)
            self.depth += 1
            try:
                return _as_boxed(func(*args, **kws))
            finally:
                self.depth -= 1
        return call

    def signatures(self) -> list[Signature]:
        return [replace(s, beneath=frozenset(names)) for s, names in self.beneath.items()]


def record(runs=RECORDED_RUNS) -> list[Signature]:
    """The distinct signatures the model's Python calls its kernels with in ``runs``
    (region, overrides, ticks; seed 0), in the order first met.

    Needs numba's pure-Python mode (``NUMBA_DISABLE_JIT=1`` before numba is imported: the
    kernels run as Python and nothing is compiled); every module's name for a kernel is
    replaced by a recorder for the runs (:func:`kernels_wrapped`). A call from inside a
    kernel is not recorded (compiling its caller compiles it), only named in its caller's
    ``beneath``.
    """
    from numba.core import config

    if not config.DISABLE_JIT:
        raise RuntimeError("record() needs NUMBA_DISABLE_JIT=1 (it runs the kernels as Python)")
    from .model import SymbiosisModel

    recording = _Recording()
    with (kernels_wrapped(recording.recorder), _recording_thresholds(),
          warnings.catch_warnings()):
        # the integer hashes overflow by design (in numpy scalars here, as compiled)
        warnings.simplefilter("ignore", RuntimeWarning)
        for region, overrides, ticks in runs:
            SymbiosisModel(region, rng=0, **overrides).run(ticks)
    return recording.signatures()


@contextlib.contextmanager
def _recording_thresholds():
    """For the duration, the broker's input watch on from
    :data:`RECORDING_WATCH_FROM_EDGES` candidate edges and a pair store large from
    :data:`RECORDING_SMALL_STORE` slots."""
    from . import terms, trust

    saved = terms.WATCH_FROM_EDGES, trust.SMALL_STORE_SLOTS
    terms.WATCH_FROM_EDGES = RECORDING_WATCH_FROM_EDGES
    trust.SMALL_STORE_SLOTS = RECORDING_SMALL_STORE
    try:
        yield
    finally:
        terms.WATCH_FROM_EDGES, trust.SMALL_STORE_SLOTS = saved


#: the recording child's program: :func:`_main` imported by the package's name, so that
#: its signatures pickle as ``symbiosis_abm.precompile.Signature``
_CHILD = "import sys; from symbiosis_abm.precompile import _main; sys.exit(_main(sys.argv[1:]))"


def _recorded_in_child(timeout: float, runs=RECORDED_RUNS) -> list[Signature]:
    """:func:`record` of ``runs`` in a child process in numba's pure-Python mode."""
    with tempfile.TemporaryDirectory(prefix="symbiosis-abm-precompile-") as folder:
        path = Path(folder) / "signatures.pickle"
        env = {**os.environ, "NUMBA_DISABLE_JIT": "1"}
        try:
            done = subprocess.run([sys.executable, "-c", _CHILD, "--record", str(path),
                                   "--runs", json.dumps(runs)],
                                  env=env, capture_output=True, text=True, timeout=timeout)
        except subprocess.TimeoutExpired:
            raise RuntimeError(f"the recording run took over {timeout:.0f} s") from None
        if done.returncode != 0 or not path.exists():
            last = (done.stderr.strip().splitlines() or ["no output"])[-1]
            raise RuntimeError(f"the recording run failed: {last}")
        return pickle.loads(path.read_bytes())


# --------------------------------------------------------------------------- compiling
def compile_signature(signature: Signature) -> None:
    """Compile one kernel for one signature into the on-disk cache (loaded from it where
    it is there already)."""
    dispatcher = getattr(import_module(signature.module), signature.name)
    _, args = dispatcher.fold_argument_types(signature.args, dict(signature.kws))
    dispatcher.compile(_as_called(tuple(args)))


def _as_called(folded: tuple) -> tuple:
    """Folded argument types as a call's dispatcher compiles and caches them. A call
    hands a kernel's ``*args`` over as one Python tuple, typed as a plain tuple of their
    types, and numba keys its on-disk cache by those types; compiled for the folded
    ``StarArgTuple``, a kernel taking ``*args`` (``renewal_priced``) was cached under a key
    no run looks up, and each new cache compiled it again in the first run that renewed a
    contract (5 s)."""
    from numba.core import types

    if folded and isinstance(folded[-1], types.StarArgTuple):
        return (*folded[:-1], types.BaseTuple.from_types(folded[-1].types))
    return folded


def next_signature(pending: list[Signature], running: list[Signature]) -> int:
    """Which of ``pending`` a free worker compiles next: the first (``pending`` is
    largest first) that shares no kernel with those ``running`` (two workers compiling
    one callee at once both compile it: one would load it from the cache after the
    other), else the first.

    Examples
    --------
    >>> a, b = Signature("m", "a", (), beneath=frozenset({"c"})), Signature("m", "b", ())
    >>> next_signature([Signature("m", "c", ()), b], running=[a]), next_signature([b], [])
    (1, 0)
    """
    busy = frozenset().union(*(s.kernels for s in running))
    return next((i for i, s in enumerate(pending) if not s.kernels & busy), 0)


def _compile_all(signatures: list[Signature], n_workers: int, bar) -> int:
    """Compile ``signatures`` on ``n_workers`` worker processes (:class:`_Worker`), the
    largest first (the number of arguments stands in for a kernel's size, so that no
    worker starts the longest compile last), as :func:`next_signature` picks them;
    returns how many failed (a worker that dies fails its signature and takes no more)."""
    pending = sorted(signatures, key=lambda s: -len(s.args))
    done: queue.Queue = queue.Queue()
    workers = [_Worker(done) for _ in range(n_workers)]
    failed = 0
    try:
        while pending or any(w.job is not None for w in workers):
            for worker in workers:
                if pending and worker.alive and worker.job is None:
                    running = [w.job for w in workers if w.job is not None]
                    worker.give(pending.pop(next_signature(pending, running)))
            if not any(w.job is not None for w in workers):   # every worker died
                failed += len(pending)
                bar.update(len(pending))
                break
            try:
                worker, ok = done.get(timeout=1.0)
            except queue.Empty:   # a worker that died as it was given a signature
                for worker in workers:
                    if worker.job is not None and not worker.reading():
                        worker.job = None
                        failed += 1
                        bar.update()
                continue
            worker.job = None
            failed += not ok
            bar.update()
    finally:
        for worker in workers:
            worker.stop()
    return failed


#: a worker's program: ``python -c``, so that it imports nothing of the caller's script
#: (a ``multiprocessing`` child would import the caller's main module again)
_WORKER = "from symbiosis_abm.precompile import _serve; _serve()"


class _Worker:
    """A ``python -c`` process compiling one signature at a time (:func:`_serve`): each
    is sent pickled on its stdin, and one byte comes back on its stdout (1: compiled or
    loaded, 0: failed); a thread reads the answers into ``done`` as (worker, ok), and a
    worker whose pipe closes answers 0 and stops."""

    def __init__(self, done: queue.Queue):
        env = {k: v for k, v in os.environ.items() if k != "NUMBA_DISABLE_JIT"}
        self.process = subprocess.Popen([sys.executable, "-c", _WORKER], env=env,
                                        stdin=subprocess.PIPE, stdout=subprocess.PIPE,
                                        stderr=subprocess.DEVNULL)
        self.job: Signature | None = None
        self.alive = True
        self._done = done
        self._reader = threading.Thread(target=self._read, daemon=True)
        self._reader.start()

    def reading(self) -> bool:
        """Whether its answers are still read (false once its pipe closed)."""
        return self._reader.is_alive()

    def give(self, signature: Signature) -> None:
        self.job = signature
        data = pickle.dumps(signature)
        try:
            self.process.stdin.write(struct.pack("<Q", len(data)) + data)
            self.process.stdin.flush()
        except OSError:   # it died: its reader answers for it
            pass

    def _read(self) -> None:
        while (answer := self.process.stdout.read(1)) == b"\x01" or answer == b"\x00":
            self._done.put((self, answer == b"\x01"))
        self.alive = False
        if self.job is not None:
            self._done.put((self, False))

    def stop(self) -> None:
        try:
            self.process.stdin.close()   # end of input: the worker returns
            self.process.wait(timeout=5)
        except (OSError, subprocess.TimeoutExpired):
            self.process.kill()
            self.process.wait()


def _serve() -> None:
    """A worker's loop (:class:`_Worker`): read a signature, compile it, answer a byte;
    until its input ends."""
    source = sys.stdin.buffer
    # the answers on a copy of stdout; anything printed goes to stderr, not into them
    answers = os.fdopen(os.dup(sys.stdout.fileno()), "wb")
    sys.stdout = sys.stderr
    while len(head := source.read(8)) == 8:
        signature = pickle.loads(source.read(struct.unpack("<Q", head)[0]))
        try:
            compile_signature(signature)
            answers.write(b"\x01")
        except Exception:  # noqa: BLE001 - a type the recording guessed wrong
            answers.write(b"\x00")
        answers.flush()


def _workers(wanted: int | None, jobs: int) -> int:
    available = len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else (
        os.cpu_count() or 1)
    return max(1, min(wanted or available, jobs))


def precompile(workers: int | None = None, progress: bool | None = None,
               timeout: float = 300.0, runs=RECORDED_RUNS) -> Report:
    """Record the kernels' signatures (:func:`record` of ``runs``, in a child; the
    recording taking longer than ``timeout`` seconds fails), compile them on
    ``workers`` processes (default: every core this process may use) into the on-disk
    cache, and mark the cache current (:data:`MARK_NAME`).

    ``progress``: a progress bar on stderr (None: where stderr is a terminal). A
    signature that fails to compile is counted, not raised: the run compiles what it
    meets. The recording run failing raises :class:`RuntimeError`.
    """
    started = time.perf_counter()
    signatures = _recorded_in_child(timeout, runs)
    n_workers = _workers(workers, len(signatures))
    with tqdm(total=len(signatures), desc="compiling kernels", unit="kernel",
              disable=None if progress is None else not progress, leave=False) as bar:
        failed = _compile_all(signatures, n_workers, bar)
    removed, freed = prune_cache()
    _write_mark()
    return Report(len(signatures) - failed, failed, n_workers,
                  time.perf_counter() - started, removed, freed)


def prune_cache() -> tuple[int, int]:
    """Remove the kernels' cache files that no kernel as it is now reads; returns how
    many and their bytes.

    numba names a kernel's entries by the line its function starts on, so an edit above
    a kernel leaves its earlier index and data files behind, never read again (a
    checkout that follows the code gathers hundreds of megabytes). Removed: every entry
    file of the kernel modules (:data:`KERNEL_MODULES`) but the current index of each
    kernel and the data files it names (so also those of a kernel under another line or
    Python version, or since removed). Under the cache folder's lock
    (:data:`.compiled.LOCK_NAME`), so no entry is removed while a process saves one.
    """
    folder = _cache_folder()
    if os.environ.get("NUMBA_DISABLE_JIT", "0") not in ("", "0") or not folder.is_dir():
        return 0, 0
    kernels = [getattr(import_module(module), name)._cache._cache_file
               for module, name in kernel_names()]
    # numba names a module's entries "<module's file name>.<function>-<line>..."
    modules = tuple(f"{name.rsplit('.', 1)[1]}." for name in KERNEL_MODULES)
    removed = freed = 0
    with FileLock(folder / CACHE_LOCK_NAME):   # (an entry is saved whole under it)
        keep = set()
        for files in kernels:
            keep.add(files._index_name)
            keep.update(files._load_index().values())   # (stale: {}, its data goes too)
        for path in folder.iterdir():
            if (path.suffix in (".nbi", ".nbc") and path.name not in keep
                    and path.name.startswith(modules)):
                size = path.stat().st_size
                path.unlink(missing_ok=True)
                removed, freed = removed + 1, freed + size
    return removed, freed


# ------------------------------------------------------------- the package's bytecode
def write_bytecode(package: Path | None = None) -> bool:
    """Write the bytecode (``__pycache__/*.pyc``) of each module under ``package`` (default:
    this package's folder) whose bytecode is missing or older than its source, as ``pip``
    does when it installs a package; True when every module has current bytecode after it.

    An editable install (``pip install -e``) leaves that to the interpreter, which skips
    it where ``PYTHONDONTWRITEBYTECODE`` is set: each new process then compiles the
    package's source as it imports it (about 0.15 s of a sweep's start, measured on
    2026-12-07). Takes a few milliseconds where the bytecode is current, about 0.3 s
    where none is. A folder it may not write is left as it is (False).

    Examples
    --------
    >>> write_bytecode()
    True
    """
    root = package or Path(__file__).resolve().parent
    try:
        return bool(compileall.compile_dir(root, quiet=2))
    except OSError:
        return False


# ------------------------------------------------------------------------ the mark
def _cache_folder() -> Path:
    from .kernels import capped_months
    return Path(capped_months._cache._cache_path)


def _sources() -> dict:
    """What a cache entry depends on: numba's and Python's versions and each source the
    package's compiled code is made from (its time and size, as the entries are stamped:
    :func:`.compiled.sources_stamp`)."""
    import numba
    stamps = {f"symbiosis_abm.{name}": [mtime, size]
              for name, mtime, size in sources_stamp.__wrapped__()}   # (as they are now)
    return {"numba": numba.__version__, "python": sys.version, "sources": stamps}


def is_current() -> bool:
    """Whether the cache's mark names the kernels' sources as they are now."""
    try:
        mark = json.loads((_cache_folder() / MARK_NAME).read_text())
    except (OSError, ValueError):
        return False
    return mark == _sources()


def _write_mark() -> None:
    folder = _cache_folder()
    folder.mkdir(parents=True, exist_ok=True)
    temporary = folder / f".{MARK_NAME}.{os.getpid()}"
    temporary.write_text(json.dumps(_sources()))
    temporary.replace(folder / MARK_NAME)   # whole or not at all, for a concurrent reader


def ensure_precompiled(progress: bool | None = None) -> Report | None:
    """:func:`precompile` where the cache is not current (:func:`is_current`), saying so
    on stderr; None where it is. One process at a time: another that finds the step
    under way waits for it (:data:`LOCK_NAME`), then finds the cache current. Anything
    going wrong is one line on stderr and the run goes on: it compiles its kernels
    itself, as without this step."""
    write_bytecode()
    if os.environ.get("NUMBA_DISABLE_JIT", "0") not in ("", "0") or is_current():
        return None
    try:
        with _precompiling():
            if is_current():   # another process did it while this one waited
                return None
            print("compiling the model's kernels once (they are cached for later runs) ...",
                  file=sys.stderr, flush=True)
            report = precompile(progress=progress)
    except Exception as exc:  # noqa: BLE001 - the run compiles them itself
        print(f"compiling ahead failed ({exc}); the run compiles its kernels itself",
              file=sys.stderr)
        return None
    print(f"compiled {report.compiled} kernels on {report.workers} cores in "
          f"{report.seconds:.0f} s{report.pruned}", file=sys.stderr)
    return report


@contextlib.contextmanager
def _precompiling():
    """The cache folder's precompile lock held for the block; where another process holds
    it, a line on stderr and a wait (at most :data:`WAIT_SECONDS`)."""
    folder = _cache_folder()
    folder.mkdir(parents=True, exist_ok=True)
    lock = FileLock(folder / LOCK_NAME)
    try:
        lock.acquire(timeout=0)
    except Timeout:
        print("waiting for another process compiling the model's kernels ...",
              file=sys.stderr, flush=True)
        try:
            lock.acquire(timeout=WAIT_SECONDS)
        except Timeout:
            raise RuntimeError(f"another process has been compiling them for over "
                               f"{WAIT_SECONDS:.0f} s") from None
    try:
        yield
    finally:
        lock.release()


def _main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--record", type=Path, required=True,
                        help="write the recorded signatures (a pickle) to this file")
    parser.add_argument("--runs", type=json.loads, default=RECORDED_RUNS,
                        help="what to simulate: a JSON list of [region, overrides, ticks]")
    args = parser.parse_args(argv)
    signatures = record(args.runs)
    args.record.write_bytes(pickle.dumps(signatures))
    return 0
