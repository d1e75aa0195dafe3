// What `start` shows while the refresh runs: one line per stage, built from the stages' own
// `progress` queries (collect: pages; ETL: links crawled/failed and documents scored; RAG:
// batches and chunks embedded), with a bar, a rate and an ETA where the stage knows its total.
// Pure: the CLI polls the queries and redraws these lines; tests feed snapshots and times.
import type { EtlProgress } from './etl.js';
import { normalizeProgress, type PipelineProgress } from './progress.js';

/** The refresh pipeline's stages, in the order it runs them. */
export type RefreshStage = 'collect' | 'etl' | 'rag';

export interface RefreshSnapshot {
  /** The refresh workflow's own query: which stages are pending, running, done or failed. */
  refresh: PipelineProgress;
  collect?: unknown;
  etl?: unknown;
  rag?: unknown;
}

/** Remembers recent counts of one line to turn them into a rate (per second) and an ETA. */
export class RateMeter {
  private readonly samples: { at: number; count: number }[] = [];

  constructor(private readonly windowMs = 20_000) {}

  record(at: number, count: number): void {
    const last = this.samples.at(-1);
    if (last && count < last.count) this.samples.length = 0; // A new run started over.
    this.samples.push({ at, count });
    while (this.samples.length > 2 && at - this.samples[0]!.at > this.windowMs)
      this.samples.shift();
  }

  /** Items per second over the window, or undefined before two samples a second apart. */
  rate(): number | undefined {
    const first = this.samples[0];
    const last = this.samples.at(-1);
    if (!first || !last || last.at - first.at < 1_000) return undefined;
    return ((last.count - first.count) * 1_000) / (last.at - first.at);
  }
}

export function formatDuration(seconds: number): string {
  if (!Number.isFinite(seconds) || seconds < 0) return '?';
  const whole = Math.round(seconds);
  const hours = Math.floor(whole / 3600);
  const minutes = Math.floor((whole % 3600) / 60);
  const rest = String(whole % 60).padStart(2, '0');
  return hours > 0 ? `${hours}:${String(minutes).padStart(2, '0')}:${rest}` : `${minutes}:${rest}`;
}

export function bar(fraction: number, width = 24): string {
  const clamped = Math.min(1, Math.max(0, Number.isFinite(fraction) ? fraction : 0));
  const filled = Math.round(clamped * width);
  return `${'█'.repeat(filled)}${'░'.repeat(width - filled)}`;
}

interface Line {
  key: string;
  label: string;
  /** Items handled so far and the total, when the stage knows it. */
  handled?: number;
  total?: number;
  text: string;
}

function stageState(snapshot: RefreshSnapshot, stage: string): string {
  const entry = snapshot.refresh.stages.find((candidate) => candidate.stage === stage);
  if (!entry) return 'waiting';
  if (entry.failed > 0) return 'failed';
  if (entry.done > 0) return 'done';
  return 'waiting';
}

function asEtlProgress(value: unknown): EtlProgress | undefined {
  const progress = value as Partial<EtlProgress> | undefined;
  return progress?.crawl && progress.scoring ? (progress as EtlProgress) : undefined;
}

function linesOf(snapshot: RefreshSnapshot): Line[] {
  const lines: Line[] = [];
  const collect = snapshot.collect ? normalizeProgress(snapshot.collect) : undefined;
  const pages = collect?.stages.find((stage) => stage.stage === 'pages');
  if (pages) {
    const handled = pages.done + pages.failed;
    lines.push({
      key: 'collect',
      label: 'Notion pages',
      handled,
      total: Math.max(pages.total ?? 0, handled),
      text: `${pages.done} collected, ${pages.failed} failed`,
    });
  } else {
    const state = stageState(snapshot, 'collect');
    lines.push({
      key: 'collect',
      label: 'Notion pages',
      // A collect run always answers its query while it runs; a stage done without ever
      // answering was skipped (no Notion configured).
      text: state === 'done' ? 'skipped (Notion not configured)' : state,
    });
  }

  const etl = asEtlProgress(snapshot.etl);
  if (etl) {
    const handled = etl.crawl.done + etl.crawl.failed;
    lines.push({
      key: 'crawl',
      label: 'links crawled',
      handled,
      total: etl.crawl.total,
      text: `${etl.crawl.done} crawled, ${etl.crawl.failed} failed of ${etl.crawl.total}`,
    });
    const scored = etl.scoring.heuristic + etl.scoring.llm;
    lines.push({
      key: 'score',
      label: 'documents scored',
      handled: scored,
      // The LLM's share is known after its first batch; before that the total is unknown.
      total:
        etl.stage === 'finishing' || etl.stage === 'done' || etl.scoring.llm > 0
          ? scored + etl.scoring.pending
          : undefined,
      text: `${etl.scoring.heuristic} by heuristic, ${etl.scoring.llm} by the LLM${
        etl.scoring.pending > 0 ? `, ${etl.scoring.pending} to go` : ''
      }${etl.stage === 'scoring' && etl.scoring.llm === 0 ? ' (LLM scoring...)' : ''}`,
    });
  } else {
    const state = stageState(snapshot, 'etl');
    lines.push({ key: 'crawl', label: 'links crawled', text: state });
    lines.push({ key: 'score', label: 'documents scored', text: state });
  }

  const rag = snapshot.rag ? normalizeProgress(snapshot.rag) : undefined;
  const batches = rag?.stages.find((stage) => stage.stage === 'chunk, contextualize, embed');
  const chunks = rag?.stages.find((stage) => stage.stage === 'chunks embedded');
  if (batches) {
    lines.push({
      key: 'embed',
      label: 'chunks embedded',
      handled: batches.done,
      total: batches.total,
      text: `${chunks?.done ?? 0} chunks, batch ${batches.done}/${batches.total ?? '?'}`,
    });
  } else {
    lines.push({ key: 'embed', label: 'chunks embedded', text: stageState(snapshot, 'rag') });
  }
  return lines;
}

