"""A pair scorer that reads the words around and between a pair, not only the pair's means.

Mean-pooled head, tail and in-between vectors cannot tell "members within the X Formation"
from "X and Y formations": the words that state a relation are averaged away. Here each
candidate pair also looks at a window of tokens around it (its span plus `window` tokens on
either side, so it stays inside one encoder pass per doc) with one of two readers:

- "attention": pair-conditioned attention pooling, in the spirit of ATLOP's localized context
  pooling: a query from the head and tail vectors attends over the window's tokens, whose keys
  carry their position relative to head and tail;
- "piecewise": position-aware piecewise max pooling (as in PCNN): the window's token vectors,
  with their positions relative to head and tail, max-pooled before, between and after the pair;
- "marked": typed entity markers read by a small transformer: the window's token vectors get
  embeddings marking the head and the tail (begin or inside, by the pair's entity types) and
  every other entity of the doc's candidates, and `layers` self-attention layers read the
  window; the pair is taken from the states at the head's and the tail's first tokens (the
  marker states) with a max pool over the window. The markers go in on top of the shared
  encoding rather than into its input, so the doc still has one encoder pass;
- "mean": no reader, the mean-pooled features alone (the v1 design, for comparison).

The scorer is PyTorch behind a Thinc shim; it is built at `initialize` once the widths are
known, and rebuilt from the stored widths when a saved pipeline is loaded.
"""

from __future__ import annotations

import math
from typing import Any

import numpy
import srsly
import torch
from spacy.tokens import Doc
from spacy.util import registry
from thinc.api import (
    ArgsKwargs,
    Model,
    PyTorchShim,
    chain,
    list2ragged,
    torch2xp,
    with_getitem,
    xp2torch,
)
from thinc.types import Floats2d, Ragged

from .candidates import HEAD_END, HEAD_START, N_COLUMNS, TAIL_END, TAIL_START, TYPE_PAIR
from .model import _GAP_EDGES, N_DISTANCE_BUCKETS, _distance_buckets, candidate_rows

READERS = ("attention", "piecewise", "marked", "mean")
_EDGES = torch.as_tensor(_GAP_EDGES.astype("int64"))
N_POSITIONS = 2 * (len(_GAP_EDGES) + 1)
CHUNK = 1024  # pairs per window gather, to bound memory on docs with many pairs
MARKED_CHUNK = 256  # the marked reader keeps attention weights per pair
MAX_WINDOW = 256  # positions the marked reader tells apart; longer windows share the last


def _relative(j: torch.Tensor, start: torch.Tensor, end: torch.Tensor) -> torch.Tensor:
    """Bucket of token j's signed distance to a span: 0 inside, log-scaled outside."""
    before = (start - j).clamp(min=0)
    after = (j - end + 1).clamp(min=0)
    bucket = torch.bucketize(torch.maximum(before, after), _EDGES.to(j.device), right=True)
    return torch.where(before > 0, bucket + len(_GAP_EDGES), bucket).clamp(max=N_POSITIONS - 1)


