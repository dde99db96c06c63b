"""The LLM judge: grades an answer on each rubric criterion through any OpenAI-compatible endpoint.

Pure scoring code: text in, a ``ScorerResult`` out, with the ``openai`` client injected. It never
raises to the caller: an unreachable or unusable endpoint gives status UNAVAILABLE with the reason,
so the embedding score is never blocked by the judge.

How a verdict is made, mechanically:

1. The prompt (``prompts/judge_v1.txt``, version ``PROMPT_VERSION``, hashed) carries the rubric and
   fences the question and the answer between random boundary markers as untrusted data.
2. The reply must be one JSON object with, per criterion key, ``level`` (integer 1-4),
   ``rationale`` and ``evidence`` (quotes). It is requested with a JSON schema
   (``response_format={"type": "json_object", "schema": ...}``, which llama.cpp's server
   enforces); a server that refuses that gets ``{"type": "json_object"}``, then no format. Unknown
   or missing criteria, wrong types or levels out of range are schema violations: asked again
   (bounded), then UNAVAILABLE.
3. Every quote is checked to be a substring of the answer after light normalisation (case,
   whitespace, curly quotes, dashes; "..." may join fragments found in order). Rule for quotes
   that are not found ("invented"): the part of a level above 1 ("no evidence") is paid in
   proportion to the verified share of the criterion's quotes,
   ``level = 1 + (level - 1) * verified / quotes``, so a level above 1 with no verified quote
   becomes 1, and the result is flagged ``invented_quotes``. A level above 1 given with no quote
   at all is treated the same way (flag ``unsupported_level``). The criterion's confidence is the
   verified share (0.5 for level 1, whose "no evidence" cannot be quoted).
4. The overall level is ``RubricContent.weighted_level`` of the criterion levels, never an
   opinion of the model.
5. Prompt injection (``rubrics.scoring.injection``): when the answer holds text aimed at the
   grader, it is flagged ``injection``, the answer is graded again with the injected spans removed,
   each criterion's level is capped at that second level, and every confidence is set to 0: the
   judge's reading of an answer that talks to it is not trusted (the combination then relies on
   the embedding score).
6. Padding: sentences repeated verbatim are sent once (flag ``padding``), and the prompt tells the
   model that length, repetition and off-topic text earn nothing.
"""

from __future__ import annotations

import hashlib
import json
import logging
import re
import secrets
import time
import unicodedata
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path
from string import Template
from typing import Any

import openai
from pydantic import BaseModel, ConfigDict, Field, StrictInt, ValidationError

from core.llm import make_openai_client, missing_llm_settings
from rubrics.content import RubricContent
from rubrics.models import ScoreStatus
from rubrics.scoring.injection import detect_injection, strip_injection
from rubrics.scoring.text import normalise, split_sentences, word_count
from rubrics.scoring.types import CriterionScore, Evidence, ScorerResult

log = logging.getLogger(__name__)

PROMPT_VERSION = "judge-v1"
PROMPT_FILE = Path(__file__).resolve().parent / "prompts" / "judge_v1.txt"
DEFAULT_TIMEOUT = 30.0
MAX_EVIDENCE = 3
MAX_QUOTE_CHARS = 400
MAX_RATIONALE_CHARS = 600
MAX_EXEMPLAR_CHARS = 240
MAX_REFERENCE_CHARS = 1500
LEVEL_ONE_CONFIDENCE = 0.5
MIN_QUOTE_CHARS = 3  # a shorter "quote" proves nothing

FORMAT_SCHEMA, FORMAT_JSON, FORMAT_PLAIN = "json_schema", "json_object", "plain"
_FORMATS = (FORMAT_SCHEMA, FORMAT_JSON, FORMAT_PLAIN)
_RETRY_STATUSES = {408, 409, 425, 429, 500, 502, 503, 504}
_CONTEXT_WORDS = re.compile(r"context|too\s+long|maximum|exceed|n_ctx|tokens", re.IGNORECASE)


# ---------------------------------------------------------------- the prompt


@lru_cache(maxsize=1)
def prompt_template() -> str:
    """The versioned prompt text (read on first use, not at import)."""
    return PROMPT_FILE.read_text(encoding="utf-8")


