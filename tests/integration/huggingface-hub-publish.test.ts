import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { SecondBrainError } from '../../domain/errors.js';
import {
  createHubRepositories,
  gitBlobOid,
} from '../../integrations/huggingface/hub-repositories.js';
import {
  startHuggingFaceHubEmulator,
  type HuggingFaceHubEmulator,
} from '../emulators/huggingface-hub-emulator.js';

const TOKEN = 'hf_emulator_token';

function file(path: string, text: string) {
  return { path, content: new TextEncoder().encode(text) };
}

describe('dataset publishing with the real @huggingface/hub client against the Hub emulator', () => {
  let emulator: HuggingFaceHubEmulator;

  before(async () => {
    emulator = await startHuggingFaceHubEmulator({ token: TOKEN });
  });
  after(async () => {
    await emulator.close();
  });

  it('creates the dataset repo and uploads exactly the given files; a second push commits nothing', async () => {
    // The real client, through its hubUrl and fetch options.
    const hub = createHubRepositories({
      accessToken: TOKEN,
      hubUrl: emulator.url,
      fetch: globalThis.fetch,
    });
    const files = [
      file('train.jsonl', '{"instruction":"a","answer":"b"}\n'),
      file('validation.jsonl', ''),
      file('README.md', '---\nlanguage:\n- en\n---\n# Card\n'),
    ];
    const first = await hub.publish('someone/second-brain-summarization', files, 'Dataset v-1');
    assert.equal(first.committed, true);
    assert.match(first.commitOid ?? '', /^[0-9a-f]{40}$/);

    const repo = emulator.repos.get('datasets/someone/second-brain-summarization');
    assert.ok(repo, 'the dataset repo exists');
    assert.deepEqual([...repo.files.keys()].sort(), [
      'README.md',
      'train.jsonl',
      'validation.jsonl',
    ]);
    for (const expected of files)
      assert.deepEqual(new Uint8Array(repo.files.get(expected.path)!), expected.content);
    assert.equal(repo.commits.length, 1);
    assert.equal(repo.commits[0]!.title, 'Dataset v-1');
    const calls = emulator.requests.map((request) => `${request.method} ${request.path}`);
    assert.ok(calls.includes('POST /api/repos/create'));
    assert.ok(
      calls.includes('POST /api/datasets/someone/second-brain-summarization/preupload/main'),
    );
    assert.ok(calls.includes('POST /api/datasets/someone/second-brain-summarization/commit/main'));

    const second = await hub.publish('someone/second-brain-summarization', files, 'Dataset v-1');
    assert.equal(second.committed, false);
    assert.equal(repo.commits.length, 1, 'an unchanged push makes no commit');

    const changed = await hub.publish(
      'someone/second-brain-summarization',
      [...files.slice(0, 2), file('README.md', '# Card v2\n')],
      'Dataset v-2',
    );
    assert.equal(changed.committed, true);
    assert.equal(repo.commits.length, 2);
    assert.equal(repo.files.get('README.md')?.toString('utf8'), '# Card v2\n');
  });

  it('computes the same blob ids as git', () => {
    // `printf 'hello\n' | git hash-object --stdin`
    assert.equal(
      gitBlobOid(new TextEncoder().encode('hello\n')),
      'ce013625030ba8dba906f756967f9e9ca394464a',
    );
  });

  it('maps a rejected token to a non-retryable auth error', async () => {
    const hub = createHubRepositories({ accessToken: 'hf_wrong', hubUrl: emulator.url });
    await assert.rejects(
      hub.publish('someone/other', [file('a.txt', 'a')], 'x'),
      (error: unknown) => {
        assert.ok(error instanceof SecondBrainError);
        assert.equal(error.kind, 'auth');
        assert.equal(error.retryable, false);
        return true;
      },
    );
  });
});