class PairContextScorer(torch.nn.Module):
    """Logits over NO_RELATION + labels for candidate pairs, from the doc's token vectors."""

    def __init__(self, nI: int, nT: int, nV: int, nO: int, reader: str = "attention",
                 hidden_width: int = 256, type_width: int = 16, distance_width: int = 16,
                 window: int = 8, heads: int = 4, key_width: int = 32, value_width: int = 128,
                 dropout: float = 0.1, layers: int = 2) -> None:
        super().__init__()
        if reader not in READERS:
            raise ValueError(f"reader must be one of {READERS}, not '{reader}'")
        self.reader, self.window, self.heads, self.key_width = reader, window, heads, key_width
        self.types = torch.nn.Embedding(nT, type_width)
        self.distances = torch.nn.Embedding(N_DISTANCE_BUCKETS, distance_width)
        width = 3 * nI + type_width + distance_width + nV
        if reader == "attention":
            self.query = torch.nn.Linear(2 * nI, heads * key_width)
            self.key = torch.nn.Linear(nI, heads * key_width)
            self.key_head = torch.nn.Embedding(N_POSITIONS, heads * key_width)
            self.key_tail = torch.nn.Embedding(N_POSITIONS, heads * key_width)
            width += value_width
        if reader != "mean":
            self.value = torch.nn.Linear(nI, value_width)
            self.value_head = torch.nn.Embedding(N_POSITIONS, value_width)
            self.value_tail = torch.nn.Embedding(N_POSITIONS, value_width)
        if reader == "marked":
            # 0: no entity; 1: another entity; then begin/inside of head/tail per type pair
            self.marks = torch.nn.Embedding(2 + 4 * nT, value_width)
            self.order = torch.nn.Embedding(MAX_WINDOW, value_width)
            layer = torch.nn.TransformerEncoderLayer(
                value_width, heads, 2 * value_width, dropout, activation="gelu",
                batch_first=True, norm_first=True)
            self.encoder = torch.nn.TransformerEncoder(layer, layers, enable_nested_tensor=False)
        if reader in ("piecewise", "marked"):
            width += 3 * value_width
        self.output = torch.nn.Sequential(
            torch.nn.Dropout(dropout), torch.nn.Linear(width, hidden_width), torch.nn.GELU(),
            torch.nn.Dropout(dropout), torch.nn.Linear(hidden_width, nO))

    def forward(self, X: torch.Tensor, C: torch.Tensor, bounds: torch.Tensor) -> torch.Tensor:
        """X: (tokens, nI) of a batch of docs; C: candidate rows with token offsets into X;
        bounds: (pairs, 2) start and end in X of each pair's doc."""
        hs, he, ts, te = (C[:, i] for i in (HEAD_START, HEAD_END, TAIL_START, TAIL_END))
        sums = torch.cat([X.new_zeros(1, X.shape[1]), X.double().cumsum(0).to(X.dtype)])

        def mean(start: torch.Tensor, end: torch.Tensor) -> torch.Tensor:
            return (sums[end] - sums[start]) / (end - start).clamp(min=1)[:, None]

        head_first = he <= ts
        first_end = torch.where(head_first, he, te)
        second_start = torch.maximum(torch.where(head_first, ts, hs), first_end)
        head, tail = mean(hs, he), mean(ts, te)
        distance = torch.as_tensor(_distance_buckets(C.cpu().numpy()), dtype=torch.long,
                                   device=X.device)
        parts = [head, tail, mean(first_end, second_start), self.types(C[:, TYPE_PAIR]),
                 self.distances(distance), C[:, N_COLUMNS:].to(X.dtype)]
        if self.reader != "mean":
            keys = self.key(X) if self.reader == "attention" else None
            values = self.value(X)
            if self.reader == "marked":
                values = values + self.marks(_entity_tokens(C, len(X)))
            # pairs with windows of like length go together, so little of a chunk is padding
            lo, hi = torch.minimum(C[:, HEAD_START], C[:, TAIL_START]), torch.maximum(
                C[:, HEAD_END], C[:, TAIL_END])
            order = torch.argsort(hi - lo, stable=True)
            size = MARKED_CHUNK if self.reader == "marked" else CHUNK
            read = torch.cat([self._read(keys, values, head[c], tail[c], C[c], bounds[c])
                              for c in order.split(size)])
            read = read[torch.argsort(order)]
            parts.extend(read.split(self.value.out_features, 1))
        return self.output(torch.cat(parts, dim=1))

    def _read(self, keys: torch.Tensor | None, values: torch.Tensor, head: torch.Tensor,
              tail: torch.Tensor, C: torch.Tensor, bounds: torch.Tensor) -> torch.Tensor:
        hs, he, ts, te = (C[:, i] for i in (HEAD_START, HEAD_END, TAIL_START, TAIL_END))
        lo, hi = torch.minimum(hs, ts), torch.maximum(he, te)
        start = torch.maximum(bounds[:, 0], lo - self.window)
        end = torch.minimum(bounds[:, 1], hi + self.window)
        j = start[:, None] + torch.arange(int((end - start).max()), device=C.device)[None, :]
        inside = j < end[:, None]
        j = torch.where(inside, j, start[:, None])
        rel_h = _relative(j, hs[:, None], he[:, None])
        rel_t = _relative(j, ts[:, None], te[:, None])
        V = values[j] + self.value_head(rel_h) + self.value_tail(rel_t)
        if self.reader == "marked":
            return self._marked(V, j, inside, start, C)
        if self.reader == "attention":
            n, L = j.shape
            K = (keys[j] + self.key_head(rel_h) + self.key_tail(rel_t)
                 ).view(n, L, self.heads, self.key_width)
            q = self.query(torch.cat([head, tail], 1)).view(n, 1, self.heads, self.key_width)
            score = (K * q).sum(-1) / math.sqrt(self.key_width)
            attn = score.masked_fill(~inside[:, :, None], -1e4).softmax(dim=1)
            V = V.view(n, L, self.heads, -1)
            return (attn[..., None] * V).sum(1).reshape(n, -1)
        V = torch.tanh(V)
        first_end = torch.where(he <= ts, he, te)[:, None]
        second_start = torch.maximum(torch.where(he <= ts, ts, hs)[:, None], first_end)
        pieces = []
        for piece in (j < first_end, (j >= first_end) & (j < second_start), j >= second_start):
            mask = (piece & inside)[:, :, None]
            pooled = V.masked_fill(~mask, -2.0).max(dim=1).values
            pieces.append(torch.where(mask.any(1), pooled, torch.zeros_like(pooled)))
        return torch.cat(pieces, 1)

    def _marked(self, V: torch.Tensor, j: torch.Tensor, inside: torch.Tensor,
                start: torch.Tensor, C: torch.Tensor) -> torch.Tensor:
        """The marker states of head and tail and a max pool, after self-attention over the
        window with the pair's typed markers added (begin and inside of head and tail)."""
        hs, he, ts, te = (C[:, i] for i in (HEAD_START, HEAD_END, TAIL_START, TAIL_END))
        role = torch.zeros_like(j)
        for k, (s, e) in enumerate(((hs, he), (ts, te))):
            begin = j == s[:, None]
            within = (j > s[:, None]) & (j < e[:, None])
            role = torch.where(begin, 2 * k + 1, torch.where(within, 2 * k + 2, role))
        typed = torch.where(role > 0, 1 + 4 * C[:, TYPE_PAIR, None] + role, 0)
        position = (j - start[:, None]).clamp(max=MAX_WINDOW - 1)
        V = V + self.marks(typed) + self.order(position)
        H = self.encoder(V, src_key_padding_mask=~inside)
        rows = torch.arange(len(j), device=j.device)
        pooled = H.masked_fill(~inside[:, :, None], -1e4).max(dim=1).values
        return torch.cat([H[rows, hs - start], H[rows, ts - start], pooled], 1)


