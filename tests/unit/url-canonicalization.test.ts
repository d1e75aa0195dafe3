import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { canonicalizeUrl, deduplicateLinks } from '../../domain/url-canonicalization.js';

describe('URL canonicalization', () => {
  it('drops fragments, default ports, tracking parameters and trailing slashes', () => {
    assert.equal(
      canonicalizeUrl('HTTPS://Example.COM:443/Docs/Page/?utm_source=x&b=2&a=1&fbclid=z#section'),
      'https://example.com/Docs/Page?a=1&b=2',
    );
    assert.equal(canonicalizeUrl('http://example.com'), 'http://example.com/');
    assert.equal(canonicalizeUrl('http://example.com/'), 'http://example.com/');
    assert.equal(canonicalizeUrl('http://user:pw@example.com./a'), 'http://example.com/a');
    assert.equal(
      canonicalizeUrl('/relative', 'https://example.com/base/'),
      'https://example.com/relative',
    );
  });

  it('rejects what is not an http(s) URL', () => {
    for (const link of ['mailto:a@b.c', 'javascript:alert(1)', 'ftp://x/y', 'not a url', ''])
      assert.equal(canonicalizeUrl(link), undefined, link);
  });

  it('keeps meaningful query parameters, sorted', () => {
    assert.equal(
      canonicalizeUrl('https://huggingface.co/models?pipeline_tag=text-generation&library=onnx'),
      'https://huggingface.co/models?library=onnx&pipeline_tag=text-generation',
    );
  });
});

describe('link deduplication across documents', () => {
  it('crawls each URL once and keeps every parent', () => {
    const result = deduplicateLinks(
      [
        {
          id: 'a',
          child_urls: ['https://x.org/p/', 'https://x.org/p?utm_medium=mail', 'mailto:me@x.org'],
        },
        { id: 'b', child_urls: ['https://x.org/p#intro', 'https://y.org/'] },
        { id: 'c', child_urls: ['https://notion.so/page-c', 'https://y.org'] },
      ],
      { excludeUrls: ['https://notion.so/page-c'] },
    );
    assert.equal(result.linksFound, 7);
    assert.equal(result.invalidLinks, 1);
    assert.deepEqual(result.links, [
      { canonicalUrl: 'https://x.org/p', parentIds: ['a', 'b'] },
      { canonicalUrl: 'https://y.org/', parentIds: ['b', 'c'] },
    ]);
  });
});
