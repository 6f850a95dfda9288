"""Where runs can execute: the backends' names, for the command lines' choices.

Apart from :mod:`.backends` (which runs them and imports the model) so that a command
line can offer the choice, and print its help, without loading the model.

Examples
--------
>>> BACKENDS
('serial', 'processes', 'dask')
"""

__all__ = ["BACKENDS"]

#: in one process; on worker processes of this machine; on a Dask cluster
BACKENDS = ("serial", "processes", "dask")