def prompt_hash() -> str:
    """SHA-256 of the prompt template, recorded with every verdict."""
    return hashlib.sha256(prompt_template().encode("utf-8")).hexdigest()


def _sections() -> tuple[Template, Template]:
    text = prompt_template()
    _, rest = text.split("=== system ===\n", 1)
    system, user = rest.split("=== user ===\n", 1)
    return Template(system.strip()), Template(user.strip())


def _clip(text: str, limit: int) -> str:
    text = " ".join(text.split())
    return text if len(text) <= limit else text[: limit - 1].rstrip() + "…"


def describe_rubric(content: RubricContent, *, exemplars: bool = True) -> str:
    """The criteria, weights and level descriptors (with one short exemplar per level)."""
    lines = []
    for criterion in content.criteria:
        lines.append(f'Criterion "{criterion.key}": {criterion.title} (weight {criterion.weight:g})')
        for number, level in sorted(criterion.levels.items()):
            lines.append(f"  Level {number}: {_clip(level.descriptor, 600)}")
            if exemplars and level.exemplars:
                lines.append(
                    f"    Example of level {number}: {_clip(level.exemplars[0], MAX_EXEMPLAR_CHARS)}"
                )
    return "\n".join(lines)


def build_messages(
    content: RubricContent,
    answer: str,
    *,
    question: str = "",
    boundary: str | None = None,
    exemplars: bool = True,
) -> list[dict[str, str]]:
    """The chat messages: instructions, then the rubric and the fenced question and answer."""
    tag = boundary or secrets.token_hex(8)
    start, end = f"<<<UNTRUSTED-DATA-{tag}>>>", f"<<<END-UNTRUSTED-DATA-{tag}>>>"
    keys = ", ".join(f'"{criterion.key}"' for criterion in content.criteria)
    reference = (
        "REFERENCE ANSWER written by the rubric's authors (trusted; the candidate never saw it):\n"
        + _clip(content.reference_answer, MAX_REFERENCE_CHARS)
        if content.reference_answer
        else ""
    )
    system_template, user_template = _sections()
    values = {
        "boundary_start": start,
        "boundary_end": end,
        "criterion_keys": keys,
        "rubric_title": content.title,
        "criteria": describe_rubric(content, exemplars=exemplars),
        "reference": reference,
        "question": question.strip() or "(not given)",
        "answer": answer,
    }
    return [
        {"role": "system", "content": system_template.substitute(values)},
        {"role": "user", "content": user_template.substitute(values)},
    ]


# ---------------------------------------------------------------- the reply


class JudgeReplyError(ValueError):
    """The model's reply is not JSON or violates the schema; the message says how."""


class CriterionJudgement(BaseModel):
    """One criterion as the model must return it."""

    model_config = ConfigDict(extra="forbid")

    evidence: list[str] = Field(max_length=10)
    rationale: str
    level: StrictInt = Field(ge=1, le=4)


def reply_schema(content: RubricContent) -> dict[str, Any]:
    """The JSON schema of the reply for this rubric (inline, no references: servers vary)."""
    criterion = {
        "type": "object",
        "properties": {
            "evidence": {
                "type": "array",
                "items": {"type": "string", "maxLength": MAX_QUOTE_CHARS},
                "maxItems": MAX_EVIDENCE,
            },
            "rationale": {"type": "string", "maxLength": MAX_RATIONALE_CHARS},
            "level": {"type": "integer", "minimum": 1, "maximum": 4},
        },
        "required": ["evidence", "rationale", "level"],
        "additionalProperties": False,
    }
    keys = [c.key for c in content.criteria]
    return {
        "type": "object",
        "properties": {key: criterion for key in keys},
        "required": keys,
        "additionalProperties": False,
    }


_FENCE = re.compile(r"^\s*```(?:json)?\s*(.*?)\s*```\s*$", re.DOTALL | re.IGNORECASE)


