"""Advisory checks of a job description: inclusive language and over-requirement.

Pure functions over plain data (a mapping of JD field name to text or list of items) that return
frozen dataclasses; nothing here touches the database.

Gender-coded wording follows Gaucher, D., Friesen, J., & Kay, A. C. (2011). "Evidence That Gendered
Wording in Job Advertisements Exists and Sustains Gender Inequality." Journal of Personality and
Social Psychology, 101(1), 109-128. Their appendix lists masculine- and feminine-coded word stems
(a trailing * meaning "any ending"); job ads with more masculine-coded words were judged less
appealing by women, who anticipated less belonging, while feminine-coded wording barely moved men.
The stems below are written out from that appendix as we know it. Stereotyped hype words such as
"ninja" or "rockstar" are not in the paper: they are in the separate list of exclusionary wording.

Over-requirement follows the hiring advice we build on: do not over-populate a JD with every skill
you hope for, because it narrows the pool; keep to what is truly critical.
"""

from __future__ import annotations

import re
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from datetime import date
from typing import Any

# ---------------------------------------------------------------- word lists

# Gaucher, Friesen & Kay (2011), appendix: "stem*" matches any ending, a bare word only itself.
MASCULINE_CODED = (
    "active adventurous aggress* ambitio* analy* assert* athlet* autonom* boast* challeng* "
    "compet* confident courag* decide decisive decision* determin* dominan* force* greedy "
    "headstrong hierarch* hostil* impulsive independen* individual* intellect* lead* logic "
    "masculine objective opinion outspoken persist principle* reckless stubborn superior "
    "self-confiden* self-relian* self-sufficien*"
).split()
FEMININE_CODED = (
    "affectionate child* cheer* commit* communal compassion* connect* considerate cooperat* "
    "depend* emotiona* empath* feminine flatterable gentle honest interpersonal interdependen* "
    "kind kinship loyal* modesty nag nurtur* pleasant* polite quiet* respon* sensitiv* "
    "submissive support* sympath* tender* together* trust* understand* warm* whin* yield*"
).split()

# A neutral alternative for each masculine-coded stem (feminine-coded words need no change).
MASCULINE_ALTERNATIVES = {
    "active": "engaged, involved",
    "adventurous": "curious, open to new problems",
    "aggress": "proactive; or say what the pace is ('tight deadlines')",
    "ambitio": "motivated, eager to grow",
    "analy": "thoughtful, evidence-based (fine as a technical term, e.g. 'error analysis')",
    "assert": "clear, direct",
    "athlet": "drop it: it rarely describes the job",
    "autonom": "self-directed; 'trusted to own work end to end'",
    "boast": "share, show",
    "challeng": "hard, interesting, new (problems)",
    "compet": "strong, capable; for pay, state the range",
    "confident": "comfortable, sure of your ground",
    "courag": "willing to speak up",
    "decide": "choose, make calls",
    "decisive": "clear, quick to act on evidence",
    "decision": "choice, call (fine as a technical term, e.g. 'decision tree')",
    "determin": "committed, persevering",
    "dominan": "well-established, widely used",
    "force": "bring about, drive",
    "greedy": "drop it (fine as a technical term, e.g. 'greedy decoding')",
    "headstrong": "persevering",
    "hierarch": "structured, layered",
    "hostil": "drop it",
    "impulsive": "drop it",
    "independen": "self-directed, able to work on your own",
    "individual": "person, you; 'IC' for individual contributor",
    "intellect": "curious, thoughtful",
    "lead": "guide, mentor, own, coordinate",
    "logic": "reasoning",
    "masculine": "drop it",
    "objective": "goal, aim (fine as a technical term, e.g. 'training objective')",
    "opinion": "view, perspective",
    "outspoken": "willing to share your view",
    "persist": "keep going, follow through",
    "principle": "values, fundamentals",
    "reckless": "drop it",
    "stubborn": "persevering",
    "superior": "excellent, very good",
    "self-confiden": "comfortable, sure of your ground",
    "self-relian": "resourceful",
    "self-sufficien": "resourceful",
}

