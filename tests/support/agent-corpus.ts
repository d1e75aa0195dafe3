// A small indexed corpus for the agent's tests: chunk records in the `rag` collection's shape.
import type { Db } from 'mongodb';
import { COLLECTIONS } from '../../domain/names.js';

export interface CorpusChunk {
  documentId: string;
  title: string;
  url: string;
  text: string;
  headingPath?: string[];
}

export const AGENT_CORPUS: CorpusChunk[] = [
  {
    documentId: 'doc-sourdough',
    title: 'Sourdough starter care',
    url: 'https://notes.example.test/sourdough',
    headingPath: ['Baking'],
    text: 'Feed the sourdough starter twice a day with equal weights of flour and water. A starter kept in the fridge needs feeding once a week.',
  },
  {
    documentId: 'doc-temporal',
    title: 'Temporal workflows',
    url: 'https://notes.example.test/temporal',
    headingPath: ['Engineering'],
    text: 'Temporal replays workflow code from its event history, so workflow code must be deterministic. Activities run side effects and are retried.',
  },
  {
    documentId: 'doc-bonsai',
    title: 'Bonsai watering',
    url: 'https://notes.example.test/bonsai',
    headingPath: ['Garden'],
    text: 'Water a juniper bonsai when the top centimetre of soil is dry. Never let the root ball dry out completely in summer.',
  },
];

export async function seedCorpus(db: Db, chunks: CorpusChunk[] = AGENT_CORPUS): Promise<void> {
  const rag = db.collection<{ _id: string }>(COLLECTIONS.rag);
  for (const [index, chunk] of chunks.entries()) {
    const chunkId = `${chunk.documentId}-chunk-${index}`;
    await rag.updateOne(
      { _id: chunkId },
      { $set: { kind: 'chunk', chunkId, chunkIndex: 0, headingPath: [], ...chunk } },
      { upsert: true },
    );
  }
}
