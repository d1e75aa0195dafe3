// A distillation attempt killed in the middle of a document resumes from its last heartbeat.
// The counts it reports must add up to one per answer however the heartbeats fell: the
// reliability test (tests/reliability/dataset-resume.test.ts) saw 11 for 10 answers when a
// heartbeat taken during a document's second answer already counted its first.
import assert from 'node:assert/strict';
import { describe, it, mock } from 'node:test';
import { MockActivityEnvironment } from '@temporalio/testing';
import { distillDocuments } from '../../activities/dataset/distill-documents.js';
import type { DatasetActivityDependencies } from '../../activities/dataset/dependencies.js';
import type { DistillBatchResult } from '../../domain/dataset-version.js';
import type { ChatModel, ChatResponse } from '../../integrations/llm/chat-model.js';
import type { DatasetSourceDocument } from '../../integrations/mongo/stores/raw-documents.js';
import type { DatasetRegistry } from '../../integrations/mongo/stores/dataset-registry.js';

const documents: DatasetSourceDocument[] = ['alpha', 'beta', 'gamma'].map((name) => ({
  id: name,
  metadata: { title: name },
  content: `The ${name} note explains how the ${name} pipeline stores its pages and why.`,
  content_quality_score: 0.9,
}));
const settings = {
  maxSummaryChars: 120,
  augmentationLoops: 2,
  temperatureStep: 0.3,
  studentContextTokens: 2048,
};

/**
 * A teacher that answers `answers` times, then fails the way a killed worker's call ends: after
 * the activity's 5 s heartbeat interval has fired during the call (mocked timers), so the last
 * heartbeat is one taken in the middle of a document.
 */
function teacherModel(answers: number): ChatModel & { calls: number } {
  return {
    provider: 'scripted',
    modelId: 'scripted-teacher',
    contextWindow: 8192,
    calls: 0,
    countTokens: (text) => Math.ceil(text.length / 4),
    chat<T>() {
      this.calls++;
      if (this.calls > answers) {
        mock.timers.tick(5_000);
        return Promise.reject(new Error('worker killed mid-answer'));
      }
      return Promise.resolve({
        text: `Summary number ${this.calls}.`,
        finishReason: 'stop',
        usage: { promptTokens: 10, completionTokens: 5 },
      } as ChatResponse<T>);
    },
  };
}

function dependencies(model: ChatModel, persisted: Set<string>): DatasetActivityDependencies {
  const registry = {
    hasSample: (id: string) => Promise.resolve(persisted.has(id)),
    storeSample: (id: string) => Promise.resolve(void persisted.add(id)),
  } as unknown as DatasetRegistry;
  return {
    storage: {} as DatasetActivityDependencies['storage'],
    raw: {
      scoredAtLeast: () => {
        throw new Error('not used: the batch names its documents');
      },
      byIds: (ids) =>
        Promise.resolve(new Map(documents.filter((d) => ids.includes(d.id)).map((d) => [d.id, d]))),
    },
    registry,
    teacher: {
      resolve: () => Promise.resolve({ provider: model.provider, model: model.modelId }),
      forCall: () => Promise.resolve(model),
    },
  };
}

describe('distillation resumed from a heartbeat', () => {
  for (const answersBeforeKill of [1, 2, 3, 4, 5]) {
    it(`counts each of 6 answers once after a kill at answer ${answersBeforeKill + 1}`, async () => {
      const persisted = new Set<string>();
      const input = { documentIds: documents.map((d) => d.id), settings };

      mock.timers.enable({ apis: ['setInterval'] });
      const first = new MockActivityEnvironment();
      let lastHeartbeat: unknown;
      first.on('heartbeat', (details: unknown) => (lastHeartbeat = details));
      const firstTeacher = teacherModel(answersBeforeKill);
      await assert.rejects(
        first.run(distillDocuments, dependencies(firstTeacher, persisted), input),
        /worker killed/,
      );
      mock.timers.reset();
      assert.equal(persisted.size, answersBeforeKill);

      const retry = new MockActivityEnvironment({ heartbeatDetails: lastHeartbeat });
      const retryTeacher = teacherModel(Number.POSITIVE_INFINITY);
      const result: DistillBatchResult = await retry.run(
        distillDocuments,
        dependencies(retryTeacher, persisted),
        input,
      );

      assert.equal(persisted.size, 6);
      assert.equal(retryTeacher.calls, 6 - answersBeforeKill, 'no persisted answer is paid again');
      assert.equal(result.generated + result.reused, 6, JSON.stringify(result));
      assert.deepEqual(result.failed, []);
    });
  }
});