/**
 * The display's lines for a snapshot at time `now`. Each meter (one per line key) is fed the
 * handled count, so rates and ETAs reflect the last few seconds rather than the whole run.
 */
export function renderRefreshProgress(
  snapshot: RefreshSnapshot,
  now: number,
  meters: Map<string, RateMeter>,
): string[] {
  const lines = linesOf(snapshot);
  const labelWidth = Math.max(...lines.map((line) => line.label.length));
  return lines.map((line) => {
    const label = line.label.padEnd(labelWidth);
    if (line.handled === undefined) return `  ${label} ${' '.repeat(24)}  ${line.text}`;
    let meter = meters.get(line.key);
    if (!meter) meters.set(line.key, (meter = new RateMeter()));
    meter.record(now, line.handled);
    const total = line.total;
    const fraction = total ? line.handled / total : 0;
    const counts = total === undefined ? `${line.handled}` : `${line.handled}/${total}`;
    const rate = meter.rate();
    const finished = total !== undefined && line.handled >= total;
    const timing = finished
      ? 'done'
      : rate === undefined
        ? ''
        : `${rate.toFixed(1)}/s${
            total !== undefined && rate > 0
              ? `, ETA ${formatDuration((total - line.handled) / rate)}`
              : ''
          }`;
    return `  ${label} ${bar(total === undefined ? 0 : fraction)} ${counts.padStart(9)}  ${line.text}${
      timing ? ` | ${timing}` : ''
    }`;
  });
}

const count = (value: unknown): number => (typeof value === 'number' ? value : 0);

/** The end-of-refresh lines about what failed, by reason, and where the details are. */
export function summarizeRefreshFailures(result: unknown): string[] {
  const stages =
    (result as { stages?: { stage: string; status: string; note?: string; result?: unknown }[] })
      ?.stages ?? [];
  const lines: string[] = [];
  for (const stage of stages) {
    const outcome = stage.result as Record<string, unknown> | undefined;
    if (stage.stage === 'collect') {
      if (stage.status === 'skipped' && stage.note) lines.push(`collect: ${stage.note}`);
      const failed = Array.isArray(outcome?.failed) ? outcome.failed.length : 0;
      if (failed > 0)
        lines.push(
          `${failed} Notion page(s) or data source(s) not collected; see ${String(outcome?.manifestKey)}`,
        );
    }
    if (stage.stage === 'etl' && outcome) {
      const byReason = (outcome.failedByReason ?? {}) as Record<string, number>;
      const total = Object.values(byReason).reduce((sum, count) => sum + count, 0);
      if (total > 0) {
        const reasons = Object.entries(byReason)
          .sort((left, right) => right[1] - left[1])
          .map(([reason, count]) => `${count} ${reason}`)
          .join(', ');
        lines.push(
          `${total} link(s) or document(s) failed: ${reasons}; see ${String(outcome.failureReportKey)}`,
        );
      }
      lines.push(
        `ETL: ${count(outcome.crawled)} pages crawled, ${count(outcome.stored)} documents stored`,
      );
    }
    if (stage.stage === 'rag' && outcome) {
      const failed = (outcome.documents as { failed?: unknown[] } | undefined)?.failed ?? [];
      lines.push(
        `RAG: ${count(outcome.chunkCount)} chunks in the index (${count(outcome.embedded)} embedded now)${
          failed.length > 0 ? `, ${failed.length} document(s) failed` : ''
        }`,
      );
    }
  }
  return lines;
}
