// The web chat UI in real headless Chromium (Debian's /usr/bin/chromium, driven by
// playwright-core; `make test` installs it with scripts/install-system-packages.sh). The agent
// runs through the real conversation workflow, activities, MongoDB and `serve`; its model is the
// scripted test double, because the UI's behaviour is what this file tests (the real local
// model's answers are tested in agent-local-model.test.ts).
import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { existsSync, mkdirSync } from 'node:fs';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import { chromium, type Browser, type Page } from 'playwright-core';
import { createAgentApi, type AgentApi } from '../../clients/http/agent-routes.js';
import { createRoutes } from '../../clients/http/api-routes.js';
import { startHttpServer, type RunningHttpServer } from '../../clients/http/http-server.js';
import { aggregateScores, METRIC_NAMES, type ItemScores } from '../../domain/evaluation.js';
import { evaluationCollections } from '../../integrations/evaluation/evaluation-store.js';
import { connectMongo, type MongoDatabase } from '../../integrations/mongo/mongo-database.js';
import { createAgentWorker } from '../../workers/agent-worker.js';
import type { RunningWorker } from '../../workers/create-worker.js';
import { AGENT_CORPUS, seedCorpus } from '../support/agent-corpus.js';
import { createScriptedChatModel } from '../support/scripted-chat-model.js';
import { repositoryRoot, testConfig, uniqueName } from '../support/test-environment.js';

const CHROMIUM = '/usr/bin/chromium';
const ARTIFACTS = path.join(repositoryRoot, 'test-artifacts');

