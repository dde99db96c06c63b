"""Reading transcript files: text, WebVTT, SubRip and Word (built here), and every bad input refused
with a message that says why and that nothing was saved."""

from __future__ import annotations

import io
import zipfile

import pytest

from core.errors import DomainError
from interviews.services.transcripts.formats import (
    MAX_TRANSCRIPT_BYTES,
    format_of,
    read_pasted_transcript,
    read_transcript_file,
)

W = "http://schemas.openxmlformats.org/wordprocessingml/2006/main"


def make_docx(paragraphs: list[list[str]], *, document_xml: str | None = None) -> bytes:
    """A minimal Word document: each paragraph is a list of runs."""
    body = "".join(
        "<w:p>" + "".join(f"<w:r><w:t xml:space='preserve'>{run}</w:t></w:r>" for run in runs) + "</w:p>"
        for runs in paragraphs
    )
    xml = (
        document_xml
        or f"<?xml version='1.0'?><w:document xmlns:w='{W}'><w:body>{body}</w:body></w:document>"
    )
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        archive.writestr("[Content_Types].xml", "<Types/>")
        archive.writestr("word/document.xml", xml)
    return buffer.getvalue()


def refused(data: bytes, name: str) -> str:
    with pytest.raises(DomainError) as caught:
        read_transcript_file(data, name)
    assert "Nothing was saved" in caught.value.message
    return caught.value.message


def test_plain_text_keeps_its_paragraphs_and_normalises_line_ends():
    text = read_transcript_file(b"\xef\xbb\xbfFirst answer.\r\nSecond line\tend.\r\n\r\n", "notes.txt")
    assert text.body == "First answer.\nSecond line end."
    assert (text.source_format, text.source_name) == ("txt", "notes.txt")


@pytest.mark.parametrize(
    ("name", "fmt"),
    [("a.TXT", "txt"), ("b.vtt", "vtt"), ("c.srt", "srt"), ("d.docx", "docx"), ("e.text", "txt")],
)
def test_formats_are_known_by_extension(name, fmt):
    assert format_of(name) == fmt


def test_an_empty_file_is_refused():
    assert "empty (0 bytes)" in refused(b"", "interview.txt")


def test_whitespace_only_is_refused():
    assert "holds no text" in refused(b" \n\n \t\n", "interview.txt")


def test_a_binary_file_is_refused():
    png = b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR" + bytes(range(256)) * 4
    assert "binary" in refused(png, "interview.txt")


def test_binary_without_nul_bytes_is_refused_too():
    noisy = ("ab\x01\x02\x03\x04\x05\x06\x07\x08" * 200).encode()
    assert "binary" in refused(noisy, "capture.txt")


def test_a_broken_encoding_is_refused_with_the_offending_byte():
    message = refused("Caf\u00e9 answer in Latin-1".encode("latin-1"), "old.txt")
    assert "not valid UTF-8" in message and "0xe9" in message


@pytest.mark.parametrize("name", ["interview.pdf", "interview", "interview.doc", "x.mp3"])
def test_unknown_formats_are_refused_with_the_known_ones(name):
    message = refused(b"some text", name)
    assert ".txt, .vtt, .srt or .docx" in message


