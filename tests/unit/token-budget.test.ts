import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { splitMarkdownSections, truncateToTokenBudget } from '../../domain/token-budget.js';
import { tiktokenCounter } from '../../integrations/llm/token-counter.js';

/** One token per whitespace-separated word: easy to reason about in assertions. */
const words = (text: string) => text.split(/\s+/).filter(Boolean).length;

const document = [
  '# Title',
  'Intro words here.',
  '## Alpha',
  'one two three four five six seven eight nine ten',
  '## Beta',
  'short beta',
  '```',
  '# not a heading inside a fence',
  '```',
  '## Gamma',
  'gamma text',
].join('\n');

describe('token budgets', () => {
  it('splits Markdown before headings, not inside code fences', () => {
    const sections = splitMarkdownSections(document);
    assert.equal(sections.length, 4);
    assert.ok(sections[2]!.includes('# not a heading inside a fence'));
  });

  it('returns text that fits unchanged', () => {
    const result = truncateToTokenBudget(document, 1000, words);
    assert.equal(result.text, document);
    assert.equal(result.truncated, false);
  });

  it('keeps whole sections in order, skipping one that does not fit', () => {
    // Sections weigh 5, 12, 13 and 4 words: Beta no longer fits after Title and Alpha.
    const result = truncateToTokenBudget(document, 22, words);
    assert.equal(result.truncated, true);
    assert.equal(result.tokens, 21);
    assert.match(result.text, /^# Title/);
    assert.match(result.text, /## Alpha/);
    assert.doesNotMatch(result.text, /## Beta/);
    assert.match(result.text, /## Gamma/);
    assert.equal(result.keptSections, 3);
    assert.equal(result.totalSections, 4);
  });

  it('cuts the first section at a word boundary when no section fits whole', () => {
    const result = truncateToTokenBudget('# Big\n' + 'word '.repeat(100), 10, words);
    assert.equal(result.tokens, 10);
    assert.equal(result.keptSections, 0);
    assert.match(result.text, /^# Big/);
  });

  it("fits a real tokenizer's budget exactly", () => {
    const count = tiktokenCounter('gpt-4o-mini');
    const long = Array.from(
      { length: 40 },
      (_, index) => `## Part ${index}\n${'notes '.repeat(30)}`,
    ).join('\n');
    const result = truncateToTokenBudget(long, 500, count);
    assert.ok(result.tokens <= 500 && result.tokens > 400, String(result.tokens));
    assert.equal(count(result.text), result.tokens);
  });
});
