// SPDX-License-Identifier: MIT
// The demo page `wscore serve` answers GET / with: an echo panel and a /chat room.
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
  body { font: 15px/1.4 system-ui, sans-serif; margin: 2rem auto; max-width: 60rem; padding: 0 1rem; }
  h1 { font-size: 1.4rem; } h2 { font-size: 1.1rem; margin: 0 0 .5rem; }
  .panels { display: grid; grid-template-columns: 1fr 1fr; gap: 1rem; }
  section { border: 1px solid #ccc; border-radius: 6px; padding: 1rem; }
  .state { font-weight: bold; } .state.open { color: #17803d; } .state.closed { color: #b42318; }
  .log { height: 16rem; overflow-y: auto; background: #f6f6f6; font: 13px/1.3 ui-monospace, monospace;
         padding: .5rem; white-space: pre-wrap; word-break: break-all; margin: .5rem 0; }
  input[type=text] { width: 60%; } input[type=number] { width: 5rem; }
  button { margin: .15rem .1rem; }
  @media (max-width: 50rem) { .panels { grid-template-columns: 1fr; } }
</style>
</head>
<body>
<h1>wscore demo</h1>
<p>Served by <code>wscore serve</code>. Every WebSocket path echoes; <code>/chat</code> broadcasts to every chat peer.</p>
<div class="panels">
<section id="echo">
  <h2>Echo <span class="state" id="echo-state">connecting</span></h2>
  <div>negotiated: <span id="echo-extensions">-</span></div>
  <div class="log" id="echo-log"></div>
  <form id="echo-form"><input type="text" id="echo-text" value="Hello, wscore" autocomplete="off">
    <button type="submit">Send</button></form>
  <button id="echo-large">Send 1 MiB binary</button>
  <label>code <input type="number" id="echo-code" value="1000" min="1000" max="4999"></label>
  <button id="echo-close">Close</button> <button id="echo-reconnect">Reconnect</button>
  <div>close: <span id="echo-close-info">-</span></div>
</section>
<section id="chat">
  <h2>Chat <span class="state" id="chat-state">connecting</span></h2>
  <div class="log" id="chat-log"></div>
  <form id="chat-form"><input type="text" id="chat-text" placeholder="say something" autocomplete="off">
    <button type="submit">Send</button></form>
  <div>close: <span id="chat-close-info">-</span></div>
</section>
</div>
<script>
"use strict";
const base = (location.protocol === "https:" ? "wss://" : "ws://") + location.host;
function panel(name, path, onMessage) {
  const $ = (id) => document.getElementById(name + "-" + id);
  const state = { socket: null };
  const log = (line) => { const el = $("log"); el.textContent += line + "\n"; el.scrollTop = el.scrollHeight; };
  const setState = (text) => { const el = $("state"); el.textContent = text; el.className = "state " + text; };
  state.connect = () => {
    const socket = new WebSocket(base + path);
    socket.binaryType = "arraybuffer";
    state.socket = socket;
    setState("connecting");
    socket.onopen = () => { setState("open"); log("open " + base + path);
      const ext = $("extensions"); if (ext) ext.textContent = socket.extensions || "none"; };
    socket.onmessage = (event) => onMessage(event, log);
    socket.onclose = (event) => { setState("closed");
      $("close-info").textContent = event.code + (event.reason ? " " + event.reason : "");
      log("closed " + event.code + (event.reason ? " " + event.reason : "")); };
    socket.onerror = () => log("error");
  };
  state.log = log;
  state.connect();
  return state;
}
const echo = panel("echo", "/echo", (event, log) => {
  if (typeof event.data === "string") log("< " + event.data);
  else log("< binary " + event.data.byteLength + " bytes" + (window.lastLarge && checkLarge(event.data) ? " (intact)" : ""));
});
function checkLarge(buffer) {
  const bytes = new Uint8Array(buffer), sent = window.lastLarge;
  if (bytes.length !== sent.length) return false;
  for (let i = 0; i < bytes.length; i++) if (bytes[i] !== sent[i]) return false;
  return true;
}
document.getElementById("echo-form").onsubmit = (e) => { e.preventDefault();
  const text = document.getElementById("echo-text").value; echo.socket.send(text); echo.log("> " + text); };
document.getElementById("echo-large").onclick = () => {
  const bytes = new Uint8Array(1 << 20); for (let i = 0; i < bytes.length; i++) bytes[i] = (i * 31) & 255;
  window.lastLarge = bytes; echo.socket.send(bytes); echo.log("> binary " + bytes.length + " bytes"); };
document.getElementById("echo-close").onclick = () => {
  echo.socket.close(Number(document.getElementById("echo-code").value), "closed from the page"); };
document.getElementById("echo-reconnect").onclick = () => echo.connect();
const chat = panel("chat", "/chat", (event, log) => log(typeof event.data === "string" ? event.data : "binary"));
document.getElementById("chat-form").onsubmit = (e) => { e.preventDefault();
  const input = document.getElementById("chat-text"); if (input.value) chat.socket.send(input.value); input.value = ""; };
</script>
</body>
</html>
)html";

}  // namespace wscore::cli