def test_more_than_the_size_limit_is_refused():
    big = b"I would start with the data. " * (MAX_TRANSCRIPT_BYTES // 28 + 10)
    assert "limited to 5 MB" in refused(big, "long.txt")


def test_webvtt_cues_become_one_paragraph_per_speaker_turn():
    vtt = (
        "WEBVTT\n\nNOTE produced by a meeting tool\n\n"
        "1\n00:00:01.000 --> 00:00:04.000\n"
        "<v Dana Reyes>How would you detect drift in production?</v>\n\n"
        "2\n00:00:04.500 --> 00:00:09.000\n<v Sam Ortiz>I would compare the feature distributions\n"
        "of live traffic with the training data,</v>\n\n"
        "00:00:09.000 --> 00:00:12.000\n"
        "<v Sam Ortiz>using a population stability index per feature.</v>\n\n"
        "00:00:12.500 --> 00:00:14.000\n<v Dana Reyes>Thanks &amp; next question.</v>\n"
    )
    text = read_transcript_file(vtt.encode(), "call.vtt")
    assert text.source_format == "vtt"
    assert text.body.split("\n\n") == [
        "Dana Reyes: How would you detect drift in production?",
        "Sam Ortiz: I would compare the feature distributions of live traffic with the training data, "
        "using a population stability index per feature.",
        "Dana Reyes: Thanks & next question.",
    ]


def test_webvtt_without_speakers_is_cut_at_pauses_and_questions():
    vtt = (
        "WEBVTT\n\n00:00:01.000 --> 00:00:03.000\nWhat is a loss function?\n\n"
        "00:00:03.200 --> 00:00:06.000\nIt measures how wrong the model is\n\n"
        "00:00:06.100 --> 00:00:08.000\nand training lowers it.\n\n"
        "00:00:12.000 --> 00:00:15.000\nNext I would talk about optimisers.\n"
    )
    body = read_transcript_file(vtt.encode(), "call.vtt").body
    assert body.split("\n\n") == [
        "What is a loss function?",
        "It measures how wrong the model is and training lowers it.",
        "Next I would talk about optimisers.",
    ]


def test_a_vtt_file_without_its_header_is_refused():
    assert "not a WebVTT file" in refused(b"00:00:01.000 --> 00:00:02.000\nhello", "call.vtt")


def test_subrip_cues_with_name_prefixes_are_merged_per_speaker():
    srt = (
        "1\n00:00:01,000 --> 00:00:03,000\nInterviewer: Tell me about yourself.\n\n"
        "2\n00:00:03,500 --> 00:00:07,000\nCandidate: I build ranking models\nat a retailer.\n\n"
        "3\n00:00:07,000 --> 00:00:09,000\nCandidate: Before that I was a data scientist.\n"
    )
    text = read_transcript_file(srt.encode(), "call.srt")
    assert text.body == (
        "Interviewer: Tell me about yourself.\n\n"
        "Candidate: I build ranking models at a retailer. Before that I was a data scientist."
    )


def test_a_subrip_file_without_cues_is_refused():
    assert "not a SubRip file" in refused(b"just some words\nmore words", "call.srt")


def test_a_word_document_gives_one_line_per_paragraph():
    data = make_docx(
        [["Interviewer: ", "What is dropout?"], [], ["Candidate: It randomly zeroes units."]]
    )
    text = read_transcript_file(data, "interview.docx")
    assert text.source_format == "docx"
    assert text.body == "Interviewer: What is dropout?\n\nCandidate: It randomly zeroes units."


def test_a_damaged_word_document_is_refused():
    assert "not a readable .docx" in refused(b"PK\x03\x04 not really a zip", "interview.docx")
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        archive.writestr("other.xml", "<x/>")
    assert "not a readable .docx" in refused(buffer.getvalue(), "interview.docx")
    assert "not a readable .docx" in refused(make_docx([], document_xml="<w:document"), "a.docx")


def test_a_word_document_with_entities_is_refused():
    evil = (
        "<?xml version='1.0'?><!DOCTYPE d [<!ENTITY a 'aaaaaaaa'>]>"
        f"<w:document xmlns:w='{W}'><w:body><w:p><w:r><w:t>&a;</w:t></w:r></w:p></w:body></w:document>"
    )
    assert "not a readable .docx" in refused(make_docx([], document_xml=evil), "evil.docx")


def test_an_empty_word_document_is_refused():
    assert "holds no text" in refused(make_docx([[], [" "]]), "blank.docx")


def test_pasted_text_is_checked_like_a_file():
    text = read_pasted_transcript("Interviewer: Hi\r\nCandidate: Hello there")
    assert (text.body, text.source_format) == ("Interviewer: Hi\nCandidate: Hello there", "paste")
    with pytest.raises(DomainError, match="broken characters"):
        read_pasted_transcript("an answer with a broken \ufffd character")
    with pytest.raises(DomainError, match="holds no text"):
        read_pasted_transcript("   ")
