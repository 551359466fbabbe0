// SPDX-License-Identifier: MIT
// Debian's chromium, driven by playwright-core, on the demo page of `wscore serve` over
// https/wss with the self-signed certificate it makes on first run.
// usage: node chromium_test.mjs WSCORE_BINARY ARTIFACT_DIRECTORY (screenshots go there; their
// paths are printed)
import assert from 'node:assert/strict';
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { chromium } from 'playwright-core';

import { ServerUnderTest, temporaryDirectory, tlsUnavailable } from './support.mjs';

const artifacts = process.argv[3] ?? temporaryDirectory();
mkdirSync(artifacts, { recursive: true });

// Flags that keep Chromium off the network it has no business on (updates, sync, field
// trials), which a closed CI network would refuse many times over.
const quiet = [
  '--disable-gpu',
  '--disable-quic',
  '--no-first-run',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
];

describe('Chromium on the demo page', () => {
  let server;
  let browser;

  before(async () => {
    // Over io_uring there is no TLS yet: the page is then served over http and ws://.
    server = await ServerUnderTest.start({ tls: !tlsUnavailable });
    browser = await chromium.launch({
      executablePath: '/usr/bin/chromium',
      headless: true,
      // Chromium's sandbox cannot start as root.
      chromiumSandbox: process.getuid() !== 0,
      args: quiet,
    });
  });

  after(async () => {
    await browser?.close();
    await server?.kill();
  });

  // `wscore serve --verbose` lines start with the time and the peer's address.
  const verbose = (rest) => new RegExp(`^\\S+Z 127\\.0\\.0\\.1:\\d+ ${rest}$`);

  async function screenshot(page, name) {
    const path = join(artifacts, name);
    await page.screenshot({ path, fullPage: true });
    console.log(`screenshot: ${path}`);
  }

  async function openDemoPage() {
    // The certificate is self-signed: trusted for this context only.
    const context = await browser.newContext({ ignoreHTTPSErrors: true });
    const page = await context.newPage();
    await page.goto(`${server.tls ? 'https' : 'http'}://localhost:${server.port}/`);
    return page;
  }

  test('echo text and 1 MiB binary, permessage-deflate, a close that shows 1000', async () => {
    const page = await openDemoPage();
    const log = page.locator('#echo-log');
    await page.locator('#echo-state', { hasText: 'open' }).waitFor();
    // Chromium offers permessage-deflate with client_max_window_bits; wscore accepts.
    assert.match(await page.locator('#echo-extensions').textContent(), /^permessage-deflate/);
    await server.stderr.waitFor(verbose('open \\d+ /inspect permessage-deflate'));

    await page.fill('#echo-text', 'Hello from Chromium, é€𝄞');
    await page.click('#echo-form button');
    await log.filter({ hasText: '< Hello from Chromium, é€𝄞' }).waitFor();
    assert.equal(await page.locator('#echo-sent').textContent(), '1');
    assert.equal(await page.locator('#echo-received').textContent(), '1');
    assert.match(await page.locator('#echo-rtt').textContent(), /^\d+(\.\d+)? (µs|ms|s)$/);

    await page.click('#echo-large');
    // The page compares every byte of the echo with what it sent.
    await log.filter({ hasText: '< binary 1048576 bytes (intact)' }).waitFor({ timeout: 30000 });

    await page.click('#echo-close');
    await page.locator('#echo-state', { hasText: 'closed' }).waitFor();
    // RFC 6455 §7.1.2: the server echoes the code; the page shows what Chromium reports.
    assert.equal(await page.locator('#echo-close-info').textContent(), '1000');
    await server.stderr.waitFor(verbose('close \\d+ 1000 closed from the page'));

    await screenshot(page, 'chromium-demo-page.png');
    await page.context().close();
  });

  test('the frame inspector shows RSV1 for a compressed message, both ways', async () => {
    const page = await openDemoPage();
    await page.locator('#echo-state', { hasText: 'open' }).waitFor();
    // Over the server's 128-byte threshold, and very compressible: Chromium and wscore deflate it.
    await page.fill('#echo-text', 'compress me '.repeat(40));
    await page.click('#echo-form button');
    const rows = page.locator('#inspector tr');
    await rows.nth(1).waitFor();
    for (const direction of ['out', 'in']) {
      const row = page.locator(`#inspector tr[data-direction="${direction}"]`).first();
      assert.equal(await row.getAttribute('data-rsv1'), '1', direction);
      const cells = await row.locator('td').allTextContents();
      // dir, FIN, opcode, RSV1, length, wire, ratio, rtt
      assert.deepEqual(cells.slice(0, 5), [direction, '1', '1 text', '1 compressed', '480']);
      assert.ok(Number(cells[5]) < 100, `wire bytes ${cells[5]}`);
      assert.ok(Number(cells[6]) < 0.25, `ratio ${cells[6]}`);
    }
    // A short one goes back uncompressed (under the threshold): RSV1 clear on the echo.
    await page.fill('#echo-text', 'short');
    await page.click('#echo-form button');
    await page.locator('#inspector tr').nth(3).waitFor();
    assert.equal(
      await page.locator('#inspector tr[data-direction="in"]').first().getAttribute('data-rsv1'),
      '0',
    );
    await screenshot(page, 'chromium-inspector.png');
    await page.context().close();
  });

  test('the server panel follows /metrics', async () => {
    const page = await openDemoPage();
    await page.locator('#echo-state', { hasText: 'open' }).waitFor();
    const total = page.locator('#server-messages-total');
    await page.waitForFunction(() => /^\d+$/.test(document.getElementById('server-messages-total').textContent));
    const before = Number(await total.textContent());
    for (let i = 0; i < 5; i++) {
      await page.fill('#echo-text', `message ${i}`);
      await page.click('#echo-form button');
    }
    // 5 in and 10 out (each echo and its report) at least, read within the next second or two.
    await page.waitForFunction(
      (floor) => Number(document.getElementById('server-messages-total').textContent) >= floor,
      before + 15,
      { timeout: 10000 },
    );
    assert.ok(Number(await page.locator('#server-connections').textContent()) >= 2);
    assert.match(await page.locator('#server-messages-rate').textContent(), /^\d/);
    await screenshot(page, 'chromium-server-panel.png');
    await page.context().close();
  });

  test('two pages in /chat, each with a name, see who is online, joins, leaves', async () => {
    const [alice, bob] = [await openDemoPage(), await openDemoPage()];
    for (const [page, name] of [
      [alice, 'alice'],
      [bob, 'bob'],
    ]) {
      await page.locator('#chat-state', { hasText: 'open' }).waitFor();
      await page.fill('#chat-name', name);
      await page.click('#chat-join button');
      await page.locator('#chat-you', { hasText: name }).waitFor();
    }
    await alice.locator('#chat-log', { hasText: 'bob joined' }).waitFor();
    for (const page of [alice, bob]) {
      await page.locator('#chat-count', { hasText: '2' }).waitFor();
      assert.deepEqual(await page.locator('#chat-online span').allTextContents(), ['alice', 'bob']);
    }

    await alice.fill('#chat-text', 'hello from alice');
    await alice.click('#chat-form button');
    // Each line has the time it was said at, from the server.
    await bob.locator('#chat-log', { hasText: /\[[^\]]+\] alice: hello from alice/ }).waitFor();

    await bob.fill('#chat-text', 'and from bob');
    await bob.click('#chat-form button');
    for (const page of [alice, bob]) {
      await page.locator('#chat-log', { hasText: 'bob: and from bob' }).waitFor();
    }
    await screenshot(alice, 'chromium-chat.png');

    await bob.context().close();
    await alice.locator('#chat-log', { hasText: 'bob left' }).waitFor();
    await alice.locator('#chat-count', { hasText: '1' }).waitFor();
    await alice.context().close();
  });

  test('the pages see 1001 when the server shuts down', async () => {
    const page = await openDemoPage();
    await page.locator('#echo-state', { hasText: 'open' }).waitFor();
    assert.equal(await server.stop('SIGINT'), 0);
    await page.locator('#echo-state', { hasText: 'closed' }).waitFor();
    assert.equal(await page.locator('#echo-close-info').textContent(), '1001 server shutting down');
    await page.context().close();
  });
});
