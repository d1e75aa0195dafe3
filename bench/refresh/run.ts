// Refresh cost benchmark (not a timed test): what refreshKnowledgeBase costs on the PostgreSQL
// manual when everything is new, when nothing changed, after one indexed web page's paragraph
// was rewritten, and after the site removed one indexed page (410 Gone). Real
// Temporal, FerretDB and versitygw on private ports, the worker in this process; Notion is the
// emulator in tests/emulators, the pages are Debian's postgresql-doc-15 HTML served on
// 127.0.0.1 with ETag and Last-Modified (as a static file server sends them), and the chat and
// embedding models are the OpenAI emulator, so every call is counted.
//
//   node --import tsx bench/refresh/run.ts [--pages 100] [--links-per-page 20]
//
// The edited and the removed pages are chosen among the pages the serving index holds (the
// quality filter keeps some pages out; an edit of one of those would prove nothing), and the
// bench fails unless every other document keeps exactly its chunk ids.
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
import { createHash } from 'node:crypto';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { createOfflineActivities } from '../../workers/offline-activities.js';
import { connectClient, startPipeline } from '../../clients/temporal-client.js';
import { loadConfig } from '../../config/environment.js';
import { documentIdForUrl } from '../../domain/document.js';
import type { EtlResult } from '../../domain/etl.js';
import { COLLECTIONS } from '../../domain/names.js';
import type { RagChunkRecord, RagServingState } from '../../domain/rag/rag-records.js';
import { canonicalizeUrl } from '../../domain/url-canonicalization.js';
import { findFreePort } from '../../infra/managed-process.js';
import { infrastructureDown, infrastructureUp } from '../../infra/local-infrastructure.js';
import { createOpenAIEmbeddingModel } from '../../integrations/embeddings/openai-embedding-model.js';
import { createOpenAIChatModel } from '../../integrations/llm/openai-chat-model.js';
import { connectMongo, type MongoDatabase } from '../../integrations/mongo/mongo-database.js';
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

/**
 * The manual as a static file server serves it: ETag from size and mtime, 304 on a match. A
 * page of `edited` is served with that body instead (its ETag from the body's hash, as a
 * changed file gets a new one); a page of `gone` answers 410.
 */