def parse_reply(text: str | None, content: RubricContent) -> dict[str, CriterionJudgement]:
    """Validate the model's reply against the schema; JudgeReplyError says what is wrong."""
    if not text or not text.strip():
        raise JudgeReplyError("the reply is empty")
    fenced = _FENCE.match(text)
    body = fenced.group(1) if fenced else text.strip()
    try:
        data = json.loads(body)
    except json.JSONDecodeError as error:
        first, last = body.find("{"), body.rfind("}")  # prose around one object (no format)
        try:
            data = json.loads(body[first : last + 1]) if 0 <= first < last else None
        except json.JSONDecodeError:
            data = None
        if data is None:
            raise JudgeReplyError(f"the reply is not JSON ({error.msg} at {error.pos})") from None
    if isinstance(data, dict) and set(data) == {"criteria"} and isinstance(data["criteria"], dict):
        data = data["criteria"]  # a common, harmless nesting
    if not isinstance(data, dict):
        raise JudgeReplyError("the reply is JSON but not an object keyed by criterion")
    keys = [c.key for c in content.criteria]
    unknown = sorted(set(data) - set(keys))
    missing = [key for key in keys if key not in data]
    if unknown or missing:
        raise JudgeReplyError(f"criteria do not match the rubric (missing {missing}, unknown {unknown})")
    judgements = {}
    for key in keys:
        try:
            judgements[key] = CriterionJudgement.model_validate(data[key])
        except ValidationError as error:
            problems = "; ".join(
                f"{'.'.join(str(p) for p in e['loc']) or 'value'}: {e['msg']}" for e in error.errors()
            )
            raise JudgeReplyError(f"criterion {key!r} violates the schema ({problems})") from None
        if not all(isinstance(quote, str) for quote in judgements[key].evidence):
            raise JudgeReplyError(f"criterion {key!r} has evidence that is not text")
    return judgements


# ---------------------------------------------------------------- evidence


_QUOTE_CHARS = str.maketrans(
    {"“": '"', "”": '"', "„": '"', "«": '"', "»": '"', "‘": "'", "’": "'", "‚": "'", "–": "-", "—": "-"}
)
_ELLIPSIS = re.compile(r"\s*(?:\.\.\.|…|\[\.\.\.\])\s*")


def _normalise_with_map(text: str) -> tuple[str, list[int]]:
    """Case-folded text with quotes and dashes unified and whitespace collapsed, with each
    character's offset in ``text``."""
    out: list[str] = []
    where: list[int] = []
    pending_space = False
    for index, char in enumerate(text):
        char = unicodedata.normalize("NFKC", char).translate(_QUOTE_CHARS)
        if not char or char.isspace():
            pending_space = bool(out)
            continue
        if pending_space:
            out.append(" ")
            where.append(index)
            pending_space = False
        for piece in char.casefold():
            out.append(piece)
            where.append(index)
    return "".join(out), where


def normalise_quote(text: str) -> str:
    return _normalise_with_map(text)[0].strip(" \"'")


def verify_quote(
    quote: str, answer: str, *, normalised: tuple[str, list[int]] | None = None
) -> Evidence:
    """Evidence for ``quote``: verified when it occurs in ``answer`` (fragments joined by "..." must
    occur in order), with its character offset in the answer."""
    haystack, where = normalised or _normalise_with_map(answer)
    fragments = [normalise_quote(part) for part in _ELLIPSIS.split(quote.strip())]
    fragments = [fragment for fragment in fragments if fragment]
    if not fragments or sum(len(f) for f in fragments) < MIN_QUOTE_CHARS:
        return Evidence(quote=quote, verified=False)
    position, first = 0, None
    for fragment in fragments:
        found = haystack.find(fragment, position)
        if found < 0:
            return Evidence(quote=quote, verified=False)
        first = found if first is None else first
        position = found + len(fragment)
    return Evidence(quote=quote, verified=True, start=where[first] if first is not None else None)


def collapse_repetition(answer: str) -> tuple[str, int]:
    """The answer with sentences repeated verbatim kept once, and how many were dropped."""
    seen: set[str] = set()
    kept: list[str] = []
    dropped = 0
    for sentence in split_sentences(answer):
        key = normalise(sentence.text)
        if key in seen and word_count(sentence.text) >= 3:
            dropped += 1
            continue
        seen.add(key)
        kept.append(sentence.text)
    if not dropped:
        return answer, 0
    return " ".join(kept), dropped


