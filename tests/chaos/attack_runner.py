# SPDX-License-Identifier: MIT
"""Runs the attack kinds in bounded loops, all at once, in a process of its own (see run()):
each kind makes one attempt at a time (or `parallel` of them), pauses, and tallies every answer.
"""
import asyncio
import faulthandler
import logging
import os
import sys
import threading
import time

import attacks_flow
import attacks_frames
import attacks_handshake
import attacks_slowloris
import attacks_tls
from answers import Answer, Tally
from timing import STALL_EXCUSE, Stalls, lag_summary, watch_lag
from wire import UnexpectedAnswer

ALL_KINDS = (attacks_slowloris.KINDS + attacks_handshake.KINDS + attacks_frames.KINDS +
             attacks_flow.KINDS + attacks_tls.KINDS)
ATTEMPT_TIMEOUT = 60  # no attempt takes this long unless something is stuck
STOP_GRACE = ATTEMPT_TIMEOUT + 5  # after the stop request, what still runs is stuck
# Payloads that take a while to build, built before the attacks start.
PREPARATIONS = (attacks_frames.tiny_fragments,
                lambda: attacks_frames.deflate_bomb(attacks_frames.BOMB_INFLATED),
                attacks_tls.openssl_client_hello)


def kinds_for(tls, skipped=()):
    """The kinds a run makes: all of them (TLS-port ones only with TLS), minus `skipped`."""
    return [kind for kind in ALL_KINDS
            if (tls or not kind.tls_only) and kind.name not in skipped]


async def attempt_once(kind, target, number, stop):
    """One attempt's Answer; an exception is the server's answer too (a refused connection,
    an unexpected status) and counts as wrong with what happened."""
    try:
        return await asyncio.wait_for(kind.attempt(target, number, stop), ATTEMPT_TIMEOUT)
    except UnexpectedAnswer as error:
        return Answer(kind.rule, str(error), False)
    except asyncio.TimeoutError:
        return Answer(kind.rule, f"attempt stuck for {ATTEMPT_TIMEOUT} s", False)
    except (OSError, EOFError, asyncio.IncompleteReadError) as error:
        return Answer(kind.rule, f"{type(error).__name__}: {error}", False)


async def judged_attempt(kind, target, number, stop, stalls):
    """attempt_once(), with a wrong answer marked as stalled when this process was."""
    start = time.monotonic()
    answer = await attempt_once(kind, target, number, stop)
    if answer is not None and not answer.right:
        stalled = stalls.longest_since(start)
        if stalled >= STALL_EXCUSE:
            answer.stalled = stalled
    return answer


async def attack_loop(kind, target, tally, first_number, step, stop, stalls):
    number = first_number
    while not stop.is_set():
        answer = await judged_attempt(kind, target, number, stop, stalls)
        if answer is not None:  # None: the stop request cut the attempt short
            tally.add(answer)
        number += step
        try:
            await asyncio.wait_for(stop.wait(), kind.pause)
        except asyncio.TimeoutError:
            pass


async def run_attacks(target, names, stop_request):
    kinds = [kind for kind in ALL_KINDS if kind.name in names]
    tallies = {kind.name: Tally(kind.name, kind.rule) for kind in kinds}
    stop, stalls = asyncio.Event(), Stalls()
    for prepare in PREPARATIONS:
        prepare()  # once, before the loops, so that no attempt stalls the loop building them
    lag_watch = asyncio.create_task(watch_lag(stop, stalls.record))
    loops = {asyncio.create_task(attack_loop(kind, target, tallies[kind.name], i, kind.parallel,
                                             stop, stalls)): kind.name
             for kind in kinds for i in range(kind.parallel)}
    while not stop_request.is_set():
        await asyncio.sleep(0.1)
    stop.set()
    # Every attempt ends by itself within ATTEMPT_TIMEOUT; one still running after that is stuck.
    _, stuck = await asyncio.wait(loops, timeout=STOP_GRACE)
    for task in stuck:
        print(f"attack loop {loops[task]} stuck at the end:", file=sys.stderr)
        task.print_stack(file=sys.stderr)
        task.cancel()
    await lag_watch
    return {name: tally.summary() for name, tally in tallies.items()}, \
        sorted(loops[task] for task in stuck), lag_summary(stalls.lags)


def run(target, names, stop_request, results):
    """Process entry: attacks until `stop_request` is set, then sends (tallies, the kinds of
    the loops that were stuck, event loop lag) through `results`. At idle priority: on the
    harness's core the good clients come first, so that their round trips measure the server
    rather than the attackers beside them."""
    os.sched_setscheduler(0, os.SCHED_IDLE, os.sched_param(0))
    # Writes to a connection the server has failed are expected here; asyncio would log each.
    logging.getLogger("asyncio").setLevel(logging.CRITICAL)

    reported = threading.Event()
    threading.Thread(target=report_if_stuck, args=(stop_request, reported), daemon=True).start()

    async def attack_and_report():
        results.send(await run_attacks(target, names, stop_request))
        reported.set()
    asyncio.run(attack_and_report())


def report_if_stuck(stop_request, reported):
    """If the figures are not sent in time after the stop request, the event loop itself is
    stuck (every await in it is bounded): print where, for the log."""
    stop_request.wait()
    if not reported.wait(STOP_GRACE + 10):
        print("the attack process is stuck; its threads:", file=sys.stderr, flush=True)
        faulthandler.dump_traceback(file=sys.stderr, all_threads=True)
