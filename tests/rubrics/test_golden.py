"""The golden set and the release gate, on the real embedding model and the real database.

The golden set is twelve answers to "how does backpropagation train a network?", graded 0-5 by us.
A rubric whose reference answer and exemplars are about baking sponge cake is the "worse"
version: the embedding match cannot tell good answers from bad with it. The judge's gate runs
over real HTTP against our fake OpenAI-compatible server, whose two "models" grade in the humans'
order and in the reverse order.
"""

from __future__ import annotations

import copy
import csv
import io
import json

import pytest
from sqlalchemy import select

from core.audit import AuditEvent
from core.auth import Role
from core.errors import DomainError
from rubrics import golden
from rubrics.golden import GateOutcome, GateRefused, GateRun, GoldenImportError
from rubrics.services import library
from tests.rubrics.fake_openai_server import Reply, criterion_keys, fenced_answer
from tests.support.factories import create_test_user, sign_in
from tests.support.rubric_factories import SMALL_RUBRIC

QUESTION = "Explain how backpropagation trains a neural network."
GRADED = [
    (
        "The forward pass computes the prediction and the loss. Backpropagation then applies the "
        "chain rule from the loss backwards, layer by layer, so each layer multiplies the "
        "incoming gradient by its local derivative; that gives the gradient of the loss for every"
        " weight in one backward pass. An optimiser such as Adam or SGD moves each weight against"
        " its gradient, scaled by the learning rate. In deep networks I watch for vanishing or "
        "exploding gradients.",
        5,
    ),
    (
        "You compute the loss, then use the chain rule to push the gradient back through each "
        "layer until you have the derivative of the loss with respect to every weight. Then "
        "gradient descent updates the weights a small step in the opposite direction. Deep stacks"
        " can suffer from vanishing gradients.",
        5,
    ),
    (
        "Backpropagation is the chain rule applied from the loss back through the layers. The "
        "activations stored during the forward pass are reused to compute each layer's gradient, "
        "and then the optimiser, usually SGD or Adam, updates the weights.",
        4,
    ),
    (
        "The network makes a prediction, the loss measures the error, and the gradients of the "
        "loss are sent back through the layers with the chain rule so that every weight gets its "
        "own gradient. Then the weights are updated with gradient descent.",
        4,
    ),
    (
        "Gradients flow from the loss to the weights through the chain rule: each layer passes "
        "back the gradient of its output times its local derivative. With those per-weight "
        "gradients the optimiser takes a step against the gradient.",
        4,
    ),
    (
        "After the forward pass you get a loss. Backprop works out how much each weight "
        "contributed to the loss, going backwards from the output layer, and then the optimiser "
        "changes the weights. I think it uses derivatives for that.",
        3,
    ),
    (
        "It computes gradients of the loss and the weights get updated with gradient descent so "
        "that the loss goes down over the epochs. The framework does the maths with autograd, I "
        "have not needed the details.",
        2,
    ),
    (
        "The loss tells you how wrong the model is and then backpropagation uses gradients "
        "somehow to make the model better. I usually just use Adam and it works.",
        2,
    ),
    (
        "The model gets better with more training data and more epochs. You keep training until "
        "the accuracy on the validation set stops improving.",
        1,
    ),
    (
        "I think backpropagation is when you feed the outputs back in as the inputs for the next "
        "round, like a feedback loop, until the predictions stop changing.",
        1,
    ),
    (
        "Backpropagation is when the data goes backwards into the database so the model can read "
        "it again on the next pass.",
        0,
    ),
    (
        "Honestly the framework takes care of it. You call fit, the weights get adjusted inside, "
        "and I check the accuracy after every epoch.",
        0,
    ),
]


def golden_csv_text(rows=GRADED) -> str:
    lines = ["question_id,question,reference_answer,answer,score,max_score"]
    for answer, score in rows:
        quoted = answer.replace('"', '""')
        lines.append(f'bp,{QUESTION},,"{quoted}",{score},5')
    return "\n".join(lines) + "\n"


def baking_rubric() -> dict:
    """SMALL_RUBRIC with its targets replaced by text about baking: the worse version."""
    content = copy.deepcopy(SMALL_RUBRIC)
    content["reference_answer"] = (
        "Whisk the eggs with sugar, fold in the flour and bake the sponge at 180 degrees for "
        "twenty minutes."
    )
    for criterion in content["criteria"]:
        for level in criterion["levels"].values():
            level["exemplars"] = ["Preheat the oven and grease the tin before you pour in the batter."]
    return content


