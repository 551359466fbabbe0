// SPDX-License-Identifier: MIT
// The demo page `wscore serve` answers GET / with: an echo panel with a frame inspector
// (/inspect), a chat room with names (/chat) and a server panel fed by /metrics. One
// self-contained page, no framework; the protocols it speaks are described in its script.
#pragma once

#include <string_view>

namespace wscore::cli {

inline constexpr std::string_view demo_page = R"html(<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>wscore demo</title>
<style>
  body { font: 15px/1.4 system-ui, sans-serif; margin: 1.5rem auto; max-width: 72rem; padding: 0 .75rem; }
  h1 { font-size: 1.4rem; margin: 0 0 .25rem; } h2 { font-size: 1.1rem; margin: 0 0 .5rem; }
  .panels { display: grid; grid-template-columns: 1fr 1fr; gap: 1rem; }
  section { border: 1px solid #ccc; border-radius: 6px; padding: .75rem; min-width: 0; }
  #server { grid-column: 1 / -1; }
  .state { font-weight: bold; } .state.open { color: #17803d; } .state.closed { color: #b42318; }
  .log { height: 13rem; overflow-y: auto; background: #f6f6f6; font: 13px/1.3 ui-monospace, monospace;
         padding: .5rem; white-space: pre-wrap; word-break: break-all; margin: .5rem 0; }
  .note { color: #555; font-size: 13px; }
  form { display: flex; gap: .3rem; margin: .3rem 0; } form input[type=text] { flex: 1; min-width: 0; }
  input[type=number] { width: 5rem; } button { margin: .15rem .1rem; }
  table { border-collapse: collapse; width: 100%; font: 12px ui-monospace, monospace; }
  th, td { border-bottom: 1px solid #e3e3e3; padding: 2px 4px; text-align: right; } th { background: #f0f0f0; }
  td:first-child, th:first-child { text-align: left; }
  .scroll { max-height: 12rem; overflow: auto; }
  .figures { display: flex; flex-wrap: wrap; gap: .5rem 1.5rem; } .figures b { font-variant-numeric: tabular-nums; }
  .online span { background: #e8f0fe; border-radius: 3px; padding: 0 .3rem; margin-right: .25rem; }
  @media (max-width: 50rem) { .panels { grid-template-columns: 1fr; } }
</style>
</head>
<body>
<h1>wscore demo</h1>
<p class="note">Served by <code>wscore serve</code>: <code>/inspect</code> echoes and reports the frames,
<code>/chat</code> is a chat room, any other path echoes; <code>/metrics</code> and <code>/healthz</code> tell how the server is.</p>
<div class="panels">
<section id="echo">
  <h2>Echo <span class="state" id="echo-state">connecting</span></h2>
  <div>negotiated: <span id="echo-extensions">-</span></div>
  <div class="figures" id="echo-counters">
    <span>sent <b id="echo-sent">0</b> msgs, <b id="echo-sent-bytes">0</b> B</span>
    <span>received <b id="echo-received">0</b> msgs, <b id="echo-received-bytes">0</b> B</span>
    <span>last round trip <b id="echo-rtt">-</b></span>
  </div>
  <div class="log" id="echo-log"></div>
  <form id="echo-form"><input type="text" id="echo-text" value="Hello, wscore" autocomplete="off">
    <button type="submit">Send</button></form>
  <button id="echo-large">Send 1 MiB binary</button>
  <label>code <input type="number" id="echo-code" value="1000" min="1000" max="4999"></label>
  <button id="echo-close">Close</button> <button id="echo-reconnect">Reconnect</button>
  <div>close: <span id="echo-close-info">-</span></div>
  <h2 style="margin-top:.75rem">Frame inspector</h2>
  <p class="note">A page cannot see WebSocket frames: the browser hands it whole messages. So the
  server reports them: after each echo on <code>/inspect</code> it sends what it received
  (<b>out</b>: RSV1 and opcode of the first frame, FIN of the last, length inflated, and the bytes
  read for it: headers, mask and compressed payload) and what it sent (<b>in</b>: one frame,
  its exact size). Ratio = bytes on the wire / message length, headers included.</p>
  <div class="scroll"><table>
    <thead><tr><th>dir</th><th>FIN</th><th>opcode</th><th>RSV1</th><th>length</th><th>wire</th><th>ratio</th><th>rtt</th></tr></thead>
    <tbody id="inspector"></tbody>
  </table></div>
</section>
<section id="chat">
  <h2>Chat <span class="state" id="chat-state">connecting</span></h2>
  <form id="chat-join"><input type="text" id="chat-name" placeholder="your name" maxlength="32" autocomplete="off">
    <button type="submit">Join</button></form>
  <div>you: <b id="chat-you">-</b> · online (<span id="chat-count">0</span>): <span class="online" id="chat-online"></span></div>
  <div class="log" id="chat-log"></div>
  <form id="chat-form"><input type="text" id="chat-text" placeholder="say something" autocomplete="off">
    <button type="submit">Send</button></form>
  <div>close: <span id="chat-close-info">-</span></div>
</section>
<section id="server">
  <h2>Server <span class="note" id="server-updated">-</span></h2>
  <div class="figures">
    <span>connections open <b id="server-connections">-</b></span>
    <span>accepted <b id="server-accepted">-</b></span>
    <span>messages <b id="server-messages-total">-</b></span>
    <span>messages/s <b id="server-messages-rate">-</b></span>
    <span>bytes/s <b id="server-bytes-rate">-</b></span>
    <span>up <b id="server-uptime">-</b></span>
  </div>
  <p class="note">Read from <code>GET /metrics</code> (Prometheus text format) every second; the
  rates are the change between two reads, in and out together.</p>
</section>
</div>
<script>
"use strict";
// Protocols (tools/wscore/chat_room.hpp and inspector.hpp on the server):
// /chat, JSON text messages. To the server: {"type":"join","name":N} once, then
// {"type":"message","text":S}. From it: {"type":"welcome","name":N,"online":[...],"time":T} (the
// name you got), {"type":"join"|"leave","name":N,"online":[...],"time":T},
// {"type":"message","name":N,"text":S,"time":T}, {"type":"error","text":S}. T is RFC 3339 UTC.
// Other messages are relayed as they came (plain-text clients chat too); shown as "(raw)".
// /inspect: every message is echoed, then followed by one report
// {"type":"inspect","extensions":E,"received":{opcode,fin,rsv1,length,wire_bytes},"sent":{...}}.
const base = (location.protocol === "https:" ? "wss://" : "ws://") + location.host;
const byId = (id) => document.getElementById(id);
const clock = (iso) => (iso ? new Date(iso) : new Date()).toLocaleTimeString();
const utf8 = new TextEncoder();
function duration(ms) { return ms < 1 ? (ms * 1000).toFixed(0) + " µs" : ms < 1000 ? ms.toFixed(1) + " ms" : (ms / 1000).toFixed(2) + " s"; }
function quantity(n) { return n >= 1e6 ? (n / 1e6).toFixed(1) + "M" : n >= 1e4 ? (n / 1e3).toFixed(1) + "k" : String(Math.round(n)); }

function panel(name, path, handlers) {
  const $ = (id) => byId(name + "-" + id);
  const state = { socket: null };
  const log = (line) => { const el = $("log"); el.textContent += line + "\n"; el.scrollTop = el.scrollHeight; };
  const setState = (text) => { const el = $("state"); el.textContent = text; el.className = "state " + text; };
  state.connect = () => {
    const socket = new WebSocket(base + path);
    socket.binaryType = "arraybuffer";
    state.socket = socket;
    setState("connecting");
    socket.onopen = () => { setState("open"); log("open " + base + path);
      const ext = $("extensions"); if (ext) ext.textContent = socket.extensions || "none";
      if (handlers.open) handlers.open(); };
    socket.onmessage = (event) => handlers.message(event, log);
    socket.onclose = (event) => { setState("closed");
      $("close-info").textContent = event.code + (event.reason ? " " + event.reason : "");
      log("closed " + event.code + (event.reason ? " " + event.reason : "")); };
    socket.onerror = () => log("error");
  };
  state.log = log;
  state.connect();
  return state;
}

// --- echo and inspector ---
const counters = { sent: 0, sentBytes: 0, received: 0, receivedBytes: 0 };
let inFlight = [];         // what we sent, oldest first: {at, large}
let nextIsReport = false;  // /inspect: each echo is followed by its report
let lastRtt = null;
function showCounters() {
  byId("echo-sent").textContent = counters.sent; byId("echo-sent-bytes").textContent = quantity(counters.sentBytes);
  byId("echo-received").textContent = counters.received; byId("echo-received-bytes").textContent = quantity(counters.receivedBytes);
}
function sendEcho(data, label, large) {
  echo.socket.send(data);
  inFlight.push({ at: performance.now(), large });
  counters.sent++; counters.sentBytes += typeof data === "string" ? utf8.encode(data).length : data.byteLength;
  showCounters(); echo.log("> " + label);
}
function inspectorRow(direction, frame, deflate, rtt) {
  const row = document.createElement("tr");
  row.dataset.direction = direction; row.dataset.rsv1 = frame.rsv1 ? "1" : "0";
  const ratio = deflate && frame.length > 0 ? (frame.wire_bytes / frame.length).toFixed(2) : "-";
  const opcode = frame.opcode + (frame.opcode === 1 ? " text" : " binary");
  for (const cell of [direction, frame.fin ? 1 : 0, opcode, frame.rsv1 ? "1 compressed" : "0", frame.length, frame.wire_bytes, ratio, rtt]) {
    const td = document.createElement("td"); td.textContent = cell; row.appendChild(td);
  }
  const body = byId("inspector"); body.prepend(row);
  while (body.rows.length > 100) body.deleteRow(-1);
}
const echo = panel("echo", "/inspect", {
  open: () => { inFlight = []; nextIsReport = false; },
  message: (event, log) => {
    if (nextIsReport) {
      nextIsReport = false;
      const report = JSON.parse(event.data);
      const deflate = report.extensions.startsWith("permessage-deflate");
      inspectorRow("in", report.sent, deflate, lastRtt === null ? "-" : duration(lastRtt));
      inspectorRow("out", report.received, deflate, "");
      return;
    }
    nextIsReport = true;
    const sent = inFlight.shift();
    lastRtt = sent ? performance.now() - sent.at : null;
    if (lastRtt !== null) byId("echo-rtt").textContent = duration(lastRtt);
    counters.received++;
    counters.receivedBytes += typeof event.data === "string" ? utf8.encode(event.data).length : event.data.byteLength;
    showCounters();
    const rtt = lastRtt === null ? "" : " (" + duration(lastRtt) + ")";
    if (typeof event.data === "string") log("< " + event.data + rtt);
    else log("< binary " + event.data.byteLength + " bytes" + (sent && sent.large && checkLarge(event.data) ? " (intact)" : "") + rtt);
  },
});
function checkLarge(buffer) {
  const bytes = new Uint8Array(buffer), sent = window.lastLarge;
  if (!sent || bytes.length !== sent.length) return false;
  for (let i = 0; i < bytes.length; i++) if (bytes[i] !== sent[i]) return false;
  return true;
}
byId("echo-form").onsubmit = (e) => { e.preventDefault(); const text = byId("echo-text").value; sendEcho(text, text, false); };
byId("echo-large").onclick = () => {
  const bytes = new Uint8Array(1 << 20); for (let i = 0; i < bytes.length; i++) bytes[i] = (i * 31) & 255;
  window.lastLarge = bytes; sendEcho(bytes, "binary " + bytes.length + " bytes", true); };
byId("echo-close").onclick = () => echo.socket.close(Number(byId("echo-code").value), "closed from the page");
byId("echo-reconnect").onclick = () => echo.connect();

// --- chat ---
function showOnline(names) {
  const list = byId("chat-online"); list.textContent = "";
  for (const name of names) { const tag = document.createElement("span"); tag.textContent = name; list.appendChild(tag); }
  byId("chat-count").textContent = names.length;
}
function join() {
  const name = byId("chat-name").value.trim();
  if (!name || chat.socket.readyState !== WebSocket.OPEN) return;
  try { localStorage.setItem("wscore-name", name); } catch (e) { /* private mode */ }
  chat.socket.send(JSON.stringify({ type: "join", name }));
}
const chat = panel("chat", "/chat", {
  open: () => { byId("chat-you").textContent = "-"; if (byId("chat-name").value.trim()) join(); },
  message: (event, log) => {
    let m = null;
    if (typeof event.data === "string") { try { m = JSON.parse(event.data); } catch (e) { m = null; } }
    if (!m || typeof m.type !== "string") { log("[" + clock() + "] (raw) " + (typeof event.data === "string" ? event.data : "binary " + event.data.byteLength + " bytes")); return; }
    const at = "[" + clock(m.time) + "] ";
    if (m.type === "welcome") { byId("chat-you").textContent = m.name; showOnline(m.online); }
    else if (m.type === "join") { log(at + m.name + " joined"); showOnline(m.online); }
    else if (m.type === "leave") { log(at + m.name + " left"); showOnline(m.online); }
    else if (m.type === "message") log(at + m.name + ": " + m.text);
    else if (m.type === "error") log(at + "error: " + m.text);
    else log(at + "(raw) " + event.data);
  },
});
try { byId("chat-name").value = localStorage.getItem("wscore-name") || ""; } catch (e) { /* private mode */ }
byId("chat-join").onsubmit = (e) => { e.preventDefault(); join(); };
byId("chat-form").onsubmit = (e) => { e.preventDefault();
  const input = byId("chat-text"); if (input.value) chat.socket.send(JSON.stringify({ type: "message", text: input.value })); input.value = ""; };

// --- server panel ---
let previous = null;
function metric(text, name) {
  const line = text.split("\n").find((l) => l.startsWith(name + " "));
  return line ? Number(line.slice(name.length + 1)) : NaN;
}
async function readMetrics() {
  try {
    const response = await fetch("/metrics", { cache: "no-store" });
    const text = await response.text();
    const now = { at: performance.now(),
      messages: metric(text, "wscore_messages_received_total") + metric(text, "wscore_messages_sent_total"),
      bytes: metric(text, "wscore_bytes_received_total") + metric(text, "wscore_bytes_sent_total") };
    byId("server-connections").textContent = metric(text, "wscore_connections_open");
    byId("server-accepted").textContent = metric(text, "wscore_connections_total");
    byId("server-messages-total").textContent = now.messages;
    byId("server-uptime").textContent = duration(metric(text, "wscore_uptime_seconds") * 1000);
    if (previous) {
      const seconds = (now.at - previous.at) / 1000;
      byId("server-messages-rate").textContent = quantity((now.messages - previous.messages) / seconds);
      byId("server-bytes-rate").textContent = quantity((now.bytes - previous.bytes) / seconds);
    }
    previous = now;
    byId("server-updated").textContent = "updated " + clock();
  } catch (e) {
    byId("server-updated").textContent = "unreachable " + clock();
  }
}
readMetrics(); setInterval(readMetrics, 1000);
</script>
</body>
</html>
)html";

}  // namespace wscore::cli
