// A local HTTP emulator of the Notion REST API endpoints the collector uses, speaking Notion's
// wire format: list objects with has_more/next_cursor, page and block objects, rich text with
// annotations, error objects with codes. The real @notionhq/client is pointed at it through its
// baseUrl option. Tests edit, archive and rate-limit pages through it and count the requests
// each page received.
//
// Databases are containers of data sources, as since API version 2025-09-03: `databases/{id}`
// lists them, `data_sources/{id}` and `data_sources/{id}/query` serve each one, and search
// returns data sources. The old `databases/{id}/query` (API 2022-06-28) still lists a
// single-source database and is refused for a database with several data sources, as Notion
// refuses it; pages' parents follow the version asked for.
import { randomUUID } from 'node:crypto';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';

export type Json = Record<string, unknown>;

export interface EmulatedBlock extends Json {
  object: 'block';
  id: string;
  type: string;
  has_children: boolean;
}

export interface EmulatedPage extends Json {
  object: 'page';
  id: string;
  last_edited_time: string;
  archived: boolean;
  in_trash: boolean;
}

export const NOTION_VERSIONS = ['2022-06-28', '2025-09-03'] as const;
type NotionVersion = (typeof NOTION_VERSIONS)[number];

interface EmulatedDataSource {
  id: string;
  databaseId: string;
  name: string;
  pageIds: string[];
}

export interface RecordedRequest {
  method: string;
  path: string;
  notionVersion: string | undefined;
  /** The top-level database page the request was about, when it was about one. */
  pageId: string | undefined;
  status: number;
  at: number;
}

interface InjectedFailure {
  pageId: string;
  status: number;
  code: string;
  message: string;
  headers: Record<string, string>;
}

const undashed = (id: string) => id.replaceAll('-', '').toLowerCase();
/** Notion returns ids in the dashed UUID form. */
const dashed = (id: string) => id.replace(/^(.{8})(.{4})(.{4})(.{4})(.{12})$/, '$1-$2-$3-$4-$5');

/** The emulated workspace: databases of pages, block children by parent, comments by page. */
export class NotionEmulator {
  readonly requests: RecordedRequest[] = [];
  private server: Server | undefined;
  /** Database id → its data source ids, in order. */
  private readonly databases = new Map<string, string[]>();
  private readonly dataSources = new Map<string, EmulatedDataSource>();
  /** Databases and data sources not shared with the integration. */
  private readonly unsharedContainers = new Set<string>();
  private readonly pages = new Map<string, EmulatedPage>();
  private readonly children = new Map<string, EmulatedBlock[]>();
  private readonly comments = new Map<string, Json[]>();
  /** Block or child-page id → the database page it belongs to (for counting). */
  private readonly owners = new Map<string, string>();
  private readonly unshared = new Set<string>();
  private readonly failures: InjectedFailure[] = [];

  constructor(readonly token: string) {}

  /**
   * Adds a database with its data sources (by default one, named after nothing in particular:
   * what every database had before multi-source databases). Returns the data source ids.
   */
  addDatabase(
    databaseId: string,
    dataSources: { id?: string; name: string }[] = [{ name: 'Main' }],
  ): string[] {
    const id = undashed(databaseId);
    const ids = dataSources.map((source) => {
      const dataSourceId = undashed(source.id ?? randomUUID());
      this.dataSources.set(dataSourceId, {
        id: dataSourceId,
        databaseId: id,
        name: source.name,
        pageIds: [],
      });
      return dataSourceId;
    });
    this.databases.set(id, ids);
    return ids;
  }

  /** A second (third...) data source added to an existing database, as in Notion's editor. */
  addDataSource(databaseId: string, name: string, id: string = randomUUID()): string {
    const dataSourceId = undashed(id);
    this.dataSources.set(dataSourceId, {
      id: dataSourceId,
      databaseId: undashed(databaseId),
      name,
      pageIds: [],
    });
    this.databases.get(undashed(databaseId))!.push(dataSourceId);
    return dataSourceId;
  }

  /** The database or data source exists but is not shared with the integration: 404. */
  unshareContainer(id: string): void {
    this.unsharedContainers.add(undashed(id));
  }

  /**
   * Adds an entry with its block tree (blocks carry their `children` inline) to a data source,
   * or to a database's first data source when given a database id.
   */
  addPage(
    databaseOrDataSourceId: string,
    page: EmulatedPage,
    blocks: (EmulatedBlock & { children?: EmulatedBlock[] })[],
    comments: Json[] = [],
  ): void {
    const pageId = undashed(page.id);
    const target = undashed(databaseOrDataSourceId);
    const source = this.dataSources.get(this.databases.get(target)?.[0] ?? target)!;
    source.pageIds.push(pageId);
    page.parent = {
      type: 'data_source_id',
      data_source_id: dashed(source.id),
      database_id: dashed(source.databaseId),
    };
    this.pages.set(pageId, page);
    this.owners.set(pageId, pageId);
    this.storeChildren(pageId, pageId, blocks);
    this.comments.set(pageId, comments);
  }

