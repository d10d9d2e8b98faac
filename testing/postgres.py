"""A throwaway PostgreSQL server for tests: initdb in a temporary folder, 127.0.0.1 on a free port.

    server = PostgresServer.start()     # raises PostgresUnavailable with the reason
    url = await server.create_database()  # a fresh, empty database: postgresql://studybot@127.0.0.1:PORT/dbN
    server.stop(); server.start_again() # a real outage, same data and port
    server.close()                      # stop and delete everything
    async with connected(url) as db: …  # a plain asyncpg connection, for tests to look inside

Binaries come from PATH or Debian's /usr/lib/postgresql/N/bin (STUDYBOT_PG_BIN overrides). As
root (CI), the server runs as the unprivileged `postgres` user, since initdb refuses root.
"""

from __future__ import annotations

import contextlib
import glob
import itertools
import os
import pwd
import shutil
import socket
import subprocess
import tempfile
from dataclasses import dataclass
from pathlib import Path

import asyncpg

USER = "studybot"
PASSWORD_USER = "studybot_pw"  # connects over 127.0.0.1 only with a password
START_TIMEOUT = 30  # seconds for pg_ctl start/stop


class PostgresUnavailable(Exception):
    pass


def find_bin_dir() -> Path | None:
    if env := os.environ.get("STUDYBOT_PG_BIN"):
        return Path(env)
    if found := shutil.which("initdb"):
        return Path(found).resolve().parent
    candidates = sorted(glob.glob("/usr/lib/postgresql/*/bin/initdb"), key=lambda p: int(Path(p).parts[-3]))
    return Path(candidates[-1]).parent if candidates else None


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


@dataclass
class PostgresServer:
    bin_dir: Path
    root: Path  # the temporary folder: data/ and the socket
    port: int
    run_as: str | None
    fsync: bool = False  # off for tests (they kill clients, never the server); on for benchmarks
    _names = itertools.count(1)

    @classmethod
    def start(cls, *, fsync: bool = False) -> PostgresServer:
        bin_dir = find_bin_dir()
        if bin_dir is None or not (bin_dir / "initdb").exists():
            raise PostgresUnavailable("no PostgreSQL binaries (initdb) on PATH or in /usr/lib/postgresql/*/bin")
        run_as = None
        root = Path(tempfile.mkdtemp(prefix="studybot-pg-"))
        if os.geteuid() == 0:
            try:
                account = pwd.getpwnam("postgres")
            except KeyError:
                raise PostgresUnavailable("running as root and there is no `postgres` user to run initdb as") from None
            os.chown(root, account.pw_uid, account.pw_gid)
            run_as = "postgres"
        server = cls(bin_dir, root, free_port(), run_as, fsync)
        try:
            server._run("initdb", "-D", str(root / "data"), "--auth=trust", f"--username={USER}", "-E", "UTF8",
                        "--no-instructions", "--locale=C.UTF-8")
            hba = root / "data" / "pg_hba.conf"  # one role that must give a password, for the password tests
            hba.write_text(f"host all {PASSWORD_USER} 127.0.0.1/32 scram-sha-256\n" + hba.read_text())
            server.start_again()
        except BaseException:
            server.close()
            raise
        return server

    def _run(self, tool: str, *args: str) -> None:
        done = subprocess.run(
            [str(self.bin_dir / tool), *args], capture_output=True, text=True, user=self.run_as,
            timeout=START_TIMEOUT + 10, cwd=self.root,
        )
        if done.returncode != 0:
            output = done.stderr.strip() or done.stdout.strip()
            raise PostgresUnavailable(f"{tool} failed ({done.returncode}): {output}")

    def start_again(self) -> None:
        # max_connections covers the pool tests.
        fsync = "on" if self.fsync else "off"
        options = f"-p {self.port} -k {self.root} -c listen_addresses=127.0.0.1 -c fsync={fsync} -c max_connections=200"
        self._run("pg_ctl", "-D", str(self.root / "data"), "-o", options, "-l", str(self.root / "log"),
                  "-w", "-t", str(START_TIMEOUT), "start")

    def stop(self, mode: str = "fast") -> None:
        self._run("pg_ctl", "-D", str(self.root / "data"), "-m", mode, "-w", "-t", str(START_TIMEOUT), "stop")

    def url(self, database: str = "postgres") -> str:
        return f"postgresql://{USER}@127.0.0.1:{self.port}/{database}"

    async def create_database(self) -> str:
        """A new empty database; its url."""
        name = f"db{next(self._names)}"
        admin = await asyncpg.connect(self.url(), timeout=10)
        try:
            await admin.execute(f"CREATE DATABASE {name} TEMPLATE template0")
        finally:
            await admin.close()
        return self.url(name)

    async def create_password_role(self, password: str) -> str:
        """The url of a database owned by PASSWORD_USER, who logs in with `password` (never in the url)."""
        url = await self.create_database()
        admin = await asyncpg.connect(self.url(), timeout=10)
        try:
            await admin.execute(f"DROP ROLE IF EXISTS {PASSWORD_USER}")
            await admin.execute(f"CREATE ROLE {PASSWORD_USER} LOGIN PASSWORD '{password}'")
            await admin.execute(f"ALTER DATABASE {url.rsplit('/', 1)[1]} OWNER TO {PASSWORD_USER}")
        finally:
            await admin.close()
        return url.replace(f"//{USER}@", f"//{PASSWORD_USER}@")

    def close(self) -> None:
        if (self.root / "data" / "postmaster.pid").exists():
            with contextlib.suppress(PostgresUnavailable):
                self.stop("immediate")
        shutil.rmtree(self.root, ignore_errors=True)


@contextlib.asynccontextmanager
async def connected(url: str):
    """A plain asyncpg connection to `url`, closed on leaving."""
    connection = await asyncpg.connect(url, timeout=10)
    try:
        yield connection
    finally:
        await connection.close()
