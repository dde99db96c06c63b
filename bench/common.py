"""Helpers for benchmarks: one JSON object per figure on stdout."""

from __future__ import annotations

import json
import platform
import re
import sys
from pathlib import Path
from typing import Any

SEEDS = Path(__file__).resolve().parents[2] / "shared" / "seeds"


def emit(benchmark: str, figure: str, value: float, unit: str, **context: Any) -> None:
    record = {"benchmark": benchmark, "figure": figure, "value": round(value, 4), "unit": unit}
    record.update(context)
    record["python"] = platform.python_version()
    print(json.dumps(record), flush=True)


def transcript_sentences(limit: int) -> list[str]:
    """Real interview sentences from the seed transcript (../shared/seeds), in order."""
    sources = sorted(SEEDS.glob("000_*.txt"))
    if not sources:
        sys.exit(f"No seed transcript under {SEEDS}: run from a checkout beside shared/")
    text = sources[0].read_text(encoding="utf-8")
    sentences = [s.strip() for s in re.split(r"(?<=[.!?])\s+", text) if len(s.split()) >= 6]
    while len(sentences) < limit:
        sentences += sentences
    return sentences[:limit]
