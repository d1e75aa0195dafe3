// A local HTTP emulator of the Hugging Face Hub endpoints that @huggingface/hub's createRepo,
// listFiles and uploadFiles call, with the Hub's request and response shapes:
//
//   POST /api/repos/create                          {name, organization, type} -> {url, id}; 409 when it exists
//   GET  /api/{type}s/{ns}/{name}/tree/{rev}        [{type: "file", path, oid (git blob sha1), size}]
//   POST /api/{type}s/{ns}/{name}/preupload/{rev}   {files: [{path, size, sample}]} -> {files: [{path, uploadMode}]}
//   POST /api/{type}s/{ns}/{name}/commit/{rev}      NDJSON: header, then {key: "file", value: {path, content, encoding}}
//
// Small files are "regular" uploads (content inline in the commit), as on the Hub. Files over
// 10 MB would go through the LFS batch API, which the emulator does not implement: it answers
// 501, so a test that needed it fails loudly rather than passing on a shortcut.
import { createHash, randomUUID } from 'node:crypto';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';

export interface EmulatedRepo {
  type: string;
  name: string;
  files: Map<string, Buffer>;
  commits: { oid: string; title: string; paths: string[] }[];
}

export interface HubRequest {
  method: string;
  path: string;
}

export interface HuggingFaceHubEmulator {
  url: string;
  repos: Map<string, EmulatedRepo>;
  requests: HubRequest[];
  close(): Promise<void>;
}

const LFS_THRESHOLD_BYTES = 10 * 1024 * 1024;

function gitBlobOid(content: Buffer): string {
  return createHash('sha1').update(`blob ${content.length}\0`).update(content).digest('hex');
}

async function readBody(request: IncomingMessage): Promise<Buffer> {
  const chunks: Buffer[] = [];
  for await (const chunk of request) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks);
}

function send(response: ServerResponse, status: number, body: unknown): void {
  response.writeHead(status, {
    'Content-Type': 'application/json',
    'X-Request-Id': randomUUID(),
  });
  response.end(JSON.stringify(body));
}

export async function startHuggingFaceHubEmulator(options: {
  /** The only token accepted (as "Authorization: Bearer <token>"). */
  token: string;
}): Promise<HuggingFaceHubEmulator> {
  const repos = new Map<string, EmulatedRepo>();
  const requests: HubRequest[] = [];
  let baseUrl = '';

  async function handle(request: IncomingMessage, response: ServerResponse): Promise<void> {
    const url = new URL(request.url ?? '/', baseUrl);
    requests.push({ method: request.method ?? 'GET', path: url.pathname });
    if (request.headers.authorization !== `Bearer ${options.token}`) {
      send(response, 401, { error: 'Invalid credentials in Authorization header' });
      return;
    }
    if (request.method === 'POST' && url.pathname === '/api/repos/create') {
      const body = JSON.parse((await readBody(request)).toString('utf8')) as {
        name?: string;
        organization?: string;
        type?: string;
      };
      if (!body.name || !body.organization) {
        send(response, 400, { error: 'name and organization are required' });
        return;
      }
      const type = body.type ?? 'model';
      const name = `${body.organization}/${body.name}`;
      const key = `${type}s/${name}`;
      const repoUrl = `${baseUrl}/${type === 'model' ? '' : `${type}s/`}${name}`;
      if (repos.has(key)) {
        send(response, 409, { error: `You already created this ${type} repo`, url: repoUrl });
        return;
      }
      repos.set(key, { type, name, files: new Map(), commits: [] });
      send(response, 200, {
        url: repoUrl,
        name,
        id: randomUUID().replaceAll('-', '').slice(0, 24),
      });
      return;
    }
    if (/\.git\/info\/lfs\/objects\/batch$/.test(url.pathname)) {
      send(response, 501, { error: 'LFS uploads are not emulated' });
      return;
    }
    const match =
      /^\/api\/(models|datasets|spaces)\/([^/]+\/[^/]+)\/(tree|preupload|commit)\/([^/]+)(\/.*)?$/.exec(
        url.pathname,
      );
    if (!match) {
      send(response, 404, { error: `Not emulated: ${request.method} ${url.pathname}` });
      return;
    }
    const [, typePlural, name, action, revision] = match;
    const repo = repos.get(`${typePlural}/${name}`);
    if (!repo) {
      response.setHeader('X-Error-Code', 'RepoNotFound');
      send(response, 404, { error: 'Repository not found' });
      return;
    }
    if (revision !== 'main') {
      send(response, 404, { error: `Revision Not Found: ${revision}` });
      return;
    }
    if (action === 'tree' && request.method === 'GET') {
      send(
        response,
        200,
        [...repo.files.entries()]
          .sort(([a], [b]) => (a < b ? -1 : 1))
          .map(([path, content]) => ({
            type: 'file',
            path,
            oid: gitBlobOid(content),
            size: content.length,
          })),
      );
      return;
    }
    if (action === 'preupload' && request.method === 'POST') {
      const body = JSON.parse((await readBody(request)).toString('utf8')) as {
        files: { path: string; size: number; sample: string }[];
      };
      send(response, 200, {
        files: body.files.map((file) => ({
          path: file.path,
          uploadMode: file.size > LFS_THRESHOLD_BYTES ? 'lfs' : 'regular',
          shouldIgnore: false,
        })),
      });
      return;
    }
    if (action === 'commit' && request.method === 'POST') {
      const lines = (await readBody(request))
        .toString('utf8')
        .split('\n')
        .filter((line) => line.trim() !== '')
        .map((line) => JSON.parse(line) as { key: string; value: Record<string, string> });
      const header = lines.find((line) => line.key === 'header');
      const changes = new Map(repo.files);
      const paths: string[] = [];
      for (const line of lines) {
        if (line.key === 'file') {
          if (line.value.encoding !== 'base64') {
            send(response, 400, { error: `Unsupported encoding ${line.value.encoding}` });
            return;
          }
          changes.set(line.value.path!, Buffer.from(line.value.content!, 'base64'));
          paths.push(line.value.path!);
        } else if (line.key === 'deletedFile') {
          changes.delete(line.value.path!);
          paths.push(line.value.path!);
        } else if (line.key !== 'header') {
          send(response, 501, { error: `Commit operation ${line.key} is not emulated` });
          return;
        }
      }
      repo.files = changes;
      const oid = createHash('sha1').update(randomUUID()).digest('hex');
      repo.commits.push({ oid, title: header?.value.summary ?? '', paths });
      send(response, 200, {
        success: true,
        commitOid: oid,
        commitUrl: `${baseUrl}/${typePlural}/${name}/commit/${oid}`,
        hookOutput: '',
      });
      return;
    }
    send(response, 405, { error: `Method ${request.method} not allowed` });
  }

  const server: Server = createServer((request, response) => {
    handle(request, response).catch((error: unknown) =>
      send(response, 500, { error: String(error) }),
    );
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  baseUrl = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  return {
    url: baseUrl,
    repos,
    requests,
    close: () =>
      new Promise<void>((resolve, reject) =>
        server.close((error) => (error ? reject(error) : resolve())),
      ),
  };
}
