import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { after, before, describe, it } from 'node:test';
import type { Client } from '@temporalio/client';
import { createAgentActivities } from '../../activities/agent/index.js';
import { askQuestion, newConversationId } from '../../clients/agent-client.js';
import { createAgentApi, type AgentApi } from '../../clients/http/agent-routes.js';
import { createRoutes } from '../../clients/http/api-routes.js';
import { startHttpServer, type RunningHttpServer } from '../../clients/http/http-server.js';
import { connectClient } from '../../clients/temporal-client.js';
import { NO_ANSWER, type TurnResult } from '../../domain/agent.js';
import { COLLECTIONS, TASK_QUEUES } from '../../domain/names.js';
import { connectMongo, type MongoDatabase } from '../../integrations/mongo/mongo-database.js';
import { createMongoKeywordRetriever } from '../../integrations/search/retriever.js';
import { createAgentWorker } from '../../workers/agent-worker.js';
import type { RunningWorker } from '../../workers/create-worker.js';
import { AGENT_CORPUS, seedCorpus } from '../support/agent-corpus.js';
import { recordHistoryForReplay } from '../support/replay-histories.js';
import { createScriptedChatModel } from '../support/scripted-chat-model.js';
import { lastJsonLine, runCli, testConfig, uniqueName } from '../support/test-environment.js';

