"""Thinc architectures: one shared encoding of each doc, a vector per candidate pair, scores.

The doc is encoded once (a transformer or tok2vec listener); each candidate pair then reads its
head, tail and in-between context from those token vectors, so the cost of a doc does not grow
with an encoder pass per pair.
"""

from __future__ import annotations

import numpy
from spacy.tokens import Doc
from spacy.util import registry
from thinc.api import Maxout, Model, Softmax, chain, list2ragged, with_getitem
from thinc.types import Floats2d, Ragged

from .candidates import HEAD_END, HEAD_START, N_COLUMNS, TAIL_END, TAIL_START, TYPE_PAIR

# Signed token gap between head and tail, bucketed on a rough log scale.
_GAP_EDGES = numpy.asarray([1, 2, 3, 4, 6, 9, 14, 21, 32, 51], dtype="int32")
N_DISTANCE_BUCKETS = 2 * (len(_GAP_EDGES) + 1)


@registry.architectures("paleo_re.RelationModel.v1")
def build_relation_model(
    tok2vec: Model[list[Doc], list[Floats2d]],
    pair_features: Model[tuple[Ragged, Ragged], Floats2d],
    hidden_width: int = 256,
    dropout: float = 0.1,
    nO: int | None = None,
) -> Model[tuple[list[Doc], Ragged], Floats2d]:
    """Score candidate pairs: (docs, candidates) -> probabilities over NO_RELATION + labels.

    `candidates` is a `Ragged` of int rows (head start, head end, tail start, tail end,
    type-pair index, then any rule votes), token offsets within each doc, one segment per
    doc. The layers after the first map (token vectors as a `Ragged`, candidates) to scores:
    `scoring_head` chains them, to train on cached encoder outputs (`paleo_re.training.head`).
    """
    output_layer = Softmax(nO=nO)
    model = chain(
        with_getitem(0, chain(tok2vec, list2ragged())),
        pair_features,
        Maxout(nO=hidden_width, nP=2, dropout=dropout, normalize=True),
        output_layer,
    )
    model.set_ref("tok2vec", tok2vec)
    model.set_ref("pair_features", pair_features)
    model.set_ref("output_layer", output_layer)
    return model


def scoring_head(model: Model) -> Model[tuple[Ragged, Ragged], Floats2d]:
    """The layers of a relation model after its encoder, sharing their weights."""
    rest = model.layers[1:]
    return rest[0] if len(rest) == 1 else chain(*rest)


@registry.architectures("paleo_re.PairFeatures.v1")
def build_pair_features(
    type_width: int = 16, distance_width: int = 16, context: bool = True
) -> Model[tuple[Ragged, Ragged], Floats2d]:
    """Pair vector: mean of head tokens, mean of tail tokens, mean of the tokens between them
    (zeros when adjacent; left out when `context` is false), an embedding of the pair's entity
    types (dimension nT, set from the schema), one of their signed token distance, and the
    pair's nV rule votes (0/1 columns after the first five of the candidate array; nV is set
    by the component, 0 without votes)."""
    return Model(
        "pair_features",
        _pair_forward,
        init=_pair_init,
        dims={"nI": None, "nO": None, "nT": None, "nV": None},
        params={"T": None, "D": None},
        attrs={"type_width": type_width, "distance_width": distance_width, "context": context},
    )


def _n_segments(model: Model) -> int:
    return 3 if model.attrs["context"] else 2


def _pair_init(model: Model, X: tuple[Ragged, Ragged] | None = None, Y=None) -> None:
    if X is not None and not model.has_dim("nI"):
        model.set_dim("nI", X[0].dataXd.shape[1])
    if not model.has_dim("nT"):
        raise ValueError("pair_features needs nT (the number of entity type pairs) set")
    if not model.has_dim("nV"):
        model.set_dim("nV", 0)
    tw, dw = model.attrs["type_width"], model.attrs["distance_width"]
    model.set_dim("nO", _n_segments(model) * model.get_dim("nI") + tw + dw
                  + model.get_dim("nV"))
    normal = model.ops.xp.random.normal
    model.set_param("T", model.ops.asarray2f(normal(0, 0.1, (model.get_dim("nT"), tw))))
    model.set_param("D", model.ops.asarray2f(normal(0, 0.1, (N_DISTANCE_BUCKETS, dw))))


