"""How the supervised pool starts, feeds and stops its workers (issue 17, must show 2):
forked from a fork server that loaded the model once, a chunk held ahead, smaller chunks
towards the end, every worker ending by itself, and the fork server gone after the sweep."""

from __future__ import annotations

import collections
import multiprocessing
import multiprocessing.forkserver
import os
import subprocess
import sys

import pytest

from symbiosis_abm.sweep import fork_server, pool
from symbiosis_abm.sweep.design import expand
from symbiosis_abm.sweep.runner import run_sweep
from symbiosis_abm.sweep.spec import SpecError, spec_from_dict
from symbiosis_abm.sweep.worker import Task, run_one

HAS_FORK_SERVER = "forkserver" in multiprocessing.get_all_start_methods()


def _spec(replicates: int, ticks: int = 2):
    return spec_from_dict({"sweep": {"name": "feed", "regions": ["kalundborg"],
                                     "ticks": ticks, "replicates": replicates, "seed": 3}},
                          "feed.toml")


def _python(code: str, *args: str, **kwargs) -> str:
    """What ``code`` prints, run by a fresh interpreter (as a fork server starts)."""
    return subprocess.run([sys.executable, "-c", code, *args], capture_output=True,
                          text=True, check=True, **kwargs).stdout


#: prints how many of the tick's kernels are loaded (have a compiled signature)
_LOADED_KERNELS = ("from symbiosis_abm import kernels_tick\n"
                   "from numba.core.registry import CPUDispatcher\n"
                   "print(len([f for f in vars(kernels_tick).values()\n"
                   "           if isinstance(f, CPUDispatcher) and f.signatures]))\n")


@pytest.mark.parametrize("n, size, workers", [(1000, 16, 2), (40, 8, 2), (7, 16, 3),
                                              (100, 16, 1), (1, 4, 2), (0, 4, 2)])