  private storeChildren(
    owner: string,
    parentId: string,
    blocks: (EmulatedBlock & { children?: EmulatedBlock[] })[],
  ): void {
    const stored: EmulatedBlock[] = [];
    for (const { children, ...block } of blocks) {
      const id = undashed(block.id);
      this.owners.set(id, owner);
      // A synced block's copy says it has children, which live under the original block.
      const hasChildren = (children?.length ?? 0) > 0 || block.has_children;
      stored.push({ ...block, has_children: hasChildren });
      if (children) this.storeChildren(owner, id, children);
    }
    this.children.set(parentId, stored);
  }

  /** The page exists but is not shared with the integration: every read answers 404. */
  unsharePage(pageId: string): void {
    this.unshared.add(undashed(pageId));
  }

  /** An edit in Notion: new content and a later last_edited_time (minute precision). */
  editPage(pageId: string, blocks: EmulatedBlock[], editedAt: Date = new Date()): void {
    const id = undashed(pageId);
    const page = this.pages.get(id)!;
    editedAt.setUTCSeconds(0, 0);
    page.last_edited_time = editedAt.toISOString();
    this.storeChildren(id, id, blocks);
  }

  /** Archived pages leave database queries; pages.retrieve still returns them, archived. */
  archivePage(pageId: string): void {
    const page = this.pages.get(undashed(pageId))!;
    page.archived = true;
    page.in_trash = true;
  }

  /** Deleted for good: gone from queries, and pages.retrieve answers 404. */
  deletePage(pageId: string): void {
    const id = undashed(pageId);
    for (const source of this.dataSources.values()) {
      const index = source.pageIds.indexOf(id);
      if (index >= 0) source.pageIds.splice(index, 1);
    }
    this.pages.delete(id);
    this.children.delete(id);
  }

  /**
   * Every request from now on gets this status (401, 500...), with an error body that echoes
   * the Authorization header it received, as a careless proxy would: the client must not pass
   * it on. undefined = back to normal.
   */
  refuseAll(status: number | undefined): void {
    this.refusal = status;
  }

  private refusal: number | undefined;

  /** The next request about this page gets this status (e.g. 429 with Retry-After). */
  failNextRequest(pageId: string, failure: Omit<InjectedFailure, 'pageId'>): void {
    this.failures.push({ pageId: undashed(pageId), ...failure });
  }

  requestsFor(pageId: string): RecordedRequest[] {
    return this.requests.filter((request) => request.pageId === undashed(pageId));
  }

  async start(): Promise<string> {
    this.server = createServer((request, response) => {
      this.handle(request, response).catch((error: unknown) => {
        this.send(response, 500, errorBody(500, 'internal_server_error', String(error)));
      });
    });
    await new Promise<void>((resolve) => this.server!.listen(0, '127.0.0.1', resolve));
    return `http://127.0.0.1:${(this.server.address() as AddressInfo).port}`;
  }

  async stop(): Promise<void> {
    if (!this.server) return;
    this.server.closeAllConnections();
    await new Promise<void>((resolve) => this.server!.close(() => resolve()));
  }

  private send(
    response: ServerResponse,
    status: number,
    body: Json,
    headers: Record<string, string> = {},
  ): void {
    response.writeHead(status, { 'content-type': 'application/json', ...headers });
    response.end(JSON.stringify(body));
  }

