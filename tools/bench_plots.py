#!/usr/bin/env python3
# SPDX-License-Identifier: MIT
"""Gathers what one `tools/bench` run measured into build/bench/results.json and draws it with
gnuplot (Debian's gnuplot-nox): messages per server CPU-second by message size for each server,
plain and wss://, and the load generator's latency percentiles (p50, p99) for each server.

  tools/bench_plots.py build/bench
reads core.json, e2e.json, e2e-tls.json and idle.json there (any that exist) and writes
results.json, throughput.png, throughput-tls.png and latency.png.
"""
import json
import os
import shutil
import subprocess
import sys


def load(directory, name):
    path = os.path.join(directory, name)
    if not os.path.exists(path):
        return None
    with open(path) as f:
        return json.load(f)


def core_summary(core):
    """The core benchmark's rows by name: bytes/s, frames/s and every counter."""
    rows = {}
    for benchmark in core.get("benchmarks", []):
        if benchmark.get("run_type") == "aggregate" and benchmark.get("aggregate_name") != "median":
            continue
        name = benchmark.get("run_name", benchmark["name"])
        rows[name] = {key: value for key, value in benchmark.items()
                      if isinstance(value, (int, float)) and key not in ("repetitions",
                                                                          "repetition_index",
                                                                          "threads", "iterations",
                                                                          "family_index",
                                                                          "per_family_instance_index")}
    return {"context": core.get("context", {}), "benchmarks": rows}


def size_label(case):
    size = int(case.split(" x ")[1].split()[0])
    if size >= 1 << 20:
        return f"{size >> 20} MiB"
    if size >= 1024:
        return f"{size >> 10} KiB"
    return f"{size} B"


def write_data(path, figures, value_of):
    """A gnuplot data file: one row per case, one column per server; returns the servers."""
    servers = list(next(iter(figures.values()))["per_server_cpu_second"])
    with open(path, "w") as out:
        out.write("case " + " ".join(f'"{name}"' for name in servers) + "\n")
        for case, figure in figures.items():
            out.write(f'"{size_label(case)}" ' +
                      " ".join(f"{value_of(figure, name):.3f}" for name in servers) + "\n")
    return servers


def histogram(directory, data, servers, png, title, ylabel, logscale):
    columns = ", ".join(
        f"'{data}' using {index + 2}:xtic(1) title columnheader({index + 2})"
        for index in range(len(servers)))
    script = f"""
set terminal pngcairo size 900,480 font ",10"
set output '{png}'
set title "{title}"
set ylabel "{ylabel}"
set style data histograms
set style histogram cluster gap 1
set style fill solid 0.85 border -1
set key top right
set grid ytics
{"set logscale y" if logscale else "set yrange [0:*]"}
plot {columns}
"""
    subprocess.run(["gnuplot"], input=script, text=True, check=True, cwd=directory)


def main():
    directory = sys.argv[1] if len(sys.argv) > 1 else "build/bench"
    results = {}
    core = load(directory, "core.json")
    if core:
        results["core"] = core_summary(core)
    for key, name in (("e2e", "e2e.json"), ("e2e_tls", "e2e-tls.json"), ("idle", "idle.json")):
        figures = load(directory, name)
        if figures:
            results[key] = figures
    with open(os.path.join(directory, "results.json"), "w") as out:
        json.dump(results, out, indent=2)
    print(f"bench_plots: {os.path.join(directory, 'results.json')}")
    if not shutil.which("gnuplot"):
        print("bench_plots: gnuplot not found (tools/setup installs gnuplot-nox): no plots")
        return
    plots = []
    if "e2e" in results:
        servers = write_data(os.path.join(directory, "throughput.dat"), results["e2e"],
                             lambda figure, name: figure["per_server_cpu_second"][name])
        histogram(directory, "throughput.dat", servers, "throughput.png",
                  "Echo over ws://, one message in flight per connection",
                  "messages per server CPU-second", True)
        plots.append("throughput.png")
        latency_servers = write_data(
            os.path.join(directory, "latency.dat"), results["e2e"],
            lambda figure, name: figure.get("latency_us", {}).get(name, {}).get("p99", 0))
        histogram(directory, "latency.dat", latency_servers, "latency.png",
                  "Round trip p99 seen by the load generator (ws://)", "µs", True)
        plots.append("latency.png")
    if "e2e_tls" in results:
        servers = write_data(os.path.join(directory, "throughput-tls.dat"), results["e2e_tls"],
                             lambda figure, name: figure["per_server_cpu_second"][name])
        histogram(directory, "throughput-tls.dat", servers, "throughput-tls.png",
                  "Echo over wss://, one message in flight per connection",
                  "messages per server CPU-second", True)
        plots.append("throughput-tls.png")
    for plot in plots:
        print(f"bench_plots: {os.path.join(directory, plot)}")


if __name__ == "__main__":
    main()
