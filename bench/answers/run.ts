// Answer benchmark (issue 15): labelled questions over the PostgreSQL 15 manual asked through
// the agent's real turn (runAgentTurn with the real activities, each run inside a mock activity
// context so logging and heartbeats behave as on a worker), retrieval through the production
// retriever (hybrid search over `rag` chunks in a private FerretDB), scored with the
// deterministic metrics of domain/answering/answer-metrics.ts. Not a test: run it by hand.
//
//   node --import tsx bench/answers/run.ts [--models smollm2,gemma3,openai-emulator]
//        [--modes auto|grounded,tools] [--pages 200] [--questions 24 (0 = all)] [--threads 1]
//
// --modes auto (the default) runs local models grounded and remote ones (the emulator, a real
// OpenAI-compatible server) in both modes. Prints a Markdown table and writes
// bench/results/answers-<timestamp>.json.
import '../../config/quiet-sdk-warnings.js';
import { randomUUID } from 'node:crypto';
import { mkdirSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { createAgentActivities } from '../../activities/agent/index.js';
import type { AgentSettings } from '../../activities/agent/index.js';
import type { AnswerKind } from '../../domain/agent.js';
import type { ResolvedAgentMode } from '../../domain/answering/agent-mode.js';
import {
  scoreAnswer,
  summarizeScores,
  type AnswerScore,
} from '../../domain/answering/answer-metrics.js';
import { createEmbeddingModel } from '../../integrations/embeddings/create-embedding-model.js';
import { connectMongo } from '../../integrations/mongo/mongo-database.js';
import {
  agentCollections,
  turnRecords,
  turnSources,
} from '../../integrations/mongo/stores/agent-turns.js';
import {
  createSearchIndex,
  createSearchTablePublisher,
} from '../../integrations/search/create-search-index.js';
import {
  createHybridRetriever,
  createMongoKeywordRetriever,
  type Retriever,
} from '../../integrations/search/retriever.js';
import { startTestInfrastructure } from '../../tests/support/test-infrastructure.js';
import { runAgentTurn } from '../../workflows/agent-loop.js';
import { ensurePostgresDocs, indexCorpus, loadPages, selectPages } from './corpus.js';
import {
  createBenchModel,
  MODEL_NAMES,
  withFirstToken,
  type BenchModel,
  type ModelName,
} from './models.js';
import { loadQuestions, type BenchmarkQuestion } from './questions.js';

import { inActivityContext } from './activity-context.js';
import { percentile, table, type RunSummary } from './report.js';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');

const { values } = parseArgs({
  options: {
    models: { type: 'string', default: 'smollm2,openai-emulator' },
    modes: { type: 'string', default: 'auto' },
    pages: { type: 'string', default: '200' },
    questions: { type: 'string', default: '24' },
    threads: { type: 'string' },
    verbose: { type: 'boolean', default: false },
  },
});

function say(message: string): void {
  process.stderr.write(`[bench answers] ${message}\n`);
}

/** N questions with answerable and unanswerable ones in the file's proportion (at least one each). */
function subset(questions: BenchmarkQuestion[], count: number): BenchmarkQuestion[] {
  if (count <= 0 || count >= questions.length) return questions;
  const answerable = questions.filter((question) => question.answerPages.length > 0);
  const unanswerable = questions.filter((question) => question.answerPages.length === 0);
  const declined = Math.max(1, Math.round((count * unanswerable.length) / questions.length));
  return [...answerable.slice(0, count - declined), ...unanswerable.slice(0, declined)];
}

interface QuestionResult {
  id: string;
  question: string;
  answerable: boolean;
  answer: string;
  answerKind: AnswerKind;
  citedUrls: string[];
  retrievedUrls: string[];
  score: AnswerScore;
  totalMs: number;
  retrievalMs: number;
  generationMs: number;
  firstTokenMs: number | null;
  modelSteps: number;
  promptTokens: number;
  completionTokens: number;
  notes: string[];
  warnings: string[];
}

async function runQuestions(
  model: BenchModel,
  mode: ResolvedAgentMode,
  questions: BenchmarkQuestion[],
  context: {
    mongo: Awaited<ReturnType<typeof connectMongo>>;
    retriever: Retriever;
    settings: AgentSettings;
    maxSteps: number;
  },
): Promise<{ summary: RunSummary; results: QuestionResult[] }> {
  let firstTextAt: number | undefined;
  const llm = withFirstToken(model.llm, () => {
    firstTextAt ??= performance.now();
  });
  const warnings: string[] = [];
  const activities = inActivityContext(
    createAgentActivities({
      mongo: context.mongo,
      llm,
      retriever: context.retriever,
      settings: { ...context.settings, mode },
    }),
    warnings,
  );
  const collections = agentCollections(context.mongo);
  const ask = (question: string) =>
    runAgentTurn(activities, {
      conversationId: `bench-${randomUUID()}`,
      turnId: randomUUID(),
      turnIndex: 0,
      question,
      summary: '',
      maxSteps: context.maxSteps,
    });
  // Warm-up (model load, first prompt, index load): not counted.
  await ask('What does the SELECT command return?');
  const results: QuestionResult[] = [];
  for (const [index, question] of questions.entries()) {
    firstTextAt = undefined;
    warnings.length = 0;
    const turnId = randomUUID();
    const started = performance.now();
    const result = await runAgentTurn(activities, {
      conversationId: `bench-${randomUUID()}`,
      turnId,
      turnIndex: 0,
      question: question.question,
      summary: '',
      maxSteps: context.maxSteps,
    });
    const totalMs = performance.now() - started;
    const records = await turnRecords(collections, turnId);
    const stored = turnSources(records);
    const cited = result.sources.map((source) => ({
      n: source.n,
      url: source.url,
      documentId: source.documentId,
      text: stored.find((candidate) => candidate.n === source.n)?.text ?? '',
    }));
    const answerKind: AnswerKind = result.answerKind ?? 'model';
    const score = scoreAnswer(question, { answer: result.answer, answerKind, sources: cited });
    const modelRecords = records.flatMap((record) => (record.kind === 'model' ? [record] : []));
    const retrievalMs = result.steps
      .filter((step) => step.kind === 'tool')
      .reduce((sum, step) => sum + step.durationMs, 0);
    const generationMs = result.steps
      .filter((step) => step.kind === 'model')
      .reduce((sum, step) => sum + step.durationMs, 0);
    const entry: QuestionResult = {
      id: question.id,
      question: question.question,
      answerable: score.answerable,
      answer: result.answer,
      answerKind,
      citedUrls: cited.map((source) => source.url),
      retrievedUrls: stored.map((source) => source.url),
      score,
      totalMs: Math.round(totalMs),
      retrievalMs,
      generationMs,
      firstTokenMs: firstTextAt === undefined ? null : Math.round(firstTextAt - started),
      modelSteps: modelRecords.length,
      promptTokens: modelRecords.reduce((sum, record) => sum + record.usage.promptTokens, 0),
      completionTokens: modelRecords.reduce(
        (sum, record) => sum + record.usage.completionTokens,
        0,
      ),
      notes: result.steps.flatMap((step) =>
        step.kind === 'model' && step.outcome ? [step.outcome] : [],
      ),
      warnings: [...warnings],
    };
    results.push(entry);
    const verdict = !score.answerable
      ? score.declinedCorrectly
        ? 'declined (right)'
        : 'answered (should decline)'
      : score.grounded
        ? 'grounded'
        : score.answered
          ? 'not grounded'
          : 'declined (wrong)';
    say(
      `${model.name}/${mode} ${index + 1}/${questions.length} ${question.id}: ${verdict}, ${answerKind}, ${(totalMs / 1000).toFixed(1)} s`,
    );
    if (values.verbose) say(`    ${result.answer.replace(/\s+/g, ' ').slice(0, 300)}`);
  }
  const scores = results.map((entry) => entry.score);
  const answered = results.filter((entry) => entry.answerKind !== 'declined');
  const modelAnswers = answered.filter((entry) => entry.answerKind === 'model').length;
  const mean = (numbers: number[]) =>
    numbers.length === 0 ? 0 : numbers.reduce((sum, value) => sum + value, 0) / numbers.length;
  const firstTokens = results.flatMap((entry) =>
    entry.firstTokenMs === null ? [] : [entry.firstTokenMs],
  );
  const summary: RunSummary = {
    model: model.name,
    description: model.description,
    mode,
    ...summarizeScores(scores),
    modelAnswers,
    extractiveAnswers: answered.length - modelAnswers,
    modelShare: answered.length === 0 ? 0 : modelAnswers / answered.length,
    p50Ms: percentile(
      results.map((entry) => entry.totalMs),
      50,
    ),
    p95Ms: percentile(
      results.map((entry) => entry.totalMs),
      95,
    ),
    p50FirstTokenMs: percentile(firstTokens, 50),
    p50RetrievalMs: percentile(
      results.map((entry) => entry.retrievalMs),
      50,
    ),
    p50GenerationMs: percentile(
      results.map((entry) => entry.generationMs),
      50,
    ),
    meanRetrievalMs: Math.round(mean(results.map((entry) => entry.retrievalMs))),
    meanGenerationMs: Math.round(mean(results.map((entry) => entry.generationMs))),
    meanPromptTokens: Math.round(mean(results.map((entry) => entry.promptTokens))),
    meanCompletionTokens: Math.round(mean(results.map((entry) => entry.completionTokens))),
  };
  return { summary, results };
}

async function main(): Promise<void> {
  const modelNames = values.models.split(',').map((name) => name.trim()) as ModelName[];
  for (const name of modelNames)
    if (!MODEL_NAMES.includes(name))
      throw new Error(`Unknown model ${name} (available: ${MODEL_NAMES.join(', ')})`);
  const modes = values.modes.split(',').map((mode) => mode.trim());
  for (const mode of modes)
    if (!['auto', 'grounded', 'tools'].includes(mode))
      throw new Error(`Unknown mode ${mode} (available: auto, grounded, tools)`);
  const allQuestions = loadQuestions();
  const questions = subset(allQuestions, Number(values.questions));
  ensurePostgresDocs(say);
  const labelled = [...new Set(allQuestions.flatMap((question) => question.answerPages))];
  const files = selectPages(labelled, Math.max(labelled.length, Number(values.pages)));
  const documents = loadPages(files);
  say(
    `${questions.length} questions (${questions.filter((q) => q.answerPages.length > 0).length} answerable); corpus ${documents.length} pages (${labelled.length} labelled)`,
  );

  say('starting private Temporal, FerretDB and S3 servers...');
  const infrastructure = await startTestInfrastructure({
    baseEnvironment: { ...process.env, MONGODB_DATABASE: 'answer_bench' },
    repositoryRoot: root,
    progress: () => undefined,
  });
  const config = infrastructure.config;
  const threads = Number(values.threads ?? config.models.llm.threads);
  const mongo = await connectMongo(config.mongodb);
  const summaries: RunSummary[] = [];
  const runs: { summary: RunSummary; results: QuestionResult[] }[] = [];
  try {
    const embeddings = await createEmbeddingModel(config.models);
    const corpus = await indexCorpus(mongo.db, documents, embeddings, {
      labelledPages: labelled.length,
      cacheFile: path.join(root, 'bench/results/answers-embeddings.json'),
      say,
      searchTables: createSearchTablePublisher(config.rag),
    });
    say(
      `indexed ${corpus.chunks} chunks (${corpus.reusedEmbeddings} vectors from the cache, ${corpus.embedSeconds.toFixed(1)} s embedding)`,
    );
    // The agent worker's retriever: hybrid search over the serving index, keywords as fallback.
    const retriever = createHybridRetriever(
      createSearchIndex(mongo.db, config.rag, embeddings),
      createMongoKeywordRetriever(mongo.db),
    );
    mkdirSync(path.join(root, 'bench/results'), { recursive: true });
    const file = path.join(root, `bench/results/answers-${Date.now()}.json`);
    // Written after every model and mode, so a long run's finished parts survive an abort.
    const write = (): string => {
      const markdown = [
        `Corpus: ${corpus.pages} pages of the PostgreSQL 15 manual (${corpus.labelledPages} labelled, the rest distractors), ${corpus.chunks} chunks of at most 640 tokens, hybrid search (${embeddings.modelId} + BM25), k=${config.agent.searchK}.`,
        `Questions: ${questions.length} (${questions.filter((q) => q.answerPages.length > 0).length} answerable, ${questions.filter((q) => q.answerPages.length === 0).length} unanswerable). Threads: ${threads}. Machine: ${os.cpus().length} CPUs, load average ${os.loadavg()[0]?.toFixed(1)} at the end.`,
        '',
        table(summaries),
      ].join('\n');
      writeFileSync(
        file,
        `${JSON.stringify(
          {
            command:
              `node --import tsx bench/answers/run.ts ${process.argv.slice(2).join(' ')}`.trim(),
            corpus: { ...corpus, files },
            threads,
            machine: { cpus: os.cpus().length, loadAverage: os.loadavg() },
            agent: config.agent,
            summaries,
            runs,
            markdown,
          },
          null,
          2,
        )}\n`,
      );
      return markdown;
    };
    for (const name of modelNames) {
      say(`loading ${name}...`);
      const model = await createBenchModel(name, config, { threads, say });
      try {
        const resolved: ResolvedAgentMode[] = modes.includes('auto')
          ? model.local
            ? ['grounded']
            : ['grounded', 'tools']
          : (modes as ResolvedAgentMode[]);
        for (const mode of resolved) {
          const run = await runQuestions(model, mode, questions, {
            mongo,
            retriever,
            settings: config.agent,
            maxSteps: config.agent.maxSteps,
          });
          runs.push(run);
          summaries.push(run.summary);
          say(table([run.summary]).split('\n').at(-1) ?? '');
          write();
        }
      } finally {
        await model.dispose();
      }
    }
    const markdown = write();
    process.stdout.write(`${markdown}\n`);
    say(`wrote ${path.relative(root, file)}`);
  } finally {
    await mongo.close();
    await infrastructure.stop();
  }
}

main().then(
  () => process.exit(0),
  (error: unknown) => {
    process.stderr.write(`${error instanceof Error ? error.stack : String(error)}\n`);
    process.exit(1);
  },
);
