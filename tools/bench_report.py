#!/usr/bin/env python3
# SPDX-License-Identifier: MIT
"""Turns the core benchmark's JSON into a Markdown table with ratios and an SVG bar chart.

usage: bench_report.py core.json core.md core.svg
"""
import json
import sys


def load(path):
    with open(path) as f:
        data = json.load(f)
    results = {}
    for b in data["benchmarks"]:
        if b.get("run_type") == "aggregate" and b.get("aggregate_name") != "median":
            continue
        name = b.get("run_name", b["name"])
        results[name] = b
    return data.get("context", {}), results


def gbps(b):
    return b["bytes_per_second"] / 1e9


def size_label(size):
    size = int(size)
    if size >= 1 << 20:
        return f"{size >> 20} MiB"
    if size >= 1024:
        return f"{size >> 10} KiB"
    return f"{size} B"


def main():
    json_path, md_path, svg_path = sys.argv[1:4]
    context, results = load(json_path)
    sizes = [16, 125, 1024, 65536, 1 << 20]
    lines = []
    lines.append("| payload | wscore binary | wslay | ratio | wscore frames/s | wslay frames/s "
                 "| ratio | memcpy | text ASCII | text mixed |")
    lines.append("|---|---|---|---|---|---|---|---|---|---|")
    chart = []
    for size in sizes:
        ours = results.get(f"wscore_parse/binary/{size}")
        peer = results.get(f"wslay_parse/{size}")
        ceiling = results.get(f"memcpy_ceiling/{size}")
        ascii_text = results.get(f"wscore_parse/text_ascii/{size}")
        mixed_text = results.get(f"wscore_parse/text_mixed/{size}")
        if not (ours and peer and ceiling):
            continue
        cells = [
            size_label(size),
            f"{gbps(ours):.2f} GB/s",
            f"{gbps(peer):.2f} GB/s",
            f"{gbps(ours) / gbps(peer):.1f}x",
            f"{ours['frames/s'] / 1e6:.1f} M",
            f"{peer['frames/s'] / 1e6:.1f} M",
            f"{ours['frames/s'] / peer['frames/s']:.1f}x",
            f"{gbps(ceiling):.2f} GB/s",
            f"{gbps(ascii_text):.2f} GB/s" if ascii_text else "-",
            f"{gbps(mixed_text):.2f} GB/s" if mixed_text else "-",
        ]
        lines.append("| " + " | ".join(cells) + " |")
        chart.append((size_label(size), gbps(ours), gbps(peer), gbps(ceiling)))

    components = [(name, gbps(b)) for name, b in sorted(results.items())
                  if name.startswith(("utf8_validate/", "mask/"))]
    if components:
        lines.append("")
        lines.append("| component (1 MiB UTF-8, 64 KiB mask) | GB/s |")
        lines.append("|---|---|")
        for name, value in components:
            lines.append(f"| {name} | {value:.2f} |")
    roundtrips = [(name, b) for name, b in sorted(results.items())
                  if name.startswith("deflate_roundtrip/")]
    if roundtrips:
        lines.append("")
        lines.append("| permessage-deflate (compress + inflate, text) | MiB/s | ratio |")
        lines.append("|---|---|---|")
        for name, b in roundtrips:
            lines.append(f"| {name} | {b['bytes_per_second'] / (1 << 20):.0f} | "
                         f"{b.get('ratio', 0):.1f}x |")
    memory = [(name, b) for name, b in sorted(results.items())
              if name.startswith("deflate_memory/")]
    if memory:
        lines.append("")
        lines.append("| permessage-deflate memory per connection | idle | active | zlib |")
        lines.append("|---|---|---|---|")
        for name, b in memory:
            lines.append(f"| {name} | {b['bytes_idle'] / 1024:.1f} KiB | "
                         f"{b['bytes_active'] / 1024:.1f} KiB | {b['zlib_bytes'] / 1024:.1f} KiB |")
    fanout = {name: b for name, b in results.items() if name.startswith("broadcast/")}
    if fanout:
        lines.append("")
        lines.append("| broadcast to 1,000 connections | per member | prepared once | ratio |")
        lines.append("|---|---|---|---|")
        for kind in ("", "_deflate"):
            for size in sorted({name.rsplit("/", 1)[1] for name in fanout}, key=int):
                each = fanout.get(f"broadcast/per_member{kind}/{size}")
                once = fanout.get(f"broadcast/prepared{kind}/{size}")
                if not each or not once:
                    continue
                label = f"{size} B text" + (", deflate without context takeover" if kind else "")
                lines.append(f"| {label} | {each['deliveries/s'] / 1e6:.2f} M/s | "
                             f"{once['deliveries/s'] / 1e6:.2f} M/s | "
                             f"{once['deliveries/s'] / each['deliveries/s']:.1f}x |")
    cpu = context.get("mhz_per_cpu", "?")
    lines.append("")
    lines.append(f"Measured on {context.get('num_cpus', '?')} CPUs at {cpu} MHz, "
                 f"{context.get('date', '')}.")
    with open(md_path, "w") as f:
        f.write("\n".join(lines) + "\n")
    write_svg(svg_path, chart)


def write_svg(path, chart):
    """A grouped bar chart (log scale) of GB/s per payload size: wscore, wslay, memcpy."""
    import math
    width, height, left, bottom = 720, 360, 60, 40
    colors = [("wscore", "#2b7bba"), ("wslay", "#d95f02"), ("memcpy", "#999999")]
    top_value = max((max(v[1:]) for v in chart), default=1.0)
    max_log = math.ceil(math.log10(max(top_value, 1.0)))
    min_log = -1
    plot_h = height - bottom - 20

    def y(value):
        value = max(value, 10 ** min_log)
        frac = (math.log10(value) - min_log) / (max_log - min_log)
        return height - bottom - frac * plot_h

    out = [f'<svg xmlns="http://www.w3.org/2000/svg" width="{width}" height="{height}" '
           f'font-family="sans-serif" font-size="12">',
           f'<text x="{left}" y="14">Masked frame parsing, GB/s of payload (log scale)</text>']
    for exp in range(min_log, max_log + 1):
        yy = y(10 ** exp)
        out.append(f'<line x1="{left}" x2="{width - 10}" y1="{yy:.1f}" y2="{yy:.1f}" '
                   f'stroke="#ddd"/><text x="5" y="{yy + 4:.1f}">{10 ** exp:g}</text>')
    group_w = (width - left - 10) / max(len(chart), 1)
    bar_w = group_w / 4
    for i, (label, *values) in enumerate(chart):
        x0 = left + i * group_w + bar_w / 2
        for j, value in enumerate(values):
            yy = y(value)
            out.append(f'<rect x="{x0 + j * bar_w:.1f}" y="{yy:.1f}" width="{bar_w - 2:.1f}" '
                       f'height="{height - bottom - yy:.1f}" fill="{colors[j][1]}"/>')
        out.append(f'<text x="{x0:.1f}" y="{height - bottom + 16}">{label}</text>')
    for j, (name, color) in enumerate(colors):
        out.append(f'<rect x="{width - 240 + j * 80}" y="24" width="10" height="10" '
                   f'fill="{color}"/><text x="{width - 226 + j * 80}" y="33">{name}</text>')
    out.append("</svg>")
    with open(path, "w") as f:
        f.write("\n".join(out) + "\n")


if __name__ == "__main__":
    main()
