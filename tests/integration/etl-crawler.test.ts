import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import {
  createPageCrawler,
  type CrawlOutcome,
  type CrawlSettings,
  type CrawlTarget,
} from '../../integrations/crawler/page-crawler.js';
import { startTestSite, type TestSite } from '../support/etl-test-site.js';

const settings: CrawlSettings = {
  maxConcurrency: 8,
  perHostConcurrency: 4,
  timeoutSecs: 2,
  maxRetries: 2,
  maxPageBytes: 1_000_000,
  maxRedirects: 5,
  respectRobotsTxt: true,
  allowedHosts: ['127.0.0.1'],
  retryBackoffMs: 100,
};

// The crawler port exactly as the composition root builds it for a worker.
const crawler = createPageCrawler();

async function crawl(targets: CrawlTarget[], overrides: Partial<CrawlSettings> = {}) {
  const outcomes = new Map<string, CrawlOutcome>();
  await crawler.crawl(targets, { ...settings, ...overrides }, async (outcome) => {
    assert.equal(outcomes.has(outcome.key), false, `one outcome per target (${outcome.key})`);
    outcomes.set(outcome.key, outcome);
    await Promise.resolve();
  });
  return outcomes;
}

describe('crawler against a local site (real crawlee over HTTP)', () => {
  let site: TestSite;
  before(async () => {
    site = await startTestSite();
  });
  after(async () => {
    await site.close();
  });

  it('crawls pages and records every awkward case with its reason', async () => {
    const paths = {
      article: '/article/one',
      missing: '/missing',
      gone: '/gone',
      flaky: '/flaky',
      down: '/always-500',
      slow: '/slow',
      loop: '/loop-a',
      moved: '/moved',
      binary: '/binary',
      image: '/image.png',
      pdf: '/paper.pdf',
      huge: '/huge',
      hugeChunked: '/huge-chunked',
      badCharset: '/bad-charset',
      robots: '/private/page',
    };
    const targets = Object.entries(paths).map(([key, path]) => ({
      key,
      url: `${site.origin}${path}`,
    }));
    const outcomes = await crawl(targets);
    assert.equal(outcomes.size, targets.length);
    const get = (key: string) => outcomes.get(key)!;
    const reason = (key: string) => {
      const outcome = get(key);
      return outcome.kind === 'failure' ? outcome.reason : 'page';
    };

    const article = get('article');
    assert.equal(article.kind, 'page');
    assert.equal(article.title, 'Article one');
    assert.match(article.markdown, /^Paragraph 1 of Article one: durable workflows/);
    assert.match(article.markdown, /\| Stage \| Result \|/, 'GFM table');
    assert.doesNotMatch(article.markdown, /Copyright footer|window\.tracking/);
    assert.equal(article.metaTags.description, 'About Article one');
    assert.ok(article.links.includes(`${site.origin}/article/linked-from-one`));

    assert.equal(reason('missing'), 'not-found');
    assert.equal(reason('gone'), 'not-found');
    assert.equal(get('missing').attempts, 1, '404 is not retried');
    assert.equal(reason('flaky'), 'page', 'a 500 that succeeds on retry');
    assert.equal(get('flaky').attempts, 2);
    assert.equal(reason('down'), 'server-error');
    assert.equal(get('down').attempts, 3, '5xx retried maxRetries times');
    assert.equal(reason('slow'), 'timeout');
    assert.equal(get('slow').attempts, 3, 'timeouts retried');
    assert.equal(reason('loop'), 'too-many-redirects');
    assert.equal(get('loop').attempts, 1);
    const moved = get('moved');
    assert.equal(moved.kind === 'page' && moved.finalUrl, `${site.origin}/article/moved-target`);
    assert.equal(reason('binary'), 'unsupported-content-type');
    assert.equal(reason('image'), 'unsupported-content-type');
    const pdf = get('pdf');
    assert.equal(pdf.kind === 'page' && pdf.markdown, 'Hello PDF text');
    assert.equal(reason('huge'), 'too-large');
    assert.equal(reason('hugeChunked'), 'too-large');
    const badCharset = get('badCharset');
    assert.equal(badCharset.kind, 'page');
    assert.match(badCharset.kind === 'page' ? badCharset.markdown : '', /Café crème/);
    assert.equal(reason('robots'), 'robots-txt');
  });

  it('a second crawl in the same process crawls the same URLs again', async () => {
    const before = site.hits.get('/article/again') ?? 0;
    const targets = [{ key: 'again', url: `${site.origin}/article/again` }];
    assert.equal((await crawl(targets)).get('again')?.kind, 'page');
    assert.equal((await crawl(targets)).get('again')?.kind, 'page');
    assert.equal(site.hits.get('/article/again'), before + 2);
  });

  it('SSRF guard: refuses loopback without an allowlist and non-http schemes', async () => {
    const outcomes = await crawl(
      [
        { key: 'loopback', url: `${site.origin}/article/secret` },
        { key: 'localhost', url: `http://localhost:${site.port}/article/secret` },
        { key: 'metadata', url: 'http://169.254.169.254/latest/meta-data/' },
        { key: 'private', url: 'http://10.1.2.3/' },
        { key: 'ipv6', url: `http://[::1]:${site.port}/` },
        { key: 'file', url: 'file:///etc/passwd' },
      ],
      { allowedHosts: [] },
    );
    for (const key of ['loopback', 'localhost', 'metadata', 'private', 'ipv6', 'file']) {
      const outcome = outcomes.get(key);
      assert.equal(outcome?.kind === 'failure' && outcome.reason, 'forbidden-address', key);
    }
    assert.equal(site.hits.get('/article/secret'), undefined, 'nothing reached the server');
  });

  it('SSRF guard: a redirect to a private address is refused, even from an allowed host', async () => {
    const outcomes = await crawl([
      { key: 'localhost', url: `${site.origin}/redirect-to-localhost?port=${site.port}` },
      { key: 'metadata', url: `${site.origin}/redirect-to-metadata` },
    ]);
    for (const key of ['localhost', 'metadata']) {
      const outcome = outcomes.get(key);
      assert.equal(outcome?.kind === 'failure' && outcome.reason, 'forbidden-address', key);
      assert.equal(outcome?.attempts, 1, 'refusals are not retried');
    }
    assert.equal(site.hits.get('/article/secret'), undefined);
  });
});
