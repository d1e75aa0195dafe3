import type {
  RefreshStage,
  RefreshStageLedger,
} from '../../integrations/mongo/stores/refresh-stages.js';

/** The result of a stage that finished under this refresh key, else null. */
export function findCompletedStage({ stages }: { stages: RefreshStageLedger }) {
  return async function findCompletedStage(request: {
    refreshKey: string;
    stage: RefreshStage;
  }): Promise<unknown> {
    return stages.completed(request.refreshKey, request.stage);
  };
}

/** Records a finished stage, so a re-run with the same key skips it. */
export function recordCompletedStage({ stages }: { stages: RefreshStageLedger }) {
  return async function recordCompletedStage(request: {
    refreshKey: string;
    stage: RefreshStage;
    result: unknown;
  }): Promise<void> {
    await stages.record(request.refreshKey, request.stage, request.result);
  };
}
