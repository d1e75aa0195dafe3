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
import { existsSync, mkdtempSync, readFileSync, readdirSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { connectClient, startPipeline } from '../../clients/temporal-client.js';
import { documentIdForUrl } from '../../domain/document.js';
import type { EtlResult } from '../../domain/etl.js';
import { canonicalizeUrl } from '../../domain/url-canonicalization.js';
import { infrastructureDown, infrastructureUp } from '../../infra/local-infrastructure.js';
import { createOpenAIEmbeddingModel } from '../../integrations/embeddings/openai-embedding-model.js';
import { createOpenAIChatModel } from '../../integrations/llm/openai-chat-model.js';
import { connectMongo } from '../../integrations/mongo/mongo-database.js';
import { createNotionGateway } from '../../integrations/notion/notion-client.js';
import { createObjectStorage } from '../../integrations/s3/object-storage.js';
import { NotionEmulator } from '../../tests/emulators/notion-emulator.js';
import { page, paragraph, text } from '../../tests/emulators/notion-fixtures.js';
import {
  createOpenAIEmulator,
  OPENAI_EMULATOR_KEY,
  openAIChatReply,
} from '../../tests/emulators/openai-emulator.js';
import { createWorker } from '../../workers/create-worker.js';
import { createOfflineActivities } from '../../workers/offline-activities.js';
import type { RefreshResult } from '../../workflows/refresh-knowledge-base.js';
import { numericOption, privateInfrastructureConfig } from '../support/private-infrastructure.js';
import { HTML_DIRECTORY, rewriteOneParagraph, serveManual } from './manual-site.js';
import { writeReport, type ReportRow } from './report.js';
import { compareChunks, servingChunkIds } from './serving-chunks.js';

const TOKEN = 'secret_bench_integration_token';

function say(message: string): void {
  process.stderr.write(`[bench refresh] ${message}\n`);
}

async function main(): Promise<void> {
  const pageCount = numericOption('pages', 100);
  const linksPerPage = numericOption('links-per-page', 20);
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
  const config = await privateInfrastructureConfig(
    dataDirectory,
    { database: 'second_brain_bench_refresh', bucket: 'second-brain-bench-refresh' },
    {
      NOTION_API_URL: notionUrl,
      NOTION_TOKEN: TOKEN,
      NOTION_DATABASE_IDS: databaseId,
      NOTION_REQUESTS_PER_SECOND: '100',
    },
  );
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

    const rows: ReportRow[] = [];
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
    writeReport({
      webPages: files.length,
      notionPages: notionPageIds.length,
      indexedWebPages: indexedPages.length,
      editedPage,
      removedPage,
      rows,
    });
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
