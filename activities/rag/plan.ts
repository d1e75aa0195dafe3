// planRagIndex: which raw documents the new version indexes, and which of them changed since
// the serving version (the rest are copied, vectors included). The plan is stored in
// rag_index_state; the workflow gets only counts.
import { log } from '@temporalio/activity';
import type { Db } from 'mongodb';
import { contentHash as hashContent } from '../../domain/document.js';
import { compareWithServing, documentFingerprint } from '../../domain/rag/index-fingerprint.js';
import { passesQualityFilter } from '../../domain/rag/quality-filter.js';
import {
  DOCUMENTS_PER_ACTIVITY,
  type RagIndexPlan,
  type RagIndexSettings,
} from '../../domain/rag/rag-index.js';
import type { RagBuildPlan, RagDocumentRecord } from '../../domain/rag/rag-records.js';
import { ragCollection, readServingState } from '../../integrations/search/rag-records.js';
import { planId, type RagContext } from './rag-context.js';

interface RawSummary {
  id: string;
  url: string;
  title: string;
  documentHash: string;
}

/** Reads what a version holds: document id → document fingerprint. */
async function versionDocuments(db: Db, indexVersion: string): Promise<Map<string, string>> {
  const documents = new Map<string, string>();
  const cursor = ragCollection(db).find(
    { indexVersion, kind: 'document' },
    { projection: { documentId: 1, documentHash: 1 } },
  );
  for await (const record of cursor) {
    const document = record as RagDocumentRecord;
    documents.set(document.documentId, document.documentHash);
  }
  return documents;
}

/** The raw documents the quality filter keeps, with their fingerprints. */
async function selectDocuments(raw: RagContext['raw'], settings: RagIndexSettings) {
  const selected: RawSummary[] = [];
  let total = 0;
  let skippedByQuality = 0;
  const unhashed: RawSummary[] = [];
  for await (const document of raw.indexCandidates()) {
    const id = typeof document.id === 'string' ? document.id : undefined;
    if (!id) continue;
    total++;
    if (!passesQualityFilter(document.content_quality_score, settings)) {
      skippedByQuality++;
      continue;
    }
    const metadata = document.metadata ?? {};
    const summary: RawSummary = {
      id,
      url: metadata.url ?? '',
      title: metadata.title ?? '',
      documentHash: typeof document.contentHash === 'string' ? document.contentHash : '',
    };
    if (summary.documentHash === '') unhashed.push(summary);
    selected.push(summary);
  }
  // Documents written without a contentHash: hash their content here.
  for (let start = 0; start < unhashed.length; start += 100) {
    const slice = unhashed.slice(start, start + 100);
    const contents = await raw.contents(slice.map((item) => item.id));
    for (const item of slice) item.documentHash = hashContent(contents.get(item.id) ?? '');
  }
  for (const item of selected) {
    item.documentHash = documentFingerprint(item.documentHash, item.url, item.title);
  }
  return { selected, total, skippedByQuality };
}

export async function planRagIndex(
  context: RagContext,
  { settings, buildVersion }: { settings: RagIndexSettings; buildVersion: string },
): Promise<RagIndexPlan> {
  const { db, state } = context;
  const model = await context.embeddingModel(settings);
  const llm = await context.chatModel(settings);
  const key = context.configKey(settings, model, llm);
  const serving = await readServingState(db);
  const { selected, total, skippedByQuality } = await selectDocuments(context.raw, settings);

  const sameConfig = serving?.configKey === key;
  const served = serving
    ? await versionDocuments(db, serving.indexVersion)
    : new Map<string, string>();
  const { changed, unchanged, removed } = compareWithServing(selected, served, sameConfig);
  const upToDate = serving !== null && sameConfig && changed.length === 0 && removed.length === 0;
  const documents = {
    total,
    selected: selected.length,
    skippedByQuality,
    changed: changed.length,
    unchanged: unchanged.length,
    removed: removed.length,
  };
  if (!upToDate) {
    const plan: RagBuildPlan = {
      _id: planId(buildVersion),
      kind: 'build',
      indexVersion: buildVersion,
      servingVersion: serving?.indexVersion ?? null,
      configKey: key,
      changed,
      unchanged,
      removed,
      createdAt: new Date(),
    };
    await state.replaceOne({ _id: plan._id }, plan, { upsert: true });
  }
  log.info('Planned rag index', { buildVersion, upToDate, ...documents });
  return {
    buildVersion,
    servingVersion: serving?.indexVersion ?? null,
    upToDate,
    fullRebuild: !sameConfig,
    embedding: { provider: model.provider, modelId: model.modelId, dimensions: model.dimensions },
    documents,
    batches: upToDate ? 0 : Math.ceil(changed.length / DOCUMENTS_PER_ACTIVITY),
  };
}