def _entity_tokens(C: torch.Tensor, n_tokens: int) -> torch.Tensor:
    """1 for the tokens of any head or tail among the candidates (the doc's entities that
    take part in a pair), else 0."""
    spans = torch.cat([C[:, [HEAD_START, HEAD_END]], C[:, [TAIL_START, TAIL_END]]]).unique(dim=0)
    edges = torch.zeros(n_tokens + 1, dtype=torch.long, device=C.device)
    edges.index_add_(0, spans[:, 0], torch.ones_like(spans[:, 0]))
    edges.index_add_(0, spans[:, 1], -torch.ones_like(spans[:, 1]))
    return (edges.cumsum(0)[:n_tokens] > 0).long()


class ScorerShim(PyTorchShim):
    """A shim whose module is made from the widths in its config: the widths are known only at
    `initialize`, and a loaded pipeline must rebuild the module before its weights go in."""

    def from_bytes(self, bytes_data: bytes) -> ScorerShim:
        if self._model is None:
            self._model = PairContextScorer(**srsly.msgpack_loads(bytes_data)["config"])
        return super().from_bytes(bytes_data)


@registry.architectures("paleo_re.ContextRelationModel.v1")
def build_context_relation_model(
    tok2vec: Model[list[Doc], list[Floats2d]],
    reader: str = "attention",
    hidden_width: int = 256,
    type_width: int = 16,
    distance_width: int = 16,
    window: int = 8,
    heads: int = 4,
    key_width: int = 32,
    value_width: int = 128,
    dropout: float = 0.1,
    layers: int = 2,
    nO: int | None = None,
) -> Model[tuple[list[Doc], Ragged], Floats2d]:
    """Score candidate pairs as `paleo_re.RelationModel.v1` does (same inputs and outputs, so
    the component and the cached head training take either), with a context `reader`: see
    the module docstring. `value_width` must divide by `heads` for "attention" and "marked";
    `layers` is the marked reader's number of self-attention layers."""
    if reader not in READERS:
        raise ValueError(f"reader must be one of {READERS}, not '{reader}'")
    settings = {"reader": reader, "hidden_width": hidden_width, "type_width": type_width,
                "distance_width": distance_width, "window": window, "heads": heads,
                "key_width": key_width, "value_width": value_width, "dropout": dropout,
                "layers": layers}
    scorer = Model("pair_context_scorer", _scorer_forward, init=_scorer_init,
                   dims={"nI": None, "nO": nO, "nT": None, "nV": None},
                   attrs={"settings": settings}, shims=[ScorerShim(None)])
    model = chain(with_getitem(0, chain(tok2vec, list2ragged())), scorer)
    model.set_ref("tok2vec", tok2vec)
    # the component sets the widths through these two references, as for v1
    model.set_ref("pair_features", scorer)
    model.set_ref("output_layer", scorer)
    return model


