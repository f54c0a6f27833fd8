"""Speed and memory of four ways to find relations, side by side, on the same real texts, in one
run, at one torch thread count:

    python bench/speed.py --model en_paleo_re --json out.json [--texts N] [--threads 2]

1. `transformer`: the pipeline up to and including its transformer component (sentences, entity
   rules, the encoder), loaded without the components after it;
2. `pipeline`: the full pipeline (float32);
3. `per_pair`: the seed's method on the same backbone (the pipeline's own fine-tuned encoder):
   for every candidate pair of the full pipeline's entities, typed entity markers (`[H:TAXON]`
   ... `[/H:TAXON]`, `[T:STRAT]` ... `[/T:STRAT]`, added to the tokenizer as special tokens) are
   inserted in the text of the pair's sentence, and the Hugging Face model encodes that text, one
   sequence per pair (`--pair-batch` sequences per forward call); an untrained linear head over the
   two start markers' vectors gives the class scores. Only the time matters. Its time covers
   tokenising, encoding and the head, not finding the entities and pairs (it is given those), so
   it flatters the baseline;
4. `quantized`: the full pipeline after `paleo_re.component.quantize.quantize` (int8 dynamic
   quantisation of the transformer's `nn.Linear` layers).

Each way runs in a child process of its own (spawned, not forked), so its peak RSS
(`getrusage(RUSAGE_SELF).ru_maxrss`: loading, a warm-up on the first texts, and every timed
set) is its own. MB are 10^6 bytes. A first, untimed child runs the full pipeline to find the
candidate pairs and the sentence sets:

- `all`: the texts, one doc each;
- `few`: the sentences of those texts with 1 or 2 candidate pairs, one doc each (sentences
  without any pair are left out: the per-pair baseline has nothing to do there);
- `many`: the sentences with >= 4 candidate pairs, one doc each.

A sentence goes by the pairs the pipeline finds in it as a doc of its own. Per way and set:
seconds, words/s (words: whitespace-separated, the same count for every way), docs/s, candidate
pairs/s (the pairs of the run; for `transformer`, those of the full pipeline on the same docs).
The spaCy ways run `proc.pipe` component by component on batches of `--batch-size` docs, as
`nlp.pipe` does, which times every component.

The top-level keys of the JSON are on the `all` set:

- `transformer_wps`, `pipeline_wps`, `quantized_wps`: words/s;
- `relation_overhead`: in the full pipeline's run, the relation extractor's time divided by the
  time up to and including the transformer (tokenizer, sentencizer, entity ruler, transformer) of
  that same run: the fraction the relation extractor adds to the transformer-alone time.
  `relation_overhead_vs_transformer_run` divides by the separate transformer run's time instead;
  `after_transformer_overhead` is (full time - time up to the transformer) / time up to the
  transformer, of the same run (ner and entity cleanup included);
- `per_pair_pairs_per_s`, `pipeline_pairs_per_s` (also per set under `pairs_per_s_ratio`:
  pipeline / per-pair; the target is >= 5 on `many`);
- `peak_rss_mb`: the full float32 pipeline's peak RSS; `peak_rss_mb_by_way` for all four;
- `quantized_speedup`: quantized_wps / pipeline_wps;
- `quantized_agreement`: |float32 relations & quantized relations| / |union| over the `all`
  texts (a relation: character offsets of head and tail, and label), with both counts;
- when the input lines carry gold `entities` and `relations`: `pipeline_macro_f1`,
  `quantized_macro_f1` and their difference (end to end, predicted entities).

Threads: `torch.set_num_threads(--threads)` in every child, and OMP_NUM_THREADS,
MKL_NUM_THREADS and RAYON_NUM_THREADS (the fast tokenizers) set to the same number; the
JSON reports `torch.get_num_threads()` as seen in each child.
"""

from __future__ import annotations

import multiprocessing
import os
import queue as queue_module
import resource
import sys
import time
from collections import Counter
from pathlib import Path

import srsly
import typer
from wasabi import msg

ROOT = Path(__file__).resolve().parents[1]
DEFAULT_DATA = ROOT.parent / "shared" / "data" / "gold" / "dev.jsonl"
WARMUP_DOCS = 8


