// Bookkeeping of the refresh workflow: which sources are configured, and a ledger of finished
// stages (integrations/mongo/stores/refresh-stages.ts) so that re-running a refresh with the
// same key redoes only the stage that failed.
import type { Config } from '../../config/environment.js';
import type { RefreshStageLedger } from '../../integrations/mongo/stores/refresh-stages.js';
import { findCompletedStage, recordCompletedStage } from './completed-stages.js';
import { describeKnowledgeSources } from './describe-knowledge-sources.js';

export interface RefreshDependencies {
  config: Pick<Config, 'notion'>;
  stages: RefreshStageLedger;
}

export function createRefreshActivities(dependencies: RefreshDependencies) {
  return {
    describeKnowledgeSources: describeKnowledgeSources(dependencies),
    findCompletedStage: findCompletedStage(dependencies),
    recordCompletedStage: recordCompletedStage(dependencies),
  };
}
