// Shapes and pure rules of the Notion collection pipeline: what its activities return and
// report, and when a listed page counts as changed. Only ids, keys and counts travel through
// workflow history; page content goes from Notion to S3 inside the activities.

export interface CollectionDatabase {
  databaseId: string;
  /** Pages edited at or after this time are refetched; undefined = everything not yet stored. */
  since: string | undefined;
}

/** How one data source of a database was listed. */
export type DataSourceOutcome =
  | {
      dataSourceId: string;
      name: string;
      /** The cursor it was listed from (undefined: everything not yet stored). */
      since: string | undefined;
      total: number;
      changed: number;
      /** Notion capped the query: missing pages are not marked, the cursor does not move. */
      incompleteReason?: string;
    }
  | { dataSourceId: string; name: string; error: string };

export interface PageListing {
  /** The database's own id (also when a data source id was configured). */
  databaseId: string;
  dataSources: DataSourceOutcome[];
  /** S3 keys of the changed pages (Notion page objects), one object per batch of pages. */
  batchKeys: string[];
  total: number;
  changed: number;
  archived: number;
}

export interface PageFailure {
  pageId: string;
  title?: string;
  databaseId: string;
  dataSourceId?: string;
  error: string;
}

export interface BatchResult {
  written: number;
  unchanged: number;
  warnings: number;
  failed: PageFailure[];
}

export interface CollectionManifest {
  runId: string;
  startedAt: string;
  finishedAt: string;
  databases: (PageListing | { databaseId: string; error: string })[];
  written: number;
  unchanged: number;
  archived: number;
  warnings: number;
  failed: (
    PageFailure | { databaseId: string; dataSourceId?: string; batchKey?: string; error: string }
  )[];
  /** Ids of the documents this run wrote: what an ETL of this run (`source.kind: collect`) reads. */
  documentIds: string[];
}

export interface ArchivedPage {
  pageId: string;
  reason: 'archived' | 'deleted';
}

/**
 * Notion gives last_edited_time to the minute. A cursor is rounded down to its minute and
 * compared with >=, so an edit made in the same minute as the last run is never missed.
 */
export function cursorFloor(time: string): string {
  const date = new Date(time);
  date.setUTCSeconds(0, 0);
  return date.toISOString();
}

/**
 * Whether a listed page must be fetched again: never stored, archived before, edited since it
 * was stored, or edited at or after the cursor's minute.
 */
export function isPageChanged(
  page: { last_edited_time: string },
  known: { archived: boolean; lastEditedTime: string } | undefined,
  since: string | undefined,
): boolean {
  if (!known || known.archived || known.lastEditedTime !== page.last_edited_time) return true;
  return since !== undefined && Date.parse(page.last_edited_time) >= Date.parse(cursorFloor(since));
}
