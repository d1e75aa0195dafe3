// The reliability suite's figures: each scenario records what it injected and what it found in
// test-artifacts/reliability-figures.json, and the README's table is printed from that file:
//   node --import tsx tests/support/reliability-figures.ts
// Test files run in parallel, so every update is a read-merge-write under a lock directory.
import { mkdirSync, readFileSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { setTimeout as delay } from 'node:timers/promises';
import { fileURLToPath } from 'node:url';
import { repositoryRoot } from './test-environment.js';

export interface ScenarioFigures {
  scenario: string;
  /** What was done to the system, e.g. "SIGKILL of the offline worker". */
  fault: string;
  faultsInjected: number;
  runsStarted: number;
  runsCompleted: number;
  /** Documents the run should have stored (compared with an uninterrupted run where there is one). */
  documentsExpected: number;
  documentsLost: number;
  documentsDuplicated: number;
  seconds: number;
}

export interface BadInputFigures {
  category: string;
  /** One short name per bad input tried, e.g. "slow-loris body". */
  inputs: string[];
  /** How many of them ended in a named error or reason (the rest were handled as data). */
  namedErrors: number;
  /** Documents stored before the bad inputs that were checked afterwards, and how many changed. */
  storedChecked: number;
  storedChanged: number;
}

interface FiguresFile {
  updatedAt: string;
  scenarios: Record<string, ScenarioFigures>;
  badInputs: Record<string, BadInputFigures>;
}

export const FIGURES_PATH = path.join(repositoryRoot, 'test-artifacts/reliability-figures.json');

function readFigures(): FiguresFile {
  try {
    return JSON.parse(readFileSync(FIGURES_PATH, 'utf8')) as FiguresFile;
  } catch {
    return { updatedAt: new Date(0).toISOString(), scenarios: {}, badInputs: {} };
  }
}

async function update(change: (figures: FiguresFile) => void): Promise<void> {
  mkdirSync(path.dirname(FIGURES_PATH), { recursive: true });
  const lock = `${FIGURES_PATH}.lock`;
  for (let attempt = 0; ; attempt++) {
    try {
      mkdirSync(lock);
      break;
    } catch {
      // A lock older than the longest update means its holder died: take it over.
      if (attempt > 100) rmSync(lock, { recursive: true, force: true });
      await delay(50);
    }
  }
  try {
    const figures = readFigures();
    change(figures);
    figures.updatedAt = new Date().toISOString();
    const temporary = `${FIGURES_PATH}.${process.pid}.tmp`;
    writeFileSync(temporary, `${JSON.stringify(figures, null, 2)}\n`);
    renameSync(temporary, FIGURES_PATH);
  } finally {
    rmSync(lock, { recursive: true, force: true });
  }
}

export function recordScenario(figures: ScenarioFigures): Promise<void> {
  return update((file) => {
    file.scenarios[figures.scenario] = figures;
  });
}

export function recordBadInputs(figures: BadInputFigures): Promise<void> {
  return update((file) => {
    file.badInputs[figures.category] = figures;
  });
}

/** The README's two tables, in Markdown. */
export function renderTables(figures: FiguresFile = readFigures()): string {
  const scenarios = Object.values(figures.scenarios).sort((a, b) =>
    a.scenario.localeCompare(b.scenario),
  );
  const badInputs = Object.values(figures.badInputs).sort((a, b) =>
    a.category.localeCompare(b.category),
  );
  const lines = [
    '| Scenario | Fault injected | Faults | Runs completed | Documents expected | Lost | Duplicated | Time (s) |',
    '| --- | --- | --- | --- | --- | --- | --- | --- |',
    ...scenarios.map(
      (row) =>
        `| ${row.scenario} | ${row.fault} | ${row.faultsInjected} | ${row.runsCompleted}/${row.runsStarted} | ${row.documentsExpected} | ${row.documentsLost} | ${row.documentsDuplicated} | ${row.seconds.toFixed(0)} |`,
    ),
    '',
    '| Bad input category | Inputs tried | Named errors | Stored documents checked | Changed |',
    '| --- | --- | --- | --- | --- |',
    ...badInputs.map(
      (row) =>
        `| ${row.category} | ${row.inputs.length}: ${row.inputs.join(', ')} | ${row.namedErrors} | ${row.storedChecked} | ${row.storedChanged} |`,
    ),
  ];
  return `${lines.join('\n')}\n`;
}

if (process.argv[1] && path.resolve(process.argv[1]) === fileURLToPath(import.meta.url))
  process.stdout.write(renderTables());
