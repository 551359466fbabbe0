// SPDX-License-Identifier: MIT
// Shared by the Node interop tests: the server under test on a free port, a `wscore connect`
// run, a test CA, and small promise helpers around `ws` events.
import { execFileSync, spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { once } from 'node:events';
import { mkdtempSync, rmSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

export const here = dirname(fileURLToPath(import.meta.url));

// The wscore binary under test: the first argument (ctest passes $<TARGET_FILE:wscore>).
export const wscoreBinary = process.argv[2] ?? process.env.WSCORE_BINARY;
if (!wscoreBinary) throw new Error('usage: node TEST.mjs WSCORE_BINARY');

// A fresh directory, removed when the process exits.
export function temporaryDirectory() {
  const path = mkdtempSync(join(tmpdir(), 'wscore-interop-'));
  process.on('exit', () => rmSync(path, { recursive: true, force: true }));
  return path;
}

export async function freePort() {
  const server = createServer();
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  const { port } = server.address();
  server.close();
  await once(server, 'close');
  return port;
}

// A test CA and a server certificate it signs for the given subject alternative names.
export function makeTestCa(directory, ...names) {
  execFileSync(join(here, 'make_test_ca.sh'), [directory, ...names]);
  return {
    ca: join(directory, 'ca.pem'),
    cert: join(directory, 'server.pem'),
    key: join(directory, 'server.key'),
  };
}

// Lines a child writes to a stream, kept and awaitable.
class LineLog {
  constructor(stream) {
    this.lines = [];
    this.waiters = [];
    let partial = '';
    stream.setEncoding('utf8');
    stream.on('data', (chunk) => {
      const parts = (partial + chunk).split('\n');
      partial = parts.pop();
      for (const line of parts) {
        this.lines.push(line);
        this.waiters = this.waiters.filter(({ pattern, resolve }) => {
          if (!pattern.test(line)) return true;
          resolve(line);
          return false;
        });
      }
    });
  }

  // The first line (already seen or still to come) that matches the pattern.
  waitFor(pattern, timeoutMs = 15000) {
    const seen = this.lines.find((line) => pattern.test(line));
    if (seen !== undefined) return Promise.resolve(seen);
    return new Promise((resolve, reject) => {
      const timer = setTimeout(
        () => reject(new Error(`no line matching ${pattern} in:\n${this.lines.join('\n')}`)),
        timeoutMs,
      );
      this.waiters.push({ pattern, resolve: (line) => (clearTimeout(timer), resolve(line)) });
    });
  }
}

// The event loops of `wscore serve` under test (--io): epoll, or uring when WSCORE_TEST_IO=uring
// (ctest's interop.uring.*), with the same tests. Over io_uring there is no TLS yet: why a TLS
// test is skipped there (false: it runs).
export const ioUnderTest = process.env.WSCORE_TEST_IO ?? 'epoll';
export const tlsUnavailable =
  ioUnderTest === 'uring'
    ? 'TLS over io_uring is not there yet: wscore serve --io uring serves ws:// only'
    : false;

// The TLS library of `wscore serve` and `wscore connect` under test (--tls-backend): mbedtls (the
// default), or openssl when WSCORE_TEST_TLS_BACKEND=openssl (ctest's interop.openssl.*).
export const tlsBackendUnderTest = process.env.WSCORE_TEST_TLS_BACKEND ?? null;
// --tls-backend for a command that speaks TLS, when a backend is chosen.
export function tlsBackendArgs(secure) {
  return secure && tlsBackendUnderTest ? ['--tls-backend', tlsBackendUnderTest] : [];
}

// The server the server-side tests run against: `wscore serve`, or with `--server PATH` on the
// command line an echo server that takes `--host H --port N [--cert F --key F] --verbose` and
// prints the same --verbose lines (tools/examples/asio_echo_server).
const serverOption = process.argv.indexOf('--server');
export const otherServerBinary = serverOption > 0 ? process.argv[serverOption + 1] : null;
export const serverName = otherServerBinary ? 'asio_echo_server' : 'wscore serve';

// The server under test on a free loopback port, with --verbose so that each connection's
// events can be read from its stderr. TLS: `wscore serve` uses the certificate it creates under
// its own XDG_DATA_HOME; another server gets one from a test CA.
export class ServerUnderTest {
  static async start({ tls = false, args = [] } = {}) {
    const server = new ServerUnderTest();
    server.tls = tls;
    server.port = await freePort();
    const dataHome = temporaryDirectory();
    const listen = ['--host', '127.0.0.1', '--port', String(server.port), '--verbose'];
    let command;
    if (otherServerBinary) {
      const ca = tls ? makeTestCa(dataHome, 'IP:127.0.0.1') : null;
      server.certificate = ca?.ca;
      command = [otherServerBinary, ...listen, ...(ca ? ['--cert', ca.cert, '--key', ca.key] : [])];
    } else {
      server.certificate = join(dataHome, 'wscore', 'cert.pem');
      const plain = tls ? tlsBackendArgs(true) : ['--plain'];
      command = [wscoreBinary, 'serve', ...listen, '--io', ioUnderTest, ...plain];
    }
    server.process = spawn(command[0], [...command.slice(1), ...args], {
      env: { ...process.env, XDG_DATA_HOME: dataHome },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    server.exited = once(server.process, 'exit');
    server.stdout = new LineLog(server.process.stdout);
    server.stderr = new LineLog(server.process.stderr);
    await server.stdout.waitFor(/^\S+ serving /);
    return server;
  }

  url(path = '/') {
    return `${this.tls ? 'wss' : 'ws'}://127.0.0.1:${this.port}${path}`;
  }

  // Sends the signal and waits for the exit; resolves to the exit code.
  async stop(signal = 'SIGINT') {
    if (this.process.exitCode === null) this.process.kill(signal);
    const timer = setTimeout(() => this.process.kill('SIGKILL'), 15000);
    const [code] = await this.exited;
    clearTimeout(timer);
    return code;
  }

  // For `finally` blocks: ends the process if a test left it running.
  async kill() {
    if (this.process.exitCode === null && this.process.signalCode === null) {
      this.process.kill('SIGKILL');
      await this.exited;
    }
  }
}

// Runs `wscore connect ARGS`, writing `input` to its stdin; resolves to its exit code, stdout
// and stderr.
export async function runConnect(args, { input = '', timeoutMs = 60000 } = {}) {
  const secure = args.some((arg) => String(arg).startsWith('wss://'));
  const child = spawn(wscoreBinary, ['connect', ...tlsBackendArgs(secure), ...args], {
    stdio: ['pipe', 'pipe', 'pipe'],
  });
  let stdout = '';
  let stderr = '';
  child.stdout.setEncoding('utf8').on('data', (chunk) => (stdout += chunk));
  child.stderr.setEncoding('utf8').on('data', (chunk) => (stderr += chunk));
  child.stdin.end(input);
  const timer = setTimeout(() => child.kill('SIGKILL'), timeoutMs);
  const [code, signal] = await once(child, 'exit');
  clearTimeout(timer);
  return { code: signal ? `killed by ${signal}` : code, stdout, stderr };
}

// The next message on a ws socket, as { data, isBinary }.
export async function nextMessage(socket) {
  const [data, isBinary] = await once(socket, 'message');
  return { data, isBinary };
}

// The payload sizes every echo test goes through: the three length forms of RFC 6455 §5.2 at
// their edges (125/126), 64 KiB (the 16-bit form's end) and 16 MiB (64-bit form).
export const echoSizes = [0, 125, 126, 65536, 16 << 20];

export function textOfSize(size) {
  // Two-byte UTF-8 characters, so that the validator sees multi-byte text; one ASCII byte pads.
  return 'é'.repeat(size >> 1) + (size & 1 ? 'x' : '');
}

// Random, so that deflate cannot shrink them: a compressed frame then outgrows its message.
export function bytesOfSize(size) {
  return randomBytes(size);
}
