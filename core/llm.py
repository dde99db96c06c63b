"""The configured OpenAI-compatible endpoint (OpenAI, vLLM, Ollama, llama.cpp's server)."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import openai

# Config key -> the environment variable a person sets for it.
REQUIRED_SETTINGS = (("OPENAI_BASE_URL", "OPENAI_BASE_URL"), ("JUDGE_MODEL", "LOOPWISE_JUDGE_MODEL"))


def missing_llm_settings(config: Mapping[str, Any]) -> list[str]:
    """The environment variables still to set before an LLM can be called (empty when ready)."""
    return [variable for key, variable in REQUIRED_SETTINGS if not config.get(key)]


def make_openai_client(
    config: Mapping[str, Any], *, timeout: float, max_retries: int, http_client: Any = None
) -> openai.OpenAI:
    """An OpenAI client for the configured endpoint (``http_client`` is an httpx2.Client)."""
    return openai.OpenAI(
        base_url=config["OPENAI_BASE_URL"],
        api_key=config.get("OPENAI_API_KEY") or "not-needed",  # local servers take any key
        timeout=timeout,
        max_retries=max_retries,
        http_client=http_client,
    )
