// Refresh cost benchmark (not a timed test): what refreshKnowledgeBase costs on the PostgreSQL
// manual when everything is new, when nothing changed, and after one edited Notion page. Real
// Temporal, FerretDB and versitygw on private ports, the worker in this process; Notion is the
// emulator in tests/emulators, the pages are Debian's postgresql-doc-15 HTML served on
// 127.0.0.1 with ETag and Last-Modified (as a static file server sends them), and the chat and
// embedding models are the OpenAI emulator, so every call is counted.
//
//   node --import tsx bench/refresh/run.ts [--pages 200] [--links-per-page 20]
//
// Prints a Markdown table and writes bench/results/refresh-<timestamp>.json.
import '../../config/quiet-sdk-warnings.js';
import {
  existsSync,
  mkdirSync,
  mkdtempSync,
  readFileSync,
  readdirSync,
  rmSync,
  statSync,
} from 'node:fs';
import { writeFileSync } from 'node:fs';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { createOfflineActivities } from '../../workers/offline-activities.js';
import { connectClient, startPipeline } from '../../clients/temporal-client.js';
import { loadConfig } from '../../config/environment.js';
import type { EtlResult } from '../../domain/etl.js';
import { findFreePort } from '../../infra/managed-process.js';
import { infrastructureDown, infrastructureUp } from '../../infra/local-infrastructure.js';
import { createOpenAIEmbeddingModel } from '../../integrations/embeddings/openai-embedding-model.js';
import { createOpenAIChatModel } from '../../integrations/llm/openai-chat-model.js';
import { connectMongo } from '../../integrations/mongo/mongo-database.js';
import { createNotionGateway } from '../../integrations/notion/notion-client.js';
import { createObjectStorage } from '../../integrations/s3/object-storage.js';
import { createWorker } from '../../workers/create-worker.js';
import type { RefreshResult } from '../../workflows/refresh-knowledge-base.js';
import { NotionEmulator } from '../../tests/emulators/notion-emulator.js';
import { page, paragraph, text } from '../../tests/emulators/notion-fixtures.js';
import {
  createOpenAIEmulator,
  OPENAI_EMULATOR_KEY,
  openAIChatReply,
} from '../../tests/emulators/openai-emulator.js';

const repositoryRoot = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
const HTML_DIRECTORY = '/usr/share/doc/postgresql-doc-15/html';
const TOKEN = 'secret_bench_integration_token';

function option(name: string, fallback: number): number {
  const index = process.argv.indexOf(`--${name}`);
  return index === -1 ? fallback : Number(process.argv[index + 1]);
}

function say(message: string): void {
  process.stderr.write(`[bench refresh] ${message}\n`);
}

