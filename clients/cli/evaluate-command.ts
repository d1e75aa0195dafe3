import { readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import type { Command } from 'commander';
import { loadConfig } from '../../config/environment.js';
import { evaluationItemId } from '../../domain/evaluation.js';
import { comparisonRows } from '../../domain/evaluation-report.js';
import { saveEvaluationDataset } from '../../integrations/evaluation/evaluation-store.js';
import { connectMongo } from '../../integrations/mongo/mongo-database.js';
import { evaluationChart, getEvaluationReport, listEvaluations } from '../evaluation-client.js';
import { note, printJson, printLine, table } from './output.js';

export class EvaluationCommandError extends Error {}

/** Reads a JSON array or JSONL file of questions; ids default to a hash of the question. */
function readQuestions(file: string): unknown[] {
  const text = readFileSync(file, 'utf8').trim();
  const rows: unknown[] = text.startsWith('[')
    ? (JSON.parse(text) as unknown[])
    : text
        .split('\n')
        .filter((line) => line.trim())
        .map((line, index) => {
          try {
            return JSON.parse(line) as unknown;
          } catch (error) {
            throw new EvaluationCommandError(
              `${path.basename(file)}:${index + 1}: not JSON (${(error as Error).message})`,
            );
          }
        });
  return rows.map((row) =>
    typeof row === 'object' && row !== null && !('id' in row) && 'question' in row
      ? { id: evaluationItemId(String(row.question)), ...row }
      : row,
  );
}

export function registerEvaluateCommand(program: Command): void {
  const evaluation = program
    .command('evaluate')
    .alias('eval')
    .description('Evaluation reports and datasets (start a run with `second-brain run evaluate`)');

  evaluation
    .command('report')
    .description('Compare an evaluation run (default: the newest) with the previous one')
    .option('--run <id>', 'the run (workflow id) to report on')
    .option('--json', 'print the report as one JSON line')
    .option('--chart <file>', 'also write the comparison chart (SVG) to this file')
    .action(async (options: { run?: string; json?: boolean; chart?: string }) => {
      const config = loadConfig();
      const mongo = await connectMongo(config.mongodb);
      try {
        const report = await getEvaluationReport(mongo.db, options.run);
        if (!report)
          throw new EvaluationCommandError(
            options.run
              ? `No completed evaluation run ${options.run}`
              : 'No completed evaluation run yet: start one with `second-brain run evaluate --wait`',
          );
        if (options.chart) {
          writeFileSync(options.chart, evaluationChart(report));
          note(`Chart written to ${options.chart}`);
        }
        if (options.json) {
          printJson(report);
          return;
        }
        printLine(
          `Evaluation ${report.runId}: ${report.datasetName}@${report.datasetVersion}, ${report.answered}/${report.questions} answered, judge ${report.judge}`,
        );
        printLine(
          report.previousRunId
            ? `Compared with ${report.previousRunId}`
            : 'No previous run to compare with',
        );
        printLine();
        printLine(table(comparisonRows(report.comparison)));
        printLine();
        printLine('Hallucination and moderation: lower is better; the rest: higher is better.');
        if (report.reportKey) printLine(`Report: s3://${config.s3.bucket}/${report.reportKey}`);
      } finally {
        await mongo.close();
      }
    });

  evaluation
    .command('runs')
    .description('List completed evaluation runs, newest first')
    .option('--json', 'print {"runs": [...]}')
    .action(async (options: { json?: boolean }) => {
      const config = loadConfig();
      const mongo = await connectMongo(config.mongodb);
      try {
        const runs = await listEvaluations(mongo.db);
        if (options.json) {
          printJson({ runs });
          return;
        }
        printLine(
          table([
            ['Run', 'Dataset', 'Answered', 'Finished'],
            ...runs.map((run) => [
              run.runId,
              `${run.datasetName}@${run.datasetVersion}`,
              `${run.answered}/${run.questions}`,
              run.finishedAt ?? '',
            ]),
          ]),
        );
      } finally {
        await mongo.close();
      }
    });

  evaluation
    .command('import')
    .description(
      'Store a dataset version from a JSON array or JSONL file of {"question", "referenceAnswer"?, "sourceDocumentIds"?}',
    )
    .argument('<file>', 'the questions')
    .option('--name <dataset>', 'the dataset name', 'second-brain-eval')
    .option('--json', 'print {"name", "version", "questions"}')
    .action(async (file: string, options: { name: string; json?: boolean }) => {
      const config = loadConfig();
      const mongo = await connectMongo(config.mongodb);
      try {
        let dataset;
        try {
          dataset = await saveEvaluationDataset(
            mongo.db,
            options.name,
            readQuestions(file),
            'imported',
          );
        } catch (error) {
          if (error instanceof EvaluationCommandError) throw error;
          throw new EvaluationCommandError(`${path.basename(file)}: ${(error as Error).message}`);
        }
        const summary = {
          name: dataset.name,
          version: dataset.version,
          questions: dataset.items.length,
        };
        if (options.json) printJson(summary);
        else
          printLine(
            `Stored ${summary.questions} question(s) as ${summary.name}@${summary.version}; evaluate it with: second-brain run evaluate --input '{"datasetName":"${summary.name}","datasetVersion":"${summary.version}"}' --wait`,
          );
      } finally {
        await mongo.close();
      }
    });
}
