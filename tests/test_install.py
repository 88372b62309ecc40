"""zava-mcp installed as a user installs it: a built wheel, run from outside the source tree."""

from __future__ import annotations

import asyncio
import os
import shutil
import signal
import subprocess
import sys
import tomllib
import venv
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest
from fastmcp import Client

from tests.servers import wait_http
from zava_mcp.infra.embedded import free_port
from zava_mcp.seed.catalogue import load_catalogue

ROOT = Path(__file__).resolve().parents[1]
NOT_SOURCE = (".git", ".venv", ".zava", "build", "*.egg-info", "bench-results", "__pycache__")
NOT_SOURCE += (".pytest_cache", ".mypy_cache", ".ruff_cache")


def test_every_package_is_listed_in_pyproject() -> None:
    """setuptools cannot discover the mapped migrations/ and seed/ folders, so the packages are
    listed by hand; a new subpackage missing from the list would be missing from the wheel."""
    listed = set(
        tomllib.loads((ROOT / "pyproject.toml").read_text())["tool"]["setuptools"]["packages"]
    )
    on_disk = {
        ".".join(init.parent.relative_to(ROOT).parts)
        for init in (ROOT / "zava_mcp").rglob("__init__.py")
    }
    assert listed == on_disk | {"zava_mcp._migrations", "zava_mcp._seed"}


def _run(args: list[str], *, cwd: Path, env: dict[str, str], timeout: float) -> str:
    result = subprocess.run(
        args, cwd=cwd, env=env, capture_output=True, text=True, timeout=timeout, check=False
    )
    assert result.returncode == 0, f"{args} failed:\n{result.stdout}\n{result.stderr}"
    return result.stdout


def _user_venv(folder: Path) -> Path:
    """A venv whose dependencies come from this interpreter's (nothing is downloaded)."""
    venv.EnvBuilder(with_pip=False).create(folder)
    site = next((folder / "lib").glob("python3.*/site-packages"))
    # every site-packages folder of the running interpreter, never the source tree itself
    shared = [p for p in sys.path if p.endswith("site-packages") and Path(p).is_dir()]
    (site / "zz-deps.pth").write_text("\n".join(shared) + "\n")
    return folder / "bin"


@pytest.fixture
def installed(tmp_path: Path) -> Iterator[tuple[Path, Path, dict[str, str]]]:
    """(bin folder, working folder, environment) of a non-editable install outside the repo."""
    assert not tmp_path.is_relative_to(ROOT)
    bin_dir = _user_venv(tmp_path / "venv")
    work = tmp_path / "work"
    work.mkdir()
    env = {k: v for k, v in os.environ.items() if not k.startswith("ZAVA_")}
    env.pop("PYTHONPATH", None)
    env.update(
        {
            "ZAVA_DATA_DIR": str(tmp_path / "data"),
            "ZAVA_EMBEDDED_PORT": str(free_port()),
            "HF_HUB_OFFLINE": "1",
            "TRANSFORMERS_OFFLINE": "1",
        }
    )
    # a copy of the tree, like an sdist: setuptools builds in place, and a build/ folder left in
    # the checkout would put stale modules into later wheels
    source = tmp_path / "source"
    shutil.copytree(ROOT, source, ignore=shutil.ignore_patterns(*NOT_SOURCE))
    # not editable: pip builds a wheel (without build isolation, so offline) and installs it
    _run(
        [
            *(str(bin_dir / "python"), "-m", "pip", "install", "-q", "--no-deps", "--no-index"),
            *("--no-build-isolation", str(source)),
        ],
        cwd=work,
        env=env,
        timeout=300,
    )
    try:
        yield bin_dir, work, env
    finally:
        subprocess.run(
            [str(bin_dir / "zava-mcp"), "db", "stop"],
            cwd=work,
            env=env,
            capture_output=True,
            timeout=60,
            check=False,
        )


def test_wheel_install_migrates_seeds_and_serves(
    installed: tuple[Path, Path, dict[str, str]],
) -> None:
    bin_dir, work, env = installed
    python, cli = str(bin_dir / "python"), str(bin_dir / "zava-mcp")
    where = _run(
        [
            python,
            "-c",
            "import zava_mcp._migrations as m, zava_mcp._seed as s; "
            "print(m.__file__); print(s.__file__)",
        ],
        cwd=work,
        env=env,
        timeout=60,
    )
    # the packaged copies, not the checkout's folders
    for line in where.split():
        assert Path(line).is_relative_to(bin_dir.parent), where

    _run([cli, "db", "start"], cwd=work, env=env, timeout=180)
    _run([cli, "migrate"], cwd=work, env=env, timeout=180)  # /readyz below checks the head
    _run(
        [python, "-m", "zava_mcp.seed", "--scale", "0.01", "--no-embeddings", "--no-progress"],
        cwd=work,
        env=env,
        timeout=300,
    )
    # the default dev identity and the client configurations both come from the catalogue
    store_manager = next(m for m in load_catalogue().managers if m.access_level == "store")
    clients = _run([cli, "clients"], cwd=work, env=env, timeout=60)
    assert str(store_manager.id) in clients, clients

    port = free_port()
    serve_env = {**env, "ZAVA_AUTH_MODE": "dev", "ZAVA_HOST": "127.0.0.1", "ZAVA_PORT": str(port)}
    log = work / "server.log"
    with log.open("wb") as out:
        proc = subprocess.Popen([cli, "serve"], cwd=work, env=serve_env, stdout=out, stderr=out)
    base = f"http://127.0.0.1:{port}"
    try:
        try:
            wait_http(f"{base}/healthz", timeout=180, proc=proc)
        except (RuntimeError, TimeoutError) as exc:
            raise AssertionError(f"{exc}\n{log.read_text()[-3000:]}") from exc
        ready = httpx.get(f"{base}/readyz", timeout=10).json()
        migrations = ready["checks"]["migrations"]
        assert migrations["ok"] is True and migrations["current"] == migrations["expected"], ready

        async def whoami() -> dict[str, object]:
            async with Client(f"{base}/mcp", timeout=60) as client:
                result = await client.call_tool("get_current_user_info", {})
                assert result.structured_content is not None
                return result.structured_content

        me = asyncio.run(whoami())
        assert me.get("access_level") == "store", me
        assert me.get("manager_id") == str(store_manager.id), me
    finally:
        proc.send_signal(signal.SIGTERM)
        try:
            proc.wait(timeout=30)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait(timeout=30)