/** The manual as a static file server serves it: ETag from size and mtime, 304 on a match. */
async function serveManual() {
  const counts = { downloads: 0, notModified: 0, bytes: 0 };
  const server = createServer((request, response) => {
    const pathname = decodeURIComponent(new URL(request.url ?? '/', 'http://x').pathname);
    const file = path.join(HTML_DIRECTORY, path.normalize(pathname).replace(/^(\.\.[/\\])+/, ''));
    if (!file.startsWith(HTML_DIRECTORY) || !existsSync(file) || pathname.endsWith('/')) {
      response.writeHead(404, { 'content-type': 'text/html' }).end('<p>not found</p>');
      return;
    }
    const stat = statSync(file);
    const etag = `"${stat.size.toString(16)}-${Math.floor(stat.mtimeMs).toString(16)}"`;
    if (request.headers['if-none-match'] === etag) {
      counts.notModified++;
      response.writeHead(304, { etag }).end();
      return;
    }
    const body = readFileSync(file);
    counts.downloads++;
    counts.bytes += body.length;
    response
      .writeHead(200, {
        'content-type': 'text/html; charset=utf-8',
        etag,
        'last-modified': stat.mtime.toUTCString(),
      })
      .end(body);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return { server, counts, origin: `http://127.0.0.1:${(server.address() as AddressInfo).port}` };
}

async function main(): Promise<void> {
  const pageCount = option('pages', 200);
  const linksPerPage = option('links-per-page', 20);
  if (!existsSync(HTML_DIRECTORY))
    throw new Error(`${HTML_DIRECTORY} is missing: apt-get install postgresql-doc-15`);
  const files = readdirSync(HTML_DIRECTORY)
    .filter((name) => name.endsWith('.html'))
    .sort()
    .slice(0, pageCount);
  const site = await serveManual();
  const notion = new NotionEmulator(TOKEN);
  const notionUrl = await notion.start();
  const databaseId = 'b3c5e0f2a1d94e6f8a7b6c5d4e3f2a10';
  notion.addDatabase(databaseId);
  const notionPageIds: string[] = [];
  for (let index = 0; index * linksPerPage < files.length; index++) {
    const entry = page(databaseId, `Reading list ${index}`, 'Leaf');
    const links = files.slice(index * linksPerPage, (index + 1) * linksPerPage);
    notion.addPage(databaseId, entry, [
      ...[1, 2, 3, 4].map((line) =>
        paragraph(text(`Reading list ${index}, note ${line}: what to read about PostgreSQL next.`)),
      ),
      ...links.map((name) => paragraph(text(name, { link: `${site.origin}/${name}` }))),
    ]);
    notionPageIds.push(entry.id);
  }
  const openai = createOpenAIEmulator({
    chat: (request) =>
      openAIChatReply({
        model: (request.body as { model: string }).model,
        content: JSON.stringify({ score: 0.8, reason: 'documentation' }),
      }),
  });
  await openai.start();

  const dataDirectory = mkdtempSync(path.join(os.tmpdir(), 'second-brain-bench-refresh-'));
  const environment: NodeJS.ProcessEnv = {
    ...process.env,
    SECOND_BRAIN_DATA_DIR: dataDirectory,
    SECOND_BRAIN_TOOLS_DIR:
      process.env.SECOND_BRAIN_TOOLS_DIR ?? path.join(repositoryRoot, '.tools'),
    TEMPORAL_PORT: String(await findFreePort()),
    TEMPORAL_UI_PORT: String(await findFreePort()),
    LOCAL_MONGODB_PORT: String(await findFreePort()),
    LOCAL_S3_PORT: String(await findFreePort()),
    MONGODB_DATABASE: 'second_brain_bench_refresh',
    S3_BUCKET: 'second-brain-bench-refresh',
    NOTION_API_URL: notionUrl,
    NOTION_TOKEN: TOKEN,
    NOTION_DATABASE_IDS: databaseId,
    NOTION_REQUESTS_PER_SECOND: '100',
    CI: 'true',
  };
  for (const name of ['TEMPORAL_ADDRESS', 'TEMPORAL_UI_URL', 'MONGODB_URI', 'S3_ENDPOINT'])
    delete environment[name];
  const config = loadConfig(environment, repositoryRoot);
  try {
    say(`starting servers under ${dataDirectory}`);
    await infrastructureUp(config, say);
    const storage = createObjectStorage(config.s3);
    await storage.ensureBucket();
    const mongo = await connectMongo(config.mongodb);
    const taskQueue = 'bench-refresh';
    const worker = await createWorker(config, {
      taskQueue,
      workflows: 'offline',
      activities: createOfflineActivities({
        config,
        storage,
        mongo,
        notion: createNotionGateway(config.notion),
        llm: createOpenAIChatModel({
          model: 'gpt-4o-mini',
          apiKey: OPENAI_EMULATOR_KEY,
          baseUrl: `${openai.url}/v1`,
          contextSize: 8192,
          timeoutMs: 30_000,
        }),
        embeddings: createOpenAIEmbeddingModel({
          model: 'text-embedding-3-small',
          apiKey: OPENAI_EMULATOR_KEY,
          baseUrl: `${openai.url}/v1`,
          dimensions: 256,
          timeoutMs: 30_000,
        }),
      }),
    });
    const running = worker.run();
    const client = await connectClient(config);

    const rows: Array<Record<string, number | string>> = [];
    const measure = async (name: string) => {
      const before = {
        site: { ...site.counts },
        openai: openai.requests.length,
        notion: notion.requests.length,
      };
      const start = performance.now();
      const handle = await startPipeline(client, 'refresh', {
        input: { etl: { crawl: { allowedHosts: ['127.0.0.1'] } } },
        taskQueue,
        trigger: 'bench',
      });
      const result = (await handle.result()) as RefreshResult;
      const seconds = (performance.now() - start) / 1000;
      const calls = openai.requests.slice(before.openai);
      const etl = result.stages.find((stage) => stage.stage === 'etl')?.result as EtlResult;
      const row = {
        refresh: name,
        llmCalls: calls.filter((call) => call.path === '/v1/chat/completions').length,
        embeddingCalls: calls.filter((call) => call.path === '/v1/embeddings').length,
        embeddedTexts: calls
          .filter((call) => call.path === '/v1/embeddings')
          .reduce((sum, call) => sum + (call.body as { input: string[] }).input.length, 0),
        pageDownloads: site.counts.downloads - before.site.downloads,
        notModified: site.counts.notModified - before.site.notModified,
        bytesDownloaded: site.counts.bytes - before.site.bytes,
        notionRequests: notion.requests.length - before.notion,
        unchangedPages: etl.unchangedPages,
        seconds: Math.round(seconds * 10) / 10,
      };
      rows.push(row);
      say(JSON.stringify(row));
    };
    await measure('first (everything new)');
    await measure('no change');
    notion.editPage(notionPageIds[0]!, [
      paragraph(text('Reading list 0, rewritten: start with the tutorial, then MVCC.')),
      ...files
        .slice(0, linksPerPage)
        .map((name) => paragraph(text(name, { link: `${site.origin}/${name}` }))),
    ]);
    await measure('one Notion page edited');

    await worker.shutdown();
    await running;
    await client.connection.close();
    await mongo.close();
    storage.close();
    const summary = {
      date: new Date().toISOString(),
      machine: `${os.cpus().length} CPUs, Node ${process.version}, load ${os
        .loadavg()
        .map((value) => value.toFixed(1))
        .join(' ')}`,
      webPages: files.length,
      notionPages: notionPageIds.length,
      rows,
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
        '| Refresh | LLM calls | Embedding calls (texts) | Pages downloaded (304s) | Bytes downloaded | Notion requests | Seconds |',
        '| --- | --- | --- | --- | --- | --- | --- |',
        ...rows.map(
          (row) =>
            `| ${row.refresh} | ${row.llmCalls} | ${row.embeddingCalls} (${row.embeddedTexts}) | ${row.pageDownloads} (${row.notModified}) | ${row.bytesDownloaded} | ${row.notionRequests} | ${row.seconds} |`,
        ),
        '',
        `${files.length} web pages linked from ${notionPageIds.length} Notion pages; ${summary.machine}. Details: ${path.relative(repositoryRoot, file)}`,
        '',
      ].join('\n'),
    );
  } finally {
    site.server.close();
    await notion.stop();
    await openai.stop();
    await infrastructureDown(config).catch(() => undefined);
    rmSync(dataDirectory, { recursive: true, force: true });
  }
}

main().catch((error: unknown) => {
  process.stderr.write(
    `[bench refresh] ${error instanceof Error ? (error.stack ?? error.message) : String(error)}\n`,
  );
  process.exit(1);
});