def n_words(texts: list[str]) -> int:
    return sum(len(text.split()) for text in texts)


def peak_rss_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * 1024 / 1e6  # KiB on Linux


def _setup(threads: int):
    import torch
    torch.set_num_threads(threads)
    return torch


def _components(nlp):
    """(name of the transformer, name of the relation extractor) of `nlp`."""
    from paleo_re.component.pipe import RelationExtractor
    from paleo_re.component.quantize import transformer_names
    trf = transformer_names(nlp)
    rel = [name for name, proc in nlp.pipeline if isinstance(proc, RelationExtractor)]
    return (trf[0] if trf else None), (rel[0] if rel else None)


def timed_pipe(nlp, texts: list[str], batch_size: int):
    """`nlp.pipe(texts)` run component by component per batch: the docs and the seconds spent
    in the tokenizer and in each component."""
    from spacy.util import minibatch
    seconds: Counter = Counter()
    out = []
    for batch in minibatch(texts, batch_size):
        start = time.perf_counter()
        docs = [nlp.make_doc(text) for text in batch]
        seconds["tokenizer"] += time.perf_counter() - start
        for name, proc in nlp.pipeline:
            start = time.perf_counter()
            if hasattr(proc, "pipe"):
                docs = list(proc.pipe(docs, batch_size=batch_size))
            else:
                docs = [proc(doc) for doc in docs]
            seconds[name] += time.perf_counter() - start
        out.extend(docs)
    return out, dict(seconds)


def rates(seconds: float, docs: int, words: int, pairs: int) -> dict:
    return {"docs": docs, "words": words, "pairs": pairs, "seconds": seconds,
            "wps": words / seconds if seconds else None,
            "docs_per_s": docs / seconds if seconds else None,
            "pairs_per_s": pairs / seconds if seconds else None}


def pair_rows(doc, pairs) -> list[tuple]:
    """Each pair as (sentence text, head start, end, label, tail start, end, label), offsets
    relative to the text of the sentence(s) that hold both entities."""
    rows = []
    for head, tail in pairs:
        start = min(head.sent.start, tail.sent.start)
        end = max(head.sent.end, tail.sent.end)
        context = doc[start:end]
        base = context.start_char
        rows.append((context.text, head.start_char - base, head.end_char - base, head.label_,
                     tail.start_char - base, tail.end_char - base, tail.label_))
    return rows


# -- children ---------------------------------------------------------------------------------

def prepare(model: str, texts: list[str], threads: int, batch_size: int) -> dict:
    """Untimed: the candidate pairs and the `few` and `many` sentence sets."""
    import spacy
    _setup(threads)
    nlp = spacy.load(model)
    trf, rel_name = _components(nlp)
    if trf is None or rel_name is None:
        raise SystemExit(f"{model}: needs a transformer and a relation_extractor "
                         f"(has {', '.join(nlp.pipe_names)})")
    rel = nlp.get_pipe(rel_name)
    docs = list(nlp.pipe(texts, batch_size=batch_size))
    doc_pairs = [rel.candidates(doc, rel.schema) for doc in docs]
    candidates = {"few": [], "many": []}
    for doc, pairs in zip(docs, doc_pairs):
        per_sentence = Counter(head.sent.start for head, _ in pairs)
        for sent in doc.sents:
            n = per_sentence.get(sent.start, 0)
            if 1 <= n <= 2:
                candidates["few"].append(sent.text)
            elif n >= 4:
                candidates["many"].append(sent.text)
    sets = {"all": {"texts": texts, "pairs": [
        row for doc, pairs in zip(docs, doc_pairs) for row in pair_rows(doc, pairs)]}}
    for name, sentences in candidates.items():
        sent_docs = list(nlp.pipe(sentences, batch_size=batch_size))
        keep, rows = [], []
        for doc, pairs in zip(sent_docs, (rel.candidates(doc, rel.schema) for doc in sent_docs)):
            if (1 <= len(pairs) <= 2) if name == "few" else len(pairs) >= 4:
                keep.append(doc.text)
                rows.extend(pair_rows(doc, pairs))
        sets[name] = {"texts": keep, "pairs": rows}
    return {"sets": sets, "pipe_names": list(nlp.pipe_names), "transformer": trf,
            "relation_extractor": rel_name, "n_classes": len(rel.schema.classes)}


