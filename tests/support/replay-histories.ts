// Workflow histories for replay tests. Integration tests call recordHistoryForReplay() after a
// workflow completes; with SECOND_BRAIN_RECORD_HISTORIES=true (npm run test:record-histories)
// the history is saved to tests/replay/, and tests/unit/replay.test.ts replays every saved
// history against the current workflow code, so a change that breaks determinism fails CI.
import { readdirSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import type { Client } from '@temporalio/client';
import proto, { type temporal } from '@temporalio/proto';
import { repositoryRoot } from './test-environment.js';

const { History } = proto.temporal.api.history.v1;
type History = temporal.api.history.v1.History;

// protobufjs's own object form (enum names, string longs, base64 bytes): readable JSON that
// round-trips through the same proto module that @temporalio/client produced the history with.
const OBJECT_OPTIONS = { longs: String, enums: String, bytes: String } as const;

export const REPLAY_DIRECTORY = path.join(repositoryRoot, 'tests/replay');

function recording(): boolean {
  return process.env.SECOND_BRAIN_RECORD_HISTORIES === 'true';
}

/** Saves the workflow's history as tests/replay/<name>.json when recording is on. */
export async function recordHistoryForReplay(
  client: Client,
  workflowId: string,
  name: string,
): Promise<void> {
  if (!recording()) return;
  const history = await client.workflow.getHandle(workflowId).fetchHistory();
  const object = History.toObject(History.fromObject(history), OBJECT_OPTIONS);
  // The workflow id travels with the history: replay must see the same id (child workflow ids
  // and storage keys derive from it).
  writeFileSync(
    path.join(REPLAY_DIRECTORY, `${name}.json`),
    `${JSON.stringify({ workflowId, history: object }, null, 1)}\n`,
  );
}

export interface SavedHistory {
  name: string;
  workflowId: string;
  workflowType: string;
  history: History;
}

export function loadSavedHistories(): SavedHistory[] {
  return readdirSync(REPLAY_DIRECTORY)
    .filter((file) => file.endsWith('.json'))
    .sort()
    .map((file) => {
      const saved = JSON.parse(readFileSync(path.join(REPLAY_DIRECTORY, file), 'utf8')) as {
        workflowId?: string;
        history?: object;
      };
      // Files recorded before the workflow id was saved hold the bare history.
      const history = History.fromObject(saved.history ?? saved);
      const name = file.replace(/\.json$/, '');
      const workflowType =
        history.events?.[0]?.workflowExecutionStartedEventAttributes?.workflowType?.name ??
        'unknown';
      return { name, workflowId: saved.workflowId ?? name, workflowType, history };
    });
}
