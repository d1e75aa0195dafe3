// The Notion collection's records: each data source's cursor (`collection_cursors`) and what
// was last stored of each page (`notion_pages`), which decides what a run fetches again.
import type { Collection } from 'mongodb';
import { COLLECTIONS } from '../../../domain/names.js';
import type { MongoDatabase } from '../mongo-database.js';

/**
 * Where a data source's last successful run started. Keyed by the data source id since the
 * move to data sources (API 2025-09-03); records written before it are keyed by the database
 * id and carry no `databaseId`. Such a legacy cursor still holds for the database's data
 * sources (a database read with the old API had exactly one) until each gets its own.
 */
export interface CursorRecord {
  _id: string;
  databaseId?: string;
  cursor: string;
  runId: string;
  updatedAt: Date;
}

export interface PageRecord {
  _id: string;
  databaseId: string;
  /** Absent on records stored before data sources (API 2025-09-03). */
  dataSourceId?: string;
  title: string;
  lastEditedTime: string;
  archived: boolean;
  /** The run that last stored this page, and what it did: lets a retried batch skip it. */
  runId: string;
  outcome: 'written' | 'unchanged' | 'archived';
  updatedAt: Date;
}

export interface NotionCollectionStore {
  cursors: Collection<CursorRecord>;
  pages: Collection<PageRecord>;
}

export function notionCollectionStore(mongo: MongoDatabase): NotionCollectionStore {
  return {
    cursors: mongo.db.collection<CursorRecord>(COLLECTIONS.collectionCursors),
    pages: mongo.db.collection<PageRecord>(COLLECTIONS.notionPages),
  };
}
