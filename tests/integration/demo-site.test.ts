// The demo library `start` serves beside the bundled sample: its shipped pages on loopback,
// nothing else, and the reading-list document that links the sample to it.
import assert from 'node:assert/strict';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { describe, it } from 'node:test';
import { documentSchema } from '../../domain/document.js';
import { demoSiteDocument } from '../../domain/demo-site-document.js';
import { startDemoSite } from '../../infra/demo-site.js';

describe('the demo library', () => {
  it('serves its pages on 127.0.0.1 and nothing outside them', async () => {
    const site = await startDemoSite(0);
    try {
      assert.match(site.origin, /^http:\/\/127\.0\.0\.1:\d+$/);
      assert.ok(site.pages.length >= 4, 'a few articles');
      for (const page of site.pages) {
        const response = await fetch(`${site.origin}${page.path}`);
        assert.equal(response.status, 200);
        const html = await response.text();
        assert.ok(html.length > 2_000, `${page.path} has real content`);
        assert.match(page.title, /\w{4,}/);
      }
      assert.match(await (await fetch(`${site.origin}/`)).text(), /Second Brain demo library/);
      assert.match(await (await fetch(`${site.origin}/robots.txt`)).text(), /Allow: \//);
      for (const probe of ['/../package.json', '/%2e%2e/package.json', '/README.md', '/x'])
        assert.equal((await fetch(`${site.origin}${probe}`)).status, 404, probe);
      assert.equal((await fetch(`${site.origin}/index.html`, { method: 'POST' })).status, 405);
    } finally {
      await site.close();
    }
  });

  it('takes a free port when the configured one is in use', async () => {
    const blocker = createServer();
    await new Promise<void>((resolve) => blocker.listen(0, '127.0.0.1', resolve));
    const taken = (blocker.address() as AddressInfo).port;
    const site = await startDemoSite(taken);
    try {
      assert.notEqual(new URL(site.origin).port, String(taken));
      assert.equal((await fetch(`${site.origin}/`)).status, 200);
    } finally {
      await site.close();
      blocker.close();
    }
  });

  it('the reading-list document is a valid document linking to every article', async () => {
    const site = await startDemoSite(0);
    try {
      const document = documentSchema.parse(demoSiteDocument(site.origin, site.pages));
      assert.deepEqual(
        document.child_urls,
        site.pages.map((page) => `${site.origin}${page.path}`),
      );
      assert.match(document.content, /retrieval-augmented generation/i);
    } finally {
      await site.close();
    }
  });
});
