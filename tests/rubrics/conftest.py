"""Fixtures of the rubrics tests: our fake OpenAI-compatible server, and the real local judge."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.rubrics.fake_openai_server import FakeOpenAI


@pytest.fixture(scope="session")
def fake_openai_server() -> Iterator[FakeOpenAI]:
    with FakeOpenAI() as server:
        yield server


@pytest.fixture
def fake_openai(fake_openai_server: FakeOpenAI) -> Iterator[FakeOpenAI]:
    """The fake server, with no script, handler or recorded request left from another test."""
    fake_openai_server.reset()
    yield fake_openai_server
    fake_openai_server.reset()


@pytest.fixture(scope="session")
def local_judge(tmp_path_factory: pytest.TempPathFactory):
    """llama-cpp-python's server with SmolLM2-135M-Instruct on 127.0.0.1, once per session."""
    from rubrics.local_judge import local_judge_missing, start_local_judge, stop_local_judge

    missing = local_judge_missing()
    if missing:
        pytest.skip(f"the local judge is not installed: {missing}")
    log_path = Path(tmp_path_factory.mktemp("local_judge")) / "server.log"
    judge = start_local_judge(port=_free_port(), log_path=log_path)
    yield judge
    stop_local_judge(judge)


def _free_port() -> int:
    import socket

    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]
