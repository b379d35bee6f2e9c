"""Shared parts of the benchmarks: building a filled workbook of a format, and timing a
command in a fresh process (wall time, CPU time, peak memory of the process tree).

Each measurement is a separate process so that start-up, imports and peak memory belong to
it alone; the figures are medians over ``repeat`` runs, taken alternately across the kinds
(so a busy neighbour on a shared machine slows them all alike).
"""

from __future__ import annotations

import os
import resource
import statistics
import subprocess
import sys
import threading
import time
from pathlib import Path

WORK = Path(__file__).resolve().parent / "_work"
# as an installed juesuan runs: from compiled bytecode (pip compiles it on install)
ENV = {k: v for k, v in os.environ.items() if k != "PYTHONDONTWRITEBYTECODE"}


def formats(chosen: str | None) -> list[str]:
    from juesuan.spec import available_formats

    return [chosen] if chosen else available_formats()


def demo_workbook(fmt: str, lines: int | None = None, rebuild: bool = False) -> Path:
    """A filled workbook of format ``fmt``: the demo department, or ``lines`` synthetic
    expense lines (built once in a child process, cached under bench/_work/)."""
    name = f"{fmt}-{'demo' if lines is None else lines}.xlsx"
    path = WORK / name
    if path.exists() and not rebuild:
        return path
    WORK.mkdir(parents=True, exist_ok=True)
    code = (
        "import sys\n"
        "from pathlib import Path\n"
        "from juesuan.io.files import fill_file, write_new\n"
        "from juesuan.sample import sample_inputs, synthetic_inputs\n"
        "from juesuan.spec import load_spec\n"
        "fmt, lines, path = sys.argv[1], sys.argv[2], Path(sys.argv[3])\n"
        "spec = load_spec(fmt)\n"
        "inputs = sample_inputs(spec=spec) if lines == 'demo' else synthetic_inputs(int(lines), spec=spec)\n"
        "write_new(path, spec, inputs=inputs)\n"
        "fill_file(path, path)\n"
        "path.with_name(path.stem + '.bak' + path.suffix).unlink(missing_ok=True)\n"
    )
    t = time.perf_counter()
    subprocess.run([sys.executable, "-c", code, fmt, "demo" if lines is None else str(lines), str(path)], check=True)
    print(f"built {path.name} ({path.stat().st_size / 1e6:.1f} MB) in {time.perf_counter() - t:.1f} s", flush=True)
    return path


def _tree_rss_kb(root: int) -> int:
    """Resident memory of ``root`` and all its descendants (Linux /proc), in KiB."""
    parents: dict[int, int] = {}
    rss: dict[int, int] = {}
    for entry in os.listdir("/proc"):
        if not entry.isdigit():
            continue
        try:
            with open(f"/proc/{entry}/stat", encoding="utf-8") as fh:
                fields = fh.read().rsplit(")", 1)[1].split()
            parents[int(entry)] = int(fields[1])
            rss[int(entry)] = int(fields[21]) * (os.sysconf("SC_PAGE_SIZE") // 1024)
        except (OSError, IndexError, ValueError):
            continue
    total, stack = 0, [root]
    while stack:
        pid = stack.pop()
        total += rss.get(pid, 0)
        stack += [child for child, parent in parents.items() if parent == pid]
    return total


def run(cmd: list[str], cwd: Path | None = None, sample_tree: bool = False) -> dict:
    """Run ``cmd``; wall seconds, CPU seconds (user+sys of it and its children), peak MB
    (the largest single process; with ``sample_tree``, the sampled sum over its process tree)."""
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    start = time.perf_counter()
    proc = subprocess.Popen(cmd, cwd=cwd, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, env=ENV)
    peak_tree = [0]
    done = threading.Event()

    def sample() -> None:
        while not done.is_set():
            peak_tree[0] = max(peak_tree[0], _tree_rss_kb(proc.pid))
            done.wait(0.05)

    sampler = threading.Thread(target=sample, daemon=True)
    if sample_tree and sys.platform.startswith("linux"):
        sampler.start()
    _, stderr = proc.communicate()
    wall = time.perf_counter() - start
    done.set()
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    if proc.returncode not in (0, 1):
        raise SystemExit(f"{' '.join(cmd)} failed ({proc.returncode}):\n{stderr.decode(errors='replace')}")
    cpu = (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)
    peak = after.ru_maxrss / 1024  # KiB on Linux: the largest process waited for so far
    return {"wall": wall, "cpu": cpu, "peak_mb": max(peak, peak_tree[0] / 1024)}


def medians(kinds: dict[str, list[str]], repeat: int, cwd: Path | None = None) -> dict[str, dict]:
    """Each command run ``repeat`` times, alternating; the median of wall and CPU time."""
    runs: dict[str, list[dict]] = {k: [] for k in kinds}
    for _ in range(repeat):
        for kind, cmd in kinds.items():
            runs[kind].append(run(cmd, cwd))
    return {k: {"wall": statistics.median(r["wall"] for r in rs), "cpu": statistics.median(r["cpu"] for r in rs),
                "peak_mb": max(r["peak_mb"] for r in rs)} for k, rs in runs.items()}


def verdict(ratio: float, target: float) -> str:
    return f"{ratio:.2f} (target ≤ {target}) {'OK' if ratio <= target else 'OVER'}"
