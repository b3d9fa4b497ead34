"""What a reader sees: the record's exports, LaTeX for the paper, ``cite-check``, the annotated draft.

* :mod:`~theory.paper.export`, :mod:`~theory.paper.latex_export`, :mod:`~theory.paper.record_text` -- the lemma
  catalog (Markdown), the LaTeX folder and the text both share;
* :mod:`~theory.paper.cite_check` -- a paper's citations of lemmas against their statuses;
* :mod:`~theory.paper.annotate`, :mod:`~theory.paper.annotation`, :mod:`~theory.paper.annotate_html`,
  :mod:`~theory.paper.annotate_render` -- the draft annotated in place;
* :mod:`~theory.paper.draft`, :mod:`~theory.paper.claims` -- reading the draft, the claims inventory;
* :mod:`~theory.paper.lemma_graph` -- the dependency graph and its derived statuses.

May import every other part of :mod:`theory`; nothing in :mod:`theory` outside ``cli`` imports it.
"""