@pytest.fixture
def manager(session):
    return create_test_user(roles=[Role.HIRING_MANAGER])


def new_rubric(session, manager, content, key="golden-backprop"):
    return library.create_rubric(
        session, key=key, title="Backpropagation", content=content, actor_id=manager.id
    )


def gate_runs(session, rubric) -> list[GateRun]:
    return list(
        session.scalars(select(GateRun).where(GateRun.rubric_id == rubric.id).order_by(GateRun.id))
    )


def test_the_gate_accepts_a_better_version_and_refuses_a_worse_one(session, manager):
    rubric = new_rubric(session, manager, baking_rubric())
    golden.import_golden_set(session, rubric, golden_csv_text(), filename="bp.csv", actor_id=manager.id)

    first = library.publish_rubric(session, rubric, actor_id=manager.id)
    run = golden.gate_run_for_version(session, first.id)
    assert run.outcome is GateOutcome.WARNING and "First version" in run.message
    assert run.after["n"] == 12 and run.before == {}

    library.save_draft(session, rubric, content=SMALL_RUBRIC, actor_id=manager.id)
    better = library.publish_rubric(session, rubric, actor_id=manager.id)
    run = golden.gate_run_for_version(session, better.id)
    assert run.outcome is GateOutcome.PASSED and run.baseline == "v1" and run.scorer == "embedding"
    assert run.after["qwk"] > run.before["qwk"] + 0.3
    assert run.after["spearman"] > run.before["spearman"] + 0.3

    library.save_draft(session, rubric, content=baking_rubric(), actor_id=manager.id)
    with pytest.raises(GateRefused) as refused:
        library.publish_rubric(session, rubric, actor_id=manager.id)
    message = refused.value.message
    assert "Refused by the release gate" in message and "more than 0.05" in message
    assert f"v2: QWK {run.after['qwk']:.3f}" in message and "the draft: QWK" in message
    assert [v.number for v in rubric.versions] == [1, 2]  # nothing published
    last = gate_runs(session, rubric)[-1]
    assert last.outcome is GateOutcome.REFUSED and last.version_id is None
    assert last.before["qwk"] - last.after["qwk"] > 0.05
    actions = session.scalars(
        select(AuditEvent.action).where(AuditEvent.object_id == str(rubric.id))
    ).all()
    assert "rubric.release_refused" in actions


def test_a_wide_margin_lets_the_worse_version_through(session, manager, app, monkeypatch):
    rubric = new_rubric(session, manager, SMALL_RUBRIC)
    golden.import_golden_set(session, rubric, golden_csv_text(), filename="bp.csv", actor_id=manager.id)
    library.publish_rubric(session, rubric, actor_id=manager.id)
    library.save_draft(session, rubric, content=baking_rubric(), actor_id=manager.id)
    monkeypatch.setitem(app.config, "GATE_MARGIN", "1")  # as read from LOOPWISE_GATE_MARGIN
    version = library.publish_rubric(session, rubric, actor_id=manager.id)
    run = golden.gate_run_for_version(session, version.id)
    assert run.outcome is GateOutcome.PASSED and run.margin == 1.0
    assert run.after["qwk"] < run.before["qwk"]


def test_the_margin_setting_is_checked():
    assert golden.gate_margin({}) == golden.DEFAULT_MARGIN == 0.05
    assert golden.gate_margin({"GATE_MARGIN": "0.1"}) == 0.1
    for bad in ("lots", "-0.1", "2", "nan"):
        with pytest.raises(DomainError, match="LOOPWISE_GATE_MARGIN"):
            golden.gate_margin({"GATE_MARGIN": bad})


def test_a_tiny_golden_set_is_not_enough_data(session, manager):
    rubric = new_rubric(session, manager, SMALL_RUBRIC)
    library.publish_rubric(session, rubric, actor_id=manager.id)
    golden.import_golden_set(
        session, rubric, golden_csv_text(GRADED[:4]), filename="tiny.csv", actor_id=manager.id
    )
    library.save_draft(session, rubric, content=baking_rubric(), actor_id=manager.id)
    version = library.publish_rubric(session, rubric, actor_id=manager.id)  # not compared: let through
    run = golden.gate_run_for_version(session, version.id)
    assert run.outcome is GateOutcome.WARNING and run.n == 4
    assert "not enough data (n = 4; the gate needs 10" in run.message and run.after == {}
    summary = golden.golden_summary(session, rubric.id)
    assert not summary.enough and "not enough data (n = 4" in summary.not_enough_text


