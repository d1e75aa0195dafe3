import type { Command } from 'commander';
import { loadConfig } from '../../config/environment.js';
import { startHttpServer } from '../http/http-server.js';
import { note } from './output.js';

export function registerServeCommand(program: Command): void {
  program
    .command('serve')
    .description(
      'Serve the agent API, the web chat UI and the Temporal UI codec endpoint (127.0.0.1 by default)',
    )
    .option('--port <port>', 'port to listen on (default SERVE_PORT)')
    .option(
      '--host <host>',
      'address to listen on (default SERVE_HOST); non-loopback requires API_TOKEN',
    )
    .action(async (options: { port?: string; host?: string }) => {
      const config = loadConfig({
        ...process.env,
        ...(options.port ? { SERVE_PORT: options.port } : {}),
        ...(options.host ? { SERVE_HOST: options.host } : {}),
      });
      // Loaded here, not at the top: the agent's routes take seconds to import, and every
      // other command would pay for them.
      const [{ createAgentApi }, { createRoutes }] = await Promise.all([
        import('../http/agent-routes.js'),
        import('../http/api-routes.js'),
      ]);
      const agent = createAgentApi(config);
      const server = await startHttpServer({
        host: config.serve.host,
        port: config.serve.port,
        routes: createRoutes(config, agent),
        bearerToken: config.serve.apiToken,
        allowedHostNames: config.serve.allowedHosts,
      });
      note(`Serving on ${server.url} (chat UI at ${server.url}/, API under ${server.url}/api/)`);
      if (config.temporal.encryption) {
        note(
          `Codec endpoint for the Temporal UI: ${server.url}/codec (temporal server start-dev --ui-codec-endpoint ${server.url}/codec)`,
        );
      }
      await new Promise<void>((resolve) => {
        for (const signal of ['SIGINT', 'SIGTERM'] as const) process.once(signal, () => resolve());
      });
      await server.close();
      await agent.close();
    });
}
