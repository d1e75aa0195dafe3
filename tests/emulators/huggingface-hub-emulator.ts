// A local HTTP emulator of the Hugging Face Hub endpoints that @huggingface/hub's createRepo,
// listFiles and uploadFiles call, with the Hub's request and response shapes:
//
//   POST /api/repos/create                          {name, organization, type} -> {url, id}; 409 when it exists
//   GET  /api/{type}s/{ns}/{name}/tree/{rev}        [{type: "file", path, oid (git blob sha1), size}]
//   POST /api/{type}s/{ns}/{name}/preupload/{rev}   {files: [{path, size, sample}]} -> {files: [{path, uploadMode}]}
//   POST /api/{type}s/{ns}/{name}/commit/{rev}      NDJSON: header, then {key: "file", value: {path, content, encoding}}
//
// and the Jobs endpoints @huggingface/hub's runJob, listJobs, getJob, cancelJob and
// streamJobLogs call (ApiJob shapes; stages RUNNING, COMPLETED, ERROR, CANCELED):
//
//   POST /api/jobs/{ns}                 {dockerImage, command, environment, secrets, flavor, timeoutSeconds, labels} -> ApiJob
//   GET  /api/jobs/{ns}                 [ApiJob]
//   GET  /api/jobs/{ns}/{id}            ApiJob
//   POST /api/jobs/{ns}/{id}/cancel     ApiJob (stage CANCELED)
//   GET  /api/jobs/{ns}/{id}/logs       text/event-stream: `data: {"data": line, "timestamp"}` until the job ends
//
// A job "runs" the script the test gives for it: its lines appear one per lineIntervalMs,
// then it ends in the script's stage. Nothing runs in a container: the timeline is computed.
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

export interface JobScript {
  lines: string[];
  lineIntervalMs: number;
  finalStage: 'COMPLETED' | 'ERROR';
  /** The status message of a failed job, as the Jobs API reports it. */
  message?: string;
}

export interface EmulatedJob {
  id: string;
  namespace: string;
  /** The request body of runJob, as sent. */
  spec: {
    dockerImage?: string;
    command?: string[];
    environment?: Record<string, string>;
    secrets?: Record<string, string>;
    flavor: string;
    timeoutSeconds?: number;
    labels?: Record<string, string>;
  };
  createdAt: number;
  cancelledAt?: number;
  script: JobScript;
}

export interface HubRequest {
  method: string;
  path: string;
}

export interface HuggingFaceHubEmulator {
  url: string;
  repos: Map<string, EmulatedRepo>;
  requests: HubRequest[];
  jobs: Map<string, EmulatedJob>;
  /**
   * The next requests get these statuses, with an error body echoing the Authorization header
   * they carried (as a careless proxy would): the client must not pass it on.
   */
  failNextRequests(...statuses: number[]): void;
  close(): Promise<void>;
}

/** How far a job got by now: lines printed, and its stage. */
function jobTimeline(job: EmulatedJob, now = Date.now()) {
  const end = job.cancelledAt ?? now;
  const printed = Math.min(
    job.script.lines.length,
    Math.floor((end - job.createdAt) / job.script.lineIntervalMs),
  );
  if (job.cancelledAt !== undefined) return { printed, stage: 'CANCELED', message: null };
  const finished = end >= job.createdAt + (job.script.lines.length + 1) * job.script.lineIntervalMs;
  return finished
    ? {
        printed,
        stage: job.script.finalStage,
        message: job.script.finalStage === 'ERROR' ? (job.script.message ?? 'Job failed') : null,
      }
    : { printed, stage: 'RUNNING', message: null };
}

