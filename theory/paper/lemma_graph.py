r"""The lemma graph of a verification record, its derived statuses and its drawing.

The graph follows leanblueprint. Edges go from a lemma to the lemmas that use it; a dashed red edge
goes from a refuted claim of the draft to the lemma that corrects it. Derived graph statuses:

* *ready*: every lemma it uses is registered and ``proved`` or ``verified``;
* *fully proved*: it is ``proved`` and so is every lemma it uses, transitively (``docs/authors-guide.md``).

Node border = statement status (green: encoded as checks that hold; red: refuted; blue: not
checkable but ready; grey: neither); fill = proof status (light green proved, pale green verified,
dark green fully proved, light blue ready but open, light red refuted, orange a check crashed or the
checks did not reproduce the registry -- such a lemma counts as neither proved nor verified here).
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from pathlib import Path
from typing import Any

import networkx as nx

__all__ = ["lemma_graph", "graph_statuses", "draw_graph", "FILLS", "BORDERS", "DONE"]

DONE = ("proved", "verified")
FILLS = {
    "fully proved": "#1CAC78",
    "proved": "#9CEC8B",
    "verified": "#D4F5C4",
    "ready": "#A3D6FF",
    "refuted": "#F4A6A6",
    "error": "#FFD27F",
    "other": "#FFFFFF",
}
BORDERS = {"checked": "#008000", "refuted": "#CC0000", "ready": "#1F4FD8", "other": "#888888"}


def lemma_graph(entries: Iterable[Mapping[str, Any]]) -> nx.DiGraph:
    """Nodes = lemmas (and ids referenced but not registered, ``missing=True``); edge kinds ``uses`` / ``corrects``."""
    graph = nx.DiGraph()
    entries = list(entries)
    for entry in entries:
        # a lemma whose checks did not reproduce the registry counts as nothing in the graph
        graph.add_node(
            entry["id"],
            status=entry["status"] if entry.get("ok", True) else "problem",
            as_written=entry["as_written"],
            checked=bool(entry["checks"]),
            missing=False,
        )
    for entry in entries:
        for used in entry["uses"]:
            graph.add_node(
                used,
                **(
                    {}
                    if used in graph
                    else {"status": "missing", "missing": True, "checked": False, "as_written": False}
                ),
            )
            graph.add_edge(used, entry["id"], kind="uses")
        for corrected in entry["corrected_by"]:
            graph.add_node(
                corrected,
                **(
                    {}
                    if corrected in graph
                    else {"status": "missing", "missing": True, "checked": False, "as_written": False}
                ),
            )
            graph.add_edge(entry["id"], corrected, kind="corrects")
    return graph


def _uses_graph(graph: nx.DiGraph) -> nx.DiGraph:
    return graph.edge_subgraph([(u, v) for u, v, kind in graph.edges(data="kind") if kind == "uses"]).copy()


def graph_statuses(entries: Iterable[Mapping[str, Any]]) -> dict[str, dict[str, Any]]:
    """Per lemma: ``ready``, ``fully_proved``, the ``fill`` and ``border`` classes of its node, and missing uses."""
    entries = list(entries)
    graph = lemma_graph(entries)
    uses = _uses_graph(graph)
    result = {}
    for entry in entries:
        lemma_id, status = entry["id"], graph.nodes[entry["id"]]["status"]
        missing = [used for used in entry["uses"] if graph.nodes[used]["missing"]]
        ready = all(graph.nodes[used]["status"] in DONE for used in entry["uses"])
        ancestors = nx.ancestors(uses, lemma_id) if lemma_id in uses else set()
        fully = status == "proved" and all(graph.nodes[a]["status"] == "proved" for a in ancestors)
        if fully:
            fill = "fully proved"
        elif status in ("proved", "verified", "refuted"):
            fill = status
        elif status in ("error", "problem"):
            fill = "error"
        else:
            fill = "ready" if ready and status == "open" else "other"
        if status == "refuted":
            border = "refuted"
        elif entry["checks"] and status in DONE:
            border = "checked"
        else:
            border = "ready" if ready and not entry["checks"] else "other"
        result[lemma_id] = {
            "ready": ready,
            "fully_proved": fully,
            "fill": fill,
            "border": border,
            "missing_uses": missing,
        }
    return result


def _layout(graph: nx.DiGraph) -> dict[str, tuple[float, float]]:
    """Columns by longest chain of ``uses`` (refuted claims beside their corrections), barycentric rows."""
    uses = _uses_graph(graph)
    if not nx.is_directed_acyclic_graph(uses):
        raise ValueError(f"the `uses` relation has a cycle: {nx.find_cycle(uses)}")
    depth = {node: 0 for node in graph}
    for node in nx.topological_sort(uses):
        for successor in uses.successors(node):
            depth[successor] = max(depth[successor], depth[node] + 1)
    for source, target, kind in graph.edges(data="kind"):
        if kind == "corrects" and source not in uses:  # a lone refuted claim: one column before its correction
            depth[source] = max(depth[target] - 1, 0)
    columns: dict[int, list[str]] = {}
    for node in graph:  # registry order within a column
        columns.setdefault(depth[node], []).append(node)
    row = {node: float(i) for nodes in columns.values() for i, node in enumerate(nodes)}
    undirected = graph.to_undirected(as_view=True)
    for _ in range(4):  # barycentre sweeps to shorten edges
        for column in sorted(columns):
            nodes = columns[column]
            key = {
                n: sum(row[m] for m in undirected[n]) / len(undirected[n]) if len(undirected[n]) else row[n]
                for n in nodes
            }
            nodes.sort(key=lambda n: key[n])
            for i, node in enumerate(nodes):
                row[node] = float(i) - (len(nodes) - 1) / 2
    return {node: (3.0 * depth[node], -row[node]) for node in graph}


def draw_graph(entries: list[dict[str, Any]], graph_status: Mapping[str, dict[str, Any]], out_dir: Path) -> list[Path]:
    """Draw the lemma graph to ``lemma-graph.png`` and ``lemma-graph.svg`` (deterministic SVG)."""
    import matplotlib
    from matplotlib.artist import Artist
    from matplotlib.backends.backend_agg import FigureCanvasAgg
    from matplotlib.figure import Figure
    from matplotlib.lines import Line2D
    from matplotlib.patches import Patch

    graph = lemma_graph(entries)
    positions = _layout(graph)
    xs, ys = zip(*positions.values())
    tallest = max(sum(1 for p in positions.values() if p[0] == x) for x in set(xs))
    figure = Figure(figsize=(2.9 * (max(xs) / 3.0 + 1) + 1.0, 0.34 * tallest + 2.2))
    canvas = FigureCanvasAgg(figure)
    axes = figure.add_axes((0.01, 0.1, 0.98, 0.88))
    axes.set_xlim(min(xs) - 1.6, max(xs) + 1.6)
    axes.set_ylim(min(ys) - 0.8, max(ys) + 0.8)
    axes.axis("off")
    boxes = {}
    for node, (x, y) in positions.items():
        data = graph.nodes[node]
        if data["missing"]:
            face, edge, style, label = FILLS["other"], BORDERS["other"], "--", f"{node} (missing)"
        else:
            status = graph_status[node]
            face, edge, style, label = FILLS[status["fill"]], BORDERS[status["border"]], "-", node
        text = axes.text(
            x,
            y,
            label,
            ha="center",
            va="center",
            fontsize=7,
            zorder=3,
            color="white" if face == FILLS["fully proved"] else "black",
            fontweight="bold" if data["as_written"] else "normal",
            bbox={
                "boxstyle": "round,pad=0.3" if data["as_written"] else "square,pad=0.3",
                "facecolor": face,
                "edgecolor": edge,
                "linewidth": 1.6,
                "linestyle": style,
            },
        )
        boxes[node] = text
    # Arrows run between the boxes' borders. Boxes are sized in pixels at draw time, so their half sizes
    # are measured once in data coordinates (the same at every dpi), and each arrow is cut where the
    # straight line between the two centres leaves the first box and enters the second.
    renderer = canvas.get_renderer()
    figure.draw(renderer)
    to_data = axes.transData.inverted()
    half = {}
    for node, text in boxes.items():
        patch = text.get_bbox_patch()
        assert patch is not None  # every box is drawn with a bbox above
        (x0, y0), (x1, y1) = to_data.transform(patch.get_window_extent(renderer).get_points())
        half[node] = ((x1 - x0) / 2, (y1 - y0) / 2)
    for source, target, kind in graph.edges(data="kind"):
        (ax, ay), (bx, by) = positions[source], positions[target]
        dx, dy = bx - ax, by - ay

        def exit_fraction(node):  # fraction of the centre-to-centre line inside the node's box
            return min(half[node][0] / abs(dx) if dx else float("inf"), half[node][1] / abs(dy) if dy else float("inf"))

        start, end = exit_fraction(source), 1 - exit_fraction(target)
        if end <= start:  # overlapping boxes: nothing to draw between them
            continue
        corrects = kind == "corrects"
        axes.annotate(
            "",
            xy=(ax + end * dx, ay + end * dy),
            xytext=(ax + start * dx, ay + start * dy),
            zorder=1,
            arrowprops={
                "arrowstyle": "-|>",
                "color": "#CC0000" if corrects else "#555555",
                "linestyle": "--" if corrects else "-",
                "linewidth": 0.9,
                "shrinkA": 1,
                "shrinkB": 1,
                "connectionstyle": "arc3,rad=0.05",
            },
        )
    handles: list[Artist] = [
        Patch(facecolor=FILLS[key], edgecolor="#888888", label=f"fill: {text}")
        for key, text in (
            ("fully proved", "fully proved"),
            ("proved", "proved"),
            ("verified", "verified"),
            ("ready", "open, ready"),
            ("refuted", "refuted"),
            ("error", "check crashed or problem"),
        )
    ]
    handles += [
        Patch(facecolor="white", edgecolor=BORDERS[key], linewidth=1.6, label=f"border: {text}")
        for key, text in (
            ("checked", "statement checked"),
            ("refuted", "statement refuted"),
            ("ready", "not checkable, ready"),
            ("other", "not ready"),
        )
    ]
    handles += [
        Line2D([], [], color="#555555", label="uses"),
        Line2D([], [], color="#CC0000", linestyle="--", label="refuted claim -> correction"),
        Patch(facecolor="white", edgecolor="black", label="bold, rounded: claim of the draft"),
    ]
    figure.legend(handles=handles, loc="lower center", ncol=6, fontsize=7, frameon=False)
    out_dir.mkdir(parents=True, exist_ok=True)
    written = []
    with matplotlib.rc_context({"svg.hashsalt": "noncommute-lemma-graph", "svg.fonttype": "none"}):
        formats = (("png", {"dpi": 150, "metadata": {"Software": None}}), ("svg", {"metadata": {"Date": None}}))
        for suffix, options in formats:
            path = out_dir / f"lemma-graph.{suffix}"
            figure.savefig(path, format=suffix, **options)
            written.append(path)
    return written