  private async handle(request: IncomingMessage, response: ServerResponse): Promise<void> {
    const url = new URL(request.url ?? '/', 'http://localhost');
    const method = request.method ?? 'GET';
    const chunks: Buffer[] = [];
    for await (const chunk of request) chunks.push(chunk as Buffer);
    const body = chunks.length > 0 ? (JSON.parse(Buffer.concat(chunks).toString()) as Json) : {};

    const versionHeader = request.headers['notion-version'];
    const version = typeof versionHeader === 'string' ? versionHeader : undefined;
    const route = this.route(method, url, body, (version ?? '2025-09-03') as NotionVersion);
    const record: RecordedRequest = {
      method,
      path: url.pathname + url.search,
      notionVersion: version,
      pageId: route.pageId,
      status: 200,
      at: Date.now(),
    };
    this.requests.push(record);
    const reply = (status: number, payload: Json, headers?: Record<string, string>) => {
      record.status = status;
      this.send(response, status, payload, headers);
    };

    if (this.refusal !== undefined) {
      const echoed = `received ${request.headers.authorization ?? 'no Authorization header'}`;
      return reply(
        this.refusal,
        errorBody(
          this.refusal,
          this.refusal === 401 ? 'unauthorized' : 'internal_server_error',
          echoed,
        ),
      );
    }
    if (request.headers.authorization !== `Bearer ${this.token}`) {
      return reply(401, errorBody(401, 'unauthorized', 'API token is invalid.'));
    }
    if (!NOTION_VERSIONS.includes(version as NotionVersion)) {
      return reply(
        400,
        errorBody(400, 'missing_version', 'Notion-Version header failed validation.'),
      );
    }
    const failureIndex = this.failures.findIndex((failure) => failure.pageId === route.pageId);
    if (failureIndex >= 0) {
      const [failure] = this.failures.splice(failureIndex, 1);
      return reply(
        failure!.status,
        errorBody(failure!.status, failure!.code, failure!.message),
        failure!.headers,
      );
    }
    if (
      (route.pageId !== undefined && this.unshared.has(route.pageId)) ||
      this.unsharedContainers.has(route.targetId)
    ) {
      return reply(
        404,
        errorBody(
          404,
          'object_not_found',
          `Could not find block with ID: ${route.targetId}. Make sure the relevant pages and databases are shared with your integration.`,
        ),
      );
    }
    const result = route.respond();
    if (result !== undefined && result.object === 'error') {
      return reply(result.status as number, result);
    }
    if (result === undefined) {
      return reply(
        404,
        errorBody(404, 'object_not_found', `Could not find object with ID: ${route.targetId}.`),
      );
    }
    reply(200, result);
  }

  /** A page as the asked-for version shows it: before data sources its parent is the database. */
  private pageFor(version: NotionVersion, page: EmulatedPage): EmulatedPage {
    const parent = page.parent as { type: string; database_id?: string } | undefined;
    if (version !== '2022-06-28' || parent?.type !== 'data_source_id') return page;
    return { ...page, parent: { type: 'database_id', database_id: parent.database_id } };
  }

  private livePages(version: NotionVersion, dataSourceId: string): EmulatedPage[] {
    const source = this.dataSources.get(dataSourceId)!;
    return source.pageIds
      .map((id) => this.pages.get(id)!)
      .filter((page) => !page.in_trash)
      .map((page) => this.pageFor(version, page));
  }

  private dataSourceObject(source: EmulatedDataSource): Json {
    return {
      object: 'data_source',
      id: dashed(source.id),
      created_time: '2025-01-10T09:30:00.000Z',
      last_edited_time: '2025-01-10T09:30:00.000Z',
      title: [
        {
          type: 'text',
          text: { content: source.name, link: null },
          plain_text: source.name,
          href: null,
        },
      ],
      description: [],
      parent: { type: 'database_id', database_id: dashed(source.databaseId) },
      database_parent: { type: 'workspace', workspace: true },
      is_inline: false,
      archived: false,
      in_trash: false,
      properties: {
        Name: { id: 'title', name: 'Name', type: 'title', title: {} },
        Type: { id: 'Ztw%3B', name: 'Type', type: 'select', select: { options: [] } },
      },
      url: `https://www.notion.so/${source.databaseId}`,
      public_url: null,
    };
  }

