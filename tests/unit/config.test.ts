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

  it('defaults to the local models and resolves each provider default model', () => {
    const local = loadConfig({}, '/srv/app');
    assert.equal(local.models.directory, '/srv/app/.models');
    assert.equal(local.models.llm.provider, 'local');
    assert.equal(local.models.llm.model, 'SmolLM2-135M-Instruct-Q4_1');
    assert.equal(local.models.embeddings.model, 'all-MiniLM-L6-v2');
    const remote = loadConfig({
      LLM_PROVIDER: 'openai',
      OPENAI_API_KEY: 'sk-test',
      EMBEDDING_PROVIDER: 'huggingface',
      HF_TOKEN: 'hf_test',
      EMBEDDING_DIMENSIONS: '768',
    });
    assert.equal(remote.models.llm.model, 'gpt-4o-mini');
    assert.equal(remote.models.llm.apiKey, 'sk-test');
    assert.equal(remote.models.embeddings.apiKey, 'hf_test');
    assert.equal(remote.models.embeddings.dimensions, 768);
    assert.throws(() => loadConfig({ LLM_PROVIDER: 'anthropic' }), /LLM_PROVIDER/);
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
