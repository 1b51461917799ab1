"""Markdown tables for the benchmarks' report.py scripts (as bench/README.md shows them)."""


def table(header, rows, align):
    """Prints `rows` under `header` as a Markdown table; `align` holds "l" or "r" per column."""
    widths = [max(len(str(r[i])) for r in [header] + rows) for i in range(len(header))]

    def line(cells):
        out = []
        for c, w, a in zip(cells, widths, align):
            out.append(str(c).rjust(w) if a == "r" else str(c).ljust(w))
        return "| " + " | ".join(out) + " |"
    print(line(header))
    print("|" + "|".join(("-" * (w + 1) + ":") if a == "r" else ("-" * (w + 2))
                         for w, a in zip(widths, align)) + "|")
    for r in rows:
        print(line(r))
