import type { Config } from '../../config/environment.js';
import { createPayloadCodec } from '../../integrations/temporal/data-converter.js';
import type { AgentApi } from './agent-routes.js';
import { runCodec } from './codec-routes.js';
import { HttpError, type Route } from './http-server.js';

/** Routes of `second-brain serve`. Later features (the agent API, the chat UI) add theirs here. */
export function createRoutes(config: Config, agent?: AgentApi): Route[] {
  const codec = createPayloadCodec(config);
  const codecRoute = (direction: 'encode' | 'decode'): Route => ({
    method: 'POST',
    path: `/codec/${direction}`,
    corsOrigins: [config.temporal.uiUrl],
    async handle({ json }) {
      if (!codec)
        throw new HttpError(
          404,
          'Payload encryption is off: set PAYLOAD_ENCRYPTION_KEY or PAYLOAD_ENCRYPTION_KEYS',
        );
      return runCodec(codec, direction, await json());
    },
  });
  return [
    // eslint-disable-next-line @typescript-eslint/require-await -- handlers are async by contract
    { method: 'GET', path: '/healthz', handle: async () => ({ ok: true }) },
    codecRoute('encode'),
    codecRoute('decode'),
    ...(agent?.routes ?? []),
  ];
}