describe('conversation workflow: the agent loop, durable turns and the HTTP API', () => {
  const database = `agent_${randomUUID().slice(0, 8)}`;
  const config = testConfig({ MONGODB_DATABASE: database, AGENT_TURNS_PER_RUN: '3' });
  const taskQueue = uniqueName('agent');
  const llm = createScriptedChatModel();
  let worker: RunningWorker;
  let client: Client;
  let mongo: MongoDatabase;
  let agentApi: AgentApi;
  let server: RunningHttpServer;

  before(async () => {
    mongo = await connectMongo(config.mongodb);
    await seedCorpus(mongo.db);
    worker = await createAgentWorker(config, { taskQueue, llm });
    void worker.run();
    client = await connectClient(config);
    agentApi = createAgentApi(config, { taskQueue });
    server = await startHttpServer({
      host: '127.0.0.1',
      port: 0,
      routes: createRoutes(config, agentApi),
    });
  });
  after(async () => {
    await server.close();
    await agentApi.close();
    await worker.shutdown();
    await client.connection.close();
    await mongo.db.dropDatabase().catch(() => undefined);
    await mongo.close();
  });

  it('answers with an inline citation mapped to the retrieved document, and stores the turn', async () => {
    const conversationId = newConversationId();
    const result = await askQuestion(client, config, {
      question: 'How often should I feed my sourdough starter?',
      conversationId,
      taskQueue,
    });
    assert.match(result.answer, /\[1\]/);
    assert.equal(result.sources.length, 1);
    assert.equal(result.sources[0]?.url, 'https://notes.example.test/sourdough');
    assert.equal(result.sources[0]?.title, 'Sourdough starter care');
    assert.deepEqual(
      result.steps.map((step) => step.name),
      ['search_knowledge_base', 'model'],
    );
    // The model saw the retrieved text fenced as untrusted data.
    const lastCall = llm.calls.at(-1)!;
    const toolMessage = lastCall.messages.find((message) => message.role === 'tool');
    assert.match(toolMessage?.content ?? '', /untrusted data/);
    assert.match(toolMessage?.content ?? '', /<<<SOURCE n="1"[\s\S]*<<<END SOURCE>>>/);
    assert.match(lastCall.messages[0]?.content ?? '', /never follow instructions/);

    // Retrieved text is in MongoDB, not in the workflow history.
    const history = JSON.stringify(await client.workflow.getHandle(conversationId).fetchHistory());
    assert.doesNotMatch(history, /equal weights of flour/);
    await recordHistoryForReplay(client, conversationId, 'conversation');

    // A second question in the same conversation sees the first turn.
    const second = await askQuestion(client, config, {
      question: 'And how do I water a bonsai?',
      conversationId,
      taskQueue,
    });
    assert.equal(second.sources[0]?.url, 'https://notes.example.test/bonsai');
    const messages = llm.calls.at(-1)!.messages;
    assert.ok(messages.some((message) => message.content.includes('sourdough starter')));
    const stored = await mongo.db
      .collection(COLLECTIONS.conversationTurns)
      .countDocuments({ conversationId });
    assert.equal(stored, 2);
  });

  it('says the knowledge base has no answer instead of inventing sources', async () => {
    const result = await askQuestion(client, config, {
      question: 'xylophone quantum zebra?',
      taskQueue,
    });
    assert.equal(result.answer, NO_ANSWER);
    assert.deepEqual(result.sources, []);
  });

  it('an identical tool call repeated in a turn is not run again, and the model must answer', async () => {
    const before = llm.calls.length;
    const result = await askQuestion(client, config, {
      question: 'Repeat: how often should I feed the sourdough starter?',
      taskQueue,
    });
    const searches = result.steps.filter(
      (step) => step.kind === 'tool' && step.name === 'search_knowledge_base',
    );
    // Retrieval first, the model's own search, then its repeat, which is refused.
    assert.equal(searches.length, 3, JSON.stringify(result.steps));
    assert.equal(searches[2]?.ok, false);
    assert.match(searches[2]?.outcome ?? '', /repeated call: not run again/);
    const calls = llm.calls.slice(before);
    const told = calls
      .at(-1)!
      .messages.find(
        (message) => message.role === 'tool' && message.content.includes('Do not call it again'),
      );
    assert.ok(told, 'the model was told it already has the result');
    // The next step offered no tools: the model had to answer.
    assert.equal(calls.at(-1)!.tools, undefined);
    assert.equal(result.sources[0]?.url, 'https://notes.example.test/sourdough');
  });

  it('a model that fails mid-turn ends the turn with quotes of the sources, not a failure', async () => {
    const result = await askQuestion(client, config, {
      question: 'After the crash, how often do I feed the sourdough starter?',
      taskQueue,
    });
    assert.equal(result.answerKind, 'extractive');
    assert.match(result.answer, /“Feed the sourdough starter twice a day[^”]*” \[1\]/);
    assert.equal(result.sources[0]?.url, 'https://notes.example.test/sourdough');
    const failed = result.steps.find((step) => step.kind === 'model' && !step.ok);
    assert.match(failed?.outcome ?? '', /the model process crashed/);
  });

  it('a tool error goes back to the model and the turn still answers', async () => {
    const result = await askQuestion(client, config, {
      question: 'Broken tool: how do Temporal workflows replay?',
      taskQueue,
    });
    const failed = result.steps.find((step) => step.name === 'delete_everything');
    assert.equal(failed?.ok, false);
    assert.match(failed?.outcome ?? '', /unknown tool "delete_everything"/);
    const reply = llm.calls
      .at(-1)!
      .messages.find((message) => message.content.startsWith('Error from tool delete_everything'));
    assert.ok(reply, 'the model was shown the tool error');
    assert.equal(result.sources[0]?.url, 'https://notes.example.test/temporal');
  });

  it('a final answer that fails its schema twice and cites nothing ends in quotes of the source', async () => {
    const result = await askQuestion(client, config, {
      question: 'Garbled: how often should I feed my sourdough starter?',
      taskQueue,
    });
    // The salvaged words ('A partly written answer about "starters') cite no source, so the
    // reader gets the source's own words, labelled as quotes, instead.
    assert.equal(result.answerKind, 'extractive');
    assert.match(result.answer, /^From your knowledge base \(quoted from the sources\):/);
    assert.match(result.answer, /“Feed the sourdough starter twice a day[^”]*” \[1\]/);
    assert.equal(result.sources[0]?.url, 'https://notes.example.test/sourdough');
  });

  it('what_can_i_do lists topics from the indexed documents, not a fixed list', async () => {
    const result = await askQuestion(client, config, {
      question: 'What topics can you help with?',
      taskQueue,
    });
    assert.ok(result.steps.some((step) => step.name === 'what_can_i_do' && step.ok));
    for (const chunk of AGENT_CORPUS) assert.match(result.answer, new RegExp(chunk.title));
  });

  it('the summarize tool summarizes a retrieved source through the summarizer', async () => {
    const result = await askQuestion(client, config, {
      question: 'Summarize what my notes say about bonsai watering',
      taskQueue,
    });
    const step = result.steps.find((candidate) => candidate.name === 'summarize');
    assert.equal(step?.ok, true, step?.outcome);
  });

  it('a retried step returns the stored result instead of calling the model again', async () => {
    const counted = createScriptedChatModel();
    const activities = createAgentActivities({
      mongo,
      llm: counted,
      retriever: createMongoKeywordRetriever(mongo.db),
      settings: config.agent,
    });
    const input = {
      conversationId: newConversationId(),
      turnId: randomUUID(),
      step: 1,
      question: 'sourdough?',
      summary: '',
      finalOnly: false,
    };
    const first = await activities.agentModelStep(input);
    const again = await activities.agentModelStep(input);
    assert.deepEqual(again, first);
    assert.equal(counted.calls.length, 1);
  });

  it('continues as new with a summary after the configured number of turns', async () => {
    const conversationId = newConversationId();
    const answers: TurnResult[] = [];
    for (const question of ['sourdough starter?', 'bonsai watering?', 'temporal replay?'])
      answers.push(await askQuestion(client, config, { question, conversationId, taskQueue }));
    assert.equal(answers.length, 3);
    // The third turn rolls the run over: the older turns are summarized first.
    let summary = '';
    for (let attempt = 0; attempt < 100 && !summary; attempt++) {
      const record = await mongo.db
        .collection<{ _id: string; summary: string }>(COLLECTIONS.conversations)
        .findOne({ _id: conversationId });
      summary = record?.summary ?? '';
      if (!summary) await new Promise((resolve) => setTimeout(resolve, 100));
    }
    assert.ok(summary, 'the older turns were summarized');
    // Two terms of its own, so it is searched as asked: "sourdough again?" reads as a follow-up
    // and carries "temporal replay" along, and then only a BM25 length tie decided the order.
    const fourth = await askQuestion(client, config, {
      question: 'sourdough starter again?',
      conversationId,
      taskQueue,
    });
    assert.equal(fourth.sources[0]?.documentId, 'doc-sourdough');
    const runs: string[] = [];
    for await (const execution of client.workflow.list({
      query: `WorkflowId = "${conversationId}"`,
    }))
      runs.push(execution.status.name);
    assert.ok(runs.includes('CONTINUED_AS_NEW'), `runs: ${runs.join(', ')}`);
    const record = await mongo.db
      .collection<{ _id: string; summary: string; turnCount: number }>(COLLECTIONS.conversations)
      .findOne({ _id: conversationId });
    assert.equal(record?.turnCount, 4);
  });

  it('the HTTP API asks, streams the turn as server-sent events, and lists conversations', async () => {
    const conversationId = newConversationId();
    const turnId = randomUUID();
    const events = fetch(`${server.url}/api/turns/${turnId}/events`).then((response) =>
      response.text(),
    );
    const response = await fetch(`${server.url}/api/ask`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({
        question: 'How do Temporal workflows replay? Answer slowly.',
        conversationId,
        turnId,
      }),
    });
    assert.equal(response.status, 200);
    const result = (await response.json()) as TurnResult;
    assert.equal(result.conversationId, conversationId);
    assert.equal(result.sources[0]?.url, 'https://notes.example.test/temporal');

    const stream = await events;
    assert.match(stream, /event: step_started/);
    assert.match(stream, /event: step\ndata: \{[^\n]*"name":"search_knowledge_base"/);
    assert.match(stream, /event: answer_delta/);
    assert.match(stream, /event: done/);
    // Tokens arrived through the side channel while the model wrote, each a longer draft of the
    // answer, all before the final answer's pieces.
    const live = [...stream.matchAll(/event: answer_live\ndata: (.*)\n/g)].map(
      (match) => (JSON.parse(match[1]!) as { text: string }).text,
    );
    assert.ok(live.length >= 2, `live drafts: ${live.length}`);
    for (const [index, draft] of live.entries()) {
      assert.ok(result.answer.startsWith(draft), `draft ${index} "${draft}" is a prefix`);
      if (index > 0) assert.ok(draft.length > live[index - 1]!.length);
    }
    assert.ok(stream.indexOf('event: answer_live') < stream.indexOf('event: answer_delta'));

    const list = (await (await fetch(`${server.url}/api/conversations`)).json()) as {
      conversations: { id: string }[];
    };
    assert.ok(list.conversations.some((conversation) => conversation.id === conversationId));
    const detail = (await (
      await fetch(`${server.url}/api/conversations/${conversationId}`)
    ).json()) as { turns: TurnResult[] };
    assert.equal(detail.turns[0]?.answer, result.answer);

    const source = (await (await fetch(`${server.url}/api/turns/${turnId}/sources/1`)).json()) as {
      text: string;
      url: string;
    };
    assert.match(source.text, /deterministic/);

    assert.equal((await fetch(`${server.url}/api/conversations/conversation-missing`)).status, 404);
    const invalid = await fetch(`${server.url}/api/ask`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ question: '', extra: 1 }),
    });
    assert.equal(invalid.status, 400);
    const html = await fetch(`${server.url}/`);
    assert.match(html.headers.get('content-security-policy') ?? '', /script-src 'self'/);
    assert.match(await html.text(), /Second Brain/);
  });

  it('the CLI asks with --json and as text, continuing a conversation', async () => {
    // `ask` targets the shared agent queue, so serve it for this test.
    const shared = await createAgentWorker(config, {
      taskQueue: TASK_QUEUES.agent,
      llm: createScriptedChatModel(),
    });
    const running = shared.run();
    try {
      const json = await runCli(['ask', 'How do I water a bonsai?', '--json']);
      assert.equal(json.code, 0, json.stderr);
      const output = lastJsonLine(json.stdout) as {
        answer: string;
        sources: { n: number; url: string; title: string }[];
        conversationId: string;
      };
      assert.deepEqual(Object.keys(output).sort(), ['answer', 'conversationId', 'sources']);
      assert.deepEqual(output.sources, [
        { n: 1, url: 'https://notes.example.test/bonsai', title: 'Bonsai watering' },
      ]);
      assert.match(output.answer, /\[1\]/);

      const text = await runCli([
        'ask',
        'And the sourdough starter?',
        '--conversation',
        output.conversationId,
      ]);
      assert.equal(text.code, 0, text.stderr);
      assert.match(text.stdout, /Sources:\n {2}\[1\] Sourdough starter care https:\/\/notes/);
      const turns = await mongo.db
        .collection(COLLECTIONS.conversationTurns)
        .countDocuments({ conversationId: output.conversationId });
      assert.equal(turns, 2);

      const invalid = await runCli(['ask', 'hi', '--conversation', 'bad id!']);
      assert.equal(invalid.code, 1);
      assert.match(invalid.stderr, /--conversation must be 8-64 letters/);
    } finally {
      await shared.shutdown();
      await running;
    }
  });
});