def test_without_a_golden_set_publishing_records_a_warning(session, manager):
    rubric = new_rubric(session, manager, SMALL_RUBRIC)
    version = library.publish_rubric(session, rubric, actor_id=manager.id)
    run = golden.gate_run_for_version(session, version.id)
    assert run.outcome is GateOutcome.WARNING and run.passed and "No golden set" in run.message
    event = session.scalars(
        select(AuditEvent).where(AuditEvent.action == "rubric.published").order_by(AuditEvent.id.desc())
    ).first()
    assert event.after["gate"]["outcome"] == "warning"


def test_bad_rows_are_named_and_nothing_is_saved(session, manager):
    rubric = new_rubric(session, manager, SMALL_RUBRIC)
    golden.import_golden_set(session, rubric, golden_csv_text(), filename="bp.csv", actor_id=manager.id)
    text = (
        "question_id,question,reference_answer,answer,score,max_score\n"
        'bp,Q,,"A fine answer.",3,5\n'
        'bp,Q,,"",3,5\n'
        'bp,Q,,"Too high.",7,5\n'
        'bp,Q,,"No maximum.",3,0\n'
        'bp,Q,,"Words.",three,5\n'
    )
    with pytest.raises(GoldenImportError) as error:
        golden.import_golden_set(session, rubric, text, filename="bad.csv", actor_id=manager.id)
    assert error.value.errors == [
        "line 3: the answer is empty",
        "line 4: score 7 is not between 0 and 5",
        "line 5: score and max_score must be numbers, max_score above 0",
        "line 6: score and max_score must be numbers, max_score above 0",
    ]
    assert golden.golden_summary(session, rubric.id).n == 12  # the earlier set is untouched
    with pytest.raises(DomainError, match=r"missing columns \['score'\]"):
        golden.import_golden_set(
            session,
            rubric,
            "question_id,question,reference_answer,answer,max_score\n",
            filename="x.csv",
            actor_id=manager.id,
        )
    with pytest.raises(DomainError, match="no answers"):
        golden.import_golden_set(
            session,
            rubric,
            "question_id,question,reference_answer,answer,score,max_score\n",
            filename="x.csv",
            actor_id=manager.id,
        )


def test_the_export_reads_back_in_the_evaluate_format(session, manager, tmp_path):
    from rubrics.evaluation import read_rows, split_rows

    rubric = new_rubric(session, manager, SMALL_RUBRIC)
    question_key = "bp-question"
    from tests.support.rubric_factories import create_question

    create_question(rubric=rubric, key=question_key, prompt="How does backprop work?")
    text = "question_id,question,reference_answer,answer,score,max_score\n" + "\n".join(
        f'{question_key},,,"{answer}",{score},5' for answer, score in GRADED[:3]
    )
    answers = golden.import_golden_set(session, rubric, text, filename="q.csv", actor_id=manager.id)
    assert {a.question for a in answers} == {"How does backprop work?"}  # filled from the bank
    path = tmp_path / "golden.csv"
    path.write_text(golden.golden_csv(answers))
    dataset = split_rows(*read_rows(path))
    assert dataset.human == [1.0, 1.0, 0.8] and dataset.items[0].question == "How does backprop work?"


# ---------------------------------------------------------------- pages


def test_the_pages_import_show_and_refuse_with_the_figures(app, client, no_csrf):
    with app.app_context():
        from core.db import get_session

        session = get_session()
        manager = create_test_user(roles=[Role.HIRING_MANAGER], email="gate@tests.example")
        rubric = new_rubric(session, manager, SMALL_RUBRIC, key="golden-pages")
        session.commit()
        rubric_id = rubric.id
    sign_in(client, "gate@tests.example")
    page = f"/rubrics/library/{rubric_id}/golden"

    too_big = client.post(page, data={"text": "x" * (golden.MAX_GOLDEN_BYTES + 1)})
    assert too_big.status_code == 400 and "limited to 1 MB" in too_big.get_data(as_text=True)
    bad = client.post(page, data={"text": golden_csv_text().replace(",5,5\n", ",9,5\n", 1)})
    assert bad.status_code == 400 and "line 2: score 9 is not between 0 and 5" in bad.get_data(
        as_text=True
    )
    imported = client.post(page, data={"text": golden_csv_text()}, follow_redirects=True)
    assert "Imported 12 graded answers" in imported.get_data(as_text=True)
    exported = client.get(f"/rubrics/library/{rubric_id}/golden.csv").get_data(as_text=True)
    assert list(csv.reader(io.StringIO(exported))) == list(csv.reader(io.StringIO(golden_csv_text())))

    client.post(f"/rubrics/library/{rubric_id}/publish", data={"notes": "first"})
    edited = client.post(f"/rubrics/library/{rubric_id}/edit", data=draft_form_data(baking_rubric()))
    assert edited.status_code == 302
    refused = client.post(f"/rubrics/library/{rubric_id}/publish", data={}, follow_redirects=True)
    body = refused.get_data(as_text=True)
    assert "Refused by the release gate" in body and "Release gate: Refused" in body
    with app.app_context():
        from core.db import get_session

        session = get_session()
        rubric = library.get_rubric(session, rubric_id)
        assert [v.number for v in rubric.versions] == [1]
        assert [r.outcome for r in gate_runs(session, rubric)] == [
            GateOutcome.WARNING,
            GateOutcome.REFUSED,
        ]  # the refusal was kept
        version_page = client.get(f"/rubrics/versions/{rubric.versions[0].id}").get_data(as_text=True)
        assert "Release gate: Not checked" in version_page and "First version" in version_page