# Terms of art in ML job ads where a coded stem carries its technical sense, not a personality.
TECHNICAL_SENSES = re.compile(
    r"\b(?:active learning|decision (?:trees?|boundar(?:y|ies)|forests?)|objective functions?"
    r"|(?:training|loss|learning) objectives?|greedy (?:decoding|search|algorithms?)"
    r"|hierarchical (?:clustering|models?|bayes\w*)|deterministic|(?:error|data|statistical|survival"
    r"|principal component|sentiment|static|dynamic|exploratory|causal) analys[ie]s|analytics)\b",
    re.IGNORECASE,
)


@dataclass(frozen=True)
class _Wording:
    pattern: re.Pattern[str]
    reason: str
    suggestion: str


def _wording(pattern: str, reason: str, suggestion: str) -> _Wording:
    return _Wording(re.compile(pattern, re.IGNORECASE), reason, suggestion)


_HYPE = "Stereotyped hype words signal a narrow, mostly young and male, in-group."
_AGE = "Reads as an age preference, which is discriminatory in many places."
EXCLUSIONARY = (
    _wording(r"\brock[- ]?stars?\b", _HYPE, "skilled, experienced"),
    _wording(r"\bninjas?\b", _HYPE, "expert, skilled"),
    _wording(r"\bgurus?\b", _HYPE, "expert, specialist"),
    _wording(r"\bwizards?\b", _HYPE, "specialist"),
    _wording(r"\bsuperstars?\b", _HYPE, "accomplished, strong"),
    _wording(r"\byoung\b|\byouthful\b", _AGE, "drop it; describe the work, not the team's age"),
    _wording(r"\bdigital natives?\b", _AGE, "comfortable with modern tools"),
    _wording(
        r"\brecent (?:college |university )?grad(?:uate)?s?\b|\b(?:new|fresh) grad(?:uate)?s?\b",
        _AGE,
        "early-career; or name the skills you need",
    ),
    _wording(
        r"\b(?:up to|no more than|maximum of|at most) \d+ years\b",
        _AGE,
        "drop the upper limit on experience",
    ),
    _wording(
        r"\bnative(?: english)? speakers?\b|\bnative english\b|\bmother tongue\b|\bperfect english\b",
        "Excludes fluent speakers by national origin.",
        "fluent in English; professional working proficiency in English",
    ),
    _wording(
        r"\bcultur(?:e|al) fit\b|\bfits? (?:in|into) our culture\b",
        "Invites hiring people like those already here.",
        "culture add; or name the values you mean ('writes things down', 'gives direct, kind feedback')",
    ),
    _wording(
        r"\bable[- ]bodied\b|\bphysically fit\b",
        "Excludes disabled people for no stated reason.",
        "name the actual physical requirement, if any, and offer adjustments",
    ),
    _wording(
        r"\bhe\s*/\s*she\b|\bs/he\b|\bhe or she\b|\bhis\s*/\s*her\b|\b(?:he|him|his|himself)\b",
        "A generic 'he' assumes the person hired is a man.",
        "they, them, their; or address the reader as 'you'",
    ),
    _wording(r"\bguys\b", "Gendered way to address a group.", "everyone, folks, team"),
    _wording(r"\bmanpower\b", "Gendered term.", "staffing, people, capacity"),
    _wording(
        r"\bwork hard,? play hard\b",
        "Signals long hours and a narrow social scene.",
        "describe the actual hours and flexibility",
    ),
    _wording(
        r"\bivy league\b|\b(?:top[- ]tier|elite|top) (?:universit(?:y|ies)|schools?|colleges?)\b",
        "A prestige filter that screens out capable people from other schools.",
        "a degree in a relevant field, or equivalent experience",
    ),
    _wording(r"\bcrazy\b|\binsane(?:ly)?\b", "Ableist slang.", "remarkable, intense, very"),
)

