import type { Config } from '../../config/environment.js';

/** Whether Notion is configured; without it, ETL works on what was imported. */
export function describeKnowledgeSources({ config }: { config: Pick<Config, 'notion'> }) {
  // eslint-disable-next-line @typescript-eslint/require-await -- activities return promises
  return async function describeKnowledgeSources(): Promise<{
    notionConfigured: boolean;
    note: string;
  }> {
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
  };
}