def test_tapered_chunks_cover_the_runs_in_order_and_shrink_at_the_end(n, size, workers):
    runs = list(range(n))
    chunks = pool.tapered(runs, size, workers)
    assert [r for c in chunks for r in c] == runs
    sizes = [len(c) for c in chunks]
    assert all(0 < s <= size for s in sizes)
    assert sizes == sorted(sizes, reverse=True)
    left = n
    for s in sizes:   # none bigger than the runs left over twice the workers (rounded up)
        assert s <= -(-left // (2 * workers))
        left -= s
    if n >= 4 * workers * size:   # full chunks first, single runs last
        assert sizes[0] == size and sizes[-1] == 1


class _Pipe:
    """What _Worker.give sends on, recorded (or a pipe whose reader is gone)."""

    def __init__(self, broken: bool = False):
        self.sent: list[bytes] = []
        self.broken = broken

    def send_bytes(self, message) -> None:
        if self.broken:
            raise BrokenPipeError(32, "Broken pipe")
        self.sent.append(bytes(message))


def _worker(held: int, broken: bool = False) -> pool._Worker:
    worker = object.__new__(pool._Worker)   # its pipe and runs, without a process
    worker.conn, worker.ready, worker.started = _Pipe(broken), True, -1.0
    worker.runs = collections.deque(range(held))
    worker.chunks_left = collections.deque([held] if held else [])
    return worker


def test_a_busy_worker_gets_a_chunk_ahead_only_if_it_fits_in_its_pipe():
    small = ["run"] * 3
    big = [f"{i}" + "x" * 1000 for i in range(pool.AHEAD_BYTES // 1000 + 1)]   # (unshared)
    busy = _worker(held=2)
    assert busy.give(small) and len(busy.conn.sent) == 1 and len(busy.runs) == 5
    assert busy.started == -1.0   # the run it is on keeps its deadline
    assert not busy.give(big) and len(busy.conn.sent) == 1 and len(busy.runs) == 5
    idle = _worker(held=0)
    assert idle.wants() and idle.give(big) and len(idle.runs) == len(big)
    assert idle.started > 0   # its first run starts now
    assert idle.wants() and idle.give(small) and not idle.wants()   # one chunk ahead


def test_a_worker_holds_the_chunk_it_runs_and_one_more():
    worker = _worker(held=0)
    worker.give(["a", "b"]), worker.give(["c"])
    assert not worker.wants() and list(worker.chunks_left) == [2, 1]
    assert worker.took() == "a" and not worker.wants()
    assert worker.took() == "b" and worker.wants() and list(worker.chunks_left) == [1]


def test_a_chunk_sent_to_a_worker_that_just_died_stays_with_the_parent():
    dead = _worker(held=1, broken=True)
    assert not dead.give(["run"]) and list(dead.runs) == [0]


def test_each_worker_holds_a_chunk_ahead_and_ends_by_itself(monkeypatch):
    """Runs come back in order and complete; a worker is sent its next chunk while it
    still runs the last one; told to stop, each exits with status 0, none is killed."""
    held, ended = [], []
    give, join = pool._Worker.give, pool._Worker.join

    def recording_give(self, chunk):
        sent = give(self, chunk)
        held.append(len(self.runs))
        return sent

    def recording_join(self):
        join(self)
        ended.append(self.proc.exitcode)

    monkeypatch.setattr(pool._Worker, "give", recording_give)
    monkeypatch.setattr(pool._Worker, "join", recording_join)
    spec = _spec(replicates=12)
    runs = expand(spec)
    results = [r for batch in pool.supervised(runs, Task.of(spec), workers=1, size=3)
               for r in batch]
    assert [r["run"].run_id for r in results] == [r.run_id for r in runs]
    assert all(r["ok"] for r in results)
    assert max(held) == 6   # the chunk it runs and the one after it
    assert ended == [0]


@pytest.mark.skipif(not HAS_FORK_SERVER, reason="this platform has no fork server "
                    "(Windows): the pool spawns its workers, as before")
def test_a_sweep_forks_its_workers_from_its_own_fork_server_and_stops_it_after():
    server = multiprocessing.forkserver._forkserver
    assert server._forkserver_pid is None
    preload = list(server._preload_modules)
    with fork_server.start_method() as context:
        assert context.get_start_method() == "forkserver"
        assert server._preload_modules == [fork_server.PRELOAD]
        process = context.Process(target=sys.exit, args=(0,))
        process.start()
        process.join()
        assert server._forkserver_pid is not None   # started for this sweep
    assert server._forkserver_pid is None          # and stopped after it
    assert server._preload_modules == preload


@pytest.mark.skipif(not HAS_FORK_SERVER, reason="this platform has no fork server")
def test_a_fork_server_already_running_is_left_alone_and_the_workers_spawned():
    server = multiprocessing.forkserver._forkserver
    preload = list(server._preload_modules)
    server.set_forkserver_preload([])   # (an empty one, quick to start)
    server.ensure_running()   # someone else's: not ours to preload or stop
    try:
        pid = server._forkserver_pid
        with fork_server.start_method() as context:
            assert context.get_start_method() == "spawn"
        assert server._forkserver_pid == pid and server._preload_modules == []
    finally:
        server._stop()
        server.set_forkserver_preload(preload)


@pytest.mark.skipif(not HAS_FORK_SERVER, reason="this platform has no fork server")
def test_a_fork_server_started_early_is_the_one_the_sweep_takes_and_stops():
    """``start_early`` starts the server and goes on; the next sweep forks its workers from
    that same server (it is not started again, nor are the workers spawned) and stops it."""
    server = multiprocessing.forkserver._forkserver
    preload = list(server._preload_modules)
    assert fork_server.start_early() is True
    pid = server._forkserver_pid
    assert pid is not None and server._preload_modules == [fork_server.PRELOAD]
    assert fork_server.start_early() is False   # (one is running)
    spec = _spec(replicates=2)
    results = [r for batch in pool.supervised(expand(spec), Task.of(spec), workers=2, size=1)
               for r in batch]
    assert [r["ok"] for r in results] == [True, True]
    assert server._forkserver_pid is None   # stopped after the sweep that took it
    with pytest.raises(ProcessLookupError):
        os.kill(pid, 0)
    assert server._preload_modules == preload


@pytest.mark.skipif(not HAS_FORK_SERVER, reason="this platform has no fork server")
def test_a_sweep_that_stops_before_its_workers_stops_the_server_it_started(tmp_path):
    """``run_sweep`` starts the workers' server as it begins; a sweep that ends before it
    takes a worker (here its results folder is a file) does not leave it running, and a
    sweep after it starts its own."""
    server = multiprocessing.forkserver._forkserver
    spec = _spec(replicates=2)
    (tmp_path / "taken").write_text("not a folder")
    with pytest.raises(SpecError, match="exists and is not a folder"):
        run_sweep(spec, tmp_path / "taken", workers=1, progress=False)
    assert server._forkserver_pid is None
    report = run_sweep(spec, tmp_path / "out", workers=1, progress=False)
    assert (report.ran, report.failed, server._forkserver_pid) == (2, 0, None)


def test_the_preload_leaves_the_kernels_to_the_workers_where_the_cache_is_not_current():
    """A server started before the sweep compiles the kernels (a checkout's first sweep)
    does not compile them alone: it imports the model and runs no warm-up."""
    code = ("import symbiosis_abm.precompile as pre\n"
            "pre.is_current = lambda: False\n"
            "import symbiosis_abm.sweep.preload\n"
            "import sys\n"
            "print('symbiosis_abm.model' in sys.modules)\n" + _LOADED_KERNELS)
    assert _python(code).split() == ["True", "0"]


def test_the_preload_loads_the_compiled_kernels_before_any_worker_is_forked():
    """Imported alone (as the fork server imports it), the module leaves the kernels of a
    kalundborg run loaded: a worker forked after it compiles and loads nothing."""
    assert int(_python("import symbiosis_abm.sweep.preload\n" + _LOADED_KERNELS)) >= 5


@pytest.mark.skipif(not HAS_FORK_SERVER, reason="this platform has no fork server")
def test_a_second_sweep_while_one_has_the_fork_server_spawns_its_workers():
    """Two sweeps of one process at once (threads): the second must not share, or stop,
    the first one's fork server, whose end would end the first one's workers."""
    server = multiprocessing.forkserver._forkserver
    with fork_server.start_method() as first:
        with fork_server.start_method() as second:
            assert second.get_start_method() == "spawn"
        assert first.get_start_method() == "forkserver"
        assert server._preload_modules == [fork_server.PRELOAD]   # the second left it alone
    assert server._forkserver_pid is None
    with fork_server.start_method() as again:   # free again once the first has ended
        assert again.get_start_method() == "forkserver"


#: A sweep of one run whose result has a table (its time series).
_TABLE_SPEC = {"sweep": {"name": "p", "regions": ["kalundborg"], "ticks": 24,
                         "replicates": 1}, "outputs": {"timeseries_every": 6}}


def test_the_preload_leaves_what_a_run_does_not_use_to_a_run_that_does():
    """The fork server, every sweep's start, imports none of the modules it defers
    (pandas, networkx, Mesa's grids and spaces: about 0.5 s); a worker's run whose
    result has a table imports pandas then, and its table is the one an ordinary process
    gives."""
    code = ("import sys\n"
            "import types\n"
            "import symbiosis_abm.sweep.preload\n"
            "print(sorted(n for n in ('pandas', 'networkx', 'mesa.discrete_space',\n"
            "                         'mesa.space', 'pandas.core.frame', 'networkx.classes')\n"
            "             if type(sys.modules.get(n)) is types.ModuleType))\n"
            "from symbiosis_abm.sweep.design import expand\n"
            "from symbiosis_abm.sweep.spec import spec_from_dict\n"
            "from symbiosis_abm.sweep.worker import Task, run_one\n"
            f"spec = spec_from_dict({_TABLE_SPEC!r}, 'p.toml')\n"
            "result = run_one(expand(spec)[0], Task.of(spec))\n"
            "print(result['tables']['timeseries'].to_json())\n")
    loaded, table = _python(code).splitlines()
    assert loaded == "[]"
    spec = spec_from_dict(_TABLE_SPEC, "p.toml")
    expected = run_one(expand(spec)[0], Task.of(spec))["tables"]["timeseries"]
    assert table == expected.to_json()



def test_after_the_preload_the_deferred_modules_work_at_first_use():
    """A worker's model of its own may use what the fork server deferred: Mesa's grids
    and spaces (bound to ``mesa`` as Mesa binds them) and networkx, whose graph the
    model makes for its outputs, work as imported."""
    code = ("import random\n"
            "import symbiosis_abm.sweep.preload\n"
            "import mesa\n"
            "from mesa.discrete_space import OrthogonalMooreGrid\n"
            "grid = OrthogonalMooreGrid((3, 4), random=random.Random(1))\n"
            "print(len(list(grid.all_cells)), mesa.space.MultiGrid(2, 5, True).height)\n"
            "from symbiosis_abm.model import SymbiosisModel\n"
            "model = SymbiosisModel('kalundborg', rng=1)\n"
            "model.run(12)\n"
            "print(sorted(model.network().nodes) == sorted(model.world.firm_ids))\n")
    assert _python(code).splitlines() == ["12 5", "True"]


@pytest.mark.skipif(not HAS_FORK_SERVER, reason="this platform has no fork server")
def test_the_sweep_command_starts_the_server_before_it_imports_the_engine(tmp_path):
    """``symbiosis-abm sweep`` starts the workers' server once the spec is read and
    counted, before it imports the sweep engine (whose imports the server's loading
    then overlaps), and the server is stopped after the sweep; a dry run, or a spec that
    is refused, starts none."""
    spec = tmp_path / "s.toml"
    spec.write_text('[sweep]\nname = "s"\nregions = ["kalundborg"]\nticks = 2\n'
                    'replicates = 2\nseed = 1\n')
    big = tmp_path / "big.toml"
    big.write_text(spec.read_text().replace("replicates = 2", "replicates = 60000"))
    code = ("import multiprocessing.forkserver, sys\n"
            "from symbiosis_abm.cli import main\n"
            "from symbiosis_abm.sweep import fork_server\n"
            "real = fork_server.start_early\n"
            "def start_early():\n"
            "    print('start', 'symbiosis_abm.sweep.runner' in sys.modules, flush=True)\n"
            "    return real()\n"
            "fork_server.start_early = start_early\n"
            "for argv in sys.argv[1:]:\n"
            "    code = main(argv.split())\n"
            "    print('exit', code, multiprocessing.forkserver._forkserver._forkserver_pid,\n"
            "          flush=True)\n")
    argvs = [f"sweep {spec} --out {tmp_path / 'out'} --workers 1 --no-progress",
             f"sweep {big} --out {tmp_path / 'big'}", f"sweep {spec} --dry-run"]
    lines = [line for line in _python(code, *argvs, cwd=tmp_path).splitlines()
             if line.startswith(("start", "exit"))]
    # the command's call, then run_sweep's own (which finds the server running)
    assert lines == ["start False", "start True", "exit 0 None", "exit 2 None",
                     "exit 0 None"]
