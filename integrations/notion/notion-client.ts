// Notion access through the official SDK. Every call goes through the worker's shared throttle
// (wrapped around the SDK's fetch, so nothing escapes it), the SDK's own retries are off because
// Temporal owns retries, and errors come out in the platform's taxonomy.
import { Client, LogLevel } from '@notionhq/client';
import { z } from 'zod';
import type { Config } from '../../config/environment.js';
import { SecondBrainError } from '../../domain/errors.js';
import type { NotionBlock } from '../../domain/notion-markdown.js';
import { toNotionError } from './notion-errors.js';
import { createRequestThrottle, type RequestThrottle } from './request-throttle.js';

/**
 * Since 2025-09-03 a database is a container of one or more data sources, and pages belong to
 * a data source: `databases/{id}` lists them and `data_sources/{id}/query` lists their pages.
 * The older versions cannot read a database once it has a second data source. Pinned rather
 * than taken from the SDK's default so an SDK upgrade never changes the wire format unnoticed
 * (a test checks the two agree).
 */
export const NOTION_API_VERSION = '2025-09-03';
const PAGE_SIZE = 100;

export type NotionSettings = Pick<Config['notion'], 'token' | 'apiUrl' | 'requestsPerSecond'>;

/** A page as a database query or pages.retrieve returns it (the fields the collector reads). */
export interface NotionPage {
  object: 'page';
  id: string;
  url: string;
  created_time: string;
  last_edited_time: string;
  archived?: boolean;
  in_trash?: boolean;
  /** Since 2025-09-03 a database entry's parent is `{type: 'data_source_id', data_source_id, database_id}`. */
  parent: { type: string; data_source_id?: string; database_id?: string; page_id?: string };
  properties: Record<string, unknown>;
}

/** One data source of a database: the unit that holds pages (and a collection cursor). */
export interface NotionDataSource {
  id: string;
  name: string;
}

export interface DataSourceListing {
  pages: NotionPage[];
  incompleteReason: string | undefined;
}

/** A configured id resolved to its database and that database's data sources. */
export interface ResolvedDatabase {
  databaseId: string;
  dataSources: NotionDataSource[];
  /** 'data_source' when the configured id was a data source's own id. */
  configuredAs: 'database' | 'data_source';
}

// What discovery reads from Notion, validated: a shape change should fail loudly here, not as
// an undefined id three calls later.
const databaseSchema = z.object({
  object: z.literal('database'),
  id: z.string(),
  data_sources: z.array(z.object({ id: z.string(), name: z.string().default('') })),
});
const richTextTitleSchema = z.array(z.object({ plain_text: z.string() })).default([]);
const dataSourceSchema = z.object({
  object: z.literal('data_source'),
  id: z.string(),
  title: richTextTitleSchema,
  parent: z.object({ type: z.string(), database_id: z.string().optional() }),
});

export interface NotionComment {
  id: string;
  created_time: string;
  created_by: { id: string; name?: string };
  rich_text: { plain_text: string }[];
}

interface ListResponse<T> {
  object: 'list';
  results: T[];
  has_more: boolean;
  next_cursor: string | null;
  request_status?: { type: string; incomplete_reason?: string };
}

export interface NotionGateway {
  /**
   * The database a configured id names, with its data sources. The id may also be a data
   * source's own id (what Notion's "Copy data source ID" gives): it then resolves to its
   * database with that one data source.
   */
  resolveDatabase(id: string): Promise<ResolvedDatabase>;
  /**
   * Every page of a data source, following `next_cursor` until `has_more` is false. Notion caps
   * very large queries (`request_status: incomplete`); the reason is returned so the caller
   * neither treats missing pages as deleted nor advances the cursor.
   */
  queryDataSource(dataSourceId: string): Promise<DataSourceListing>;
  /** Every data source shared with the integration (search results, since 2025-09-03). */
  searchDataSources(): Promise<(NotionDataSource & { databaseId: string | undefined })[]>;
  /** Every direct child of a block (or page), across all result pages. */
  listBlockChildren(blockId: string): Promise<NotionBlock[]>;
  retrievePage(pageId: string): Promise<NotionPage>;
  /** Every comment on a page or block. */
  listComments(blockId: string): Promise<NotionComment[]>;
}

export function createNotionClient(settings: NotionSettings, throttle: RequestThrottle): Client {
  return new Client({
    auth: settings.token,
    baseUrl: settings.apiUrl,
    notionVersion: NOTION_API_VERSION,
    // Temporal owns retries: a 429 fails the activity attempt with the server's Retry-After.
    retry: false,
    timeoutMs: 30_000,
    logLevel: LogLevel.ERROR,
    fetch: (url, init) => throttle.schedule(() => fetch(url, init)),
  });
}

