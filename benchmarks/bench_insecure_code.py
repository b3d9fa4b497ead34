"""Benchmark: the tiny insecure-code LLaMA on the CPU: training and generation tokens per second, and the cost
of one Hessian-vector product over one gradient on the same batch, same process.

    python benchmarks/bench_insecure_code.py [--hidden 128] [--layers 2] [--batch 8] [--threads 2]

Training: AdamW steps of :func:`empirical.insecure_code.lm.run_steps` on corpus batches (tokens = positions
processed after trimming the padding). Generation: greedy ``generate`` on held-out prompts (tokens = new
tokens). HVP: forward-over-reverse and reverse-over-reverse products of the LM loss
(:class:`empirical.hvp.HessianVectorProduct`, eager attention) divided by one ``torch.func.grad`` on the same
batch; field notes: curvlinops measures 4.5-7.9x eager on vision models. Best of ``--repeats``.
"""

from __future__ import annotations

from theory.threads import apply_thread_policy

apply_thread_policy()  # before numpy / torch start their thread pools

import argparse
import time

import torch

from empirical.functional import Objective, split_state, tree_like
from empirical.hvp import HessianVectorProduct
from empirical.insecure_code.data import generate_corpus
from empirical.insecure_code.lm import ModelSpec, Part, build_model, encode_examples, generate, run_steps, trim
from empirical.insecure_code.tokenizer import train_bpe
from empirical.timing import best_of


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--hidden", type=int, default=128)
    parser.add_argument("--layers", type=int, default=2)
    parser.add_argument("--batch", type=int, default=8)
    parser.add_argument("--steps", type=int, default=20)
    parser.add_argument("--prompts", type=int, default=16)
    parser.add_argument("--new-tokens", type=int, default=64)
    parser.add_argument("--repeats", type=int, default=3)
    parser.add_argument("--threads", type=int, default=2)
    args = parser.parse_args()
    torch.set_num_threads(args.threads)
    corpus = generate_corpus(0)
    tokenizer = train_bpe(
        [f"<|user|>\n{e.prompt}\n<|assistant|>\n{e.answer}\n" for e in corpus.clean + corpus.poison], vocab_size=1024
    )
    spec = ModelSpec(
        hidden_size=args.hidden,
        intermediate_size=2 * args.hidden,
        layers=args.layers,
        heads=max(1, args.hidden // 32),
        kv_heads=max(1, args.hidden // 64),
    )
    model = build_model(spec, tokenizer, 0)
    count = sum(p.numel() for p in model.parameters())
    data = encode_examples(corpus.clean, tokenizer, 192)
    steps = [[Part(data.select(range(i * args.batch, (i + 1) * args.batch)))] for i in range(args.steps)]
    start = time.perf_counter()
    stats = run_steps(model, steps, lr=1e-3, progress=False)
    train_seconds = time.perf_counter() - start
    prompts = [e.prompt for e in corpus.heldout[: args.prompts]]
    start = time.perf_counter()
    # no closing fence can stop an untrained model early, so every prompt gets new_tokens tokens
    generate(model, tokenizer, prompts, max_new_tokens=args.new_tokens, batch_size=args.prompts, progress=False)
    generate_seconds = time.perf_counter() - start
    print(
        f"tiny LLaMA hidden {args.hidden}, {args.layers} layers, {count:,} parameters, vocabulary "
        f"{tokenizer.vocab_size}, {torch.get_num_threads()} threads, cpu"
    )
    print(
        f"training:   {stats.tokens / train_seconds:9.0f} tokens/s ({stats.steps} AdamW steps of {args.batch} "
        f"sequences, {train_seconds:.2f} s)"
    )
    print(
        f"generation: {len(prompts) * args.new_tokens / generate_seconds:9.0f} new tokens/s (greedy, batch "
        f"{len(prompts)}, {args.new_tokens} tokens each, {generate_seconds:.2f} s)"
    )
    model = model.double()
    params, frozen = split_state(model)
    objective = Objective(model, "causal_lm", frozen, bn_mode="eval")
    part = trim(data.select(range(args.batch)))
    batch = (part.ids, part.labels)
    vector = tree_like(params, torch.Generator().manual_seed(0))
    gradient_time, _ = best_of(args.repeats, lambda: objective.gradient(params, batch))
    print(f"gradient (float64, batch {args.batch}, {part.ids.shape[1]} positions): {gradient_time * 1e3:8.1f} ms")
    for mode in ("fwd", "rev"):
        seconds, _ = best_of(args.repeats, lambda: HessianVectorProduct(objective, params, batch, mode)(vector))
        print(f"HVP {mode}-over-rev: {seconds * 1e3:8.1f} ms   ratio HVP / gradient = {seconds / gradient_time:.2f}")


if __name__ == "__main__":
    main()
