// Traces in MongoDB (collection `traces`): one document per trace and one per span, keyed by
// their stable ids, so a retried activity overwrites its spans instead of adding more. The web
// UI reads an answer's trace from here. FerretDB v1 subset: upserts and plain finds only.
import type { Collection, Db } from 'mongodb';
import { COLLECTIONS } from '../../domain/names.js';
import {
  summarizeSpans,
  type SpanRecord,
  type TraceInfo,
  type TraceSummary,
} from '../../domain/tracing.js';
import type { TraceExporter } from './tracer.js';

interface TraceDocument extends Omit<TraceInfo, 'traceId'> {
  _id: string;
  type: 'trace';
  updatedAt: Date;
}

interface SpanDocument extends Omit<SpanRecord, 'spanId'> {
  _id: string;
  type: 'span';
}

type TracesDocument = TraceDocument | SpanDocument;

function tracesCollection(db: Db): Collection<TracesDocument> {
  return db.collection<TracesDocument>(COLLECTIONS.traces);
}

/** MongoDB has no `undefined`: leave such fields out instead of storing nulls. */
function defined<T extends object>(value: T): T {
  return Object.fromEntries(Object.entries(value).filter(([, field]) => field !== undefined)) as T;
}

export function createMongoTraceExporter(db: Db): TraceExporter {
  const traces = tracesCollection(db);
  return {
    name: 'MongoDB',
    async export(span, trace) {
      const { traceId, input, output, ...traceFields } = trace;
      const upsertTrace = () =>
        traces.updateOne(
          { _id: traceId },
          {
            // The first span's view of the trace stays (its start time); input and output are
            // known only to some activities of a turn, so they are set whenever one knows them.
            $setOnInsert: defined({ type: 'trace' as const, ...traceFields }),
            $set: defined({ updatedAt: new Date(), input, output }),
          },
          { upsert: true },
        );
      try {
        await upsertTrace();
      } catch (error) {
        // Two spans of a new trace written at once: both upserts insert, one loses the race
        // (duplicate key); the document exists now, so the retry updates it.
        if ((error as { code?: unknown }).code !== 11000) throw error;
        await upsertTrace();
      }
      const { spanId, ...spanFields } = span;
      await traces.replaceOne({ _id: spanId }, defined({ type: 'span' as const, ...spanFields }), {
        upsert: true,
      });
    },
    flush: () => Promise.resolve(),
    close: () => Promise.resolve(),
  };
}

export interface StoredTrace extends TraceInfo {
  summary: TraceSummary;
  spans: SpanRecord[];
}

async function withSpans(db: Db, document: TraceDocument): Promise<StoredTrace> {
  const spans = (
    (await tracesCollection(db)
      .find({ type: 'span', traceId: document._id })
      .limit(2_000)
      .toArray()) as SpanDocument[]
  )
    .map(({ _id, type: _type, ...span }) => ({ spanId: _id, ...span }))
    .sort(
      (a, b) => a.startTime.getTime() - b.startTime.getTime() || a.spanId.localeCompare(b.spanId),
    );
  const { _id, type: _type, updatedAt: _updatedAt, ...trace } = document;
  return { traceId: _id, ...trace, summary: summarizeSpans(spans), spans };
}

/** The trace of one agent turn, with its spans in start order. */
export async function readTurnTrace(db: Db, turnId: string): Promise<StoredTrace | undefined> {
  const document = (await tracesCollection(db).findOne({
    type: 'trace',
    turnId,
  })) as TraceDocument | null;
  return document ? withSpans(db, document) : undefined;
}

export async function readTrace(db: Db, traceId: string): Promise<StoredTrace | undefined> {
  const document = (await tracesCollection(db).findOne({
    _id: traceId,
    type: 'trace',
  })) as TraceDocument | null;
  return document ? withSpans(db, document) : undefined;
}

/** The id of one agent turn's trace, without its spans (the evaluation links results to it). */
export async function findTurnTraceId(db: Db, turnId: string): Promise<string | undefined> {
  const document = await tracesCollection(db).findOne(
    { type: 'trace', turnId },
    { projection: { _id: 1 } },
  );
  return document?._id;
}
