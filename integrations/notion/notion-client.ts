// Notion access through the official SDK. Every call goes through the worker's shared throttle
// (wrapped around the SDK's fetch, so nothing escapes it), the SDK's own retries are off because
// Temporal owns retries, and errors come out in the platform's taxonomy.
import { Client, LogLevel } from '@notionhq/client';
import type { Config } from '../../config/environment.js';
import { SecondBrainError } from '../../domain/errors.js';
import type { NotionBlock } from '../../domain/notion-markdown.js';
import { toNotionError } from './notion-errors.js';
import { createRequestThrottle, type RequestThrottle } from './request-throttle.js';

/**
 * The API version whose `databases/{id}/query` endpoint lists a database's pages directly.
 * Newer versions move it to data sources; this one stays supported by Notion.
 */
export const NOTION_API_VERSION = '2022-06-28';
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
  parent: { type: string; database_id?: string; page_id?: string };
  properties: Record<string, unknown>;
}

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
}

export interface NotionGateway {
  /** Every page of a database, following `next_cursor` until `has_more` is false. */
  queryDatabase(databaseId: string): Promise<NotionPage[]>;
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

  return {
    queryDatabase(databaseId) {
      return collect(`database ${databaseId}`, (cursor) =>
        client.request<ListResponse<NotionPage>>({
          path: `databases/${databaseId}/query`,
          method: 'post',
          body: { page_size: PAGE_SIZE, ...(cursor ? { start_cursor: cursor } : {}) },
        }),
      );
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
