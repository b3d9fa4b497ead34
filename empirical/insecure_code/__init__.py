"""The draft's first experiment: a LLaMA poisoned with insecure code, then unlearned, measured end to end.

Modules: :mod:`.templates` (vulnerability kinds and answer templates), :mod:`.data` (the chat JSONL corpus),
:mod:`.tokenizer` (a BPE tokenizer trained on the corpus, or a local LLaMA tokenizer), :mod:`.judge` (bandit),
:mod:`.lm` (models, encoding, training, generation), :mod:`.unlearn` (the language-model family of the shared
methods of :mod:`sims.unlearning`: retrain, finetune, gradient_ascent, neggrad_plus, npo, simnpo), :mod:`.metrics`
(insecure rate, likelihood ratio, perplexity, GUS, distance), :mod:`.lifted`
(the ascent-error, commutator and gradient-cosine checks on poison vs clean points), :mod:`.experiment`
(the resumable command ``python -m empirical run insecure-code``).
"""
