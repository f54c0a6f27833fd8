"""Run the transformer on wordpiece rows grouped by length, so little of its work is padding.

spacy-transformers pads every span of a batch to the longest one and runs them in one call.
Sentences in papers vary from a handful of wordpieces to over a hundred, so on the gold
training batches more than half of the positions the encoder computes are padding
(`bench/length_buckets.py`). Splitting the rows, sorted by length, into groups that each pad to
their own longest row computes the same hidden states for every real wordpiece (padding is
masked out of attention) at a fraction of the cost, in training and at inference. The output
keeps the layout spacy-transformers expects: one padded row per span, in the original order.
"""

from collections.abc import Callable, Sequence
from typing import Any

import torch
from spacy.tokens import Doc
from spacy.util import registry
from spacy_transformers.align import get_alignment, get_alignment_via_offset_mapping
from spacy_transformers.data_classes import FullTransformerBatch, WordpieceBatch
from spacy_transformers.layers.transformer_model import TransformerModel, huggingface_tokenize
from spacy_transformers.truncate import truncate_oversize_splits
from thinc.api import Model
from transformers.file_utils import ModelOutput


@registry.architectures("paleo_re.TransformerModel.v1")
def build_transformer_model(
    name: str,
    get_spans: Callable,
    tokenizer_config: dict | None = None,
    transformer_config: dict | None = None,
    mixed_precision: bool = False,
    grad_scaler_config: dict | None = None,
    call_cost: int = 64,
) -> Model[list[Doc], FullTransformerBatch]:
    """spacy-transformers.TransformerModel.v3, its rows run in length groups.

    call_cost (int): what one more call of the transformer costs, in padded wordpieces; groups
        are chosen to minimise padded wordpieces plus this for each call.
    """
    model = TransformerModel(
        name,
        get_spans,
        tokenizer_config=tokenizer_config or {},
        transformer_config=transformer_config or {},
        mixed_precision=mixed_precision,
        grad_scaler_config=grad_scaler_config or {},
    )
    # The class fixes its forward; thinc keeps it in `_func`.
    model._func = forward
    model.attrs["call_cost"] = call_cost
    return model


def length_buckets(lengths: Sequence[int], call_cost: int) -> list[list[int]]:
    """Row indices in groups of neighbouring lengths, minimising the padded size plus
    `call_cost` per group (an exact split of the sorted rows by dynamic programming)."""
    order = sorted(range(len(lengths)), key=lambda i: lengths[i])
    n = len(order)
    best = [0] * (n + 1)
    start = [0] * (n + 1)
    for end in range(1, n + 1):
        width = lengths[order[end - 1]]
        best[end], start[end] = min(
            (best[i] + (end - i) * width + call_cost, i) for i in range(end)
        )
    groups: list[list[int]] = []
    end = n
    while end > 0:
        groups.append(order[start[end] : end])
        end = start[end]
    return groups[::-1]


def forward(
    model: TransformerModel, docs: list[Doc], is_train: bool
) -> tuple[FullTransformerBatch, Callable]:
    """spacy-transformers' forward pass, the wordpieces run in length groups."""
    tokenizer = model.tokenizer
    nested_spans = model.attrs["get_spans"](docs)
    flat_spans = [span for doc_spans in nested_spans for span in doc_spans]
    encoding = huggingface_tokenize(tokenizer, [span.text for span in flat_spans])
    wordpieces = WordpieceBatch.from_batch_encoding(encoding)
    if "offset_mapping" in encoding:
        align = get_alignment_via_offset_mapping(flat_spans, encoding["offset_mapping"])
    else:
        align = get_alignment(flat_spans, wordpieces.strings, tokenizer.all_special_tokens)
    wordpieces, align = truncate_oversize_splits(wordpieces, align, tokenizer.model_max_length)
    model_output, backprop_output = _run_in_groups(
        model.layers[0], wordpieces, is_train, model.attrs["call_cost"]
    )
    output = FullTransformerBatch(
        spans=nested_spans, wordpieces=wordpieces, model_output=model_output, align=align
    )

    def backprop(d_output: FullTransformerBatch) -> list[Doc]:
        backprop_output(d_output.model_output)
        return docs

    return output, backprop


def _run_in_groups(
    transformer: Model, wordpieces: WordpieceBatch, is_train: bool, call_cost: int
) -> tuple[ModelOutput, Callable]:
    groups = length_buckets(wordpieces.lengths, call_cost)
    if len(groups) <= 1:
        return transformer(wordpieces, is_train)
    runs = []
    for rows in groups:
        width = max(wordpieces.lengths[i] for i in rows)
        output, backprop = transformer(_take(wordpieces, rows, width), is_train)
        runs.append((rows, width, output, backprop))
    n_rows, n_cols = wordpieces.input_ids.shape
    merged = type(runs[0][2])()
    for key in runs[0][2].keys():
        merged[key] = _merge([(rows, run[key]) for rows, _, run, _ in runs], n_rows, n_cols)

    def backprop(d_output: ModelOutput) -> None:
        for rows, width, _, backprop_run in runs:
            d_run = ModelOutput()
            for key, d_value in d_output.items():
                d_run[key] = _rows(d_value, rows, width)
            backprop_run(d_run)

    return merged, backprop


def _take(wordpieces: WordpieceBatch, rows: list[int], width: int) -> WordpieceBatch:
    return WordpieceBatch(
        strings=[wordpieces.strings[i][:width] for i in rows],
        input_ids=wordpieces.input_ids[rows, :width],
        attention_mask=wordpieces.attention_mask[rows, :width],
        lengths=[wordpieces.lengths[i] for i in rows],
        token_type_ids=(
            None
            if wordpieces.token_type_ids is None
            else wordpieces.token_type_ids[rows, :width]
        ),
    )


def _rows(value: torch.Tensor, rows: list[int], width: int) -> torch.Tensor:
    index = torch.as_tensor(rows, device=value.device)
    taken = value.index_select(0, index)
    return taken[:, :width] if taken.dim() > 2 else taken


def _merge(parts: list[tuple[list[int], Any]], n_rows: int, n_cols: int) -> Any:
    """One output of the groups, back in the rows and padded width of the whole batch.
    Only the groups' own outputs carry the gradient, so the merged copy needs none."""
    first = parts[0][1]
    if isinstance(first, tuple):
        return tuple(
            _merge([(rows, value[i]) for rows, value in parts], n_rows, n_cols)
            for i in range(len(first))
        )
    shape = (n_rows, n_cols, *first.shape[2:]) if first.dim() > 2 else (n_rows, *first.shape[1:])
    merged = first.new_zeros(shape)
    with torch.no_grad():
        for rows, value in parts:
            index = torch.as_tensor(rows, device=value.device)
            if value.dim() > 2:
                merged[index, : value.shape[1]] = value.detach()
            else:
                merged[index] = value.detach()
    return merged