# ---------------------------------------------------------------- over-requirement

MAX_MUST_HAVES = 8
MAX_YEARS = 8  # asking for this many years or more is flagged
MAX_TECH_STACK = 15
MAX_MUST_HAVE_TOOLS = 6

# First public release of technologies often over-asked for: nobody has more years than this.
TECHNOLOGY_RELEASES: tuple[tuple[str, int, str], ...] = (
    ("PyTorch", 2016, r"pytorch"),
    ("TensorFlow", 2015, r"tensorflow"),
    ("JAX", 2018, r"jax"),
    ("Keras", 2015, r"keras"),
    ("scikit-learn", 2007, r"scikit[- ]learn|sklearn"),
    ("pandas", 2008, r"pandas"),
    ("XGBoost", 2014, r"xgboost"),
    ("LightGBM", 2016, r"lightgbm"),
    ("Transformers", 2017, r"transformers?"),
    ("Hugging Face", 2016, r"hugging ?face"),
    ("large language models", 2018, r"llms?|large language models?"),
    ("LangChain", 2022, r"langchain"),
    ("vLLM", 2023, r"vllm"),
    ("Ray", 2017, r"ray"),
    ("MLflow", 2018, r"mlflow"),
    ("Kubeflow", 2018, r"kubeflow"),
    ("Airflow", 2015, r"airflow"),
    ("Dagster", 2019, r"dagster"),
    ("dbt", 2016, r"dbt"),
    ("Spark", 2010, r"spark|pyspark"),
    ("Kafka", 2011, r"kafka"),
    ("Snowflake", 2014, r"snowflake"),
    ("BigQuery", 2010, r"bigquery"),
    ("Redshift", 2012, r"redshift"),
    ("Databricks", 2013, r"databricks"),
    ("Docker", 2013, r"docker"),
    ("Kubernetes", 2014, r"kubernetes|k8s"),
    ("Terraform", 2014, r"terraform"),
    ("SageMaker", 2017, r"sagemaker"),
    ("Vertex AI", 2021, r"vertex ai"),
    ("ONNX", 2017, r"onnx"),
    ("Rust", 2015, r"rust"),
    ("Polars", 2020, r"polars"),
    ("DuckDB", 2019, r"duckdb"),
    ("FastAPI", 2018, r"fastapi"),
    ("Python", 1991, r"python"),
    ("SQL", 1974, r"sql"),
    ("AWS", 2006, r"aws|amazon web services"),
    ("Google Cloud", 2008, r"gcp|google cloud"),
    ("Azure", 2010, r"azure"),
    ("CUDA", 2007, r"cuda"),
)
_TECHNOLOGIES = tuple(
    (name, year, re.compile(rf"(?<![\w-])(?:{pattern})(?![\w-])", re.IGNORECASE))
    for name, year, pattern in TECHNOLOGY_RELEASES
)
_NUMBER_WORDS = {
    "one": 1, "two": 2, "three": 3, "four": 4, "five": 5, "six": 6, "seven": 7, "eight": 8,
    "nine": 9, "ten": 10, "eleven": 11, "twelve": 12, "fifteen": 15, "twenty": 20,
}  # fmt: skip
_YEARS = re.compile(
    rf"\b(?P<count>\d{{1,2}}|{'|'.join(_NUMBER_WORDS)})\s*(?:\+|plus)?\s*"
    r"(?:(?:-|–|to)\s*\d{1,2}\s*)?\+?\s*(?:years?|yrs?)\b",
    re.IGNORECASE,
)
_SENTENCE_END = re.compile(r"(?<=[.!?;])\s+|\n+")

# ---------------------------------------------------------------- results


