// Which chat model the ETL asks for quality scores (ETL_LLM_SCORING). The bundled 135M model
// rated every article of the demo library 0 ("no idea"), which kept the best pages of a first
// run out of the index; `auto` leaves such pages unscored (indexed) instead.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { createDescribeEtlScoringModel } from '../../activities/etl/describe-etl-scoring-model.js';
import { loadConfig } from '../../config/environment.js';
import type { ChatModel } from '../../integrations/llm/chat-model.js';
import { LOCAL_LLM } from '../../integrations/local-models/model-catalog.js';

function chatModel(provider: string, modelId: string): ChatModel {
  return {
    provider,
    modelId,
    contextWindow: 4096,
    countTokens: (text) => text.length,
    chat: () => Promise.reject(new Error('not asked here')),
  };
}

const unfit = [LOCAL_LLM.modelId];

describe('the ETL scoring model policy', () => {
  it('auto is the default and skips the bundled model, naming the way to ask it anyway', async () => {
    assert.equal(loadConfig({}, '/srv/app').models.llm.qualityScoring, 'auto');
    const describe = createDescribeEtlScoringModel({
      llm: chatModel('local', LOCAL_LLM.modelId),
      modelsUnfitForScoring: unfit,
    });
    const result = await describe({ model: undefined });
    assert.equal(result.available, false);
    assert.match(result.reason ?? '', /too small to judge page quality.*ETL_LLM_SCORING=always/);
  });

  it('auto asks any other model, a larger local one included', async () => {
    for (const llm of [chatModel('openai', 'gpt-4o-mini'), chatModel('local', 'qwen2.5-7b')]) {
      const describe = createDescribeEtlScoringModel({ llm, modelsUnfitForScoring: unfit });
      assert.deepEqual(await describe({ model: undefined }), {
        available: true,
        reason: null,
        modelId: llm.modelId,
      });
    }
  });

  it('always asks the bundled model; never asks none', async () => {
    const llm = chatModel('local', LOCAL_LLM.modelId);
    const always = createDescribeEtlScoringModel({
      llm,
      qualityScoring: 'always',
      modelsUnfitForScoring: unfit,
    });
    assert.equal((await always({ model: undefined })).available, true);
    const never = createDescribeEtlScoringModel({
      llm: chatModel('openai', 'gpt-4o-mini'),
      qualityScoring: 'never',
    });
    const skipped = await never({ model: undefined });
    assert.equal(skipped.available, false);
    assert.match(skipped.reason ?? '', /ETL_LLM_SCORING is never/);
    assert.equal(
      loadConfig({ ETL_LLM_SCORING: 'always' }, '/srv/app').models.llm.qualityScoring,
      'always',
    );
  });
});
