"""Finding the candidate's answers: the seed transcript's twelve answer paragraphs behind its profile
header, speaker-labelled transcripts in their usual shapes, captions and Word files."""

from __future__ import annotations

from pathlib import Path

import pytest

from interviews.services.transcripts.formats import read_transcript_file
from interviews.services.transcripts.segmentation import segment_transcript
from tests.interviews.test_transcript_formats import make_docx

SEEDS = Path(__file__).resolve().parents[3] / "shared" / "seeds"
SEED = next(iter(sorted(SEEDS.glob("000_*.txt"))), None)
needs_seed = pytest.mark.skipif(SEED is None, reason="shared/seeds is not beside the repository")


def check_offsets(body: str, segments) -> None:
    for number, segment in enumerate(segments):
        assert segment.index == number
        assert body[segment.start : segment.end] == segment.text
        assert segment.text == segment.text.strip()


@needs_seed
def test_seed_000_gives_exactly_its_twelve_answer_paragraphs():
    body = read_transcript_file(SEED.read_bytes(), SEED.name).body
    segments = segment_transcript(body)
    check_offsets(body, segments)
    # The answers are the twelve paragraphs after the skills list, which ends with "CSS".
    lines = body.split("\n")
    expected = [line.strip() for line in lines[lines.index("CSS") + 1 :] if line.strip()]
    assert len(expected) == 12
    assert [s.text for s in segments] == expected
    assert segments[0].text.startswith("So a bit about myself.")
    assert segments[-1].text.startswith("An approach to fine-tuning a GPT-2 model")
    # The third-person biography and the header lines are not answers.
    assert not any("seasoned professional" in s.text or s.text == "Kubeflow" for s in segments)
    assert all(s.speaker == "" and s.spoken_question == "" for s in segments)


LABELLED = """Interviewer: Hi Sam, can you hear me?
Candidate: Yes, loud and clear.
Interviewer: Great. How would you detect data drift for a model in production?
Candidate: I would log the model's input features and compare their distributions with the
training data every day, using the population stability index or a KS test per feature.
Interviewer: Right.
Candidate: And I would also watch the prediction distribution, because label feedback often
arrives weeks later, so a shift in predictions is the earliest warning we get.
Interviewer: Makes sense. Next one. Why do transformers need positional encodings?
Candidate: Self-attention treats its input as a set, so without positions the model cannot tell
word order apart; sinusoidal or learned position embeddings are added to the token embeddings.
Interviewer: Thanks, that is all from me.
Candidate: Thank you!
"""


def test_a_labelled_transcript_gives_the_candidate_turns_with_the_questions_asked():
    segments = segment_transcript(LABELLED)
    check_offsets(LABELLED, segments)
    assert len(segments) == 2, [s.text for s in segments]
    drift, attention = segments
    assert drift.speaker == "candidate"
    assert drift.spoken_question == ("Great. How would you detect data drift for a model in production?")
    # The interviewer's "Right." does not end the answer: both candidate turns are one answer.
    assert drift.text.startswith("I would log the model's input features")
    assert drift.text.endswith("the earliest warning we get.")
    assert attention.spoken_question.endswith("Why do transformers need positional encodings?")
    assert attention.text.startswith("Self-attention treats its input as a set")
    # Small talk is not an answer.
    assert not any("loud and clear" in s.text or "Thank you" in s.text for s in segments)


NAMED = """Dana Reyes: Welcome. Could you walk me through how you would fine-tune a language model for
our support tickets?
Lee Chen: Sure. I would start by collecting a few thousand resolved tickets with their answers,
clean out personal data, and hold out a test set by date. Then LoRA on an open-weights model,
because full fine-tuning is too expensive for our budget.
Dana Reyes: And how would you evaluate it?
Lee Chen: Against the held-out tickets, with an LLM judge calibrated on a hundred human ratings,
plus a small blind comparison with the current system before any rollout.
"""


@pytest.mark.parametrize("candidate_name", ["", "Lee Chen"])
def test_named_speakers_the_candidate_is_found_by_name_or_by_speaking_most(candidate_name):
    segments = segment_transcript(NAMED, candidate_name=candidate_name)
    check_offsets(NAMED, segments)
    assert [s.speaker for s in segments] == ["lee chen", "lee chen"]
    assert segments[0].spoken_question.startswith("Welcome. Could you walk me through")
    assert segments[1].spoken_question == "And how would you evaluate it?"
    assert segments[1].text.startswith("Against the held-out tickets")


def test_the_candidate_name_decides_when_the_interviewer_speaks_more():
    talkative = NAMED.replace(
        "And how would you evaluate it?",
        "And how would you evaluate it? I ask because our last project went badly: we measured "
        "only accuracy on a random split, shipped, and the users hated the tone of the answers for "
        "weeks before anyone noticed, so evaluation is the part I care most about here, really.",
    )
    segments = segment_transcript(talkative, candidate_name="Lee Chen")
    assert {s.speaker for s in segments} == {"lee chen"}
    assert len(segments) == 2