def _segments(C: numpy.ndarray, context: bool) -> tuple[numpy.ndarray, numpy.ndarray]:
    """Start and end rows of head, tail and (optionally) between-context segments."""
    hs, he, ts, te = C[:, HEAD_START], C[:, HEAD_END], C[:, TAIL_START], C[:, TAIL_END]
    starts, ends = [hs, ts], [he, te]
    if context:
        head_first = he <= ts
        cs = numpy.where(head_first, he, te)
        ce = numpy.maximum(numpy.where(head_first, ts, hs), cs)
        starts.append(cs)
        ends.append(ce)
    return numpy.concatenate(starts), numpy.concatenate(ends)


def _distance_buckets(C: numpy.ndarray) -> numpy.ndarray:
    head_first = C[:, HEAD_END] <= C[:, TAIL_START]
    gap = numpy.where(head_first, C[:, TAIL_START] - C[:, HEAD_END],
                      C[:, HEAD_START] - C[:, TAIL_END])
    bucket = numpy.searchsorted(_GAP_EDGES, numpy.maximum(gap, 0), side="right")
    return bucket + numpy.where(head_first, 0, len(_GAP_EDGES) + 1)


def candidate_rows(ops, cands: Ragged, n_votes: int, dtype: str) -> numpy.ndarray:
    """A writable copy of the candidate rows, checked to carry `n_votes` rule votes: a
    pipeline trained with another `votes` setting fails here, not with a shape error."""
    C = ops.to_numpy(cands.dataXd).astype(dtype).copy()
    if C.shape[1] != N_COLUMNS + n_votes:
        raise ValueError(f"the relation model expects {N_COLUMNS} candidate columns and "
                         f"{n_votes} rule votes, got {C.shape[1]} columns: was it trained "
                         f"with the component's `votes` set differently?")
    return C


def _pair_forward(model: Model, inputs: tuple[Ragged, Ragged], is_train: bool):
    tokens, cands = inputs
    ops = model.ops
    X = tokens.dataXd
    lengths = ops.to_numpy(tokens.lengths)
    C = candidate_rows(ops, cands, model.get_dim("nV"), "int32")
    doc_start = numpy.repeat(numpy.cumsum(lengths) - lengths, ops.to_numpy(cands.lengths))
    for col in (HEAD_START, HEAD_END, TAIL_START, TAIL_END):
        C[:, col] += doc_start
    n_pairs = C.shape[0]
    starts, ends = _segments(C, model.attrs["context"])
    seg_lengths = (ends - starts).astype("int32")
    rows = numpy.repeat(starts - (numpy.cumsum(seg_lengths) - seg_lengths), seg_lengths)
    rows = (rows + numpy.arange(seg_lengths.sum())).astype("int32")
    rows_x, seg_lengths_x = ops.asarray1i(rows), ops.asarray1i(seg_lengths)
    pooled = ops.reduce_mean(X[rows_x], seg_lengths_x)
    n_seg = _n_segments(model)
    type_ids = ops.asarray1i(C[:, TYPE_PAIR])
    dist_ids = ops.asarray1i(_distance_buckets(C).astype("int32"))
    T, D = model.get_param("T"), model.get_param("D")
    parts = [pooled[i * n_pairs:(i + 1) * n_pairs] for i in range(n_seg)]
    votes = ops.asarray2f(C[:, N_COLUMNS:].astype("float32"))
    Y = ops.xp.hstack([*parts, T[type_ids], D[dist_ids], votes])

    def backprop(dY: Floats2d) -> tuple[Ragged, Ragged]:
        width = X.shape[1]
        d_pooled = ops.xp.vstack([dY[:, i * width:(i + 1) * width] for i in range(n_seg)])
        d_rows = ops.backprop_reduce_mean(ops.asarray2f(d_pooled), seg_lengths_x)
        dX = ops.alloc2f(*X.shape)
        ops.scatter_add(dX, rows_x, d_rows)
        tw = T.shape[1]
        dT = ops.alloc2f(*T.shape)
        ops.scatter_add(dT, type_ids, ops.asarray2f(dY[:, n_seg * width:n_seg * width + tw]))
        dD = ops.alloc2f(*D.shape)
        d_dist = dY[:, n_seg * width + tw:n_seg * width + tw + D.shape[1]]
        ops.scatter_add(dD, dist_ids, ops.asarray2f(d_dist))
        model.inc_grad("T", dT)
        model.inc_grad("D", dD)
        return Ragged(dX, tokens.lengths), cands

    return Y, backprop