def draft_form_data(content: dict) -> dict:
    from rubrics.forms import DraftForm

    data = DraftForm.content_form_data(content["title"], content)
    form = {"title": data["title"], "reference_answer": data["reference_answer"], "pack": ""}
    for index, criterion in enumerate(data["criteria"]):
        for key in ("key", "title", "weight"):
            form[f"criteria-{index}-{key}"] = criterion[key]
        for number in (1, 2, 3, 4):
            for part in ("descriptor", "exemplars"):
                form[f"criteria-{index}-level_{number}-{part}"] = criterion[f"level_{number}"][part]
    return form


# ---------------------------------------------------------------- the judge


def level_for(score: int, reverse: bool) -> int:
    level = 1 + round(score / 5 * 3)
    return 5 - level if reverse else level


def judge_reply(request: dict) -> Reply:
    """Grade in the humans' order ("good-judge") or in reverse ("bad-judge"), quoting the answer."""
    answer = fenced_answer(request)
    score = next(score for text, score in GRADED if text == answer)
    level = level_for(score, reverse=request["model"] == "bad-judge")
    quote = " ".join(answer.split()[:6])
    body = {
        key: {"evidence": [quote] if level > 1 else [], "rationale": "Graded.", "level": level}
        for key in criterion_keys(request)
    }
    return Reply(content=json.dumps(body))


def test_gate_judge_refuses_a_worse_model_and_accepts_a_better_one(
    app, session, fake_openai, monkeypatch
):
    manager = create_test_user(roles=[Role.HIRING_MANAGER])
    rubric = new_rubric(session, manager, SMALL_RUBRIC, key="golden-judge")
    golden.import_golden_set(session, rubric, golden_csv_text(), filename="bp.csv", actor_id=manager.id)
    library.publish_rubric(session, rubric, actor_id=manager.id)
    session.commit()
    fake_openai.handler = judge_reply
    monkeypatch.setitem(app.config, "OPENAI_BASE_URL", fake_openai.base_url)
    monkeypatch.setitem(app.config, "OPENAI_API_KEY", "not-needed")
    runner = app.test_cli_runner()

    monkeypatch.setitem(app.config, "JUDGE_MODEL", "good-judge")
    worse = runner.invoke(
        args=["rubrics", "gate-judge", "--model", "bad-judge", "--rubric", "golden-judge"]
    )
    assert worse.exit_code == 1, worse.output
    record = json.loads(worse.output.strip().splitlines()[-1])
    assert record["outcome"] == "refused" and record["n"] == 12
    assert record["before"]["spearman"] > 0.9 and record["after"]["spearman"] < -0.9
    assert "Refused by the release gate" in worse.output and "good-judge · judge-v1" in worse.output

    monkeypatch.setitem(app.config, "JUDGE_MODEL", "bad-judge")
    better = runner.invoke(
        args=["rubrics", "gate-judge", "--model", "good-judge", "--rubric", "golden-judge"]
    )
    assert better.exit_code == 0, better.output
    assert json.loads(better.output.strip().splitlines()[-1])["outcome"] == "passed"
    models = {request["model"] for request in fake_openai.requests}
    assert models == {"good-judge", "bad-judge"}

    unknown = runner.invoke(
        args=["rubrics", "gate-judge", "--model", "x", "--prompt-version", "judge-v9"]
    )
    assert unknown.exit_code != 0 and "ships judge-v1 only" in unknown.output
