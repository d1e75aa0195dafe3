// The refresh pipeline's ledger of finished stages and its one owner (collection
// `refresh_stages`, one document per refresh key and stage): re-running a refresh with the same
// key reuses what finished and redoes only the stage that failed.
import { COLLECTIONS } from '../../../domain/names.js';
import type { RefreshStage } from '../../../domain/refresh-progress.js';
import type { MongoDatabase } from '../mongo-database.js';

export type { RefreshStage };

export interface RefreshStageRecord {
  _id: string;
  refreshKey: string;
  stage: RefreshStage;
  result: unknown;
  completedAt: Date;
}

export interface RefreshStageLedger {
  /** The stage's result when it finished under this key, else null. */
  completed(refreshKey: string, stage: RefreshStage): Promise<unknown>;
  /** Records (or re-records) the stage's result under the key. */
  record(refreshKey: string, stage: RefreshStage, result: unknown): Promise<void>;
}

export function createRefreshStageLedger(mongo: MongoDatabase): RefreshStageLedger {
  const ledger = mongo.db.collection<RefreshStageRecord>(COLLECTIONS.refreshStages);
  return {
    async completed(refreshKey, stage) {
      const record = await ledger.findOne({ _id: `${refreshKey}:${stage}` });
      return record ? record.result : null;
    },
    async record(refreshKey, stage, result) {
      await ledger.updateOne(
        { _id: `${refreshKey}:${stage}` },
        { $set: { refreshKey, stage, result, completedAt: new Date() } },
        { upsert: true },
      );
    },
  };
}
