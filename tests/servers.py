"""Servers the tests start for themselves: on loopback, on free ports, stopped by the test.

- :func:`free_port`: a TCP port nothing listens on now;
- :func:`private_postgres`: a PostgreSQL instance of the test's own (``initdb`` in a temporary
  folder and ``pg_ctl``, run as an unprivileged user: the server refuses to run as root).
"""

from __future__ import annotations

import contextlib
import os
import pwd
import shutil
import socket
import subprocess
import tempfile
from collections.abc import Iterator
from pathlib import Path


def free_port() -> int:
    """A loopback TCP port that is free now."""
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _as_user(user: str, *command: str, **kwargs) -> subprocess.CompletedProcess:
    """``command`` as ``user`` (``runuser`` when we are root, directly otherwise)."""
    prefix = ["runuser", "-u", user, "--"] if os.geteuid() == 0 else []
    return subprocess.run([*prefix, *command], capture_output=True, text=True, timeout=120, **kwargs)


def postgres_binaries() -> Path | None:
    """The folder of PostgreSQL's ``initdb`` and ``pg_ctl`` (PATH first, then Debian's layout)."""
    found = shutil.which("pg_ctl")
    if found:
        return Path(found).parent
    debian = sorted(Path("/usr/lib/postgresql").glob("*/bin/pg_ctl"))
    return debian[-1].parent if debian else None


@contextlib.contextmanager
def private_postgres(database: str = "gradebook", user: str = "nobody", password: str | None = None) -> Iterator[str]:
    """A PostgreSQL server of the caller's own, with one empty database.

    The data folder is temporary and owned by ``user`` (root cannot run the server); the server
    listens on 127.0.0.1 on a free port and on a socket in that folder, trusts local connections
    (or, with ``password``, asks for it: scram-sha-256) and is stopped (``pg_ctl stop -m fast``)
    and deleted on exit, also when the block fails.

    Yields:
        The database's SQLAlchemy URL, ``postgresql+psycopg://nbgrader[:password]@127.0.0.1:<port>/<database>``.
    """
    binaries = postgres_binaries()
    if binaries is None:
        raise RuntimeError("PostgreSQL is not installed (initdb/pg_ctl): apt-get install postgresql")
    port = free_port()
    with tempfile.TemporaryDirectory(prefix="cnnkit-pg-") as scratch:
        folder = Path(scratch)
        owner = pwd.getpwnam(user)
        if os.geteuid() == 0:
            os.chown(folder, owner.pw_uid, owner.pw_gid)
        data = folder / "data"
        auth = ["--auth=trust"]
        if password is not None:
            (folder / "pw").write_text(password)
            os.chmod(folder / "pw", 0o644)
            auth = ["--auth=scram-sha-256", f"--pwfile={folder / 'pw'}"]
        done = _as_user(user, str(binaries / "initdb"), "-D", str(data), *auth, "-U", "nbgrader", "-E", "UTF8")
        (folder / "pw").unlink(missing_ok=True)
        if done.returncode:
            raise RuntimeError(f"initdb failed: {done.stderr.strip()[-500:]}")
        done = _as_user(user, str(binaries / "pg_ctl"), "-D", str(data), "-l", str(folder / "server.log"), "-w",
                        "-o", f"-h 127.0.0.1 -p {port} -k {folder}", "start")
        if done.returncode:
            raise RuntimeError(f"pg_ctl start failed: {done.stderr.strip()[-500:]}")
        try:
            import psycopg

            secret = f" password={password}" if password is not None else ""
            with psycopg.connect(f"host=127.0.0.1 port={port} user=nbgrader dbname=postgres{secret}", autocommit=True) as admin:
                admin.execute(f'CREATE DATABASE "{database}"')
            login = f"nbgrader:{password}" if password is not None else "nbgrader"
            yield f"postgresql+psycopg://{login}@127.0.0.1:{port}/{database}"
        finally:
            _as_user(user, str(binaries / "pg_ctl"), "-D", str(data), "-m", "fast", "-w", "stop")