def run_spacy(way: str, model: str, sets: dict, threads: int, batch_size: int,
              pipe_names: list[str], trf: str, rel_name: str, gold: list | None) -> dict:
    """Time `way` ("transformer", "pipeline" or "quantized") on every set."""
    import spacy
    torch = _setup(threads)
    if way == "transformer":
        after = pipe_names[pipe_names.index(trf) + 1:]
        nlp = spacy.load(model, exclude=after)
    else:
        nlp = spacy.load(model)
    if way == "quantized":
        from paleo_re.component.quantize import quantize
        quantize(nlp)
    timed_pipe(nlp, sets["all"]["texts"][:WARMUP_DOCS], batch_size)
    out: dict = {"threads": torch.get_num_threads(), "sets": {}}
    for name, data in sets.items():
        docs, seconds = timed_pipe(nlp, data["texts"], batch_size)
        total = sum(seconds.values())
        if way == "transformer":
            pairs = len(data["pairs"])
        else:
            rel = nlp.get_pipe(rel_name)
            pairs = sum(len(rel.candidates(doc, rel.schema)) for doc in docs)
        result = rates(total, len(docs), n_words(data["texts"]), pairs)
        result["components"] = seconds
        out["sets"][name] = result
        if name == "all" and way != "transformer":
            out["relations"] = [[i, *r.key] for i, doc in enumerate(docs)
                                for r in doc._.relations]
            if gold:
                try:
                    out["macro_f1"] = macro_f1(nlp, docs, gold, rel_name)
                except ValueError as err:  # FormatError: not gold this scorer reads
                    out["macro_f1_error"] = str(err)
    out["peak_rss_mb"] = peak_rss_mb()
    return out


def macro_f1(nlp, docs, gold: list, rel_name: str) -> float:
    from spacy.training import Example

    from paleo_re.component.scorer import score_relations
    from paleo_re.io.annotations import record_to_doc
    examples = [Example(doc, record_to_doc(nlp.make_doc, record))
                for doc, record in zip(docs, gold)]
    labels = nlp.get_pipe(rel_name).labels
    return score_relations(examples, labels=labels)["rel_macro_f"]


def mark(row: tuple) -> tuple[str, str, str]:
    """The sentence of a pair with typed markers around head and tail; the two start markers."""
    text, hs, he, hl, ts, te, tl = row
    inserts = sorted([(hs, 1, f"[H:{hl}] "), (he, 0, f" [/H:{hl}]"),
                      (ts, 1, f"[T:{tl}] "), (te, 0, f" [/T:{tl}]")], reverse=True)
    for offset, _, marker in inserts:  # right to left keeps the offsets valid
        text = text[:offset] + marker + text[offset:]
    return text, f"[H:{hl}]", f"[T:{tl}]"


