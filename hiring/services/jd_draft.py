"""An optional LLM draft of a JD from a short brief, through any OpenAI-compatible endpoint.

The prompt building and the reply parsing are plain functions; the client is passed in (tests give
it an httpx2 MockTransport that returns a recorded reply), and the draft is saved into the role
with ``jd_is_llm_draft`` set, until a person reviews and saves the JD.
"""

from __future__ import annotations

import json
import logging
import re
from collections.abc import Callable, Mapping
from typing import Any

import openai
from sqlalchemy.orm import Session

from core.audit import record_audit
from core.errors import DomainError
from core.llm import make_openai_client, missing_llm_settings
from hiring.models import JobRole, RoleStatus
from hiring.services.jd_templates import JD_FIELD_LABELS, clean_jd

log = logging.getLogger(__name__)

PROMPT_VERSION = "jd-draft-v1"
REQUEST_TIMEOUT_SECONDS = 60.0
HTTP_RETRIES = 2  # the client's own retries of connection errors, 429 and 5xx answers
REPLY_ATTEMPTS = 2  # asks again once when the reply is not a usable JD
MAX_BRIEF_LENGTH = 2000
MIN_BRIEF_LENGTH = 20
MAX_REPLY_TOKENS = 1800
DRAFTABLE = (RoleStatus.DRAFT, RoleStatus.ON_HOLD)
DRAFT_FIELDS = (
    "summary",
    "use_cases",
    "must_have",
    "nice_to_have",
    "tech_stack",
    "day_to_day",
    "interview_process",
)
LIST_DRAFT_FIELDS = ("must_have", "nice_to_have", "tech_stack")

SYSTEM_PROMPT = """You write job descriptions for AI and machine learning roles.
Answer with one JSON object and nothing else, with exactly these keys:
  "summary": string, 2 to 4 sentences on what the person will do and why it matters,
  "use_cases": string, the concrete problems the team works on,
  "must_have": array of 3 to 6 short strings, only the skills that are truly required,
  "nice_to_have": array of up to 6 short strings,
  "tech_stack": array of up to 12 tool names,
  "day_to_day": string, what a typical week looks like,
  "interview_process": string, the interview stages and a realistic timeline.
Rules: no counts of years of experience; no degree requirements unless the brief asks for them;
plain, specific, inclusive language: address the reader as "you", never "he" or "his", and avoid
hype words such as rockstar, ninja, guru, competitive, dominant or aggressive.
Do not invent links, salaries or facts about the company that the brief does not give."""


class DraftError(DomainError):
    """The draft could not be made; the message says why, and nothing was saved."""


def draft_unavailable_reason(config: Mapping[str, Any]) -> str | None:
    """Why LLM drafting is switched off here, or None when an endpoint and model are configured."""
    missing = missing_llm_settings(config)
    return f"LLM drafting is off: an admin must set {' and '.join(missing)}." if missing else None


def make_client(
    config: Mapping[str, Any],
    *,
    http_client: Any = None,
    timeout: float = REQUEST_TIMEOUT_SECONDS,
    max_retries: int = HTTP_RETRIES,
) -> openai.OpenAI:
    """An OpenAI client for the configured endpoint (``http_client`` is an httpx2.Client)."""
    return make_openai_client(config, timeout=timeout, max_retries=max_retries, http_client=http_client)


def clean_brief(title: str, brief: str) -> tuple[str, str]:
    """The brief's title and text, trimmed, or DraftError when they are unusable."""
    title, brief = (title or "").strip(), (brief or "").strip()
    if not title or len(title) > 200:
        raise DraftError("Give the brief a title of up to 200 characters.")
    if not MIN_BRIEF_LENGTH <= len(brief) <= MAX_BRIEF_LENGTH:
        raise DraftError(
            f"Write a brief of {MIN_BRIEF_LENGTH} to {MAX_BRIEF_LENGTH} characters: a few "
            "sentences on the team, the problems and the level."
        )
    return title, brief


def build_messages(title: str, brief: str) -> list[dict[str, str]]:
    """The chat messages asking for a JD as JSON."""
    user = f"Role title: {title}\n\nBrief from the hiring manager:\n{brief}\n\nWrite the JSON object."
    return [{"role": "system", "content": SYSTEM_PROMPT}, {"role": "user", "content": user}]


_FENCE = re.compile(r"^\s*```(?:json)?\s*(.*?)\s*```\s*$", re.DOTALL | re.IGNORECASE)


