// The README's first quickstart command, end to end: `second-brain start` on its own ports and
// data directory brings everything up, refreshes the bundled sample knowledge base, serves,
// and (with --no-stay) stops everything it started.
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { describe, it } from 'node:test';
import { loadConfig } from '../../config/environment.js';
import { infrastructureDown, infrastructureStatus } from '../../infra/local-infrastructure.js';
import { findFreePort } from '../../infra/managed-process.js';
import { repositoryRoot, runCli } from '../support/test-environment.js';

describe('the main job (second-brain start)', () => {
  it('runs the platform on the embedded default and stops what it started', async () => {
    const dataDirectory = mkdtempSync(path.join(os.tmpdir(), 'second-brain-start-'));
    const environment: NodeJS.ProcessEnv = {
      SECOND_BRAIN_DATA_DIR: dataDirectory,
      TEMPORAL_ADDRESS: '',
      MONGODB_URI: '',
      S3_ENDPOINT: '',
      SECOND_BRAIN_WORKFLOW_BUNDLES: '',
      NOTION_TOKEN: '',
      NOTION_DATABASE_IDS: '',
      TEMPORAL_PORT: String(await findFreePort()),
      TEMPORAL_UI_PORT: String(await findFreePort()),
      LOCAL_MONGODB_PORT: String(await findFreePort()),
      LOCAL_S3_PORT: String(await findFreePort()),
      SERVE_PORT: String(await findFreePort()),
    };
    const config = loadConfig({ ...process.env, ...environment }, repositoryRoot);
    try {
      const result = await runCli(['start', '--no-stay'], { env: environment, timeoutMs: 600_000 });
      assert.equal(result.code, 0, result.stderr.slice(-3_000));
      assert.match(result.stderr, /imported the bundled sample knowledge base \(7 new/);
      assert.match(result.stderr, /refresh completed \(full result in .*start\.log\)/);
      assert.match(result.stderr, /ETL: \d+ pages crawled, \d+ documents stored/);
      assert.match(result.stderr, /RAG: [1-9]\d* chunks in the index/);
      assert.match(result.stderr, /Second Brain: http:\/\/127\.0\.0\.1:\d+/);
      assert.match(result.stderr, /Temporal UI: {2}http:\/\/127\.0\.0\.1:\d+/);
      // Unreachable links are summarized by reason with the failure report's key, not fatal.
      assert.match(
        result.stderr,
        /\d+ link\(s\) or document\(s\) failed: \d+ network-error.*; see runs\/etl\/.+\/failure-report\.json/,
      );
      // Worker and SDK logs went to the log file, not the console.
      assert.doesNotMatch(result.stderr, /\[INFO\]|\bINFO\b|Workflow task duration/);
      const workerLog = readFileSync(path.join(dataDirectory, 'logs', 'start.log'), 'utf8');
      assert.match(workerLog, /INFO Worker state changed|INFO /);
      assert.match(workerLog, /refresh result: \{"refreshKey"/);

      const statuses = await infrastructureStatus(config);
      assert.deepEqual(
        statuses.map((status) => status.state),
        ['stopped', 'stopped', 'stopped'],
      );
    } finally {
      // A `start` killed at the time limit cannot stop its servers: stop them here (after the
      // assertion above that start did), so they do not burn CPU for the rest of the suite.
      await infrastructureDown(config).catch(() => undefined);
      rmSync(dataDirectory, { recursive: true, force: true });
    }
  });
});