def run_per_pair(model: str, sets: dict, threads: int, pair_batch: int, trf: str,
                 pipe_names: list[str], n_classes: int) -> dict:
    """The seed's method: one encoding of the marked sentence per candidate pair."""
    import spacy
    torch = _setup(threads)
    nlp = spacy.load(model, exclude=[name for name in pipe_names if name != trf])
    component = nlp.get_pipe(trf).model
    hf, tokenizer = component.transformer, component.tokenizer
    labels = sorted({row[i] for data in sets.values() for row in data["pairs"] for i in (3, 6)})
    markers = [f"[{r}:{label}]" for label in labels for r in ("H", "/H", "T", "/T")]
    tokenizer.add_special_tokens({"additional_special_tokens": markers})
    try:  # new marker rows: untrained either way, only the time matters
        hf.resize_token_embeddings(len(tokenizer), mean_resizing=False)
    except TypeError:  # transformers < 4.46
        hf.resize_token_embeddings(len(tokenizer))
    hf.eval()
    head = torch.nn.Linear(2 * hf.config.hidden_size, n_classes)
    max_length = min(getattr(tokenizer, "model_max_length", 512), 512)

    def classify(rows: list[tuple]) -> None:
        marked = [mark(row) for row in rows]
        enc = tokenizer([text for text, _, _ in marked], padding=True, truncation=True,
                        max_length=max_length, return_tensors="pt")
        hidden = hf(**enc).last_hidden_state
        ids = enc["input_ids"]
        starts = []
        for i, (_, h_marker, t_marker) in enumerate(marked):
            found = []
            for marker in (h_marker, t_marker):
                where = (ids[i] == tokenizer.convert_tokens_to_ids(marker)).nonzero()
                found.append(int(where[0, 0]) if len(where) else 0)  # truncated: [CLS]
            starts.append(found)
        index = torch.tensor(starts)
        rows_ = torch.arange(len(marked))
        pair_vectors = torch.cat([hidden[rows_, index[:, 0]], hidden[rows_, index[:, 1]]], dim=1)
        head(pair_vectors).softmax(-1).argmax(-1)

    out: dict = {"threads": torch.get_num_threads(), "sets": {}}
    with torch.inference_mode():
        if sets["all"]["pairs"]:
            classify(sets["all"]["pairs"][:pair_batch])  # warm-up
        for name, data in sets.items():
            start = time.perf_counter()
            rows = data["pairs"]
            for i in range(0, len(rows), pair_batch):
                classify(rows[i:i + pair_batch])
            seconds = time.perf_counter() - start
            out["sets"][name] = rates(seconds, len(data["texts"]), n_words(data["texts"]),
                                      len(rows))
    out["peak_rss_mb"] = peak_rss_mb()
    return out


def _child(queue, fn, args) -> None:
    try:
        queue.put(("ok", fn(*args)))
    except BaseException as err:  # reported to the parent, which fails
        queue.put(("error", f"{type(err).__name__}: {err}"))
        raise


def in_child(fn, *args) -> dict:
    """`fn(*args)` in a freshly spawned process; its result."""
    context = multiprocessing.get_context("spawn")
    queue = context.Queue()
    process = context.Process(target=_child, args=(queue, fn, args))
    process.start()
    while True:
        try:
            status, result = queue.get(timeout=5)
            break
        except queue_module.Empty:
            if not process.is_alive():  # killed (out of memory?) before it could report
                status, result = "error", f"the child exited with code {process.exitcode}"
                break
    process.join()
    if status != "ok":
        msg.fail(f"{fn.__name__}: {result}", exits=1)
    return result


# -- the run ----------------------------------------------------------------------------------

def ratio(a: float | None, b: float | None) -> float | None:
    return a / b if a is not None and b else None


def fmt(value: float | None, digits: int = 0) -> str:
    return "-" if value is None else f"{value:.{digits}f}"