async function serveManual() {
  const counts = { downloads: 0, notModified: 0, bytes: 0 };
  const edited = new Map<string, Buffer>();
  const gone = new Set<string>();
  const server = createServer((request, response) => {
    const pathname = decodeURIComponent(new URL(request.url ?? '/', 'http://x').pathname);
    const file = path.join(HTML_DIRECTORY, path.normalize(pathname).replace(/^(\.\.[/\\])+/, ''));
    if (gone.has(pathname)) {
      response.writeHead(410, { 'content-type': 'text/html' }).end('<p>gone</p>');
      return;
    }
    if (!file.startsWith(HTML_DIRECTORY) || !existsSync(file) || pathname.endsWith('/')) {
      response.writeHead(404, { 'content-type': 'text/html' }).end('<p>not found</p>');
      return;
    }
    const stat = statSync(file);
    const replacement = edited.get(pathname);
    const etag = replacement
      ? `"${createHash('sha256').update(replacement).digest('hex').slice(0, 16)}"`
      : `"${stat.size.toString(16)}-${Math.floor(stat.mtimeMs).toString(16)}"`;
    if (request.headers['if-none-match'] === etag) {
      counts.notModified++;
      response.writeHead(304, { etag }).end();
      return;
    }
    const body = replacement ?? readFileSync(file);
    counts.downloads++;
    counts.bytes += body.length;
    response
      .writeHead(200, {
        'content-type': 'text/html; charset=utf-8',
        etag,
        'last-modified': (replacement ? new Date() : stat.mtime).toUTCString(),
      })
      .end(body);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    server,
    counts,
    edited,
    gone,
    origin: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
  };
}

/** Chunk ids of the serving index version, by document id. */
async function servingChunkIds(mongo: MongoDatabase): Promise<Map<string, string[]>> {
  const state = await mongo.db
    .collection<RagServingState>(COLLECTIONS.ragIndexState)
    .findOne({ _id: 'current' });
  if (!state) throw new Error('no index version serves');
  const chunks = new Map<string, string[]>();
  for await (const record of mongo.db
    .collection<RagChunkRecord>(COLLECTIONS.rag)
    .find(
      { indexVersion: state.indexVersion, kind: 'chunk' },
      { projection: { documentId: 1, chunkId: 1, chunkIndex: 1 } },
    )
    .sort({ documentId: 1, chunkIndex: 1 }))
    chunks.set(record.documentId, [...(chunks.get(record.documentId) ?? []), record.chunkId]);
  return chunks;
}

/**
 * A real edit: the first paragraph of the page with more than 200 characters of text gets
 * new wording (the rest of the page is untouched).
 */
function rewriteOneParagraph(html: string): string {
  const paragraphs = /<p\b[^>]*>([\s\S]*?)<\/p>/g;
  for (const match of html.matchAll(paragraphs)) {
    if (
      match[1]!
        .replace(/<[^>]+>/g, '')
        .replace(/\s+/g, ' ')
        .trim().length <= 200
    )
      continue;
    const rewritten =
      '<p>Rewritten for the refresh benchmark: this paragraph now says something else. ' +
      'Autovacuum, checkpoints and the write-ahead log decide how quickly a busy server ' +
      'recovers disk space and how much work a crash recovery replays, so tune them together ' +
      'and measure before and after each change.</p>';
    return html.slice(0, match.index) + rewritten + html.slice(match.index + match[0].length);
  }
  throw new Error('no paragraph of more than 200 characters to rewrite');
}

/** Old vs new chunk ids of one document, and whether every other document kept its own. */
function compareChunks(
  before: Map<string, string[]>,
  after: Map<string, string[]>,
  documentId: string,
) {
  const old = new Set(before.get(documentId) ?? []);
  const now = new Set(after.get(documentId) ?? []);
  const othersChanged = [...new Set([...before.keys(), ...after.keys()])].filter(
    (id) =>
      id !== documentId && (before.get(id) ?? []).join(',') !== (after.get(id) ?? []).join(','),
  );
  return {
    chunksBefore: old.size,
    chunksAfter: now.size,
    chunksKept: [...now].filter((id) => old.has(id)).length,
    chunksRemoved: [...old].filter((id) => !now.has(id)).length,
    chunksAdded: [...now].filter((id) => !old.has(id)).length,
    otherDocumentsChanged: othersChanged.length,
    otherDocuments: [...after.keys()].filter((id) => id !== documentId).length,
  };
}

async function main(): Promise<void> {
  const pageCount = option('pages', 100);
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
    const measure = async <Extra extends Record<string, number | string>>(
      name: string,
      extra: () => Promise<Extra>,
    ) => {
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
        removedPages: etl.removedPages,
        seconds: Math.round(seconds * 10) / 10,
        ...(await extra()),
      };
      rows.push(row);
      say(JSON.stringify(row));
      return row;
    };
    const webDocumentId = (name: string) =>
      documentIdForUrl(canonicalizeUrl(`${site.origin}/${name}`)!);

    let chunks = new Map<string, string[]>();
    await measure('first (everything new)', async () => {
      chunks = await servingChunkIds(mongo);
      return {
        chunksChanged: [...chunks.values()].reduce((sum, ids) => sum + ids.length, 0),
        indexedDocuments: chunks.size,
      };
    });
    // Web pages the quality filter let into the index, fewest chunks first; the edit takes
    // the median one, the removal the next.
    const indexedPages = files
      .filter((name) => chunks.has(webDocumentId(name)))
      .sort(
        (left, right) =>
          chunks.get(webDocumentId(left))!.length - chunks.get(webDocumentId(right))!.length ||
          left.localeCompare(right),
      );
    if (indexedPages.length < 2) throw new Error('fewer than two web pages were indexed');
    const editedPage = indexedPages[Math.floor(indexedPages.length / 2)]!;
    const removedPage = indexedPages[Math.floor(indexedPages.length / 2) + 1]!;
    say(
      `${indexedPages.length} of ${files.length} web pages indexed; editing ${editedPage}, removing ${removedPage}`,
    );

    await measure('no change', async () => {
      const after = await servingChunkIds(mongo);
      const changed = [...new Set([...chunks.keys(), ...after.keys()])].filter(
        (id) => (chunks.get(id) ?? []).join(',') !== (after.get(id) ?? []).join(','),
      );
      if (changed.length > 0) throw new Error(`no-change refresh changed ${changed.join(', ')}`);
      return { chunksChanged: 0, indexedDocuments: after.size };
    });

    site.edited.set(
      `/${editedPage}`,
      Buffer.from(rewriteOneParagraph(readFileSync(path.join(HTML_DIRECTORY, editedPage), 'utf8'))),
    );
    const edit = await measure(`one indexed web page edited (${editedPage})`, async () => {
      const after = await servingChunkIds(mongo);
      const comparison = compareChunks(chunks, after, webDocumentId(editedPage));
      chunks = after;
      return {
        ...comparison,
        chunksChanged: `${comparison.chunksRemoved} removed, ${comparison.chunksAdded} added, ${comparison.chunksKept} kept`,
        indexedDocuments: after.size,
      };
    });
    if (edit.otherDocumentsChanged !== 0 || edit.chunksAdded === 0)
      throw new Error(
        `the edit should change only ${editedPage}'s chunks: ${JSON.stringify(edit)}`,
      );

    site.gone.add(`/${removedPage}`);
    const removal = await measure(
      `one indexed web page removed, 410 (${removedPage})`,
      async () => {
        const after = await servingChunkIds(mongo);
        const comparison = compareChunks(chunks, after, webDocumentId(removedPage));
        chunks = after;
        return {
          ...comparison,
          chunksChanged: `${comparison.chunksRemoved} removed, ${comparison.chunksAdded} added`,
          indexedDocuments: after.size,
        };
      },
    );
    if (
      removal.otherDocumentsChanged !== 0 ||
      removal.chunksAfter !== 0 ||
      removal.removedPages !== 1
    )
      throw new Error(`the removed page should leave the index alone: ${JSON.stringify(removal)}`);

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
      indexedWebPages: indexedPages.length,
      editedPage,
      removedPage,
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
        '| Refresh | LLM calls | Embedding calls (texts) | Pages downloaded (304s) | Bytes downloaded | Notion requests | Seconds | Chunks changed | Other documents changed |',
        '| --- | --- | --- | --- | --- | --- | --- | --- | --- |',
        ...rows.map(
          (row) =>
            `| ${row.refresh} | ${row.llmCalls} | ${row.embeddingCalls} (${row.embeddedTexts}) | ${row.pageDownloads} (${row.notModified}) | ${row.bytesDownloaded} | ${row.notionRequests} | ${row.seconds} | ${row.chunksChanged} | ${row.otherDocumentsChanged ?? '-'}${row.otherDocuments === undefined ? '' : ` of ${row.otherDocuments}`} |`,
        ),
        '',
        `${files.length} web pages linked from ${notionPageIds.length} Notion pages, ${indexedPages.length} web pages indexed; ${summary.machine}. Details: ${path.relative(repositoryRoot, file)}`,
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
