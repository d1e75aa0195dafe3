import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { Worker } from '@temporalio/worker';
import * as agentWorkflows from '../../workflows/agent.js';
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

  it('every agent workflow type has a recorded history', () => {
    const recorded = new Set(histories.map((saved) => saved.workflowType));
    const missing = Object.keys(agentWorkflows).filter((type) => !recorded.has(type));
    assert.deepEqual(missing, [], `record them with: npm run test:record-histories`);
  });

  it('the current workflow code replays every history deterministically', async () => {
    // Each history replays against the module its worker bundles (offline or agent).
    const agentTypes = new Set(Object.keys(agentWorkflows));
    const failures: string[] = [];
    for (const module of ['offline', 'agent'] as const) {
      const selected = histories.filter(
        (saved) => agentTypes.has(saved.workflowType) === (module === 'agent'),
      );
      if (selected.length === 0) continue;
      const results = Worker.runReplayHistories(
        { workflowsPath: WORKFLOW_MODULES[module], replayName: `second-brain-replay-${module}` },
        selected.map((saved) => ({ workflowId: saved.workflowId, history: saved.history })),
      );
      for await (const result of results) {
        if (result.error) failures.push(`${result.workflowId}: ${String(result.error)}`);
      }
    }
    assert.deepEqual(failures, []);
  });
});
