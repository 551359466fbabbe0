// SPDX-License-Identifier: MIT
// Interop with Node's `ws` (tests/interop/package-lock.json pins it), both ways:
//   - ws as the client of `wscore serve` (plain and TLS, permessage-deflate on and off);
//   - ws as the server that `wscore connect` talks to (plain and TLS with a test CA).
// With `--server PATH` the client side runs against that echo server instead
// (tools/examples/asio_echo_server), with the same tests and assertions; the /chat room and
// `wscore connect` belong to the wscore binary and are tested in its run only.
// usage: node node_ws_test.mjs WSCORE_BINARY [--server ECHO_SERVER_BINARY]
import assert from 'node:assert/strict';
import { once } from 'node:events';
import { readFileSync } from 'node:fs';
import { createServer as createHttpsServer } from 'node:https';
import { describe, test } from 'node:test';
import { WebSocket, WebSocketServer } from 'ws';

import {
  bytesOfSize,
  echoSizes,
  makeTestCa,
  nextMessage,
  otherServerBinary,
  runConnect,
  ServerUnderTest,
  serverName,
  temporaryDirectory,
  textOfSize,
  tlsUnavailable,
} from './support.mjs';

const maxPayload = 32 << 20;

async function openClient(server, { path = '/echo', deflate = false } = {}) {
  const socket = new WebSocket(server.url(path), {
    perMessageDeflate: deflate,
    maxPayload,
    ca: server.tls ? readFileSync(server.certificate) : undefined,
  });
  await once(socket, 'open');
  return socket;
}

async function closeFrom(socket, code, reason) {
  socket.close(code, reason);
  const [receivedCode, receivedReason] = await once(socket, 'close');
  return { code: receivedCode, reason: receivedReason.toString() };
}

// RFC 6455 §5.2 length forms, §5.4 fragmentation, §5.5.2/5.5.3 ping and pong, through `socket`
// to a peer that echoes each message with its type.
async function exchangeWithEchoingPeer(socket) {
  for (const size of echoSizes) {
    const text = textOfSize(size);
    socket.send(text);
    const echoedText = await nextMessage(socket);
    assert.equal(echoedText.isBinary, false, `text of ${size} bytes comes back as text`);
    assert.equal(echoedText.data.toString(), text, `text of ${size} bytes`);

    const bytes = bytesOfSize(size);
    socket.send(bytes);
    const echoedBytes = await nextMessage(socket);
    assert.equal(echoedBytes.isBinary, true, `binary of ${size} bytes comes back as binary`);
    assert.ok(bytes.equals(echoedBytes.data), `binary of ${size} bytes`);
  }

  for (const [binary, parts] of [
    [false, ['frag', 'men', 'ted é']],
    [true, [Buffer.from([1, 2]), Buffer.alloc(0), Buffer.from([3])]],
  ]) {
    parts.forEach((part, i) => socket.send(part, { binary, fin: i === parts.length - 1 }));
    const echoed = await nextMessage(socket);
    const whole = binary ? Buffer.concat(parts) : parts.join('');
    assert.equal(echoed.isBinary, binary);
    assert.deepEqual(binary ? echoed.data : echoed.data.toString(), whole, 'fragmented message');
  }

  socket.ping('are you there');
  const [pong] = await once(socket, 'pong');
  assert.equal(pong.toString(), 'are you there', 'the pong carries the ping payload');
}

describe(`ws client -> ${serverName}`, () => {
  for (const tls of [false, true]) {
    for (const deflate of [false, true]) {
      const name = `${tls ? 'wss' : 'ws'}, permessage-deflate ${deflate ? 'offered' : 'off'}`;
      const skip = tls && tlsUnavailable;
      test(`echo, fragments, ping and a close from the client (${name})`, { skip }, async () => {
        const server = await ServerUnderTest.start({ tls });
        try {
          const socket = await openClient(server, { deflate });
          // RFC 7692 §5: the server accepts the offer; without one nothing is negotiated.
          assert.equal(socket.extensions, deflate ? 'permessage-deflate' : '');
          // `wscore serve` starts its --verbose lines with the time and the peer's address.
          await server.stderr.waitFor(
            deflate
              ? /^(\S+Z \S+ )?open \d+ \/echo permessage-deflate$/
              : /^(\S+Z \S+ )?open \d+ \/echo$/,
          );
          await exchangeWithEchoingPeer(socket);
          // RFC 6455 §7.1.2: the server answers with the client's code.
          assert.deepEqual(await closeFrom(socket, 1000, 'bye from ws'), {
            code: 1000,
            reason: '',
          });
          await server.stderr.waitFor(/^(\S+Z \S+ )?close \d+ 1000 bye from ws$/);
          assert.equal(await server.stop(), 0);
        } finally {
          await server.kill();
        }
      });
    }
  }

  test('an offer is declined by a server started with --no-deflate', async () => {
    const server = await ServerUnderTest.start({ args: ['--no-deflate'] });
    try {
      const socket = await openClient(server, { deflate: true });
      assert.equal(socket.extensions, '');
      socket.send('plain');
      assert.equal((await nextMessage(socket)).data.toString(), 'plain');
      assert.equal((await closeFrom(socket, 1000, '')).code, 1000);
    } finally {
      await server.kill();
    }
  });

  test('Ctrl-C closes every connection with 1001 and exits 0', async () => {
    const server = await ServerUnderTest.start({ tls: !tlsUnavailable });
    try {
      const sockets = await Promise.all([
        openClient(server),
        openClient(server, { deflate: true }),
        openClient(server, { path: '/chat' }),
      ]);
      const closes = sockets.map((socket) => once(socket, 'close'));
      assert.equal(await server.stop('SIGINT'), 0);
      for (const [code] of await Promise.all(closes)) assert.equal(code, 1001);
    } finally {
      await server.kill();
    }
  });
});