# ---------------------------------------------------------------- the scorer


class JudgeUnavailable(Exception):
    """The endpoint could not give a usable verdict within the retries; the message says why."""


@dataclass
class _Usage:
    calls: int = 0
    tokens_in: int = 0
    tokens_out: int = 0
    reported: bool = False

    def add(self, completion: Any) -> None:
        self.calls += 1
        usage = getattr(completion, "usage", None)
        if usage is not None:
            self.reported = True
            self.tokens_in += usage.prompt_tokens or 0
            self.tokens_out += usage.completion_tokens or 0


@dataclass
class _Run:
    """One graded run: per criterion the model's level, the discounted level and the evidence."""

    raw: dict[str, int]
    levels: dict[str, float]
    confidence: dict[str, float]
    rationale: dict[str, str]
    evidence: dict[str, tuple[Evidence, ...]]
    flags: set[str] = field(default_factory=set)


class JudgeScorer:
    """Grades answers on rubric criteria with an LLM through the ``openai`` client."""

    name = "judge"

    def __init__(
        self,
        client: openai.OpenAI,
        model: str,
        *,
        timeout: float = DEFAULT_TIMEOUT,
        max_retries: int = 2,
        backoff: float = 0.5,
        repeat: int = 1,
        temperature: float | None = None,
        exemplars: bool = True,
        sleep: Callable[[float], None] = time.sleep,
    ) -> None:
        self.client = client
        self.model = model
        self.timeout = timeout
        self.max_retries = max(0, max_retries)
        self.backoff = backoff
        self.repeat = max(1, repeat)
        # Repeat runs only measure variance when the model samples.
        self.temperature = temperature if temperature is not None else (0.7 if repeat > 1 else 0.0)
        self.exemplars = exemplars
        self.sleep = sleep
        self._format = 0  # index into _FORMATS; lowered for good when a server refuses one

    @property
    def model_name(self) -> str:
        return self.model

    @property
    def response_format(self) -> str:
        return _FORMATS[self._format]

    # -- one call ------------------------------------------------------------------------

    def _request(self, messages: list[dict[str, str]], content: RubricContent, usage: _Usage) -> str:
        """One chat completion (lowering the response format when the server refuses it)."""
        while True:
            kind = _FORMATS[self._format]
            extra: dict[str, Any] = {}
            if kind == FORMAT_SCHEMA:
                extra["response_format"] = {"type": "json_object", "schema": reply_schema(content)}
            elif kind == FORMAT_JSON:
                extra["response_format"] = {"type": "json_object"}
            try:
                completion = self.client.chat.completions.create(
                    model=self.model,
                    messages=messages,  # type: ignore[arg-type]
                    temperature=self.temperature,
                    max_tokens=min(4096, 200 + 260 * len(content.criteria)),
                    timeout=self.timeout,
                    **extra,
                )
            except (openai.BadRequestError, openai.UnprocessableEntityError) as error:
                if kind == FORMAT_PLAIN or _CONTEXT_WORDS.search(str(error.message)):
                    raise
                log.info("%s refused response_format %s (%s); trying less", self.model, kind, error)
                self._format += 1
                continue
            if not hasattr(completion, "choices"):  # a 200 whose body is not a chat completion
                raise JudgeReplyError(
                    f"the endpoint's reply is not a chat completion: {completion!s:.80}"
                )
            usage.add(completion)
            choice = completion.choices[0] if completion.choices else None
            return (choice.message.content or "") if choice and choice.message else ""

    def _grade(
        self, answer: str, content: RubricContent, question: str, usage: _Usage, *, verify_in: str
    ) -> _Run:
        """Ask until a reply is valid, with bounded retries and exponential backoff; quotes are
        checked in ``verify_in``."""
        problem = ""
        for attempt in range(self.max_retries + 1):
            if attempt:
                self.sleep(self.backoff * 2 ** (attempt - 1))
            messages = build_messages(content, answer, question=question, exemplars=self.exemplars)
            try:
                reply = self._request(messages, content, usage)
                return self._run_from(parse_reply(reply, content), verify_in)
            except JudgeReplyError as error:
                problem = f"unusable reply: {error}"
            except openai.APITimeoutError:
                problem = f"no answer within {self.timeout:g} s"
            except openai.APIConnectionError as error:
                problem = f"could not reach the endpoint ({error.__cause__ or error})"
            except openai.APIStatusError as error:
                problem = f"HTTP {error.status_code}: {_clip(str(error.message), 200)}"
                if error.status_code not in _RETRY_STATUSES:
                    raise JudgeUnavailable(problem) from None
            log.warning("Judge %s, attempt %s: %s", self.model, attempt + 1, problem)
        attempts = self.max_retries + 1
        raise JudgeUnavailable(f"{problem} (after {attempts} attempt{'s' if attempts > 1 else ''})")

    @staticmethod
    def _run_from(judgements: dict[str, CriterionJudgement], answer: str) -> _Run:
        normalised = _normalise_with_map(answer)
        run = _Run(raw={}, levels={}, confidence={}, rationale={}, evidence={})
        for key, judgement in judgements.items():
            quotes = [q for q in judgement.evidence if q.strip()][:MAX_EVIDENCE]
            evidence = tuple(
                verify_quote(q[:MAX_QUOTE_CHARS], answer, normalised=normalised) for q in quotes
            )
            verified = sum(e.verified for e in evidence)
            share = verified / len(evidence) if evidence else 0.0
            level = judgement.level
            if level > 1:
                if verified < len(evidence):
                    run.flags.add("invented_quotes")
                if not evidence:
                    run.flags.add("unsupported_level")
                discounted = 1 + (level - 1) * share
                confidence = share
            else:
                discounted, confidence = 1.0, LEVEL_ONE_CONFIDENCE
                if verified < len(evidence):
                    run.flags.add("invented_quotes")
            run.raw[key] = level
            run.levels[key] = discounted
            run.confidence[key] = confidence
            run.rationale[key] = _clip(judgement.rationale, MAX_RATIONALE_CHARS)
            run.evidence[key] = evidence
        return run

    # -- the verdict ---------------------------------------------------------------------

    def score(self, answer: str, content: RubricContent, *, question: str = "") -> ScorerResult:
        """Grade ``answer`` on every criterion of ``content``; never raises."""
        started = time.perf_counter()
        usage = _Usage()
        common = {"scorer": self.name, "model": self.model, "prompt_version": PROMPT_VERSION}
        try:
            common["prompt_hash"] = prompt_hash()
            if not answer or not answer.strip():
                return ScorerResult(
                    **common,
                    status=ScoreStatus.INSUFFICIENT_EVIDENCE,
                    error="The answer is empty.",
                    latency_ms=0,
                )
            result = self._score(answer, content, question, usage)
            status, error = ScoreStatus.SCORED, None
        except JudgeUnavailable as unavailable:
            result, status, error = None, ScoreStatus.UNAVAILABLE, f"Judge unavailable: {unavailable}"
        except (openai.OpenAIError, OSError, ValueError) as failure:  # a bug or a broken client
            log.exception("Judge %s failed", self.model)
            result, status, error = None, ScoreStatus.UNAVAILABLE, f"Judge unavailable: {failure}"
        latency_ms = round((time.perf_counter() - started) * 1000)
        tokens = {
            "tokens_in": usage.tokens_in if usage.reported else None,
            "tokens_out": usage.tokens_out if usage.reported else None,
        }
        if result is None:
            return ScorerResult(
                **common,
                status=status,
                error=error,
                latency_ms=latency_ms,
                **tokens,
                extra={"calls": usage.calls, "response_format": self.response_format},
            )
        criteria, level, confidence, flags, extra = result
        extra.update(calls=usage.calls, response_format=self.response_format)
        return ScorerResult(
            **common,
            status=status,
            criteria=criteria,
            level=level,
            confidence=confidence,
            flags=flags,
            latency_ms=latency_ms,
            **tokens,
            extra=extra,
        )

    def _score(self, answer: str, content: RubricContent, question: str, usage: _Usage):
        flags: list[str] = []
        extra: dict[str, Any] = {}
        sent, dropped = collapse_repetition(answer)
        if dropped:
            flags.append("padding")
            extra["repeated_sentences_dropped"] = dropped
        # Quotes are checked in the answer as given, not in the shortened copy.
        runs = [
            self._grade(sent, content, question, usage, verify_in=answer) for _ in range(self.repeat)
        ]
        keys = [c.key for c in content.criteria]
        levels = {key: sum(run.levels[key] for run in runs) / len(runs) for key in keys}
        confidence = {key: sum(run.confidence[key] for run in runs) / len(runs) for key in keys}
        for run in runs:
            flags.extend(sorted(run.flags))
        if self.repeat > 1:
            extra["repeat"] = {
                "runs": self.repeat,
                "levels": {key: [run.raw[key] for run in runs] for key in keys},
                "mean": {key: sum(run.raw[key] for run in runs) / len(runs) for key in keys},
                "variance": {key: _variance([run.raw[key] for run in runs]) for key in keys},
            }
        extra["model_levels"] = {key: runs[0].raw[key] for key in keys}
        reasons = detect_injection(answer)
        if reasons:
            flags.append("injection")
            stripped = strip_injection(answer)
            cap = self._cap_without_injection(stripped, content, question, usage)
            extra["injection"] = {
                "reasons": list(reasons),
                "levels_as_sent": dict(levels),
                "levels_without_injection": cap,
            }
            levels = {key: min(levels[key], cap[key]) for key in keys}
            confidence = dict.fromkeys(keys, 0.0)
        first = runs[0]
        criteria = tuple(
            CriterionScore(
                key=key,
                level=round(levels[key], 3),
                confidence=round(confidence[key], 3),
                rationale=first.rationale[key],
                evidence=first.evidence[key],
            )
            for key in keys
        )
        weighted = content.weighted_level(levels)
        overall_confidence = (
            sum(c.weight * confidence[c.key] for c in content.criteria) / content.total_weight
        )
        return (
            criteria,
            round(weighted, 3),
            round(overall_confidence, 3),
            tuple(dict.fromkeys(flags)),
            extra,
        )

    def _cap_without_injection(
        self, stripped: str, content: RubricContent, question: str, usage: _Usage
    ) -> dict[str, float]:
        if word_count(stripped) == 0:  # nothing but the injection: no evidence
            return {c.key: 1.0 for c in content.criteria}
        try:
            run = self._grade(stripped, content, question, usage, verify_in=stripped)
        except JudgeUnavailable as error:
            raise JudgeUnavailable(
                f"could not grade the answer without its injected text: {error}"
            ) from None
        return dict(run.levels)


