import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import {
  ATLAS_TEXT_INDEX,
  ATLAS_VECTOR_INDEX,
  atlasIndexDefinitions,
  postFilterStages,
  rankFusionPipeline,
  textSearchPipeline,
  vectorSearchPipeline,
} from '../../integrations/search/atlas-search-index.js';

/** Reads a nested field of a pipeline stage (the driver types stages as any). */
function at(value: unknown, ...path: Array<string | number>): unknown {
  return path.reduce<unknown>(
    (current, key) => (current as Record<string | number, unknown> | undefined)?.[key],
    value,
  );
}

describe('Atlas search definitions and pipelines', () => {
  it('defines a cosine vector index with filter fields and a text index', () => {
    const [vector, text] = atlasIndexDefinitions(384);
    assert.equal(vector?.type, 'vectorSearch');
    assert.equal(vector?.name, ATLAS_VECTOR_INDEX);
    assert.deepEqual(vector?.definition.fields, [
      { type: 'vector', path: 'embedding', numDimensions: 384, similarity: 'cosine' },
      { type: 'filter', path: 'indexVersion' },
      { type: 'filter', path: 'kind' },
      { type: 'filter', path: 'documentId' },
    ]);
    assert.equal(text?.type, 'search');
    assert.equal(text?.name, ATLAS_TEXT_INDEX);
    const fields = text?.definition.mappings as {
      dynamic: boolean;
      fields: Record<string, { type: string }>;
    };
    assert.equal(fields.dynamic, false);
    assert.equal(fields.fields.text?.type, 'string');
    assert.equal(fields.fields.indexVersion?.type, 'token');
  });

  it('builds $vectorSearch with pre-filters on version, kind and documents', () => {
    const pipeline = vectorSearchPipeline({
      queryVector: [0.1, 0.2],
      k: 5,
      indexVersion: 'v1',
      filters: { documentIds: ['a', 'b'] },
    });
    assert.deepEqual(pipeline[0], {
      $vectorSearch: {
        index: ATLAS_VECTOR_INDEX,
        path: 'embedding',
        queryVector: [0.1, 0.2],
        numCandidates: 100,
        limit: 5,
        filter: {
          $and: [
            { indexVersion: { $eq: 'v1' } },
            { kind: { $eq: 'chunk' } },
            { documentId: { $in: ['a', 'b'] } },
          ],
        },
      },
    });
    assert.deepEqual(pipeline[1], { $limit: 5 });
    assert.deepEqual(at(pipeline, 2, '$project', 'score'), { $meta: 'vectorSearchScore' });
  });

  it('post-filters URL and heading prefixes (escaped) and over-fetches for them', () => {
    const pipeline = vectorSearchPipeline({
      queryVector: [1],
      k: 5,
      indexVersion: 'v1',
      filters: { urlPrefix: 'https://a.b/(x)', headingPath: ['Server'] },
    });
    assert.equal(at(pipeline, 0, '$vectorSearch', 'limit'), 50);
    assert.deepEqual(pipeline[1], {
      $match: {
        url: { $regex: '^https://a\\.b/\\(x\\)' },
        'headingPath.0': { $regex: '^Server$', $options: 'i' },
      },
    });
    assert.deepEqual(postFilterStages({}), []);
  });

  it('builds $search as a compound query filtered by version and kind', () => {
    const pipeline = textSearchPipeline({ query: 'wal size', k: 3, indexVersion: 'v2' });
    assert.deepEqual(pipeline[0], {
      $search: {
        index: ATLAS_TEXT_INDEX,
        compound: {
          must: [{ text: { query: 'wal size', path: ['context', 'text'] } }],
          should: [{ text: { query: 'wal size', path: 'title' } }],
          filter: [
            { equals: { path: 'indexVersion', value: 'v2' } },
            { equals: { path: 'kind', value: 'chunk' } },
          ],
        },
      },
    });
    assert.deepEqual(at(pipeline, 2, '$project', 'score'), { $meta: 'searchScore' });
  });

  it('fuses both with $rankFusion, candidates per input, without $project inside', () => {
    const pipeline = rankFusionPipeline({
      query: 'q',
      queryVector: [1],
      k: 10,
      indexVersion: 'v3',
    });
    const pipelines = at(pipeline, 0, '$rankFusion', 'input', 'pipelines') as Record<
      string,
      object[]
    >;
    assert.deepEqual(Object.keys(pipelines), ['vector', 'text']);
    assert.equal(at(pipelines, 'vector', 0, '$vectorSearch', 'limit'), 50);
    assert.ok(
      [...(pipelines.vector ?? []), ...(pipelines.text ?? [])].every(
        (stage) => !('$project' in stage),
      ),
    );
    assert.deepEqual(at(pipeline, 0, '$rankFusion', 'combination'), {
      weights: { vector: 1, text: 1 },
    });
    assert.deepEqual(pipeline[1], { $limit: 10 });
    assert.deepEqual(at(pipeline, 2, '$project', 'score'), { $meta: 'score' });
  });
});