export function createNotionGateway(
  settings: NotionSettings,
  throttle: RequestThrottle = createRequestThrottle(settings.requestsPerSecond),
): NotionGateway {
  const client = createNotionClient(settings, throttle);

  async function call<T>(resource: string, request: () => Promise<T>): Promise<T> {
    if (!settings.token) {
      throw new SecondBrainError(
        'auth',
        `Notion ${resource}: NOTION_TOKEN is not set; create an internal integration and set it`,
      );
    }
    try {
      return await request();
    } catch (error) {
      throw toNotionError(error, resource);
    }
  }

  async function collect<T>(
    resource: string,
    fetchPage: (cursor: string | undefined) => Promise<ListResponse<T>>,
  ): Promise<T[]> {
    const results: T[] = [];
    let cursor: string | undefined;
    do {
      const page = await call(resource, () => fetchPage(cursor));
      results.push(...page.results);
      cursor = page.has_more && page.next_cursor ? page.next_cursor : undefined;
    } while (cursor !== undefined);
    return results;
  }

  function parsed<T>(schema: z.ZodType<T>, value: unknown, resource: string): T {
    const result = schema.safeParse(value);
    if (result.success) return result.data;
    throw new SecondBrainError(
      'validation',
      `Notion ${resource}: unexpected response shape (${result.error.issues
        .map((issue) => `${issue.path.join('.')}: ${issue.message}`)
        .join('; ')})`,
    );
  }

  const titleOf = (title: { plain_text: string }[]) =>
    title.map((part) => part.plain_text).join('');

  return {
    async resolveDatabase(id) {
      try {
        const database = parsed(
          databaseSchema,
          await call(`database ${id}`, () => client.databases.retrieve({ database_id: id })),
          `database ${id}`,
        );
        return {
          databaseId: database.id,
          dataSources: database.data_sources.map(({ id, name }) => ({ id, name })),
          configuredAs: 'database',
        };
      } catch (error) {
        if (!(error instanceof SecondBrainError && error.kind === 'notFound')) throw error;
        // Not a database (or not shared): it may be a data source's id.
        let source: z.infer<typeof dataSourceSchema>;
        try {
          source = parsed(
            dataSourceSchema,
            await call(`data source ${id}`, () =>
              client.dataSources.retrieve({ data_source_id: id }),
            ),
            `data source ${id}`,
          );
        } catch (second) {
          if (second instanceof SecondBrainError && second.kind === 'notFound') throw error;
          throw second;
        }
        return {
          databaseId: source.parent.database_id ?? source.id,
          dataSources: [{ id: source.id, name: titleOf(source.title) }],
          configuredAs: 'data_source',
        };
      }
    },
    async queryDataSource(dataSourceId) {
      const resource = `data source ${dataSourceId}`;
      let incomplete: string | undefined;
      const results = await collect(resource, async (cursor) => {
        const page = (await client.dataSources.query({
          data_source_id: dataSourceId,
          page_size: PAGE_SIZE,
          start_cursor: cursor,
        })) as unknown as ListResponse<NotionPage | { object: string }>;
        if (page.request_status?.type === 'incomplete')
          incomplete = page.request_status.incomplete_reason ?? 'incomplete';
        return page;
      });
      return {
        // A data source can also hold nested data sources (wikis); only pages are entries.
        pages: results.filter((result): result is NotionPage => result.object === 'page'),
        incompleteReason: incomplete,
      };
    },
    async searchDataSources() {
      const results = await collect(
        'search',
        (cursor) =>
          client.search({
            filter: { property: 'object', value: 'data_source' },
            page_size: PAGE_SIZE,
            start_cursor: cursor,
          }) as unknown as Promise<ListResponse<unknown>>,
      );
      return results.flatMap((result) => {
        const source = dataSourceSchema.safeParse(result);
        return source.success
          ? [
              {
                id: source.data.id,
                name: titleOf(source.data.title),
                databaseId: source.data.parent.database_id,
              },
            ]
          : [];
      });
    },
    listBlockChildren(blockId) {
      return collect(
        `block ${blockId}`,
        (cursor) =>
          client.blocks.children.list({
            block_id: blockId,
            page_size: PAGE_SIZE,
            start_cursor: cursor,
          }) as unknown as Promise<ListResponse<NotionBlock>>,
      );
    },
    retrievePage(pageId) {
      return call(
        `page ${pageId}`,
        () => client.pages.retrieve({ page_id: pageId }) as unknown as Promise<NotionPage>,
      );
    },
    listComments(blockId) {
      return collect(
        `comments of ${blockId}`,
        (cursor) =>
          client.comments.list({
            block_id: blockId,
            page_size: PAGE_SIZE,
            start_cursor: cursor,
          }) as unknown as Promise<ListResponse<NotionComment>>,
      );
    },
  };
}