describe('web chat UI in headless Chromium', () => {
  const config = testConfig({ MONGODB_DATABASE: `agent_ui_${randomUUID().slice(0, 8)}` });
  const taskQueue = uniqueName('agent-ui');
  let mongo: MongoDatabase;
  let worker: RunningWorker;
  let agentApi: AgentApi;
  let server: RunningHttpServer;
  let browser: Browser;
  let page: Page;
  const dialogs: string[] = [];

  before(async () => {
    assert.ok(
      existsSync(CHROMIUM),
      `${CHROMIUM} is missing: run scripts/install-system-packages.sh (make test does)`,
    );
    mongo = await connectMongo(config.mongodb);
    await seedCorpus(mongo.db, [
      ...AGENT_CORPUS,
      {
        documentId: 'doc-hostile',
        title: 'Kombucha <img src=x onerror="window.__pwned=\'title\'">',
        url: 'javascript:window.__pwned="url"',
        text: [
          'Kombucha ferments for a week.',
          '<script>window.__pwned = "script"</script>',
          '<img src="x" onerror="window.__pwned = \'img\'">',
          '[click me](javascript:window.__pwned="link") and [a real page](https://example.test/kombucha)',
        ].join('\n'),
      },
    ]);
    worker = await createAgentWorker(config, {
      taskQueue,
      llm: createScriptedChatModel({ delayMs: 300 }),
    });
    void worker.run();
    agentApi = createAgentApi(config, { taskQueue });
    server = await startHttpServer({
      host: '127.0.0.1',
      port: 0,
      routes: createRoutes(config, agentApi),
    });
    browser = await chromium.launch({
      executablePath: CHROMIUM,
      args: [
        '--headless',
        '--no-sandbox',
        '--disable-gpu',
        '--disable-background-networking',
        '--disable-component-update',
        '--no-first-run',
      ],
    });
    page = await browser.newPage({ viewport: { width: 1280, height: 800 } });
    page.on('dialog', (dialog) => {
      dialogs.push(dialog.message());
      void dialog.dismiss();
    });
    mkdirSync(ARTIFACTS, { recursive: true });
  });
  after(async () => {
    await browser?.close();
    await server?.close();
    await agentApi?.close();
    await worker?.shutdown();
    await mongo?.db.dropDatabase().catch(() => undefined);
    await mongo?.close();
  });

  it('asks a question, streams the answer with a citation, and opens the cited chunk', async () => {
    await page.goto(server.url);
    const streamed = page.waitForResponse(
      (response) => response.url().includes('/events') && response.status() === 200,
    );
    await page.fill('#question', 'How often should I feed my sourdough starter? Answer slowly.');
    await page.press('#question', 'Enter');
    const stream = await streamed;
    assert.match(stream.headers()['content-type'] ?? '', /text\/event-stream/);
    // The model's tokens show while it writes, before the final answer with its sources.
    const draft = page.locator('.message.assistant.streaming .answer');
    await draft.waitFor({ timeout: 60_000 });
    const draftText = ((await draft.textContent()) ?? '').trim();
    assert.ok(draftText.length > 0);

    const citation = page.locator('.message.assistant .answer a.citation').first();
    await citation.waitFor({ timeout: 60_000 });
    assert.equal(await citation.textContent(), '[1]');
    const finalText =
      (await page.locator('.message.assistant .answer').first().textContent()) ?? '';
    assert.ok(finalText.startsWith(draftText), `draft "${draftText}" begins "${finalText}"`);
    await page.locator('.message.assistant .sources li').first().waitFor();
    await page.locator('#steps li .tool', { hasText: 'search_knowledge_base' }).waitFor();
    const sourceItem = page.locator('.message.assistant .sources li').first();
    assert.match((await sourceItem.textContent()) ?? '', /Sourdough starter care/);

    await citation.click();
    await page.locator('#source-panel:not([hidden])').waitFor();
    assert.match((await page.textContent('#source-text')) ?? '', /twice a day/);
    assert.equal(
      await page.getAttribute('#source-link', 'href'),
      'https://notes.example.test/sourdough',
    );
    await page.screenshot({ path: path.join(ARTIFACTS, 'agent-web-ui.png'), fullPage: true });

    // The conversation is listed, and reopening it shows the same answer.
    const listed = page.locator('#conversations li', { hasText: 'sourdough' });
    await listed.waitFor();
    await listed.click();
    await page.locator('.message.assistant .answer a.citation').first().waitFor();
  });

  it('crawled <script>, event handlers and javascript: links never execute', async () => {
    await page.click('#new-conversation');
    await page.fill('#question', 'What do my notes say about kombucha?');
    await page.press('#question', 'Enter');
    // Wait for the final rendering (the source list), so the click is not on streamed text
    // that the final rendering replaces.
    await page.locator('.message.assistant .sources li').first().waitFor({ timeout: 60_000 });
    const citation = page.locator('.message.assistant .answer a.citation').first();
    await citation.click();
    await page.locator('#source-panel:not([hidden])').waitFor();
    await page
      .locator('#source-text', { hasText: 'Kombucha ferments' })
      .waitFor({ timeout: 10_000 })
      .catch(async (error: unknown) => {
        await page.screenshot({ path: path.join(ARTIFACTS, 'agent-web-ui-failure.png') });
        throw new Error(`${String(error)}; dialogs: ${dialogs.join(' | ')}`);
      });

    // The hostile markup is shown as text, not run.
    assert.match((await page.textContent('#source-text')) ?? '', /<script>window.__pwned/);
    assert.equal(await page.locator('#source-text script, #messages script').count(), 0);
    assert.equal(await page.locator('#source-text img, #messages img').count(), 0);
    assert.equal(await page.locator('a[href^="javascript:"]').count(), 0);
    assert.equal(await page.getAttribute('#source-link', 'href'), null);
    // The real link stays a link.
    assert.equal(
      await page.locator('#source-text a[href="https://example.test/kombucha"]').count(),
      1,
    );
    // Try the spots a user would click.
    await page.locator('#source-text', { hasText: 'click me' }).click();
    await page.click('#source-link');
    await page.waitForTimeout(300);
    assert.equal(await page.evaluate('window.__pwned'), undefined);
    assert.deepEqual(dialogs, []);
    await page.screenshot({
      path: path.join(ARTIFACTS, 'agent-web-ui-hostile.png'),
      fullPage: true,
    });
  });

  it('each answer shows its trace: LLM calls with model and tokens, the tool, retrieval scores', async () => {
    const answer = page.locator('.message.assistant').last();
    await answer.locator('button.trace-toggle').click();
    const trace = answer.locator('.trace');
    await trace.locator('.span.kind-llm').first().waitFor({ timeout: 10_000 });
    assert.match((await trace.locator('.trace-summary').textContent()) ?? '', /1 LLM call/);
    const llm = (await trace.locator('.span.kind-llm .span-facts').first().textContent()) ?? '';
    assert.match(llm, /scripted-agent-rules · 10\+5 tokens/);
    assert.match(
      (await trace.locator('.span.kind-tool .span-name').first().textContent()) ?? '',
      /tool search_knowledge_base/,
    );
    const retrieval = (await trace.locator('.span.kind-retrieval').textContent()) ?? '';
    assert.match(retrieval, /query: What do my notes say about kombucha\?/);
    assert.match(retrieval, /score \d+\.\d{3}/);
    // The hostile title retrieved for this answer is shown as text in the trace, not run.
    assert.match(retrieval, /<img src=x onerror=/);
    assert.equal(await trace.locator('img, script').count(), 0);
    assert.equal(await page.evaluate('window.__pwned'), undefined);
    await page.screenshot({ path: path.join(ARTIFACTS, 'agent-web-ui-trace.png'), fullPage: true });
    // The toggle hides it again.
    await answer.locator('button.trace-toggle').click();
    assert.equal(await trace.isHidden(), true);
  });

  it('shows the latest evaluation compared with the previous run, with its chart', async () => {
    const { runs } = evaluationCollections(mongo.db);
    const scores = (value: number) =>
      Object.fromEntries(METRIC_NAMES.map((name) => [name, { value, reason: '' }])) as ItemScores;
    const base = {
      datasetName: 'second-brain-eval',
      datasetVersion: 'v-000000000000',
      itemIds: ['q-1', 'q-2'],
      status: 'completed' as const,
      judge: 'local/SmolLM2-135M-Instruct-Q4_1',
      settings: { limit: 2, concurrency: 1, k: 5 },
      answered: 2,
      failed: 0,
    };
    await runs.insertOne({
      ...base,
      _id: 'eval-ui-first',
      startedAt: new Date(Date.now() - 60_000),
      finishedAt: new Date(Date.now() - 50_000),
      metrics: aggregateScores([scores(0.25)]),
      previousRunId: null,
    });
    await runs.insertOne({
      ...base,
      _id: 'eval-ui-second',
      startedAt: new Date(Date.now() - 10_000),
      finishedAt: new Date(),
      metrics: aggregateScores([scores(0.75)]),
      previousRunId: 'eval-ui-first',
    });
    await page.click('#show-evaluation');
    await page
      .locator('#evaluation-panel:not([hidden]) #evaluation-table tr[data-metric]')
      .first()
      .waitFor();
    assert.match(
      (await page.textContent('#evaluation-summary')) ?? '',
      /eval-ui-second: 2\/2 answered.*vs eval-ui-first/,
    );
    assert.equal(
      await page.locator('#evaluation-table tr[data-metric]').count(),
      METRIC_NAMES.length,
    );
    const relevance = page.locator('#evaluation-table tr[data-metric="answer_relevance"]');
    assert.equal(await relevance.getAttribute('class'), 'better');
    assert.match((await relevance.textContent()) ?? '', /0\.2500\.750\+0\.500/);
    assert.equal(
      await page.locator('#evaluation-table tr[data-metric="hallucination"]').getAttribute('class'),
      'worse',
    );
    const chart = page.locator('#evaluation-chart');
    await chart.waitFor();
    assert.match((await chart.getAttribute('src')) ?? '', /^data:image\/svg\+xml;base64,/);
    // The image decoded (a broken SVG would have no natural width).
    assert.ok(
      await chart.evaluate((image: HTMLImageElement) => image.complete && image.naturalWidth > 0),
    );
    await page.screenshot({
      path: path.join(ARTIFACTS, 'agent-web-ui-evaluation.png'),
      fullPage: true,
    });
  });
});
