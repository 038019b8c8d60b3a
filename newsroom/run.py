"""`make run` / `make dev`: database, migrations, demo content, static files, server.

Ctrl-C or SIGTERM stops the site and the embedded database if this process started it.
"""

from __future__ import annotations

import argparse
import contextlib
import os
import secrets
import signal
import subprocess
import sys
import time

from newsroom import devdb, env

MANAGE = [sys.executable, str(devdb.ROOT / "manage.py")]


def local_secret_key() -> str:
    """The generated key of this checkout, kept in the git-ignored data folder."""
    path = devdb.DATA_DIR / "secret_key"
    if not path.exists():
        devdb.DATA_DIR.mkdir(parents=True, exist_ok=True)
        path.write_text(secrets.token_urlsafe(50))
        path.chmod(0o600)
    return path.read_text().strip()


def prepare_environment(*, dev: bool, port: str = "8000") -> None:
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "newsroom.settings")
    # Links in mails (a held comment's review link) lead where this server listens.
    os.environ.setdefault("NEWSROOM_SITE_URL", f"http://127.0.0.1:{port}")
    os.environ.setdefault("DJANGO_SECRET_KEY", local_secret_key())
    os.environ.setdefault("DJANGO_ALLOWED_HOSTS", "127.0.0.1,localhost")
    # Plain HTTP on the loopback interface: no HTTPS redirect, no Secure-only cookies.
    os.environ.setdefault("NEWSROOM_HTTPS", "false")
    os.environ.setdefault("NEWSROOM_SERVE_MEDIA", "true")
    os.environ["DJANGO_DEBUG"] = "true" if dev else env.get("DJANGO_DEBUG", "false")


def manage(*args: str) -> None:
    print(f"==> manage.py {' '.join(args)}", flush=True)
    subprocess.run([*MANAGE, *args], check=True)


# The app servers `make bench` compares (docs/performance.md); the first is the
# default, chosen by that measurement. Sizes are for a small machine: about two
# processes per core for sync, which blocks per request; fewer, threaded ones else.
APP_SERVERS = ("granian", "gthread", "sync")


def app_server_command(
    kind: str,
    *,
    bind: str,
    workers: int | None = None,
    threads: int = 4,
    access_log: bool = False,
) -> list[str]:
    """The production command line of one app server kind on `bind` (host:port)."""
    cores = os.cpu_count() or 1
    if kind == "granian":
        host, port = bind.rsplit(":", 1)
        command = [sys.executable, "-m", "granian", "--interface", "wsgi"]
        command += ["--host", host, "--port", port]
        command += ["--workers", str(workers or cores)]
        command += ["--blocking-threads", str(threads), "--log-level", "warning"]
        command += ["--respawn-failed-workers"]
        command += ["--access-log"] if access_log else []
        return [*command, "newsroom.wsgi:application"]
    if kind not in ("sync", "gthread"):
        raise ValueError(f"unknown app server {kind!r}; choose from {APP_SERVERS}")
    command = [sys.executable, "-m", "gunicorn", "newsroom.wsgi", "--bind", bind]
    command += ["--no-control-socket", "--graceful-timeout", "10"]
    if kind == "gthread":
        command += ["--worker-class", "gthread", "--workers", str(workers or cores)]
        command += ["--threads", str(threads), "--keep-alive", "5"]
    else:
        command += [
            "--worker-class",
            "sync",
            "--workers",
            str(workers or 2 * cores + 1),
        ]
    return [*command, "--access-logfile", "-"] if access_log else command


def server_command(*, dev: bool, port: str) -> list[str]:
    if dev:
        return [*MANAGE, "runserver", f"127.0.0.1:{port}"]
    workers = env.get_int("NEWSROOM_WORKERS", 0)
    return app_server_command(
        env.get("NEWSROOM_APP_SERVER", APP_SERVERS[0]),
        bind=f"127.0.0.1:{port}",
        workers=workers or None,
        threads=env.get_int("NEWSROOM_THREADS", 4),
        access_log=True,
    )


def serve(*commands: list[str]) -> int:
    """Run the app server and the task worker until one of them exits or we are told
    to stop (Ctrl-C, SIGTERM), then stop both and everything they started.

    Each runs in a process group of its own: a terminal's Ctrl-C reaches this
    process only, which then stops each group in order (SIGTERM, then SIGKILL after
    STOP_SECONDS), so one Ctrl-C is enough even when a worker would ignore SIGINT."""
    processes = [subprocess.Popen(command, process_group=0) for command in commands]
    try:
        while True:
            for process in processes:
                if (code := process.poll()) is not None:
                    return code
            time.sleep(0.2)
    except KeyboardInterrupt:
        return 130
    finally:
        for process in processes:
            stop_group(process)


# Seconds the app server gets to finish its requests before it is killed.
STOP_SECONDS = 6


def stop_group(process: subprocess.Popen) -> None:
    for signum, seconds in ((signal.SIGTERM, STOP_SECONDS), (signal.SIGKILL, 5)):
        try:
            os.killpg(process.pid, signum)
        except ProcessLookupError:
            return  # the group is gone
        try:
            process.wait(timeout=seconds)
        except subprocess.TimeoutExpired:
            continue
        # The leader is gone; workers it left behind go with the group.
        with contextlib.suppress(ProcessLookupError):
            os.killpg(process.pid, signal.SIGKILL)
        return


def stop_on_sigterm(signum: int, frame: object) -> None:
    raise SystemExit(128 + signum)


def main(argv: list[str] | None = None) -> int:
    # SIGTERM unwinds through `finally` like Ctrl-C does.
    signal.signal(signal.SIGTERM, stop_on_sigterm)
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--dev", action="store_true", help="runserver with DEBUG on")
    parser.add_argument(
        "--manage",
        nargs=argparse.REMAINDER,
        metavar="COMMAND",
        help="run one manage.py command with make run's database and settings "
        "(make backup, make restore)",
    )
    args = parser.parse_args(argv)
    port = str(env.get_int("PORT", 8000))
    try:
        database_url, started = devdb.ensure_database_url("run")
    except devdb.DevDBError as error:
        print(error, file=sys.stderr)
        return 2
    where = "embedded, started now" if started else "already running or given"
    print(f"==> database {database_url} ({where})", flush=True)
    try:
        prepare_environment(dev=args.dev, port=port)
        if args.manage:
            manage(*args.manage)
            return 0
        manage("migrate", "--noinput")
        manage("load_demo")
        if not args.dev:
            manage("collectstatic", "--noinput", "--verbosity", "0")
        print(
            f"==> serving http://127.0.0.1:{port}/ with one task worker (Ctrl-C stops)",
            flush=True,
        )
        return serve(server_command(dev=args.dev, port=port), [*MANAGE, "run_worker"])
    except subprocess.CalledProcessError as error:
        if not args.manage:  # the command said why itself
            print(f"Set-up step failed: {' '.join(error.cmd[1:])}", file=sys.stderr)
        return error.returncode or 1
    except KeyboardInterrupt:
        return 130
    finally:
        if started:
            devdb.stop("run")
            print("==> embedded database stopped", flush=True)


if __name__ == "__main__":
    sys.exit(main())