@dataclass(frozen=True)
class Finding:
    # masculine_coded, feminine_coded, exclusionary, must_have_count, years, technology_age, tool_list
    check: str
    field: str  # the JD field ("title", "summary", "must_have", ...)
    matched: str  # the text that was matched, as written
    message: str
    suggestion: str
    severity: str  # "warning", "notice" or "info"


@dataclass(frozen=True)
class JDReport:
    findings: tuple[Finding, ...]

    def _of(self, check: str) -> tuple[Finding, ...]:
        return tuple(f for f in self.findings if f.check == check)

    @property
    def masculine(self) -> tuple[Finding, ...]:
        return self._of("masculine_coded")

    @property
    def feminine(self) -> tuple[Finding, ...]:
        return self._of("feminine_coded")

    @property
    def issues(self) -> tuple[Finding, ...]:
        """Findings worth acting on (feminine-coded words are informational only)."""
        return tuple(f for f in self.findings if f.severity != "info")

    @property
    def language_issues(self) -> tuple[Finding, ...]:
        return tuple(f for f in self.issues if f.check in ("masculine_coded", "exclusionary"))

    @property
    def requirement_issues(self) -> tuple[Finding, ...]:
        return tuple(f for f in self.issues if f.check not in ("masculine_coded", "exclusionary"))

    @property
    def leaning(self) -> str:
        """Which way the wording leans, by the count of distinct coded words."""
        difference = len(self.masculine) - len(self.feminine)
        if difference > 0:
            return "masculine-coded"
        if difference < 0:
            return "feminine-coded"
        return "neutral"


# ---------------------------------------------------------------- checks

_LANGUAGE_FIELDS = tuple(
    "title summary use_cases must_have nice_to_have day_to_day interview_process".split()
)


def _segments(jd: Mapping[str, Any], fields: tuple[str, ...]) -> Iterator[tuple[str, str]]:
    """(field, text) for each text field and each item of each list field present in ``jd``."""
    for field in fields:
        value = jd.get(field)
        if isinstance(value, str):
            if value.strip():
                yield field, value
        elif value:
            for item in value:
                if isinstance(item, str) and item.strip():
                    yield field, item


def _coded_patterns(stems: list[str]) -> list[tuple[str, re.Pattern[str]]]:
    patterns = []
    for stem in stems:
        word = stem.rstrip("*")
        ending = r"[\w-]*" if stem.endswith("*") else r"\b"
        patterns.append((word, re.compile(rf"(?<![\w-]){re.escape(word)}{ending}", re.IGNORECASE)))
    return patterns


_MASCULINE = _coded_patterns(MASCULINE_CODED)
_FEMININE = _coded_patterns(FEMININE_CODED)


def check_inclusive_language(jd: Mapping[str, Any]) -> tuple[Finding, ...]:
    """Gender-coded words (Gaucher et al. 2011) and exclusionary wording, each with a suggestion."""
    findings: list[Finding] = []
    seen: set[tuple[str, str, str]] = set()

    def add(finding: Finding) -> None:
        key = (finding.check, finding.field, finding.matched.lower())
        if key not in seen:
            seen.add(key)
            findings.append(finding)

    for field, text in _segments(jd, _LANGUAGE_FIELDS):
        technical = [m.span() for m in TECHNICAL_SENSES.finditer(text)]
        for wording in EXCLUSIONARY:
            for match in wording.pattern.finditer(text):
                finding = Finding(
                    "exclusionary", field, match.group(), wording.reason, wording.suggestion, "warning"
                )
                add(finding)
        coded = sorted(
            (match.start(), check, stem, match.group())
            for check, patterns in (("masculine_coded", _MASCULINE), ("feminine_coded", _FEMININE))
            for stem, pattern in patterns
            for match in pattern.finditer(text)
            if not any(start <= match.start() < end for start, end in technical)
        )
        for _position, check, stem, matched in coded:
            if check == "masculine_coded":
                message = "Masculine-coded word (Gaucher, Friesen & Kay 2011)."
                suggestion, severity = MASCULINE_ALTERNATIVES[stem], "notice"
            else:
                message = "Feminine-coded word (Gaucher, Friesen & Kay 2011); no change needed."
                suggestion, severity = "", "info"
            add(Finding(check, field, matched, message, suggestion, severity))
    return tuple(findings)


