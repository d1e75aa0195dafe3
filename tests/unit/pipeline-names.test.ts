// One vocabulary per pipeline: the CLI name, the workflow type and the file names say the same
// thing, and the names used before (train, eval, endpoint) still start the same pipelines.
import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import path from 'node:path';
import { describe, it } from 'node:test';
import { fileURLToPath } from 'node:url';
import { scheduleDefinitionSchema } from '../../domain/schedule-definitions.js';
import { PIPELINE_ALIASES, PIPELINES, resolvePipelineName } from '../../domain/names.js';

const repositoryRoot = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');

describe('pipeline names', () => {
  it('the renamed pipelines are named like their workflows and files', () => {
    for (const [name, workflowType] of [
      ['fine-tune', 'fineTune'],
      ['evaluate', 'evaluate'],
      ['summarizer-endpoint', 'summarizerEndpoint'],
    ] as const) {
      assert.equal(PIPELINES[name].workflowType, workflowType);
      assert.ok(existsSync(path.join(repositoryRoot, 'workflows', `${name}.ts`)), name);
      assert.ok(existsSync(path.join(repositoryRoot, 'activities', name, 'index.ts')), name);
    }
  });

  it('old names resolve to the pipeline they always started; unknown names to nothing', () => {
    assert.equal(resolvePipelineName('train'), 'fine-tune');
    assert.equal(resolvePipelineName('eval'), 'evaluate');
    assert.equal(resolvePipelineName('endpoint'), 'summarizer-endpoint');
    assert.equal(resolvePipelineName('refresh'), 'refresh');
    assert.equal(resolvePipelineName('toString'), undefined);
    assert.equal(resolvePipelineName('training'), undefined);
    for (const alias of Object.keys(PIPELINE_ALIASES))
      assert.ok(!Object.hasOwn(PIPELINES, alias), `${alias} is only an alias`);
  });

  it('a schedule file naming an old pipeline name schedules the current one', () => {
    const parsed = scheduleDefinitionSchema.parse({
      id: 'evaluate-weekly',
      pipeline: 'eval',
      cron: '0 4 * * 1',
    });
    assert.equal(parsed.pipeline, 'evaluate');
    assert.throws(
      () => scheduleDefinitionSchema.parse({ id: 'x', pipeline: 'nope', cron: '* * * * *' }),
      /must be one of: .*fine-tune/,
    );
  });
});
