// The ETL's last activity: the run's snapshot and failure report in S3.
import { countReasons, type StoredDocumentState } from '../../domain/etl-documents.js';
import {
  etlKeys,
  type EtlFailureEntry,
  type EtlFinishResult,
  type StoredEntry,
} from '../../domain/etl.js';
import type { EtlDependencies } from './dependencies.js';
import { runConcurrently } from './run-concurrently.js';
import { readStoredEntries } from './stored-documents.js';

export function createFinishEtlRun(dependencies: EtlDependencies) {
  const { storage, raw } = dependencies;
  /** Writes the run's snapshot and its failure report (URL, reason, attempts) to S3. */
  return async function finishEtlRun({
    runId,
    batchCount,
    refreshScores,
  }: {
    runId: string;
    batchCount: number;
    /** True when the LLM stage ran, so undecided scores may have changed in MongoDB. */
    refreshScores: boolean;
  }): Promise<EtlFinishResult> {
    const [batchFailures, stored] = await Promise.all([
      runConcurrently(
        Array.from(
          { length: batchCount + 1 },
          (_, index) => () =>
            storage.getJson(etlKeys.batchFailures(runId, index)) as Promise<
              EtlFailureEntry[] | undefined
            >,
        ),
        8,
      ),
      readStoredEntries(dependencies, runId, batchCount),
    ]);
    const failures = batchFailures.flatMap((entries) => entries ?? []);
    const failureReportKey = etlKeys.failureReport(runId);
    const failureReport = storage.putJson(failureReportKey, {
      runId,
      failed: failures.length,
      byReason: countReasons(failures),
      failures,
    });
    // Awaited with the snapshot below; a failure meanwhile must not go unhandled.
    failureReport.catch(() => undefined);
    // The scores as they are now: only documents the LLM stage may have scored are re-read
    // (FerretDB decodes whole documents even for a projection, so the rest come from S3).
    const entries = stored.sort((left, right) => (left.id < right.id ? -1 : 1));
    const documents: StoredEntry[] = [];
    for (let index = 0; index < entries.length; index += 32) {
      const slice = entries.slice(index, index + 32);
      const current = refreshScores
        ? await raw.findStates(
            slice.filter((entry) => entry.content_quality_score === null).map((entry) => entry.id),
          )
        : new Map<string, StoredDocumentState>();
      for (const entry of slice) {
        const now = current.get(entry.id);
        documents.push(
          now
            ? {
                ...entry,
                content_quality_score: now.content_quality_score,
                qualityScoreSource: now.qualityScoreSource,
              }
            : entry,
        );
      }
    }
    const snapshotKey = etlKeys.snapshot(runId);
    await Promise.all([
      failureReport,
      storage.putJson(snapshotKey, { runId, createdAt: new Date().toISOString(), documents }),
    ]);
    return {
      snapshotKey,
      failureReportKey,
      storedTotal: documents.length,
      unscored: documents.filter((document) => document.content_quality_score === null).length,
    };
  };
}
