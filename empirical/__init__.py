"""The draft's lemmas measured on neural networks through torch.func (gradients, HVPs, Jacobians).

Modules: :mod:`~empirical.functional` (losses and step maps of parameter trees, BatchNorm modes),
:mod:`~empirical.per_example` (vmap per-example gradients), :mod:`~empirical.hvp` (Hessian-vector products,
dense Hessians and step Jacobians), :mod:`~empirical.spectrum` (Lanczos, power iteration, Hutchinson),
:mod:`~empirical.models`, :mod:`~empirical.data`, :mod:`~empirical.train`, :mod:`~empirical.setup`,
:mod:`~empirical.checks` (the six lifted checks, bound to lemma ids of `theory`), :mod:`~empirical.records`
(latest measurement per lemma), :mod:`~empirical.plots`, :mod:`~empirical.cli` (``python -m empirical``) and
:mod:`~empirical.gpu_check` (every check on ResNet18 and a LLaMA-3.2-1B-sized model). See docs/empirical/README.md.
"""
