// The dataset's only reads of the `raw` collection (the ETL's output), kept in one place so
// they can move onto the raw-documents store without touching the activities.
import { COLLECTIONS } from '../../domain/names.js';
import type { MongoDatabase } from '../../integrations/mongo/mongo-database.js';

/** The fields of a `raw` document the dataset reads. */
export interface DatasetSourceDocument {
  id: string;
  metadata?: { title?: string };
  content: string;
  content_quality_score: number | null;
  contentHash?: string;
  archived?: boolean;
}

export interface RawDocumentReader {
  /** Documents scored at least `minQualityScore`, in id order (content and archived only). */
  scoredAtLeast(minQualityScore: number): AsyncIterable<DatasetSourceDocument>;
  /** The documents of `ids` that exist, by id. */
  byIds(ids: readonly string[]): Promise<Map<string, DatasetSourceDocument>>;
}

export function createRawDocumentReader(mongo: MongoDatabase): RawDocumentReader {
  const raw = mongo.db.collection<DatasetSourceDocument>(COLLECTIONS.raw);
  return {
    scoredAtLeast(minQualityScore) {
      // null scores fail $gte: unscored documents are not known to be good enough to distill.
      return raw
        .find(
          { content_quality_score: { $gte: minQualityScore } },
          { projection: { _id: 0, id: 1, content: 1, archived: 1 } },
        )
        .sort({ id: 1 });
    },
    async byIds(ids) {
      const found = await raw
        .find(
          { id: { $in: [...ids] } },
          {
            projection: {
              _id: 0,
              id: 1,
              metadata: 1,
              content: 1,
              content_quality_score: 1,
              contentHash: 1,
            },
          },
        )
        .toArray();
      return new Map(found.map((document) => [document.id, document]));
    },
  };
}