  private route(
    method: string,
    url: URL,
    body: Json,
    version: NotionVersion,
  ): { pageId: string | undefined; targetId: string; respond: () => Json | undefined } {
    const parts = url.pathname.split('/').filter(Boolean); // ['v1', ...]
    const pageSize = Math.min(
      100,
      Number(url.searchParams.get('page_size') ?? body.page_size ?? 100),
    );
    const cursor = url.searchParams.get('start_cursor') ?? (body.start_cursor as string | null);
    // Notion refuses the pre-data-source database endpoints once a database has a second
    // data source: the old API version has no way to say which one is meant.
    const multiSourceRefusal = (databaseId: string): Json | undefined =>
      (this.databases.get(databaseId)?.length ?? 0) > 1
        ? errorBody(
            400,
            'validation_error',
            `Databases with multiple data sources are not supported in this API version. Use the data sources of database ${databaseId} (API version 2025-09-03).`,
          )
        : undefined;

    if (method === 'POST' && parts[1] === 'databases' && parts[3] === 'query') {
      const databaseId = undashed(parts[2]!);
      return {
        pageId: undefined,
        targetId: databaseId,
        respond: () => {
          const sources = this.databases.get(databaseId);
          if (!sources) return undefined;
          return (
            multiSourceRefusal(databaseId) ??
            paginate(this.livePages(version, sources[0]!), pageSize, cursor, 'page_or_database')
          );
        },
      };
    }
    if (method === 'GET' && parts[1] === 'databases' && parts.length === 3) {
      const databaseId = undashed(parts[2]!);
      return {
        pageId: undefined,
        targetId: databaseId,
        respond: () => {
          const sources = this.databases.get(databaseId);
          if (!sources) return undefined;
          const database: Json = {
            object: 'database',
            id: dashed(databaseId),
            title: [],
            description: [],
            parent: { type: 'workspace', workspace: true },
            is_inline: false,
            in_trash: false,
            archived: false,
            is_locked: false,
            created_time: '2025-01-10T09:30:00.000Z',
            last_edited_time: '2025-01-10T09:30:00.000Z',
            icon: null,
            cover: null,
            url: `https://www.notion.so/${databaseId}`,
            public_url: null,
          };
          if (version === '2022-06-28') return multiSourceRefusal(databaseId) ?? database;
          return {
            ...database,
            data_sources: sources.map((id) => ({
              id: dashed(id),
              name: this.dataSources.get(id)!.name,
            })),
          };
        },
      };
    }
    if (version !== '2022-06-28' && parts[1] === 'data_sources' && parts[2]) {
      const dataSourceId = undashed(parts[2]);
      const source = this.dataSources.get(dataSourceId);
      if (method === 'GET' && parts.length === 3)
        return {
          pageId: undefined,
          targetId: dataSourceId,
          respond: () => (source ? this.dataSourceObject(source) : undefined),
        };
      if (method === 'POST' && parts[3] === 'query')
        return {
          pageId: undefined,
          targetId: dataSourceId,
          respond: () =>
            source
              ? paginate(
                  this.livePages(version, dataSourceId),
                  pageSize,
                  cursor,
                  'page_or_data_source',
                )
              : undefined,
        };
    }
    if (method === 'POST' && parts[1] === 'search') {
      const filter = (body.filter as { value?: string } | undefined)?.value;
      return {
        pageId: undefined,
        targetId: 'search',
        respond: () => {
          const results: Json[] = [];
          if (filter !== 'page')
            for (const source of this.dataSources.values())
              if (!this.unsharedContainers.has(source.id))
                results.push(this.dataSourceObject(source));
          if (filter !== 'data_source')
            for (const page of this.pages.values())
              if (!page.in_trash) results.push(this.pageFor(version, page));
          return paginate(results, pageSize, cursor, 'page_or_data_source');
        },
      };
    }
    if (method === 'GET' && parts[1] === 'blocks' && parts[3] === 'children') {
      const blockId = undashed(parts[2]!);
      return {
        pageId: this.owners.get(blockId),
        targetId: blockId,
        respond: () => {
          const blocks = this.children.get(blockId);
          return blocks === undefined && !this.owners.has(blockId)
            ? undefined
            : paginate(blocks ?? [], pageSize, cursor, 'block');
        },
      };
    }
    if (method === 'GET' && parts[1] === 'pages' && parts.length === 3) {
      const pageId = undashed(parts[2]!);
      return {
        pageId: this.owners.get(pageId),
        targetId: pageId,
        respond: () => {
          const page = this.pages.get(pageId);
          return page && this.pageFor(version, page);
        },
      };
    }
    if (method === 'GET' && parts[1] === 'comments') {
      const blockId = undashed(url.searchParams.get('block_id') ?? '');
      return {
        pageId: this.owners.get(blockId),
        targetId: blockId,
        respond: () =>
          this.owners.has(blockId)
            ? paginate(this.comments.get(blockId) ?? [], pageSize, cursor, 'comment')
            : undefined,
      };
    }
    return { pageId: undefined, targetId: url.pathname, respond: () => undefined };
  }
}

function errorBody(status: number, code: string, message: string): Json {
  return { object: 'error', status, code, message, request_id: randomUUID() };
}

/** Notion's list shape: the cursor is the id of the first item of the next page. */
function paginate(
  items: Json[],
  pageSize: number,
  cursor: string | null | undefined,
  type: string,
): Json {
  const start = cursor
    ? Math.max(
        0,
        items.findIndex((item) => item.id === cursor),
      )
    : 0;
  const results = items.slice(start, start + pageSize);
  const next = items[start + pageSize];
  return {
    object: 'list',
    results,
    next_cursor: next ? next.id : null,
    has_more: next !== undefined,
    type,
    [type]: {},
    request_id: randomUUID(),
  };
}
