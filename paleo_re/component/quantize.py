"""int8 dynamic quantisation of a pipeline's transformer, for inference on CPU.

    nlp = quantize(spacy.load("en_paleo_re"))   # or `paleo-re extract --quantize`

The `nn.Linear` layers of each transformer component's Hugging Face model (attention
projections, feed-forward layers, pooler) become `torch.ao.nn.quantized.dynamic.Linear`: int8
weights, activations quantised on the fly per batch. Embeddings and layer norms stay float32, so
do the transformer's outputs that the listeners (ner, relation_extractor) read. `bench/speed.py`
measures the speed-up and the agreement with float32.

The change is in place and for inference only: a quantised pipeline cannot be trained further, and
saving it (`nlp.to_disk`) writes weights that the float32 model it reloads into does not fit.
Quantise after loading instead.
"""

from __future__ import annotations

import warnings

from spacy.language import Language


def transformer_names(nlp: Language) -> list[str]:
    """The components of `nlp` that run a spacy-transformers model."""
    try:
        from spacy_transformers import Transformer
    except ImportError:  # pragma: no cover - a dependency of the package
        return []
    return [name for name, proc in nlp.pipeline if isinstance(proc, Transformer)]


def quantize(nlp: Language) -> Language:
    """Quantise the `nn.Linear` layers of every transformer component of `nlp` to int8 (dynamic
    quantisation, `torch.ao.quantization.quantize_dynamic`), in place; returns `nlp`.

    Raises ValueError when `nlp` has no transformer component (a tok2vec pipeline has nothing to
    quantise) and RuntimeError when a transformer runs on a GPU: dynamic int8 kernels are CPU
    only. Quantising twice changes nothing more."""
    import torch
    from torch.ao.quantization import quantize_dynamic

    names = transformer_names(nlp)
    if not names:
        raise ValueError(
            f"Nothing to quantise: the pipeline ({', '.join(nlp.pipe_names) or 'empty'}) has no "
            "transformer component. int8 quantisation applies to a transformer's torch model.")
    for name in names:
        hf_model = nlp.get_pipe(name).model.transformer
        devices = {p.device.type for p in hf_model.parameters()}
        if devices - {"cpu"}:
            raise RuntimeError(
                f"The transformer '{name}' runs on {', '.join(sorted(devices))}: int8 dynamic "
                "quantisation is for CPU inference. Load the pipeline on the CPU (no "
                "spacy.require_gpu / --gpu) to quantise it.")
        with warnings.catch_warnings():  # torch deprecates the API in favour of torchao
            warnings.filterwarnings("ignore", category=DeprecationWarning, module="torch")
            warnings.filterwarnings("ignore", message=".*quantize_per_tensor.*")
            warnings.filterwarnings("ignore", message=".*torch.ao.quantization is deprecated.*")
            quantize_dynamic(hf_model.eval(), {torch.nn.Linear}, dtype=torch.qint8,
                             inplace=True)
    return nlp