// The features of `wscore serve` and `wscore connect` beyond echoing belong to the run without
// --server (another server is an echo server; `wscore connect` is the same binary either way).
const describeWscoreOnly = otherServerBinary ? () => {} : describe;

describeWscoreOnly('ws client -> wscore serve /chat', () => {
  test('/chat broadcasts to every chat peer', async () => {
    const server = await ServerUnderTest.start();
    try {
      const [alice, bob] = await Promise.all([
        openClient(server, { path: '/chat' }),
        openClient(server, { path: '/chat', deflate: true }),
      ]);
      // Both are registered: the server joins a peer to the room before its 101 goes out.
      const [toAlice, toBob] = [nextMessage(alice), nextMessage(bob)];
      alice.send('hello from alice');
      assert.equal((await toAlice).data.toString(), 'hello from alice');
      assert.equal((await toBob).data.toString(), 'hello from alice');
    } finally {
      await server.kill();
    }
  });
});

// A ws server on a free port, plain or over TLS; `session(socket)` runs on its one connection.
async function withWsServer({ tls, deflate }, session, client) {
  const https = tls
    ? createHttpsServer({ cert: readFileSync(tls.cert), key: readFileSync(tls.key) })
    : null;
  const server = new WebSocketServer({
    ...(https ? { server: https } : { host: '127.0.0.1', port: 0 }),
    perMessageDeflate: deflate,
    maxPayload,
  });
  if (https) https.listen(0, '127.0.0.1');
  await once(https ?? server, 'listening');
  const { port } = (https ?? server).address();
  try {
    const served = once(server, 'connection').then(([socket]) => session(socket));
    const [connectResult] = await Promise.all([client(port), served]);
    return connectResult;
  } finally {
    server.close();
    https?.close();
  }
}

describeWscoreOnly('wscore connect -> ws server', () => {
  const ca = makeTestCa(temporaryDirectory(), 'DNS:localhost');

  for (const tls of [false, true]) {
    for (const deflate of [false, true]) {
      const name = `${tls ? 'wss' : 'ws'}, permessage-deflate ${deflate ? 'on' : 'off'}`;
      test(`wscore connect --echo, then a close from the server (${name})`, async () => {
        const result = await withWsServer(
          { tls: tls && ca, deflate },
          async (socket) => {
            assert.equal(socket.extensions, deflate ? 'permessage-deflate' : '');
            await exchangeWithEchoingPeer(socket);
            assert.deepEqual(await closeFrom(socket, 1000, 'done'), { code: 1000, reason: '' });
          },
          (port) =>
            runConnect([
              '--echo',
              ...(deflate ? ['--deflate'] : []),
              ...(tls
                ? ['--cafile', ca.ca, `wss://localhost:${port}/`]
                : [`ws://127.0.0.1:${port}/`]),
            ]),
        );
        assert.equal(result.code, 0, result.stderr);
        const connected = deflate
          ? /^connected to .* extensions permessage-deflate/m
          : /^connected to \S+$/m;
        assert.match(result.stderr, connected);
        assert.match(result.stderr, /^closed 1000 done$/m);
      });
    }
  }

  test('end of input closes from the client with 1000', async () => {
    const received = [];
    const result = await withWsServer(
      { deflate: false },
      async (socket) => {
        socket.on('message', (data) => received.push(data.toString()));
        const [code, reason] = await once(socket, 'close');
        assert.deepEqual([code, reason.toString()], [1000, '']);
      },
      (port) => runConnect([`ws://127.0.0.1:${port}/`], { input: 'hello\nwörld\n' }),
    );
    assert.deepEqual(received, ['hello', 'wörld']);
    assert.equal(result.code, 0, result.stderr);
    assert.match(result.stderr, /^closed 1000$/m);
  });

  test('a server going away with 1001 ends wscore connect cleanly', async () => {
    const result = await withWsServer(
      { deflate: true },
      async (socket) => {
        socket.send('first');
        assert.equal((await nextMessage(socket)).data.toString(), 'first');
        assert.equal((await closeFrom(socket, 1001, 'going away')).code, 1001);
      },
      (port) => runConnect(['--echo', '--deflate', `ws://127.0.0.1:${port}/`]),
    );
    assert.equal(result.code, 0, result.stderr);
    assert.equal(result.stdout, 'first\n');
    assert.match(result.stderr, /^closed 1001 going away$/m);
  });

  test('a certificate for another host name fails verification', async () => {
    const https = createHttpsServer({ cert: readFileSync(ca.cert), key: readFileSync(ca.key) });
    https.listen(0, '127.0.0.1');
    await once(https, 'listening');
    try {
      // The certificate names localhost only; 127.0.0.1 is not in it (RFC 6125 §6.2.1).
      const url = `wss://127.0.0.1:${https.address().port}/`;
      const result = await runConnect(['--cafile', ca.ca, '--timeout', '5', url]);
      assert.equal(result.code, 1);
      assert.match(result.stderr, /certificate/);
    } finally {
      https.close();
    }
  });
});