def main(
    model: str = typer.Option("en_paleo_re", help="Trained pipeline (name or path)"),
    json_path: Path = typer.Option(..., "--json", help="Where to write the results"),
    data: Path = typer.Option(DEFAULT_DATA, help="JSONL with a 'text' field per line"),
    texts: int = typer.Option(0, help="Use the first N texts (0: all)"),
    threads: int = typer.Option(2, help="torch threads in every child process"),
    batch_size: int = typer.Option(32, help="Docs per batch (spaCy ways)"),
    pair_batch: int = typer.Option(16, help="Marked sequences per forward call (per-pair way)"),
) -> None:
    for var in ("OMP_NUM_THREADS", "MKL_NUM_THREADS", "RAYON_NUM_THREADS"):
        os.environ[var] = str(threads)
    os.environ.setdefault("TOKENIZERS_PARALLELISM", "true")
    records = [r for r in srsly.read_jsonl(data) if isinstance(r, dict) and r.get("text")]
    records = records[:texts] if texts else records
    gold = records if all("relations" in r and "entities" in r for r in records) else None
    all_texts = [r["text"] for r in records]

    started = time.perf_counter()
    prep = in_child(prepare, model, all_texts, threads, batch_size)
    sets = prep["sets"]
    msg.info(f"{len(all_texts)} texts; sentences with 1-2 pairs: {len(sets['few']['texts'])}, "
             f">= 4 pairs: {len(sets['many']['texts'])}; candidate pairs: "
             f"{len(sets['all']['pairs'])}")
    common = (threads, batch_size, prep["pipe_names"], prep["transformer"],
              prep["relation_extractor"])
    ways = {}
    for way in ("transformer", "pipeline", "quantized"):
        ways[way] = in_child(run_spacy, way, model, sets, *common,
                             gold if way != "transformer" else None)
        msg.good(f"{way}: {fmt(ways[way]['sets']['all']['wps'])} words/s")
    ways["per_pair"] = in_child(run_per_pair, model, sets, threads, pair_batch,
                                prep["transformer"], prep["pipe_names"], prep["n_classes"])
    msg.good(f"per_pair: {fmt(ways['per_pair']['sets']['all']['pairs_per_s'], 1)} pairs/s")

    full = ways["pipeline"]["sets"]["all"]
    parts = full["components"]
    names = prep["pipe_names"]
    up_to_trf = parts["tokenizer"] + sum(parts[n] for n in names[:names.index(
        prep["transformer"]) + 1])
    rel_seconds = parts[prep["relation_extractor"]]
    float_rel = {tuple(r) for r in ways["pipeline"].pop("relations")}
    quant_rel = {tuple(r) for r in ways["quantized"].pop("relations")}
    union = float_rel | quant_rel
    result = {
        "model": model, "data": str(data), "texts": len(all_texts),
        "threads": {way: ways[way]["threads"] for way in ways},
        "transformer_wps": ways["transformer"]["sets"]["all"]["wps"],
        "pipeline_wps": full["wps"],
        "quantized_wps": ways["quantized"]["sets"]["all"]["wps"],
        "relation_overhead": rel_seconds / up_to_trf,
        "relation_overhead_vs_transformer_run":
            rel_seconds / ways["transformer"]["sets"]["all"]["seconds"],
        "after_transformer_overhead": (full["seconds"] - up_to_trf) / up_to_trf,
        "per_pair_pairs_per_s": ways["per_pair"]["sets"]["all"]["pairs_per_s"],
        "pipeline_pairs_per_s": full["pairs_per_s"],
        "pairs_per_s_ratio": {name: ratio(ways["pipeline"]["sets"][name]["pairs_per_s"],
                                          ways["per_pair"]["sets"][name]["pairs_per_s"])
                              for name in sets},
        "quantized_speedup": ratio(ways["quantized"]["sets"]["all"]["wps"], full["wps"]),
        "pipeline_vs_transformer_wps": ratio(full["wps"],
                                             ways["transformer"]["sets"]["all"]["wps"]),
        "peak_rss_mb": ways["pipeline"]["peak_rss_mb"],
        "peak_rss_mb_by_way": {way: ways[way]["peak_rss_mb"] for way in ways},
        "quantized_agreement": len(float_rel & quant_rel) / len(union) if union else 1.0,
        "float_relations": len(float_rel), "quantized_relations": len(quant_rel),
        "ways": {way: ways[way]["sets"] for way in ways},
        "seconds_total": time.perf_counter() - started,
        "python": sys.version.split()[0],
    }
    if gold and "macro_f1" in ways["pipeline"] and "macro_f1" in ways["quantized"]:
        result["pipeline_macro_f1"] = ways["pipeline"]["macro_f1"]
        result["quantized_macro_f1"] = ways["quantized"]["macro_f1"]
        result["quantized_macro_f1_delta"] = (result["quantized_macro_f1"]
                                              - result["pipeline_macro_f1"])
    srsly.write_json(json_path, result)
    rows = [(way, *(fmt(ways[way]["sets"][s]["wps"]) for s in sets),
             *(fmt(ways[way]["sets"][s]["pairs_per_s"], 1) for s in sets),
             fmt(ways[way]["peak_rss_mb"])) for way in ways]
    msg.table(rows, header=("way", *(f"wps {s}" for s in sets),
                            *(f"pairs/s {s}" for s in sets), "peak MB"), divider=True)
    msg.info(f"threads {result['threads']}; relation_overhead {result['relation_overhead']:.3f}; "
             f"quantized x{fmt(result['quantized_speedup'], 2)}, agreement "
             f"{result['quantized_agreement']:.3f}; pipeline/per-pair pairs/s "
             + ", ".join(f"{k} {fmt(v, 1)}" for k, v in result["pairs_per_s_ratio"].items())
             + f" -> {json_path}")


if __name__ == "__main__":
    typer.run(main)
