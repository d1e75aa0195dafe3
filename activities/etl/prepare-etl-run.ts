// The ETL's first activity: read the source documents, store them in `raw`, write the plan.
import { Context, log } from '@temporalio/activity';
import { documentSchema, type Document } from '../../domain/document.js';
import { SecondBrainError } from '../../domain/errors.js';
import {
  buildEtlPlan,
  documentIdsFromManifest,
  sourceEtlDocument,
} from '../../domain/etl-documents.js';
import {
  etlKeys,
  type EtlFailureEntry,
  type EtlPlanSummary,
  type StoredEntry,
} from '../../domain/etl.js';
import { DOCUMENTS_PREFIX, documentKey, runManifestKey } from '../../domain/storage-layout.js';
import type { EtlInput } from '../../domain/workflow-inputs.js';
import type { EtlDependencies } from './dependencies.js';
import { runConcurrently } from './run-concurrently.js';
import { storeDocuments } from './stored-documents.js';

async function sourceKeys(
  { storage }: Pick<EtlDependencies, 'storage'>,
  source: EtlInput['source'],
): Promise<string[]> {
  const keys: string[] = [];
  if (source.kind === 'all') {
    for await (const key of storage.listKeys(DOCUMENTS_PREFIX)) keys.push(key);
  } else {
    const manifestKey = runManifestKey(source.kind, source.runId!);
    const manifest = await storage.getJson(manifestKey);
    if (manifest === undefined)
      throw new SecondBrainError('notFound', `No ${source.kind} run manifest at ${manifestKey}`);
    keys.push(...documentIdsFromManifest(manifest).map(documentKey));
  }
  return keys.sort();
}

function invalidDocument(key: string, value: unknown, issues: string): EtlFailureEntry {
  return {
    url: key,
    id: key,
    reason: 'invalid-document',
    message:
      value instanceof Error
        ? value.message
        : value === undefined
          ? `${key} does not exist`
          : issues,
    attempts: 1,
  };
}

export function createPrepareEtlRun(dependencies: EtlDependencies) {
  const { storage } = dependencies;
  /**
   * Reads the source documents, stores them in `raw`, and writes the crawl plan (every unique
   * canonical link with all its parents) to S3. Deterministic: a retry writes the same plan.
   */
  return async function prepareEtlRun({
    runId,
    source,
    batchSize,
  }: {
    runId: string;
    source: EtlInput['source'];
    batchSize: number;
  }): Promise<EtlPlanSummary> {
    const started = performance.now();
    const phases: Record<string, number> = {};
    let phaseStart = started;
    const phaseDone = (name: string) => {
      const now = performance.now();
      phases[name] = Math.round(now - phaseStart) / 1000;
      phaseStart = now;
    };
    const keys = await sourceKeys(dependencies, source);
    phaseDone('listSeconds');
    const documents: Document[] = [];
    const invalid: EtlFailureEntry[] = [];
    const context = Context.current();
    // 32 reads in flight at any time (not slices of 32, each waiting for its slowest read).
    let read = 0;
    const loaded = await runConcurrently(
      keys.map((key) => async () => {
        const value = await storage.getJson(key).catch((error) => error as Error);
        if (++read % 32 === 0) context.heartbeat({ read });
        return { key, value };
      }),
      32,
    );
    for (const { key, value } of loaded) {
      const parsed = documentSchema.safeParse(value);
      if (parsed.success) documents.push(parsed.data);
      else {
        const issues = parsed.error.issues
          .slice(0, 3)
          .map((issue) => `${issue.path.join('.')}: ${issue.message}`)
          .join('; ');
        invalid.push(invalidDocument(key, value, issues));
      }
    }
    phaseDone('readSeconds');
    const sourceDocuments = documents.map(sourceEtlDocument);
    const { plan, linksFound, invalidLinks } = buildEtlPlan(runId, documents);
    const planKey = etlKeys.plan(runId);
    const batchCount = Math.ceil(plan.links.length / batchSize);
    // What `raw` holds of the source documents and of every planned page, read once here (one
    // `$in` scan per 1,000 ids) instead of once more per crawl batch: on FerretDB v1 each state
    // query decodes every stored document, so eight batches read the whole collection eight
    // times (about 1 CPU second of FerretDB's 1.6 in an 800-page first crawl, bench/etl). Each
    // batch's share is written next to the plan; only this run's batches write these pages
    // until they read it.
    const states = await dependencies.raw.findStates([
      ...sourceDocuments.map((document) => document.id),
      ...plan.links.map((link) => link.id),
    ]);

    phaseDone('statesSeconds');
    // The source documents themselves go into raw too (it holds Notion pages and web pages),
    // while the plan and each batch's states are written: neither waits for the other.
    const storeSources = async () => {
      const stored: StoredEntry[] = [];
      for (let index = 0; index < sourceDocuments.length; index += 100)
        stored.push(
          ...(await storeDocuments(
            dependencies,
            runId,
            sourceDocuments.slice(index, index + 100),
            states,
          )),
        );
      await storage.putJson(etlKeys.batchStored(runId, 0), stored);
      return stored;
    };
    const writes: Array<() => Promise<unknown>> = [
      () => storage.putJson(planKey, plan),
      () => storage.putJson(etlKeys.batchFailures(runId, 0), invalid),
    ];
    for (let index = 1; index <= batchCount; index++) {
      const links = plan.links.slice((index - 1) * batchSize, index * batchSize);
      writes.push(() =>
        storage.putJson(
          etlKeys.batchStates(runId, index),
          links.flatMap((link) => {
            const state = states.get(link.id);
            return state ? [[link.id, state]] : [];
          }),
        ),
      );
    }
    const [storedSources] = await Promise.all([storeSources(), runConcurrently(writes, 16)]);
    phaseDone('writeSeconds');
    log.info('ETL plan written', {
      ...phases,
      totalSeconds: Math.round(performance.now() - started) / 1000,
      runId,
      documents: documents.length,
      invalid: invalid.length,
      uniqueLinks: plan.links.length,
    });
    return {
      planKey,
      documentsIn: keys.length,
      invalidDocuments: invalid.length,
      linksFound,
      invalidLinks,
      uniqueLinks: plan.links.length,
      batchCount,
      sourceDocumentsStored: sourceDocuments.length,
      sourceScoredByHeuristic: storedSources.filter(
        (entry) => entry.qualityScoreSource === 'heuristic',
      ).length,
    };
  };
}
