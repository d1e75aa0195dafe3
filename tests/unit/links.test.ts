import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { extractChildUrls, normalizeUrl, normalizeUrls } from '../../domain/links.js';

describe('child URL extraction and normalization', () => {
  it('lowercases the host, drops the fragment and every tracking parameter', () => {
    assert.equal(
      normalizeUrl(
        'HTTPS://ArXiv.ORG/abs/2303.17651?utm_campaign=The%20Batch&utm_source=hs_email&utm_medium=email&_hsenc=p2AN&_hsmi=1&fbclid=x&gclid=y&mc_eid=z&id=3#section',
      ),
      'https://arxiv.org/abs/2303.17651?id=3',
    );
    assert.equal(
      normalizeUrl('https://example.com/Path/Keeps/Case?utm_source=x'),
      'https://example.com/Path/Keeps/Case',
    );
    assert.equal(normalizeUrl('http://example.com:80/a'), 'http://example.com/a');
  });

  it('keeps a query without tracking parameters exactly as written', () => {
    assert.equal(
      normalizeUrl('https://huggingface.co/models?other=region%3Aeu&x=a+b'),
      'https://huggingface.co/models?other=region%3Aeu&x=a+b',
    );
  });

  it('accepts only http and https', () => {
    for (const url of [
      'mailto:hi@aman.ai',
      'ftp://x.org/file',
      'javascript:alert(1)',
      'not a url',
      '/relative',
    ])
      assert.equal(normalizeUrl(url), undefined, url);
  });

  it('extracts links from Markdown and bare text, deduplicated in order', () => {
    const content = [
      '[A](https://example.com/a?utm_source=x) and https://example.com/a#top.',
      'See <https://Other.org/b>, (https://third.net/c).',
      '[mail](mailto:hi@x.org) [ftp](ftp://files.org)',
      '![img](https://img.example/p.png)',
    ].join('\n');
    assert.deepEqual(extractChildUrls(content), [
      'https://example.com/a',
      'https://other.org/b',
      'https://third.net/c',
      'https://img.example/p.png',
    ]);
  });

  it('normalizes and deduplicates a list of URLs', () => {
    assert.deepEqual(normalizeUrls(['https://A.com/x#1', 'https://a.com/x', 'mailto:x@y.z']), [
      'https://a.com/x',
    ]);
  });
});
