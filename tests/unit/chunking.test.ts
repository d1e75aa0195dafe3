import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { SecondBrainError } from '../../domain/errors.js';
import { chunkIdFor } from '../../domain/chunking/chunk-id.js';
import { chunkDocument } from '../../domain/chunking/document-chunker.js';
import { parseMarkdownBlocks } from '../../domain/chunking/markdown-blocks.js';
import { chunkMarkdown, resolveChunkOverlap } from '../../domain/chunking/markdown-chunker.js';
import { cl100kTokenizer } from '../../domain/chunking/tokenizer.js';

const tokenizer = cl100kTokenizer();

/** Deterministic prose: numbered sentences, so every sentence is unique and traceable. */
function prose(prefix: string, sentences: number): string {
  return Array.from(
    { length: sentences },
    (_, index) =>
      `${prefix} sentence ${index} explains how the write-ahead log keeps data durable after a crash.`,
  ).join(' ');
}

function longDocument(): string {
  const parts: string[] = ['# Database Guide', prose('Intro', 6)];
  for (let section = 0; section < 6; section++) {
    parts.push(`## Section ${section}`);
    for (let paragraph = 0; paragraph < 4; paragraph++)
      parts.push(prose(`S${section}P${paragraph}`, 5 + paragraph * 3));
    parts.push(`### Details ${section}`, prose(`D${section}`, 12));
  }
  return parts.join('\n\n');
}

