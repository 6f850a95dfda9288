"""``symbiosis-abm dashboard [--port P] [--host H]``: serve the Solara dashboard.

The server runs offline: Solara's telemetry is switched off, page assets come from the
``solara-assets`` package installed with the ``dashboard`` extra, and ``--production``
stops the page from checking for new versions on a public host. It binds to 127.0.0.1
unless ``--host`` says otherwise.
"""

from __future__ import annotations

import argparse
import importlib.util
import os
import subprocess
import sys

__all__ = ["register", "server_command", "server_env", "DEFAULT_PORT"]

DEFAULT_PORT = 8765
_MISSING = ("error: the dashboard needs its extra dependencies; install them with: "
            "pip install -e \".[dashboard]\"")


def register(sub: argparse._SubParsersAction) -> None:
    """Add the ``dashboard`` subcommand to the CLI's subparsers."""
    p = sub.add_parser("dashboard", help="serve the interactive dashboard in a browser")
    p.add_argument("--port", type=int, default=DEFAULT_PORT,
                   help=f"port to serve on (default {DEFAULT_PORT})")
    p.add_argument("--host", default="127.0.0.1",
                   help="address to bind (default 127.0.0.1: this machine only)")
    p.set_defaults(handler=_dashboard)


#: The page Solara serves, by module name (its relative imports need the package).
APP_MODULE = "symbiosis_abm.dashboard.app"


def server_command(host: str, port: int) -> list[str]:
    """The ``solara run`` command line (no browser is opened).

    >>> server_command("127.0.0.1", 8765)[-6:]
    ['--host', '127.0.0.1', '--port', '8765', '--production', '--no-open']
    """
    return [sys.executable, "-m", "solara", "run", APP_MODULE, "--host", host,
            "--port", str(port), "--production", "--no-open"]


def server_env(base: dict[str, str] | None = None) -> dict[str, str]:
    """Environment for an offline server: telemetry off, and a session whose page went
    away without saying so (a dropped connection) closed after two minutes rather than
    Solara's default day (unless set otherwise)."""
    env = dict(os.environ if base is None else base)
    env.setdefault("SOLARA_TELEMETRY_MIXPANEL_ENABLE", "false")
    env.setdefault("SOLARA_KERNEL_CULL_TIMEOUT", "2m")
    return env


def _dashboard(args: argparse.Namespace) -> int:
    if importlib.util.find_spec("solara") is None:
        print(_MISSING, file=sys.stderr)
        return 2
    if not 0 < args.port < 65536:
        print(f"error: --port {args.port}: must be between 1 and 65535", file=sys.stderr)
        return 2
    from .precompile import ensure_precompiled

    ensure_precompiled()   # before the page's first step, not during it
    print(f"dashboard: http://{args.host}:{args.port}  (Ctrl+C stops it)", file=sys.stderr)
    command = server_command(args.host, args.port)
    if hasattr(os, "execve"):
        # the server replaces this process: stopping this PID stops the server and frees
        # the port (a child would outlive its parent and keep the port)
        sys.stdout.flush()
        sys.stderr.flush()
        os.execve(command[0], command, server_env())
    return subprocess.call(command, env=server_env())
