import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { z } from 'zod';
import { parseStructuredReply, toJsonSchema } from '../../integrations/llm/completion-backend.js';
import { toGbnfSchema } from '../../integrations/llm/local-chat-model.js';
import { jsonSchemaFormat } from '../../integrations/llm/openai-chat-model.js';
import { stableStringify } from '../../integrations/llm/response-cache.js';

const schema = z.object({ title: z.string(), tags: z.array(z.string()) });

describe('structured output', () => {
  it('parses fenced JSON and names each failing field', () => {
    assert.deepEqual(parseStructuredReply('```json\n{"title":"a","tags":[]}\n```', schema), {
      ok: true,
      value: { title: 'a', tags: [] },
    });
    const invalid = parseStructuredReply('{"title":3}', schema);
    assert.equal(invalid.ok, false);
    assert.match(!invalid.ok ? invalid.error : '', /title: .*; tags: /);
    const broken = parseStructuredReply('{"title":', schema);
    assert.match(!broken.ok ? broken.error : '', /not valid JSON/);
  });

  it('sends OpenAI strict schemas only when every property is required', () => {
    const strict = jsonSchemaFormat('note score!', toJsonSchema(schema));
    assert.equal(strict.strict, true);
    assert.equal(strict.name, 'note_score_');
    const loose = jsonSchemaFormat(
      'loose',
      toJsonSchema(z.object({ title: z.string(), note: z.string().optional() })),
    );
    assert.equal(loose.strict, false);
  });

  it('turns unions into the oneOf that node-llama-cpp grammars support', () => {
    const converted = toGbnfSchema(
      toJsonSchema(
        z.object({
          value: z.union([z.object({ text: z.string() }), z.object({ count: z.number() })]),
        }),
      ),
    ) as { properties: { value: { oneOf: unknown[] } } };
    assert.equal(converted.properties.value.oneOf.length, 2);
  });

  it('keys cache entries by content, not key order', () => {
    assert.equal(stableStringify({ b: 1, a: [{ d: 2, c: 3 }] }), '{"a":[{"c":3,"d":2}],"b":1}');
  });
});
