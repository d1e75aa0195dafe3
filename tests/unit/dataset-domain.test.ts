import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import {
  cleanSummary,
  distillationSystemPrompt,
  estimateTokens,
  filterSamples,
  fitToTokenBudget,
  instructionTokenBudget,
  loopTemperatures,
  promptHash,
  truncateAtBoundary,
  type CandidateSample,
} from '../../domain/dataset-distillation.js';
import { seededShuffle, shuffleAndSplit, splitSizes, toJsonl } from '../../domain/dataset-split.js';
import { histogramBins, histogramSvg } from '../../domain/dataset-charts.js';
import { DATASET_FILES, renderDatasetCard } from '../../domain/dataset-card.js';
import { datasetVersionId, sampleKey } from '../../domain/dataset-version.js';
import { parseWorkflowInput } from '../../domain/workflow-inputs.js';

function sample(id: string, answer: string, instruction = `content of ${id}`): CandidateSample {
  return { id, documentId: id.slice(0, 4), instruction, answer };
}

describe('distillation prompt', () => {
  it('asks for a Markdown TL;DR keeping titles, entities and findings, without boilerplate, under N chars', () => {
    const prompt = distillationSystemPrompt(256);
    assert.match(prompt, /TL;DR/);
    assert.match(prompt, /Markdown/);
    assert.match(prompt, /section titles/);
    assert.match(prompt, /key entities/);
    assert.match(prompt, /findings/);
    assert.match(prompt, /cookie/);
    assert.match(prompt, /privacy/);
    assert.match(prompt, /navigation/);
    assert.match(prompt, /under 256 characters/);
  });

  it('hashes the prompt settings: a different limit or student context is a different prompt', () => {
    const base = { maxSummaryChars: 256, studentContextTokens: 2048 };
    assert.equal(promptHash(base), promptHash({ ...base }));
    assert.notEqual(promptHash(base), promptHash({ ...base, maxSummaryChars: 128 }));
    assert.notEqual(promptHash(base), promptHash({ ...base, studentContextTokens: 4096 }));
  });

  it('uses temperatures 0, 0.125, 0.25 and 0.375 for four loops', () => {
    assert.deepEqual(loopTemperatures(4, 0.125), [0, 0.125, 0.25, 0.375]);
  });

  it('cleans a fenced Markdown reply', () => {
    assert.equal(cleanSummary('```markdown\n# Title\nText\n```'), '# Title\nText');
    assert.equal(cleanSummary('  plain  '), 'plain');
  });
});

describe('content fitting', () => {
  it('estimates tokens as characters / 4, rounded up', () => {
    assert.equal(estimateTokens(''), 0);
    assert.equal(estimateTokens('abcde'), 2);
  });

  it('reserves the answer and the chat template in the student budget', () => {
    assert.equal(instructionTokenBudget(2048, 256), 2048 - 64 - 64);
    assert.equal(instructionTokenBudget(100, 4000), 0);
  });

  it('cuts at a paragraph, line or word boundary and leaves short content alone', () => {
    assert.equal(truncateAtBoundary('short', 100), 'short');
    assert.equal(truncateAtBoundary('first paragraph\n\nsecond paragraph', 25), 'first paragraph');
    assert.equal(truncateAtBoundary('one two three four', 12), 'one two');
  });

  it('fits content to a token budget with the estimate or a given tokenizer', () => {
    const content = Array.from({ length: 200 }, (_, index) => `word${index}`).join(' ');
    const fitted = fitToTokenBudget(content, 50);
    assert.ok(estimateTokens(fitted) <= 50);
    assert.ok(content.startsWith(fitted));
    // A tokenizer that counts one token per 2 characters needs a shorter cut.
    const denser = fitToTokenBudget(content, 50, (text) => Math.ceil(text.length / 2));
    assert.ok(Math.ceil(denser.length / 2) <= 50);
    assert.ok(denser.length > 0 && denser.length < fitted.length);
  });
});

describe('sample filtering', () => {
  it('drops empty answers, answers over twice the limit, and duplicates', () => {
    const { kept, dropped } = filterSamples(
      [
        sample('a1', 'A good summary.'),
        sample('a2', '   '),
        sample('a3', 'x'.repeat(21)),
        sample('a4', 'x'.repeat(20)),
        sample('a5', 'a  GOOD summary.', 'content of a1'),
        sample('a6', 'A good summary.', 'another document'),
      ],
      10,
    );
    assert.deepEqual(
      kept.map((entry) => entry.id),
      ['a1', 'a4', 'a6'],
    );
    assert.deepEqual(dropped, { empty: 1, too_long: 1, duplicate: 1 });
  });

  it('keeps the same duplicate whatever the input order', () => {
    const samples = [sample('b2', 'same', 'doc'), sample('b1', 'same', 'doc')];
    assert.equal(filterSamples(samples, 10).kept[0]!.id, 'b1');
    assert.equal(filterSamples([...samples].reverse(), 10).kept[0]!.id, 'b1');
  });
});

