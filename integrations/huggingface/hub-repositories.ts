// Publishing files to Hugging Face Hub repositories (dataset versions to a dataset repo, model
// cards to a model repo) with the official @huggingface/hub client: one commit per publish,
// none when the repo already holds the same files. `hubUrl` and `fetch` are injectable so the
// same code runs against the Hub and a local emulator.
import { createHash } from 'node:crypto';
import { createRepo, HubApiError, listFiles, uploadFiles } from '@huggingface/hub';
import {
  SecondBrainError,
  errorForHttpStatus,
  isTransientNetworkError,
} from '../../domain/errors.js';

export interface HubFile {
  path: string;
  content: Uint8Array;
}

export interface PublishResult {
  repo: string;
  /** False when the repo already held exactly these files: nothing was committed. */
  committed: boolean;
  commitOid: string | undefined;
  files: string[];
}

export interface HubRepositories {
  /** Creates the repo if needed and uploads the files in one commit, unless unchanged. */
  publish(repo: string, files: readonly HubFile[], message: string): Promise<PublishResult>;
}

export interface HubRepositoriesSettings {
  accessToken: string;
  hubUrl: string;
  fetch?: typeof fetch;
  /** The kind of repo published to: datasets by default; model cards go to a model repo. */
  repoType?: 'dataset' | 'model';
}

/** Git's blob id: what the Hub reports as `oid` for a regular (non-LFS) file. */
export function gitBlobOid(content: Uint8Array): string {
  return createHash('sha1').update(`blob ${content.byteLength}\0`).update(content).digest('hex');
}

function sha256(content: Uint8Array): string {
  return createHash('sha256').update(content).digest('hex');
}

/** Maps Hub API and network errors into the taxonomy, so Temporal decides what to retry. */
export function toHubError(error: unknown, action: string): unknown {
  if (error instanceof HubApiError) {
    return errorForHttpStatus(
      error.statusCode,
      `Hugging Face Hub ${action} failed: ${error.message}`,
      {
        cause: error,
      },
    );
  }
  if (
    isTransientNetworkError(error) ||
    (error instanceof TypeError && /fetch failed/.test(error.message))
  ) {
    return new SecondBrainError(
      'transient',
      `Hugging Face Hub ${action} failed: ${(error as Error).message}`,
      {
        cause: error,
      },
    );
  }
  return error;
}

export function createHubRepositories(settings: HubRepositoriesSettings): HubRepositories {
  const type = settings.repoType ?? 'dataset';
  const common = {
    accessToken: settings.accessToken,
    hubUrl: settings.hubUrl,
    ...(settings.fetch ? { fetch: settings.fetch } : {}),
  };

  async function ensureRepo(name: string): Promise<void> {
    try {
      await createRepo({ ...common, repo: { type, name } });
    } catch (error) {
      // 409: the repo exists already (ours from an earlier push): publishing is idempotent.
      if (error instanceof HubApiError && error.statusCode === 409) return;
      throw toHubError(error, `createRepo ${name}`);
    }
  }

  async function remoteOids(name: string): Promise<Map<string, { oid: string; lfsOid?: string }>> {
    const files = new Map<string, { oid: string; lfsOid?: string }>();
    try {
      for await (const entry of listFiles({
        ...common,
        repo: { type, name },
        recursive: true,
      })) {
        if (entry.type === 'file')
          files.set(entry.path, { oid: entry.oid ?? '', lfsOid: entry.lfs?.oid });
      }
    } catch (error) {
      throw toHubError(error, `listFiles ${name}`);
    }
    return files;
  }

  return {
    async publish(repo, files, message) {
      await ensureRepo(repo);
      const remote = await remoteOids(repo);
      const unchanged = files.every((file) => {
        const existing = remote.get(file.path);
        return (
          existing !== undefined &&
          (existing.oid === gitBlobOid(file.content) || existing.lfsOid === sha256(file.content))
        );
      });
      const paths = files.map((file) => file.path);
      if (unchanged) return { repo, committed: false, commitOid: undefined, files: paths };
      try {
        const output = await uploadFiles({
          ...common,
          repo: { type, name: repo },
          files: files.map((file) => ({
            path: file.path,
            content: new Blob([Uint8Array.from(file.content)]),
          })),
          commitTitle: message,
          // Xet needs the Hub's storage service; plain LFS/regular uploads work everywhere.
          useXet: false,
        });
        return { repo, committed: true, commitOid: output?.commit.oid, files: paths };
      } catch (error) {
        throw toHubError(error, `uploadFiles ${repo}`);
      }
    },
  };
}
