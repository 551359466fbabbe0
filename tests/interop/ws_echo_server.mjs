// SPDX-License-Identifier: MIT
// A Node `ws` echo server, the peer that `wscore bench` is measured beside:
//   node tests/interop/ws_echo_server.mjs PORT [--deflate]
import { WebSocketServer } from 'ws';

const port = Number(process.argv[2] ?? 8090);
const server = new WebSocketServer({
  host: '127.0.0.1',
  port,
  perMessageDeflate: process.argv.includes('--deflate'),
  maxPayload: 64 << 20,
});
server.on('connection', (socket) => {
  socket.on('message', (data, isBinary) => socket.send(data, { binary: isBinary }));
});
server.on('listening', () => console.log(`ws echo server on ws://127.0.0.1:${port}/`));
