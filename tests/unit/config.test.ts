import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { describe, it } from 'node:test';
import { ConfigError, environmentSchema, loadConfig } from '../../config/environment.js';
import { repositoryRoot } from '../support/test-environment.js';

describe('configuration', () => {
  it('applies every default from an empty environment', () => {
    const config = loadConfig({}, '/srv/app');
    assert.equal(config.temporal.address, '127.0.0.1:7233');
    assert.equal(config.temporal.uiUrl, 'http://127.0.0.1:8233');
    assert.equal(config.temporal.externalAddress, undefined);
    assert.equal(config.mongodb.uri, 'mongodb://127.0.0.1:27017/');
    assert.equal(config.s3.endpoint, 'http://127.0.0.1:7070');
    assert.equal(config.dataDirectory, '/srv/app/.data');
  });

  it('uses external servers when their addresses are set', () => {
    const config = loadConfig({
      TEMPORAL_ADDRESS: 'temporal.internal:7233',
      MONGODB_URI: 'mongodb+srv://user:pw@cluster.example/',
      S3_ENDPOINT: 'https://s3.example.com',
    });
    assert.equal(config.temporal.address, 'temporal.internal:7233');
    assert.equal(config.temporal.externalAddress, 'temporal.internal:7233');
    assert.equal(config.mongodb.externalUri, 'mongodb+srv://user:pw@cluster.example/');
    assert.equal(config.s3.endpoint, 'https://s3.example.com');
  });

  it('names every problem at once', () => {
    assert.throws(
      () =>
        loadConfig({
          TEMPORAL_PORT: 'not-a-port',
          LOCAL_S3_PORT: '70000',
          MONGODB_URI: 'postgres://nope',
          S3_BUCKET: 'Bad_Bucket',
          LOG_LEVEL: 'loud',
        }),
      (error: unknown) => {
        assert.ok(error instanceof ConfigError);
        assert.equal(error.problems.length, 5);
        for (const name of [
          'TEMPORAL_PORT',
          'LOCAL_S3_PORT',
          'MONGODB_URI',
          'S3_BUCKET',
          'LOG_LEVEL',
        ]) {
          assert.match(error.message, new RegExp(`${name}:`));
        }
        assert.match(error.message, /5 problems/);
        return true;
      },
    );
  });

  it('.env.example documents every variable of the schema, and no other', () => {
    const example = readFileSync(path.join(repositoryRoot, '.env.example'), 'utf8');
    const documented = new Set(
      [...example.matchAll(/^#?\s*([A-Z][A-Z0-9_]+)=/gm)].map((match) => match[1]),
    );
    const schemaKeys = Object.keys(environmentSchema.shape);
    assert.deepEqual([...documented].sort(), [...schemaKeys].sort());
  });
});
