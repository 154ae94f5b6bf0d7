"""`dreams bench`'s report: one table of figures, each beside its baseline from the same run, the
ratio, and the goal it is measured against; and the same as JSON, with the raw measurements."""

import json
import os
import platform
import sys
from dataclasses import asdict, dataclass, field
from datetime import date
from pathlib import Path

import torch


@dataclass
class Row:
    figure: str
    value: str
    baseline: str = ""
    ratio: float | None = None
    goal: str = ""


@dataclass
class Report:
    device: str
    rows: list[Row] = field(default_factory=list)
    raw: dict = field(default_factory=dict)  # every measurement, as measured

    def add(self, figure: str, value: str, baseline: str = "", ratio=None, goal: str = ""):
        self.rows.append(Row(figure, value, baseline, ratio, goal))

    def table(self) -> str:
        header = Row("figure", "value", "baseline (same run)", None, "goal")
        cells = [
            (r.figure, r.value, r.baseline, "ratio" if r is header else _ratio(r.ratio), r.goal)
            for r in [header, *self.rows]
        ]
        widths = [max(len(row[i]) for row in cells) for i in range(4)]
        lines = [
            "  ".join(
                [row[0].ljust(widths[0]), row[1].rjust(widths[1]), row[2].ljust(widths[2])]
                + [row[3].rjust(widths[3]), row[4]]
            ).rstrip()
            for row in cells
        ]
        return "\n".join(lines)

    def write_json(self, path: Path) -> None:
        document = {
            "date": date.today().isoformat(),
            "command": " ".join(["dreams", *sys.argv[1:]]),
            "device": self.device,
            "torch": torch.__version__,
            "python": platform.python_version(),
            "rows": [asdict(row) for row in self.rows],
            "raw": self.raw,
        }
        path.write_text(json.dumps(document, indent=2, default=str) + "\n")


def _ratio(value: float | None) -> str:
    return "" if value is None else f"{value:.2f}"


def describe_device(device: torch.device) -> str:
    if device.type == "cuda":
        return f"{torch.cuda.get_device_name(device)}, torch {torch.__version__}"
    return (
        f"{_cpu_name()}, {os.cpu_count()} cores, torch {torch.__version__}, "
        f"{torch.get_num_threads()} torch thread(s)"
    )


def _cpu_name() -> str:
    """The processor's name: Linux's /proc/cpuinfo says it best; Windows and macOS say it
    through platform (on Linux that is only the architecture)."""
    try:
        with open("/proc/cpuinfo") as info:
            for line in info:
                if line.startswith("model name"):
                    return line.split(":", 1)[1].strip()
    except OSError:  # not Linux
        pass
    return platform.processor() or platform.machine()
