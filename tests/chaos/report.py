# SPDX-License-Identifier: MIT
"""The verdict of a chaos run: each criterion from the figures, and the plain-text table."""
from timing import STALL_EXCUSE

RSS_GROWTH_FRACTION = 0.10  # RSS at the end may exceed the warm-up figure by 10% ...
RSS_GROWTH_FLOOR_KIB = 8 * 1024  # ... or by 8 MiB, whichever is larger
LATENCY_FACTOR = 5  # p99 under attack <= 5 x the quiet p99 ...
LATENCY_FLOOR_MS = 2.0  # ... taken as at least 2 ms, so that 0.2 ms quiet does not fail 1 ms
UNJUDGED_FRACTION = 0.02  # at most 2% of the attempts may go unjudged (attackers stalled)


def criteria(figures, judge_resources=True):
    """[(name, holds, detail)] for every criterion of the run. Without `judge_resources` (a
    sanitizer's build) RSS and p99 hold whatever they are, and their detail says so."""
    good, rss, fds = figures["good"], figures["rss_kib"], figures["descriptors"]
    quiet, attack = good["latency"]["quiet"], good["latency"]["attack"]
    results = [
        ("echoes", good["verified"] > 0 and good["lost"] == 0 and good["corrupted"] == 0,
         f"{good['verified']} verified, {good['lost']} lost, {good['corrupted']} corrupted"),
    ]
    attacks = figures["attacks"].values()
    wrong = {tally["kind"]: tally["wrong"] for tally in attacks if tally["wrong"]}
    # Judged: right or wrong, not a wrong answer while the attacker was stalled (answers.Answer).
    untried = [tally["kind"] for tally in attacks if not tally["right"] + tally["wrong"]]
    unjudged = sum(tally["unjudged"] for tally in attacks)
    attempts = sum(tally["attempts"] for tally in attacks)
    too_stalled = unjudged > UNJUDGED_FRACTION * attempts
    detail = ", ".join(f"{name} {count} wrong" for name, count in wrong.items()) or "all right"
    if unjudged:
        detail += (f"; {unjudged} of {attempts} not judged (the attackers stalled for "
                   f">= {STALL_EXCUSE:g} s during them)")
        if too_stalled:
            detail += f", more than {UNJUDGED_FRACTION:.0%}: the run judged too little"
    if untried:
        detail += "; never judged: " + ", ".join(untried)
    if figures["stuck_attack_loops"]:
        detail += f"; attack loops stuck at the end: {', '.join(figures['stuck_attack_loops'])}"
    results.append(("answers", not wrong and not untried and not too_stalled and
                    not figures["stuck_attack_loops"], detail))
    allowance = max(RSS_GROWTH_FRACTION * rss["after_warm_up"], RSS_GROWTH_FLOOR_KIB)
    results.append(("rss", rss["end"] <= rss["after_warm_up"] + allowance,
                     f"{rss['after_warm_up'] / 1024:.1f} MiB after warm-up, "
                     f"{rss['end'] / 1024:.1f} MiB at the end (limit "
                     f"{(rss['after_warm_up'] + allowance) / 1024:.1f} MiB)"))
    results.append(("descriptors", fds["after"] == fds["baseline"],
                    f"{fds['baseline']} at baseline, {fds['after']} after the cool-down"))
    if quiet["count"] and attack["count"]:
        base = max(quiet["p99_ms"], LATENCY_FLOOR_MS)
        results.append(("p99", attack["p99_ms"] <= LATENCY_FACTOR * base,
                         f"{quiet['p99_ms']:.2f} ms quiet, {attack['p99_ms']:.2f} ms under "
                         f"attack (limit {LATENCY_FACTOR} x {base:.2f} ms = "
                         f"{LATENCY_FACTOR * base:.2f} ms)"))
    else:
        results.append(("p99", False, "no round trip measured in a phase"))
    if not judge_resources:
        results = [(name, True, detail + " (not judged under a sanitizer)")
                   if name in ("rss", "p99") else (name, holds, detail)
                   for name, holds, detail in results]
    server = figures["server_exit"]
    results.append(("server", server["alive_at_end"] and server["code"] == 0 and
                    not server["sanitizer_report"],
                    f"alive at the end: {server['alive_at_end']}, exit code {server['code']} "
                    f"on SIGINT, sanitizer report: {server['sanitizer_report']}"))
    return results


