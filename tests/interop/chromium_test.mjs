// SPDX-License-Identifier: MIT
// Debian's chromium, driven by playwright-core, on the demo page of `wscore serve` over
// https/wss with the self-signed certificate it makes on first run.
// usage: node chromium_test.mjs WSCORE_BINARY ARTIFACT_DIRECTORY
import assert from 'node:assert/strict';
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { chromium } from 'playwright-core';

import { ServerUnderTest, temporaryDirectory } from './support.mjs';

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
    server = await ServerUnderTest.start({ tls: true });
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

  async function openDemoPage() {
    // The certificate is self-signed: trusted for this context only.
    const context = await browser.newContext({ ignoreHTTPSErrors: true });
    const page = await context.newPage();
    await page.goto(`https://localhost:${server.port}/`);
    return page;
  }

  test('echo text and 1 MiB binary, permessage-deflate, a close that shows 1000', async () => {
    const page = await openDemoPage();
    const log = page.locator('#echo-log');
    await page.locator('#echo-state', { hasText: 'open' }).waitFor();
    // Chromium offers permessage-deflate with client_max_window_bits; wscore accepts.
    assert.match(await page.locator('#echo-extensions').textContent(), /^permessage-deflate/);
    await server.stderr.waitFor(/^open \d+ \/echo permessage-deflate$/);

    await page.fill('#echo-text', 'Hello from Chromium, é€𝄞');
    await page.click('#echo-form button');
    await log.filter({ hasText: '< Hello from Chromium, é€𝄞' }).waitFor();

    await page.click('#echo-large');
    // The page compares every byte of the echo with what it sent.
    await log.filter({ hasText: '< binary 1048576 bytes (intact)' }).waitFor({ timeout: 30000 });

    await page.click('#echo-close');
    await page.locator('#echo-state', { hasText: 'closed' }).waitFor();
    // RFC 6455 §7.1.2: the server echoes the code; the page shows what Chromium reports.
    assert.equal(await page.locator('#echo-close-info').textContent(), '1000');
    await server.stderr.waitFor(/^close \d+ 1000 closed from the page$/);

    await page.screenshot({ path: join(artifacts, 'chromium-demo-page.png'), fullPage: true });
    await page.context().close();
  });

  test('two pages in /chat see each other', async () => {
    const [alice, bob] = [await openDemoPage(), await openDemoPage()];
    for (const page of [alice, bob]) {
      await page.locator('#chat-state', { hasText: 'open' }).waitFor();
    }

    await alice.fill('#chat-text', 'hello from alice');
    await alice.click('#chat-form button');
    await bob.locator('#chat-log', { hasText: 'hello from alice' }).waitFor();

    await bob.fill('#chat-text', 'and from bob');
    await bob.click('#chat-form button');
    for (const page of [alice, bob]) {
      await page.locator('#chat-log', { hasText: 'and from bob' }).waitFor();
    }

    await alice.screenshot({ path: join(artifacts, 'chromium-chat.png') });
    await Promise.all([alice.context().close(), bob.context().close()]);
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