def _year_count(text: str) -> int:
    return int(text) if text.isdigit() else _NUMBER_WORDS[text.lower()]


def _years_findings(field: str, sentence: str, as_of_year: int) -> Iterator[Finding]:
    for match in _YEARS.finditer(sentence):
        years = _year_count(match.group("count"))
        if years >= MAX_YEARS:
            message = (
                f"Asking for {years}+ years of experience filters out capable people and reads as "
                "an age preference."
            )
            suggestion = (
                "Describe the scope of work you need someone to have done instead "
                "(e.g. 'has designed and run a training pipeline in production')."
            )
            yield Finding("years", field, match.group(), message, suggestion, "warning")
        for name, year, pattern in _TECHNOLOGIES:
            named = pattern.search(sentence)
            if named and years >= as_of_year - year:
                message = (
                    f"{name} was first released in {year}: {years} years of it would mean using "
                    "it since its first release, or before."
                )
                suggestion = (
                    f"Ask for the depth you need ('has trained and shipped models with {name}') "
                    "rather than a year count."
                )
                matched = f"{match.group()} … {named.group()}"
                yield Finding("technology_age", field, matched, message, suggestion, "warning")


def check_over_requirement(jd: Mapping[str, Any], *, as_of_year: int) -> tuple[Finding, ...]:
    """Too many must-haves, inflated years of experience, and laundry lists of tools."""
    findings: list[Finding] = []
    must_have = [item for item in jd.get("must_have") or [] if isinstance(item, str)]
    if len(must_have) > MAX_MUST_HAVES:
        message = (
            f"{len(must_have)} must-have skills narrow the pool: people who meet most of them "
            "often do not apply."
        )
        suggestion = (
            f"Keep the {MAX_MUST_HAVES} or fewer that are truly critical; move the rest to "
            "nice-to-have, where the right person can pick them up on the job."
        )
        count = f"{len(must_have)} must-haves"
        findings.append(Finding("must_have_count", "must_have", count, message, suggestion, "warning"))
    for field, text in _segments(
        jd, ("summary", "use_cases", "must_have", "nice_to_have", "day_to_day")
    ):
        for sentence in _SENTENCE_END.split(text):
            findings.extend(_years_findings(field, sentence, as_of_year))
    stack = [item for item in jd.get("tech_stack") or [] if isinstance(item, str)]
    if len(stack) > MAX_TECH_STACK:
        message = f"A tech stack of {len(stack)} items reads as a laundry list."
        suggestion = f"List the {MAX_TECH_STACK} or fewer tools the person will use most."
        count = f"{len(stack)} technologies"
        findings.append(Finding("tool_list", "tech_stack", count, message, suggestion, "warning"))
    tools = sorted({name for item in must_have for name, _y, p in _TECHNOLOGIES if p.search(item)})
    if len(tools) > MAX_MUST_HAVE_TOOLS:
        message = f"The must-haves name {len(tools)} tools; few strong candidates know them all."
        suggestion = (
            "Ask for the underlying skill ('a deep learning framework', 'a cloud data warehouse') "
            "and move specific tools to the tech stack."
        )
        findings.append(
            Finding("tool_list", "must_have", ", ".join(tools), message, suggestion, "warning")
        )
    return tuple(findings)


def check_jd(jd: Mapping[str, Any], *, as_of_year: int | None = None) -> JDReport:
    """Run every check over a JD given as plain data (field name -> text or list of items)."""
    year = as_of_year if as_of_year is not None else date.today().year
    return JDReport(check_inclusive_language(jd) + check_over_requirement(jd, as_of_year=year))
