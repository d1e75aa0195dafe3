// Killing the agent worker (SIGKILL, as a crash or an OOM kill would) in the middle of a turn,
// then starting a new one: the turn completes, and no LLM step that had finished before the
// kill is sent to the local model again (every real model invocation is recorded in
// `agent_model_calls`, written just before the call).
import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { after, before, describe, it } from 'node:test';
import type { Client } from '@temporalio/client';
import { askQuestion, newConversationId } from '../../clients/agent-client.js';
import { connectClient } from '../../clients/temporal-client.js';
import { COLLECTIONS } from '../../domain/names.js';
import { connectMongo, type MongoDatabase } from '../../integrations/mongo/mongo-database.js';
import { seedCorpus } from '../support/agent-corpus.js';
import { recordScenario } from '../support/reliability-figures.js';
import { testConfig, uniqueName } from '../support/test-environment.js';
import { startWorkerProcess, type WorkerProcess } from '../support/worker-process.js';

describe('agent worker crash mid-turn (real local model)', () => {
  const database = `agent_crash_${randomUUID().slice(0, 8)}`;
  // The tool loop (the grounded path makes one model call): the model chooses a tool or
  // answers, so a turn has at least two model steps to kill the worker between.
  const overrides = { MONGODB_DATABASE: database, AGENT_MODE: 'tools' };
  const config = testConfig(overrides);
  const environment = { ...process.env, ...overrides };
  const taskQueue = uniqueName('agent-crash');
  let client: Client;
  let mongo: MongoDatabase;
  const workers: WorkerProcess[] = [];

  before(async () => {
    mongo = await connectMongo(config.mongodb);
    await seedCorpus(mongo.db);
    client = await connectClient(config);
  });
  after(async () => {
    for (const worker of workers) await worker.kill();
    await client.connection.close();
    await mongo.db.dropDatabase().catch(() => undefined);
    await mongo.close();
  });

  it('completes the turn after a restart without repeating finished LLM calls', async (t) => {
    const started = Date.now();
    const first = await startWorkerProcess('agent', environment, {
      taskQueue,
      readyTimeoutMs: 120_000,
    });
    workers.push(first);
    const turnId = randomUUID();
    const answer = askQuestion(client, config, {
      question: 'How often should I feed my sourdough starter?',
      conversationId: newConversationId(),
      turnId,
      taskQueue,
    });

    // Kill as soon as the first LLM step has finished and been stored.
    const steps = mongo.db.collection<{ _id: string }>(COLLECTIONS.agentSteps);
    const deadline = Date.now() + 180_000;
    while (!(await steps.findOne({ _id: `${turnId}:1:model` }))) {
      assert.ok(Date.now() < deadline, `no finished LLM step:\n${first.output()}`);
      await new Promise((resolve) => setTimeout(resolve, 50));
    }
    await first.kill();
    const finishedBeforeKill = (
      await steps.find({ turnId, kind: 'model' }).project<{ step: number }>({ step: 1 }).toArray()
    ).map((record) => record.step);
    const turnDoneBeforeKill =
      (await mongo.db
        .collection(COLLECTIONS.conversationTurns)
        .countDocuments({ _id: turnId as never })) > 0;
    t.diagnostic(
      `finished LLM steps at the kill: ${finishedBeforeKill.join(', ')}; turn done: ${turnDoneBeforeKill}`,
    );

    const second = await startWorkerProcess('agent', environment, {
      taskQueue,
      readyTimeoutMs: 120_000,
    });
    workers.push(second);
    const result = await answer;
    t.diagnostic(`answer: ${result.answer}`);
    assert.ok(result.answer.length > 0);

    const calls = await mongo.db
      .collection<{ turnId: string; step: number }>(COLLECTIONS.agentModelCalls)
      .find({ turnId })
      .toArray();
    for (const step of finishedBeforeKill) {
      const count = calls.filter((call) => call.step === step).length;
      assert.equal(
        count,
        1,
        `LLM step ${step} finished before the kill but was called ${count} times`,
      );
    }
    // The turn's model steps all ran (one or more after the restart when the kill was mid-turn).
    const modelSteps = result.steps.filter((step) => step.kind === 'model').length;
    assert.ok(calls.length >= modelSteps);
    // "Documents" here are the turn's finished LLM steps: none lost, none sent twice.
    await recordScenario({
      scenario: 'Agent worker crash mid-turn',
      fault: 'SIGKILL of the agent worker after its first LLM step (real local model), restarted',
      faultsInjected: 1,
      runsStarted: 1,
      runsCompleted: 1,
      documentsExpected: finishedBeforeKill.length,
      documentsLost: 0,
      documentsDuplicated: finishedBeforeKill.filter(
        (step) => calls.filter((call) => call.step === step).length !== 1,
      ).length,
      seconds: (Date.now() - started) / 1000,
    });
    await second.kill();
  });
});
