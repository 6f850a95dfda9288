"""What a sweep's fork server loads once, before it forks any worker.

The ``processes`` backend starts its workers from a fork server (:mod:`.fork_server`),
which imports this module first: the model, the resource catalogue and a short run of
``kalundborg``, so that the compiled kernels are loaded from their cache once, and each
worker forked from that state starts at once instead of importing and loading them
itself (about 1 s a worker).

Every sweep waits for this, whatever its workers: it is the part of a sweep that more
workers do not shorten. So the modules that Mesa or the model imports but a run does not
use (:data:`DEFERRED`) are imported only when first used (:func:`.._lazy.defer_import`; a
worker whose run, or whose model of its own, does use one imports it then): pandas
(``mesa.agent`` imports it; about 0.4 s), Mesa's grids and spaces (``mesa`` imports them;
about 0.15 s with networkx, whose graph the model makes only for its outputs).

Importing this module runs that warm-up; nothing else imports it. A warm-up that fails
is left to the workers, which meet the same error in their runs and report it. Where the
kernels' cache is not current (a checkout's first sweep), the server may have started
before the sweep compiles them on every core (:func:`.fork_server.start_early`): it then
leaves the kernels to the workers, which load them from the cache the sweep has filled.
"""

from __future__ import annotations

from .._lazy import defer_import

WARM_UP_REGION = "kalundborg"
WARM_UP_TICKS = 120
#: Imported by the model's imports but not used by a run.
DEFERRED = ("pandas", "networkx", "mesa.discrete_space", "mesa.space")


def _warm_up() -> None:
    for name in DEFERRED:
        defer_import(name)
    from ..model import SymbiosisModel
    from ..precompile import is_current
    from .worker import warm_up

    warm_up()
    # where the cache is not current, the sweep is compiling the kernels on every core:
    # the workers load them after that, rather than this server compiling them alone
    if is_current():
        SymbiosisModel(WARM_UP_REGION, rng=0).run(WARM_UP_TICKS)


try:
    _warm_up()
except Exception:  # noqa: BLE001  (the workers report it, run by run)
    pass
