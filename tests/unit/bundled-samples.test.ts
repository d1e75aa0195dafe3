import assert from 'node:assert/strict';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { describe, it } from 'node:test';
import { repositoryRoot } from '../support/test-environment.js';

describe('the bundled sample knowledge base', () => {
  const bundled = path.join(repositoryRoot, 'samples/knowledge-base');
  const shared = path.resolve(repositoryRoot, '../shared/datasets/decodingml-sample');

  it('holds the seven sample documents, byte for byte as shared/ has them', (context) => {
    const files = readdirSync(bundled)
      .filter((file) => file.endsWith('.json'))
      .sort();
    assert.equal(files.length, 7);
    if (!existsSync(shared)) {
      context.skip('shared/ is not beside this clone');
      return;
    }
    for (const file of files) {
      assert.ok(
        readFileSync(path.join(bundled, file)).equals(readFileSync(path.join(shared, file))),
        file,
      );
    }
  });
});
