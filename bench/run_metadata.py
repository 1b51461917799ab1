"""Where and how a benchmark ran, for the benchmarks' report.py scripts: the lines that follow the
tables (tuneup's tree from the run's "meta" line, load and wall time from its "phase" lines)."""


def tree_line(meta, folder="suggestion"):
    """The commit and uncommitted state of tuneup's tree when the run started; `folder` is the
    part of the tree the benchmark measures (meta's "tuneup_<folder>_modified_files")."""
    return (f"tuneup commit {meta.get('tuneup_commit')} (modified tracked files in the work"
            f" tree: {meta.get('tuneup_tree_modified_files')}, of them in {folder}/:"
            f" {meta.get(f'tuneup_{folder}_modified_files')}; diff sha1"
            f" {meta.get('tuneup_uncommitted_diff_sha1')}), started {meta.get('started')}")


def phases_line(lines, per_phase=False):
    """The 1-minute load range and wall time of the run's phases, or None without phase lines;
    `per_phase` adds each phase's seconds."""
    phases = [l for l in lines if l.get("kind") == "phase"]
    if not phases:
        return None
    loads = [float(p[k].split()[0]) for p in phases for k in ("load_before", "load_after")]
    total = sum(p["wall_seconds"] for p in phases)
    line = (f"1-minute load at phase boundaries: {min(loads)}..{max(loads)}; "
            f"wall time of the phases: {total / 60:.1f} min")
    if per_phase:
        line += " (" + ", ".join(f"{p['phase']} {p['wall_seconds']:.0f} s" for p in phases) + ")"
    return line