describe('Markdown blocks', () => {
  it('keeps fenced code (with blank lines and # inside) and tables as single blocks', () => {
    const blocks = parseMarkdownBlocks(
      [
        '# Title',
        'Intro text.',
        '```python',
        '# not a heading',
        '',
        'print(1)',
        '```',
        '| a | b |',
        '|---|---|',
        '| 1 | 2 |',
        '## Sub',
        'Line one',
        'line two',
      ].join('\n'),
    );
    assert.deepEqual(
      blocks.map((block) => block.kind),
      ['heading', 'paragraph', 'code', 'table', 'heading', 'paragraph'],
    );
    assert.match(blocks[2]?.text ?? '', /# not a heading\n\nprint\(1\)\n```$/);
    assert.deepEqual(
      blocks[5]?.headings.map((heading) => heading.title),
      ['Title', 'Sub'],
    );
    assert.equal(blocks[5]?.text, 'Line one\nline two');
  });

  it('closes deeper headings when a shallower one opens', () => {
    const blocks = parseMarkdownBlocks('# A\n## B\n### C\ntext\n## D\nmore');
    assert.deepEqual(
      blocks.at(-1)?.headings.map((heading) => heading.title),
      ['A', 'D'],
    );
  });
});

describe('chunkMarkdown', () => {
  it('never exceeds chunkSize tokens, re-counted on the whole chunk text', () => {
    for (const chunkSize of [64, 200, 640]) {
      const chunks = chunkMarkdown(longDocument(), { chunkSize, tokenizer });
      assert.ok(chunks.length > 1);
      for (const chunk of chunks) {
        assert.ok(
          tokenizer.count(chunk.text) <= chunkSize,
          `chunk ${chunk.index} has ${tokenizer.count(chunk.text)} tokens > ${chunkSize}`,
        );
        assert.equal(chunk.tokenCount, tokenizer.count(chunk.text));
      }
    }
  });

  it('loses no sentence: every sentence of the document is in some chunk', () => {
    const document = longDocument();
    const chunks = chunkMarkdown(document, { chunkSize: 120, tokenizer });
    const all = chunks.map((chunk) => chunk.text).join('\n');
    for (const sentence of document.split(/(?<=\.)\s+/)) {
      const trimmed = sentence.trim();
      if (trimmed) assert.ok(all.includes(trimmed), `missing: ${trimmed}`);
    }
  });

  it('carries the heading path and starts a chunk at a heading rather than orphaning it', () => {
    const chunks = chunkMarkdown(longDocument(), { chunkSize: 200, tokenizer });
    // A chunk that begins inside the "Details 2" section carries its full path.
    const details = chunks.find(
      (chunk) => chunk.text.includes('D2 sentence 11') && !chunk.text.includes('### Details 2'),
    );
    assert.ok(details, 'a chunk begins inside "Details 2"');
    assert.deepEqual(details.headingPath, ['Database Guide', 'Section 2', 'Details 2']);
    // A chunk that begins before a heading keeps the path where it begins.
    const spanning = chunks.find((chunk) => /\n\n### Details 2/.test(chunk.text));
    if (spanning)
      assert.deepEqual(spanning.headingPath.slice(0, 2), ['Database Guide', 'Section 2']);
    for (const chunk of chunks)
      assert.ok(!/\n#+ [^\n]*$/.test(chunk.text), `chunk ${chunk.index} ends with a heading`);
    const inSection = chunks.find((chunk) => chunk.text.includes('S3P2 sentence 4 '));
    assert.deepEqual(inSection?.headingPath.slice(0, 2), ['Database Guide', 'Section 3']);
  });

  it('overlaps consecutive chunks of one section by trailing sentences within the budget', () => {
    const text = `# Only\n\n${prose('Long', 60)}`;
    const chunks = chunkMarkdown(text, { chunkSize: 200, chunkOverlap: 0.15, tokenizer });
    assert.ok(chunks.length >= 3);
    for (let index = 1; index < chunks.length; index++) {
      const previous = chunks[index - 1]?.text ?? '';
      const firstSentence = /^Long sentence \d+ [^.]*\./.exec(chunks[index]?.text ?? '')?.[0];
      assert.ok(firstSentence, `chunk ${index} starts with a whole sentence`);
      assert.ok(previous.includes(firstSentence), `chunk ${index} starts with overlap`);
      const overlapText = (chunks[index]?.text ?? '').slice(
        0,
        (chunks[index]?.text ?? '').indexOf(previous.slice(-20)) + 20,
      );
      assert.ok(tokenizer.count(overlapText) <= 30 + 2, 'overlap stays within 15% of 200 tokens');
    }
    const none = chunkMarkdown(text, { chunkSize: 200, chunkOverlap: 0, tokenizer });
    const joined = none.map((chunk) => chunk.text).join(' ');
    assert.equal(joined.match(/Long sentence 30 /g)?.length, 1, 'no overlap when 0');
  });

  it('keeps a code block and a table whole when they fit, and splits big ones validly', () => {
    const code = [
      '```sql',
      ...Array.from({ length: 8 }, (_, i) => `SELECT ${i} FROM t;`),
      '```',
    ].join('\n');
    const table = [
      '| name | value |',
      '|------|-------|',
      ...Array.from({ length: 6 }, (_, i) => `| row${i} | ${i} |`),
    ].join('\n');
    const document = `# T\n\n${prose('A', 8)}\n\n${code}\n\n${table}\n\n${prose('B', 8)}`;
    const chunks = chunkMarkdown(document, { chunkSize: 150, tokenizer });
    assert.ok(
      chunks.some((chunk) => chunk.text.includes(code)),
      'code block whole',
    );
    assert.ok(
      chunks.some((chunk) => chunk.text.includes(table)),
      'table whole',
    );

    const bigCode = [
      '```js',
      ...Array.from({ length: 200 }, (_, i) => `const value${i} = compute(${i});`),
      '```',
    ].join('\n');
    const bigChunks = chunkMarkdown(bigCode, { chunkSize: 100, tokenizer });
    assert.ok(bigChunks.length > 5);
    for (const chunk of bigChunks) {
      assert.ok(chunk.text.startsWith('```js\n') && chunk.text.endsWith('\n```'), chunk.text);
      assert.ok(tokenizer.count(chunk.text) <= 100);
    }
    const bigTable = [
      '| key | description |',
      '|-----|-------------|',
      ...Array.from({ length: 120 }, (_, i) => `| k${i} | the description of key ${i} |`),
    ].join('\n');
    for (const chunk of chunkMarkdown(bigTable, { chunkSize: 100, tokenizer })) {
      assert.ok(chunk.text.startsWith('| key | description |\n|-----|'), 'header repeated');
      assert.ok(tokenizer.count(chunk.text) <= 100);
    }
  });

  it('splits an unbreakable run by tokens without breaking characters', () => {
    const run = 'ünï'.repeat(400);
    const chunks = chunkMarkdown(run, { chunkSize: 50, tokenizer });
    assert.ok(chunks.length > 1);
    assert.equal(chunks.map((chunk) => chunk.text).join(''), run);
  });

  it('enforces overlap < size and sane sizes with validation errors', () => {
    assert.equal(resolveChunkOverlap(640, 0.15), 96);
    assert.equal(resolveChunkOverlap(640, 50), 50);
    assert.throws(() => resolveChunkOverlap(100, 100), SecondBrainError);
    assert.throws(() => resolveChunkOverlap(100, 150), /must be less than chunkSize/);
    assert.throws(() => resolveChunkOverlap(8, 0), /chunkSize/);
    assert.throws(() => resolveChunkOverlap(100, -1), /chunkOverlap/);
  });

  it('returns nothing for empty text and one chunk for short text', () => {
    assert.deepEqual(chunkMarkdown('  \n\n ', { tokenizer }), []);
    const one = chunkMarkdown('Just a line.', { tokenizer });
    assert.equal(one.length, 1);
    assert.deepEqual(one[0]?.headingPath, []);
  });

  it('treats special-token text as ordinary text', () => {
    assert.equal(
      chunkMarkdown('before <|endoftext|> after', { tokenizer })[0]?.text,
      'before <|endoftext|> after',
    );
  });
});

describe('chunkDocument', () => {
  const documentId = 'a'.repeat(32);

  it('gives stable ids that change with the text', () => {
    const first = chunkDocument(documentId, longDocument(), { tokenizer });
    const second = chunkDocument(documentId, longDocument(), { tokenizer });
    assert.deepEqual(
      first.chunks.map((chunk) => chunk.chunkId),
      second.chunks.map((chunk) => chunk.chunkId),
    );
    assert.equal(new Set(first.chunks.map((chunk) => chunk.chunkId)).size, first.chunks.length);
    assert.match(first.chunks[0]?.chunkId ?? '', /^[0-9a-f]{32}$/);
    assert.notEqual(chunkIdFor(documentId, 0, 'a'), chunkIdFor(documentId, 0, 'b'));
    assert.notEqual(chunkIdFor(documentId, 0, 'a'), chunkIdFor('b'.repeat(32), 0, 'a'));
    const edited = chunkDocument(documentId, longDocument().replace('Intro sentence 0', 'X'), {
      tokenizer,
    });
    assert.notEqual(edited.chunks[0]?.chunkId, first.chunks[0]?.chunkId);
    assert.equal(first.parents.length, 0);
  });

  it('parent mode: 200-token children inside 800-token parents, with full heading paths', () => {
    const { chunks, parents } = chunkDocument(documentId, longDocument(), {
      tokenizer,
      retriever: 'parent',
    });
    assert.ok(parents.length >= 2);
    for (const parent of parents) assert.ok(tokenizer.count(parent.text) <= 800);
    const parentById = new Map(parents.map((parent) => [parent.parentId, parent]));
    for (const child of chunks) {
      assert.ok(child.tokenCount <= 200);
      const parent = parentById.get(child.parentId ?? '');
      assert.ok(parent, 'every child has its parent');
      // Overlap aside, a child's text is inside its parent.
      assert.ok(parent.text.includes(child.text.slice(-60)));
    }
    assert.ok(chunks.length > parents.length * 2);
    const deep = chunks.find((chunk) => chunk.text.includes('D4 sentence 11'));
    assert.deepEqual(deep?.headingPath, ['Database Guide', 'Section 4', 'Details 4']);
  });
});
