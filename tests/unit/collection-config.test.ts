import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { ConfigError, loadConfig } from '../../config/environment.js';
import { SecondBrainError } from '../../domain/errors.js';
import { parseWorkflowInput } from '../../domain/workflow-inputs.js';
import { cursorFloor } from '../../domain/notion-collection.js';

describe('Notion configuration', () => {
  it('defaults to the public API at 3 requests/s with inline child pages', () => {
    const config = loadConfig({});
    assert.deepEqual(config.notion, {
      token: undefined,
      databaseIds: [],
      apiUrl: 'https://api.notion.com',
      requestsPerSecond: 3,
      childPages: 'inline',
    });
  });

  it('reads comma-separated database ids, a base URL and the rate', () => {
    const config = loadConfig({
      NOTION_TOKEN: 'secret_x',
      NOTION_DATABASE_IDS:
        ' 6caacfd63accdb958ad15b4a8fbe197a, f2fbb88b-3e3e-8fac-f16f-efce0fa4f284 ,',
      NOTION_API_URL: 'http://127.0.0.1:9999/',
      NOTION_REQUESTS_PER_SECOND: '2.5',
      NOTION_CHILD_PAGES: 'link',
    });
    assert.deepEqual(config.notion.databaseIds, [
      '6caacfd63accdb958ad15b4a8fbe197a',
      'f2fbb88b-3e3e-8fac-f16f-efce0fa4f284',
    ]);
    assert.equal(config.notion.apiUrl, 'http://127.0.0.1:9999');
    assert.equal(config.notion.requestsPerSecond, 2.5);
    assert.equal(config.notion.childPages, 'link');
  });

  it('names bad Notion settings without echoing the token', () => {
    assert.throws(
      () => loadConfig({ NOTION_REQUESTS_PER_SECOND: '0', NOTION_CHILD_PAGES: 'embed' }),
      (error: unknown) =>
        error instanceof ConfigError &&
        /NOTION_REQUESTS_PER_SECOND/.test(error.message) &&
        /NOTION_CHILD_PAGES/.test(error.message),
    );
  });
});

describe('collectNotionData input', () => {
  it('accepts {} with defaults: config databases, last cursor, depth 3, comments', () => {
    assert.deepEqual(parseWorkflowInput('collectNotionData', {}), {
      databaseIds: [],
      maxDepth: 3,
      includeComments: true,
      batchSize: 10,
    });
  });

  it('names each invalid field', () => {
    assert.throws(
      () =>
        parseWorkflowInput('collectNotionData', {
          databaseIds: ['nope'],
          since: 'yesterday',
          maxDepth: -1,
        }),
      (error: unknown) =>
        error instanceof SecondBrainError &&
        /databaseIds\.0: must be a Notion id/.test(error.message) &&
        /since: /.test(error.message) &&
        /maxDepth: /.test(error.message),
    );
  });

  it('rounds cursors down to the minute, the precision of last_edited_time', () => {
    assert.equal(cursorFloor('2025-01-10T09:30:42.123Z'), '2025-01-10T09:30:00.000Z');
  });
});