describe('deterministic shuffle and split', () => {
  const items = Array.from({ length: 100 }, (_, index) => ({
    id: `s${String(index).padStart(3, '0')}`,
  }));

  it('splits 0.8/0.1/0.1 without losing a sample', () => {
    const splits = shuffleAndSplit(items, { train: 0.8, validation: 0.1, test: 0.1 }, 42);
    assert.equal(splits.train.length, 80);
    assert.equal(splits.validation.length, 10);
    assert.equal(splits.test.length, 10);
    const all = [...splits.train, ...splits.validation, ...splits.test].map((item) => item.id);
    assert.deepEqual(
      [...all].sort(),
      items.map((item) => item.id),
    );
    assert.deepEqual(splitSizes(719, { train: 0.8, validation: 0.1, test: 0.1 }), {
      train: 575,
      validation: 72,
      test: 72,
    });
  });

  it('gives the same splits for the same samples and seed, in any input order', () => {
    const ratios = { train: 0.8, validation: 0.1, test: 0.1 };
    const first = shuffleAndSplit(items, ratios, 42);
    const reversed = shuffleAndSplit([...items].reverse(), ratios, 42);
    assert.deepEqual(reversed, first);
    const otherSeed = shuffleAndSplit(items, ratios, 7);
    assert.notDeepEqual(otherSeed.train, first.train);
    // A real shuffle, not the sorted order.
    assert.notDeepEqual(
      seededShuffle(items, 42).map((item) => item.id),
      items.map((item) => item.id),
    );
  });

  it('writes JSONL with one object a line', () => {
    assert.equal(toJsonl([{ a: 1 }, { b: 'x\ny' }]), '{"a":1}\n{"b":"x\\ny"}\n');
    assert.equal(toJsonl([]), '');
  });
});

describe('sample and version ids', () => {
  const parts = { contentHash: 'c', loop: 0, temperature: 0, teacherModel: 'm', promptHash: 'p' };
  it('change with any part of the LLM call', () => {
    assert.equal(sampleKey(parts), sampleKey({ ...parts }));
    for (const change of [
      { contentHash: 'd' },
      { loop: 1 },
      { temperature: 0.125 },
      { teacherModel: 'n' },
      { promptHash: 'q' },
    ]) {
      assert.notEqual(sampleKey({ ...parts, ...change }), sampleKey(parts));
    }
  });
  it('derive the version from the content of the splits', () => {
    const version = {
      datasetName: 'd',
      splits: { train: ['a'], validation: ['b'], test: [] },
      teacherModel: 'm',
      promptHash: 'p',
    };
    assert.match(datasetVersionId(version), /^v-[0-9a-f]{12}$/);
    assert.equal(datasetVersionId(version), datasetVersionId(structuredClone(version)));
    assert.notEqual(
      datasetVersionId(version),
      datasetVersionId({ ...version, splits: { train: ['b'], validation: ['a'], test: [] } }),
    );
  });
});

describe('charts and card', () => {
  it('bins values into equal-width bins, the maximum in the last', () => {
    const bins = histogramBins([0, 0.05, 0.3, 0.5, 1], { bins: 10, min: 0, max: 1 });
    assert.equal(bins.length, 10);
    assert.deepEqual(
      bins.map((bin) => bin.count),
      [2, 0, 0, 1, 0, 1, 0, 0, 0, 1],
    );
    assert.equal(histogramBins([], { bins: 3 }).length, 3);
  });

  it('draws an SVG with one bar per bin, escaping the title', () => {
    const svg = histogramSvg({
      title: 'Length <chars> & more',
      xLabel: 'characters',
      bins: histogramBins([1, 2, 3], { bins: 4 }),
    });
    assert.match(svg, /^<svg xmlns="http:\/\/www\.w3\.org\/2000\/svg"/);
    assert.equal((svg.match(/<rect x=/g) ?? []).length, 4);
    assert.match(svg, /Length &lt;chars&gt; &amp; more/);
    assert.ok(svg.trimEnd().endsWith('</svg>'));
  });

  it('renders a card with splits, counts, charts, teacher and prompt', () => {
    const card = renderDatasetCard({
      datasetName: 'second-brain-summarization',
      version: 'v-0123456789ab',
      createdAt: '2026-01-01T00:00:00.000Z',
      teacher: { provider: 'local', model: 'tiny' },
      promptHash: 'abcdef',
      systemPrompt: distillationSystemPrompt(256),
      counts: { train: 8, validation: 1, test: 1 },
      documents: 3,
      dropped: { empty: 0, too_long: 2, duplicate: 1 },
      sourceFilter: { minQualityScore: 0.3 },
      settings: { seed: 42 },
      lengthBins: histogramBins([100, 200], { bins: 2, min: 0 }),
      qualityBins: histogramBins([0.9], { bins: 2, min: 0, max: 1 }),
    });
    assert.match(card, /^---\n/);
    assert.match(card, /- split: train\n {4}path: train\.jsonl/);
    assert.match(card, /\| train \| 8 \|/);
    assert.match(card, /\| \*\*total\*\* \| 10 \|/);
    assert.match(card, /too long: 2/);
    assert.ok(card.includes(`](${DATASET_FILES.lengthChart})`));
    assert.ok(card.includes(`](${DATASET_FILES.qualityChart})`));
    assert.match(card, /local\/tiny/);
    assert.match(card, /TL;DR/);
  });
});

describe('generateDataset input', () => {
  it('accepts {} with the documented defaults', () => {
    assert.deepEqual(parseWorkflowInput('generateDataset', {}), {
      minQualityScore: 0.3,
      minChars: 50,
      maxSummaryChars: 256,
      augmentationLoops: 4,
      temperatureStep: 0.125,
      splits: { train: 0.8, validation: 0.1, test: 0.1 },
      seed: 42,
      studentContextTokens: 2048,
      datasetName: 'second-brain-summarization',
      push: false,
      batchSize: 5,
    });
  });

  it('rejects splits that do not sum to 1 and a bad repo name, naming the field', () => {
    assert.throws(
      () =>
        parseWorkflowInput('generateDataset', {
          splits: { train: 0.9, validation: 0.1, test: 0.1 },
        }),
      /splits: train \+ validation \+ test must be 1/,
    );
    assert.throws(
      () => parseWorkflowInput('generateDataset', { hubRepo: 'no-namespace' }),
      /hubRepo/,
    );
  });
});