def parse_draft(content: str | None) -> dict[str, Any]:
    """Validate the model's reply: a JSON object with every draft field, of the right types."""
    if not content or not content.strip():
        raise DraftError("The model returned an empty reply.")
    fenced = _FENCE.match(content)
    text = fenced.group(1) if fenced else content.strip()
    try:
        data = json.loads(text)
    except json.JSONDecodeError as error:
        raise DraftError(
            f"The model's reply is not JSON ({error.msg} at character {error.pos})."
        ) from None
    if not isinstance(data, dict):
        raise DraftError("The model's reply is JSON but not an object with the JD's fields.")
    missing = [name for name in DRAFT_FIELDS if name not in data]
    if missing:
        raise DraftError(f"The model's reply lacks {', '.join(missing)}.")
    for name in DRAFT_FIELDS:
        value = data[name]
        if name in LIST_DRAFT_FIELDS:
            if not isinstance(value, list) or not all(isinstance(item, str) for item in value):
                raise DraftError(f"In the model's reply, {name} is not a list of strings.")
        elif not isinstance(value, str):
            raise DraftError(f"In the model's reply, {name} is not a string.")
    try:
        draft = clean_jd({name: data[name] for name in DRAFT_FIELDS})
    except DomainError as error:
        raise DraftError(f"The model's reply is out of bounds: {error.message}") from None
    for name in ("summary", "must_have"):
        if not draft[name]:
            raise DraftError(f"The model's reply has an empty {JD_FIELD_LABELS[name].lower()}.")
    return draft


Progress = Callable[[int, str], None]


def request_draft(
    client: openai.OpenAI,
    *,
    model: str,
    title: str,
    brief: str,
    attempts: int = REPLY_ATTEMPTS,
    progress: Progress | None = None,
) -> dict[str, Any]:
    """Ask the model for a JD and return its validated fields; DraftError when that fails."""
    messages = build_messages(title, brief)
    problem = ""
    for attempt in range(1, attempts + 1):
        if progress:
            progress(10 + 30 * (attempt - 1), f"Asking {model} for a draft (attempt {attempt})")
        try:
            completion = client.chat.completions.create(
                model=model,
                messages=messages,  # type: ignore[arg-type]
                response_format={"type": "json_object"},
                temperature=0.4,
                max_tokens=MAX_REPLY_TOKENS,
            )
        except openai.APITimeoutError:
            raise DraftError(
                f"The LLM endpoint did not answer within {REQUEST_TIMEOUT_SECONDS:.0f} seconds."
            ) from None
        except openai.APIConnectionError as error:
            raise DraftError(f"Could not reach the LLM endpoint ({error}).") from None
        except openai.APIStatusError as error:
            raise DraftError(
                f"The LLM endpoint refused the request: HTTP {error.status_code} ({error.message})."
            ) from None
        try:
            content = completion.choices[0].message.content if completion.choices else None
            return parse_draft(content)
        except DraftError as error:
            problem = error.message
            log.warning("Unusable JD draft from %s (attempt %s): %s", model, attempt, problem)
    raise DraftError(f"The model gave no usable draft in {attempts} attempts. Last problem: {problem}")


def ensure_can_draft(role: JobRole) -> None:
    """Only roles that are not public yet (draft, on hold) may receive an unreviewed draft."""
    if role.status not in DRAFTABLE:
        raise DraftError(
            f"The role is {role.status.label.lower()}: LLM drafts are only for draft or on-hold "
            "roles, so that an unreviewed JD is never public."
        )


def save_llm_draft(
    session: Session, role: JobRole, draft: Mapping[str, Any], *, model: str, actor_id: int | None
) -> JobRole:
    """Write the draft into the role's JD and flag it for review."""
    ensure_can_draft(role)
    cleaned = clean_jd({name: draft[name] for name in DRAFT_FIELDS})
    before = {name: getattr(role, name) for name in DRAFT_FIELDS}
    for name, value in cleaned.items():
        setattr(role, name, value)
    role.jd_is_llm_draft = True
    record_audit(
        session,
        actor_id=actor_id,
        action="role.jd_drafted",
        object_type="role",
        object_id=role.id,
        summary=f"{role.title}: JD drafted by {model} ({PROMPT_VERSION}), awaiting review",
        before=before,
        after={**cleaned, "model": model, "prompt_version": PROMPT_VERSION},
    )
    return role


def run_jd_draft(
    session: Session,
    role_id: int,
    *,
    title: str,
    brief: str,
    client: openai.OpenAI,
    model: str,
    actor_id: int | None,
    progress: Progress | None = None,
) -> dict[str, Any]:
    """Draft a role's JD from a brief and save it; nothing is saved when any step fails."""
    role = session.get(JobRole, role_id)
    if role is None:
        raise DraftError("The role no longer exists.")
    ensure_can_draft(role)
    title, brief = clean_brief(title, brief)
    draft = request_draft(client, model=model, title=title, brief=brief, progress=progress)
    if progress:
        progress(85, "Saving the draft into the role")
    save_llm_draft(session, role, draft, model=model, actor_id=actor_id)
    session.flush()
    return {
        "role_id": role.id,
        "model": model,
        "prompt_version": PROMPT_VERSION,
        "must_haves": len(draft["must_have"]),
    }