def _scorer_init(model: Model, X: tuple[Ragged, Ragged] | None = None, Y=None) -> None:
    if X is not None and not model.has_dim("nI"):
        model.set_dim("nI", X[0].dataXd.shape[1])
    if not model.has_dim("nV"):
        model.set_dim("nV", 0)
    config: dict[str, Any] = {d: model.get_dim(d) for d in ("nI", "nT", "nV", "nO")}
    config.update(model.attrs["settings"])
    shim = model.shims[0]
    shim._model = PairContextScorer(**config)
    shim.cfg = config


def _scorer_forward(model: Model, inputs: tuple[Ragged, Ragged], is_train: bool):
    tokens, cands = inputs
    ops = model.ops
    lengths = ops.to_numpy(tokens.lengths)
    C = candidate_rows(ops, cands, model.get_dim("nV"), "int64")
    doc_start = numpy.cumsum(lengths) - lengths
    per_pair = ops.to_numpy(cands.lengths)
    start = numpy.repeat(doc_start, per_pair)
    for col in (HEAD_START, HEAD_END, TAIL_START, TAIL_END):
        C[:, col] += start
    bounds = numpy.stack([start, numpy.repeat(doc_start + lengths, per_pair)], 1)
    X = xp2torch(tokens.dataXd, requires_grad=is_train)
    args = ArgsKwargs(args=(X, torch.as_tensor(C, device=X.device),
                            torch.as_tensor(bounds, device=X.device)), kwargs={})
    logits, backprop_torch = model.shims[0](args, is_train)
    scores = ops.softmax(ops.asarray2f(torch2xp(logits)))

    def backprop(d_scores: Floats2d) -> tuple[Ragged, Ragged]:
        # d_scores is the gradient of the component's cross-entropy with respect to the
        # logits (probabilities minus targets), as for thinc's Softmax layer
        grads = backprop_torch(ArgsKwargs(args=(logits,), kwargs={"grad_tensors": (
            xp2torch(ops.asarray2f(d_scores)),)}))
        dX = torch2xp(grads.args[0]) if grads.args and grads.args[0] is not None \
            else ops.alloc2f(*tokens.dataXd.shape)
        return Ragged(ops.asarray2f(dX), tokens.lengths), cands

    return scores, backprop
