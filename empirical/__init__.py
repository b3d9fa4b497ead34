"""The draft's lemmas measured on neural networks through torch.func (gradients, HVPs, Jacobians).

Modules: :mod:`~empirical.functional` (losses and step maps of parameter trees, BatchNorm modes),
:mod:`~empirical.per_example` (vmap per-example gradients), :mod:`~empirical.hvp` (Hessian-vector products,
dense Hessians and step Jacobians), :mod:`~empirical.spectrum` (Lanczos, power iteration, Hutchinson),
:mod:`~empirical.models`, :mod:`~empirical.data`, :mod:`~empirical.train`, :mod:`~empirical.setup`,
:mod:`~empirical.checks` (the lifted checks, bound to lemma ids of `theory`), :mod:`~empirical.records`
(latest measurement per lemma), :mod:`~empirical.plots`, :mod:`~empirical.cli` (``python -m empirical``),
:mod:`~empirical.options` with :mod:`~empirical.source_specs` (the ``--set`` keys, read from the source without
torch), :mod:`~empirical.peak_memory` (peak resident memory of a block, for memory estimates) and
:mod:`~empirical.gpu_check` (every check on ResNet18 and a LLaMA-3.2-1B-sized model). See docs/empirical/README.md.
"""