MEETING_EXPORT = """Dana Reyes  00:00:03
What would you do first with a dataset that does not fit in memory?

Lee Chen  00:00:09
I would look at a sample first to understand the distributions, then stream the full data in
shards from object storage with a data loader, and train with data parallelism across GPUs.

Dana Reyes  00:01:02
Okay.

Lee Chen  00:01:04
For evaluation I would fix a held-out split by time, so the model is tested on the future.
"""


def test_labels_on_their_own_line_with_timestamps():
    segments = segment_transcript(MEETING_EXPORT)
    check_offsets(MEETING_EXPORT, segments)
    assert len(segments) == 1
    assert segments[0].speaker == "lee chen"
    assert segments[0].spoken_question.startswith("What would you do first with a dataset")
    assert segments[0].text.startswith("I would look at a sample first")
    assert segments[0].text.endswith("so the model is tested on the future.")


WRAPPED = """Backpropagation is the chain rule applied from the loss backwards. Each layer takes the
gradient of the loss with respect to its output and multiplies it by its local derivative, and
I would add that the optimiser then moves every weight against its gradient.

How would you choose a loss for an imbalanced classification problem?

I would start from cross-entropy and add class weights, or use focal loss when the easy
negatives dominate, and I would check calibration afterwards because weights distort it.
"""


def test_hard_wrapped_paragraphs_and_unlabelled_questions():
    segments = segment_transcript(WRAPPED)
    check_offsets(WRAPPED, segments)
    assert len(segments) == 2
    assert "\n" in segments[0].text and segments[0].text.endswith("against its gradient.")
    assert segments[0].spoken_question == ""
    assert segments[1].spoken_question == (
        "How would you choose a loss for an imbalanced classification problem?"
    )


def test_a_note_line_in_prose_does_not_make_a_labelled_transcript():
    text = (
        "I think the main risk is leakage between the training and test data, so I split by user "
        "and by time before doing anything else with the features.\n"
        "Note: this is what we did at my last company, and it caught two leaks in the first week "
        "that would have inflated our offline metrics a lot.\n"
    )
    segments = segment_transcript(text)
    assert len(segments) == 2 and segments[1].text.startswith("Note: this is")


def test_captions_are_segmented_per_speaker_turn():
    vtt = (
        "WEBVTT\n\n00:00:01.000 --> 00:00:03.000\n<v Interviewer>What is overfitting, and how do you "
        "spot it?</v>\n\n00:00:03.500 --> 00:00:06.000\n<v Candidate>Overfitting is when the model "
        "learns noise of the training data</v>\n\n00:00:06.000 --> 00:00:09.000\n<v Candidate>so the "
        "training loss keeps falling while the validation loss rises.</v>\n"
    )
    body = read_transcript_file(vtt.encode(), "call.vtt").body
    segments = segment_transcript(body)
    check_offsets(body, segments)
    assert len(segments) == 1
    assert segments[0].text == (
        "Overfitting is when the model learns noise of the training data so the training loss "
        "keeps falling while the validation loss rises."
    )
    assert segments[0].spoken_question == "What is overfitting, and how do you spot it?"


def test_word_documents_are_segmented_like_text():
    data = make_docx(
        [
            ["Interviewer: How do you decide when to retrain a model?"],
            ["Candidate: When monitoring shows drift or the live metric drops below the agreed "],
            ["threshold, and only if a candidate model beats the current one on fresh data."],
        ]
    )
    body = read_transcript_file(data, "call.docx").body
    segments = segment_transcript(body)
    check_offsets(body, segments)
    assert len(segments) == 1
    assert segments[0].text.endswith("beats the current one on fresh data.")
    assert segments[0].spoken_question == "How do you decide when to retrain a model?"


def test_nothing_to_answer_gives_no_segments():
    assert segment_transcript("Kubeflow\nDocker\n\nPython\n") == []
    assert segment_transcript("Interviewer: Hello?\nCandidate: Hi.\nInterviewer: Bye.\n") == []


def test_q_and_a_labels():
    text = (
        "Q: What is regularisation for?\n"
        "A: It limits how closely the model can fit the training data, for example with weight decay,\n"
        "dropout or early stopping, so that it generalises better to data it has not seen.\n"
        "Q: And batch normalisation?\n"
        "A: It normalises each layer's inputs over the batch, which stabilises and speeds up training.\n"
    )
    segments = segment_transcript(text)
    check_offsets(text, segments)
    assert [s.spoken_question for s in segments] == [
        "What is regularisation for?",
        "And batch normalisation?",
    ]
    assert segments[0].text.endswith("data it has not seen.") and segments[0].speaker == "a"