def table(figures, verdict):
    lines = []
    add = lines.append
    good = figures["good"]
    add(f"chaos run: {figures['transport']}, {figures['duration_s']:g} s, server "
        f"`{' '.join(figures['server']['command'])}`")
    add("  (limits and timeouts are small on purpose: attacks are cheap and every timeout "
        "fires within an attempt)")
    add(f"  {figures['server']['pinning']}")
    for name, phase in figures["server"]["phases"].items():
        add(f"  {name}: server CPU {phase['cpu_percent']:.0f}%, waited {phase['waited_s']:.2f} s "
            f"for its core (others on it; worst half second: "
            f"{phase['worst_wait_in_half_second_s']:.2f} s)")
    add("")
    add(f"good clients  {figures['good_clients']} ({figures['deflate_clients']} with "
        f"permessage-deflate), {good['connections']} connections")
    add(f"echoes        {good['verified']} verified, {good['lost']} lost, "
        f"{good['corrupted']} corrupted")
    for failure in good["failures"][:10]:
        add(f"              ! {failure}")
    for phase in ("quiet", "attack"):
        figures_of, lag = good["latency"][phase], good["loop_lag"][phase]
        if figures_of["count"]:
            add(f"latency {phase:<6}{figures_of['count']:>8} round trips   p50 "
                f"{figures_of['p50_ms']:7.2f} ms   p90 {figures_of['p90_ms']:7.2f} ms   p99 "
                f"{figures_of['p99_ms']:7.2f} ms   max {figures_of['max_ms']:7.2f} ms")
            add(f"{'':<14}(the clients' own event loop late by p99 {lag['p99_ms']:.0f} ms, "
                f"at most {lag['max_ms']:.0f} ms)")
    rss, fds = figures["rss_kib"], figures["descriptors"]
    add(f"rss           {rss['baseline'] / 1024:.1f} MiB at start, "
        f"{rss['after_warm_up'] / 1024:.1f} MiB after warm-up, "
        f"{rss['attack_max'] / 1024:.1f} MiB highest under attack, "
        f"{rss['end'] / 1024:.1f} MiB at the end")
    add(f"descriptors   {fds['baseline']} at baseline, {fds['attack_max']} highest under attack, "
        f"{fds['after']} after the cool-down ({fds['settled_after_s']:.1f} s)")
    lag = figures["attack_loop_lag"]
    add(f"attackers     event loop late by p99 {lag['p99_ms']:.0f} ms, at most "
        f"{lag['max_ms']:.0f} ms (timings below are late by as much)")
    add("")
    add(f"{'attack':<26}{'tries':>6}{'right':>7}{'wrong':>7}  answers [seconds min/median/max]")
    for name, tally in figures["attacks"].items():
        answers = ", ".join(f"{actual} x{count}" for actual, count in
                            sorted(tally["actual_counts"].items(), key=lambda item: -item[1]))
        timing = ""
        if tally["seconds"]:
            seconds = tally["seconds"]
            timing = f" [{seconds['min']:.1f}/{seconds['median']:.1f}/{seconds['max']:.1f} s]"
        add(f"{name:<26}{tally['attempts']:>6}{tally['right']:>7}{tally['wrong']:>7}  "
            f"{answers}{timing}")
        add(f"{'':<48}expected: {tally['rule']}")
        for example in tally["wrong_examples"]:
            add(f"{'':<48}! expected {example['expected']}, got {example['actual']}")
        for example in tally["unjudged_examples"]:
            add(f"{'':<48}~ not judged, the attackers stalled {example['stalled_s']:.2f} s: "
                f"expected {example['expected']}, got {example['actual']}")
    add("")
    for name, holds, detail in verdict:
        add(f"{'PASS' if holds else 'FAIL'}  {name:<12} {detail}")
    if figures["skipped"]:
        add(f"NOTE  skipped kinds (local investigation only): {', '.join(figures['skipped'])}")
    return "\n".join(lines)
