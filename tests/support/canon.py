"""canon.py DIR [PATTERN]: the files of the runs under DIR/runs (those whose id holds PATTERN) on
standard output, with what differs between executions removed: timing (fields ending in _seconds,
_at) and how each call was served (cache hit, attempts, latency). Two executions of the same runs
print the same bytes."""
import json
import os
import sys

DROP = {"served", "duration_seconds", "created_at", "event_at"}


def strip(v):
    if isinstance(v, dict):
        return {k: strip(x) for k, x in v.items() if k not in DROP}
    if isinstance(v, list):
        return [strip(x) for x in v]
    return v


def main():
    root = os.path.join(sys.argv[1], "runs")
    pattern = sys.argv[2] if len(sys.argv) > 2 else ""
    out = sys.stdout
    for run in sorted(os.listdir(root)):
        if pattern not in run:
            continue
        for name in ("steps.jsonl", "predictions.jsonl"):
            out.write(f"== {run}/{name}\n")
            with open(os.path.join(root, run, name), encoding="utf-8") as f:
                for line in f:
                    out.write(json.dumps(strip(json.loads(line)), separators=(",", ":")) + "\n")
        for name in ("summary.json", "state.json"):
            out.write(f"== {run}/{name}\n")
            with open(os.path.join(root, run, name), encoding="utf-8") as f:
                out.write(json.dumps(strip(json.load(f)), sort_keys=True, separators=(",", ":")) + "\n")
        for name in ("prompts/accepted.txt", "prompts/best.txt"):
            out.write(f"== {run}/{name}\n")
            with open(os.path.join(root, run, name), encoding="utf-8") as f:
                out.write(f.read())


if __name__ == "__main__":
    main()
