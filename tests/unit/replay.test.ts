import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { Worker } from '@temporalio/worker';
import * as offlineWorkflows from '../../workflows/offline.js';
import { loadSavedHistories } from '../support/replay-histories.js';
import { WORKFLOW_MODULES } from '../../workers/workflow-bundles.js';

describe('replay of recorded workflow histories', () => {
  const histories = loadSavedHistories();

  it('every offline workflow type has a recorded history', () => {
    const recorded = new Set(histories.map((saved) => saved.workflowType));
    const missing = Object.keys(offlineWorkflows).filter((type) => !recorded.has(type));
    assert.deepEqual(missing, [], `record them with: npm run test:record-histories`);
  });

  it('the current workflow code replays every history deterministically', async () => {
    const results = Worker.runReplayHistories(
      { workflowsPath: WORKFLOW_MODULES.offline, replayName: 'second-brain-replay' },
      histories.map((saved) => ({ workflowId: saved.name, history: saved.history })),
    );
    const failures: string[] = [];
    for await (const result of results) {
      if (result.error) failures.push(`${result.workflowId}: ${String(result.error)}`);
    }
    assert.deepEqual(failures, []);
  });
});