function apiJob(job: EmulatedJob) {
  const timeline = jobTimeline(job);
  return {
    type: 'job',
    id: job.id,
    status: { stage: timeline.stage, message: timeline.message, failureCount: 0 },
    createdAt: new Date(job.createdAt).toISOString(),
    dockerImage: job.spec.dockerImage ?? null,
    command: job.spec.command ?? null,
    environment: job.spec.environment ?? {},
    // The Hub lists secret names, never their values.
    secrets: Object.keys(job.spec.secrets ?? {}),
    flavor: job.spec.flavor,
    timeoutSeconds: job.spec.timeoutSeconds ?? null,
    labels: job.spec.labels ?? null,
    owner: { id: 'owner-id', name: job.namespace, type: 'user' },
  };
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
  /** What each launched job prints and how it ends; jobs are refused (501) without it. */
  jobScript?: (job: Omit<EmulatedJob, 'script'>) => JobScript;
}): Promise<HuggingFaceHubEmulator> {
  const repos = new Map<string, EmulatedRepo>();
  const jobs = new Map<string, EmulatedJob>();
  const requests: HubRequest[] = [];
  const failures: number[] = [];
  let baseUrl = '';

  async function handle(request: IncomingMessage, response: ServerResponse): Promise<void> {
    const url = new URL(request.url ?? '/', baseUrl);
    requests.push({ method: request.method ?? 'GET', path: url.pathname });
    const failure = failures.shift();
    if (failure !== undefined) {
      send(response, failure, {
        error: `Request refused (${failure}); Authorization: ${request.headers.authorization ?? ''}`,
      });
      return;
    }
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
    const jobMatch = /^\/api\/jobs\/([^/]+)(?:\/([^/]+))?(?:\/(cancel|logs))?$/.exec(url.pathname);
    if (jobMatch) {
      await handleJobs(request, response, jobMatch[1]!, jobMatch[2], jobMatch[3]);
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

  async function handleJobs(
    request: IncomingMessage,
    response: ServerResponse,
    namespace: string,
    jobId: string | undefined,
    action: string | undefined,
  ): Promise<void> {
    if (jobId === undefined) {
      if (request.method === 'GET') {
        send(
          response,
          200,
          [...jobs.values()].filter((job) => job.namespace === namespace).map(apiJob),
        );
        return;
      }
      if (request.method !== 'POST') {
        send(response, 405, { error: `Method ${request.method} not allowed` });
        return;
      }
      if (!options.jobScript) {
        send(response, 501, { error: 'Jobs are not emulated in this test' });
        return;
      }
      const spec = JSON.parse((await readBody(request)).toString('utf8')) as EmulatedJob['spec'];
      if (!spec.flavor || (!spec.dockerImage && !(spec as { spaceId?: string }).spaceId)) {
        send(response, 400, { error: 'flavor and dockerImage or spaceId are required' });
        return;
      }
      const id = randomUUID().replaceAll('-', '').slice(0, 24);
      const base = { id, namespace, spec, createdAt: Date.now() };
      const job: EmulatedJob = { ...base, script: options.jobScript(base) };
      jobs.set(id, job);
      send(response, 200, apiJob(job));
      return;
    }
    const job = jobs.get(jobId);
    if (!job || job.namespace !== namespace) {
      send(response, 404, { error: `Job ${jobId} not found` });
      return;
    }
    if (action === undefined && request.method === 'GET') {
      send(response, 200, apiJob(job));
      return;
    }
    if (action === 'cancel' && request.method === 'POST') {
      if (jobTimeline(job).stage === 'RUNNING') job.cancelledAt = Date.now();
      send(response, 200, apiJob(job));
      return;
    }
    if (action === 'logs' && request.method === 'GET') {
      response.writeHead(200, { 'Content-Type': 'text/event-stream', 'Cache-Control': 'no-cache' });
      let sent = 0;
      let closed = false;
      request.on('close', () => (closed = true));
      // Everything printed so far, then new lines as they come, until the job ends.
      for (;;) {
        const timeline = jobTimeline(job);
        while (sent < timeline.printed) {
          response.write(
            `data: ${JSON.stringify({ data: job.script.lines[sent], timestamp: new Date().toISOString() })}\n\n`,
          );
          sent++;
        }
        if (closed || timeline.stage !== 'RUNNING') break;
        await new Promise((resolve) => setTimeout(resolve, 50));
      }
      response.end();
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
    jobs,
    failNextRequests: (...statuses) => failures.push(...statuses),
    close: () =>
      new Promise<void>((resolve, reject) =>
        server.close((error) => (error ? reject(error) : resolve())),
      ),
  };
}
