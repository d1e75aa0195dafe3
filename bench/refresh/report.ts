// The refresh bench's output: a JSON file under bench/results/ and a Markdown table on stdout.
import { mkdirSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { repositoryRoot } from '../support/private-infrastructure.js';

export type ReportRow = Record<string, number | string>;

export function writeReport(run: {
  webPages: number;
  notionPages: number;
  indexedWebPages: number;
  editedPage: string;
  removedPage: string;
  rows: ReportRow[];
}): void {
  const summary = {
    date: new Date().toISOString(),
    machine: `${os.cpus().length} CPUs, Node ${process.version}, load ${os
      .loadavg()
      .map((value) => value.toFixed(1))
      .join(' ')}`,
    ...run,
  };
  mkdirSync(path.join(repositoryRoot, 'bench/results'), { recursive: true });
  const file = path.join(
    repositoryRoot,
    'bench/results',
    `refresh-${summary.date.replace(/[:.]/g, '-')}.json`,
  );
  writeFileSync(file, `${JSON.stringify(summary, null, 2)}\n`);
  process.stdout.write(
    [
      '| Refresh | LLM calls | Embedding calls (texts) | Pages downloaded (304s) | Bytes downloaded | Notion requests | Seconds | Chunks changed | Other documents changed |',
      '| --- | --- | --- | --- | --- | --- | --- | --- | --- |',
      ...run.rows.map(
        (row) =>
          `| ${row.refresh} | ${row.llmCalls} | ${row.embeddingCalls} (${row.embeddedTexts}) | ${row.pageDownloads} (${row.notModified}) | ${row.bytesDownloaded} | ${row.notionRequests} | ${row.seconds} | ${row.chunksChanged} | ${row.otherDocumentsChanged ?? '-'}${row.otherDocuments === undefined ? '' : ` of ${row.otherDocuments}`} |`,
      ),
      '',
      `${run.webPages} web pages linked from ${run.notionPages} Notion pages, ${run.indexedWebPages} web pages indexed; ${summary.machine}. Details: ${path.relative(repositoryRoot, file)}`,
      '',
    ].join('\n'),
  );
}
