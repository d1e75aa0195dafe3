import type { Config } from '../config/environment.js';
import type { MongoDatabase } from '../integrations/mongo/mongo-database.js';

export type RefreshStage = 'collect' | 'etl' | 'rag';

interface StageRecord {
  _id: string;
  refreshKey: string;
  stage: RefreshStage;
  result: unknown;
  completedAt: Date;
}

/**
 * Bookkeeping of the refresh workflow: which sources are configured, and a ledger of finished
 * stages so that re-running a refresh with the same key redoes only the stage that failed.
 */
export function createRefreshActivities({
  config,
  mongo,
}: {
  config: Config;
  mongo: MongoDatabase;
}) {
  const ledger = mongo.db.collection<StageRecord>('refresh_stages');
  return {
    // eslint-disable-next-line @typescript-eslint/require-await -- activities return promises
    async describeKnowledgeSources(): Promise<{ notionConfigured: boolean; note: string }> {
      const missing = [
        config.notion.token ? undefined : 'NOTION_TOKEN',
        config.notion.databaseIds.length > 0 ? undefined : 'NOTION_DATABASE_IDS',
      ].filter(Boolean);
      return missing.length === 0
        ? {
            notionConfigured: true,
            note: `Notion: ${config.notion.databaseIds.length} database(s)`,
          }
        : {
            notionConfigured: false,
            note: `Collection skipped: ${missing.join(' and ')} not set; ETL works on what was imported`,
          };
    },
    async findCompletedStage(request: {
      refreshKey: string;
      stage: RefreshStage;
    }): Promise<unknown> {
      const record = await ledger.findOne({ _id: `${request.refreshKey}:${request.stage}` });
      return record ? record.result : null;
    },
    async recordCompletedStage(request: {
      refreshKey: string;
      stage: RefreshStage;
      result: unknown;
    }): Promise<void> {
      await ledger.updateOne(
        { _id: `${request.refreshKey}:${request.stage}` },
        {
          $set: {
            refreshKey: request.refreshKey,
            stage: request.stage,
            result: request.result,
            completedAt: new Date(),
          },
        },
        { upsert: true },
      );
    },
  };
}