def _variance(values: list[int]) -> float:
    mean = sum(values) / len(values)
    return sum((value - mean) ** 2 for value in values) / len(values)


# ---------------------------------------------------------------- configuration


def judge_unavailable_reason(config: Mapping[str, Any]) -> str | None:
    """Why the judge is off here, or None when an endpoint and a model are configured."""
    missing = missing_llm_settings(config)
    return f"The LLM judge is off: set {' and '.join(missing)}." if missing else None


def make_judge_client(
    config: Mapping[str, Any], *, http_client: Any = None, timeout: float = DEFAULT_TIMEOUT
) -> tuple[openai.OpenAI | None, str | None]:
    """An OpenAI client for the configured endpoint (without its own retries: the judge retries),
    or None and the reason it is off. ``http_client`` is an ``httpx2.Client``."""
    reason = judge_unavailable_reason(config)
    if reason:
        return None, reason
    return make_openai_client(config, timeout=timeout, max_retries=0, http_client=http_client), None


def make_judge_scorer(
    config: Mapping[str, Any], *, http_client: Any = None, **options: Any
) -> tuple[JudgeScorer | None, str | None]:
    """A judge for the configured endpoint and model, or None and the reason it is off."""
    timeout = options.get("timeout", DEFAULT_TIMEOUT)
    client, reason = make_judge_client(config, http_client=http_client, timeout=timeout)
    if client is None:
        return None, reason
    return JudgeScorer(client, config["JUDGE_MODEL"], **options), None
