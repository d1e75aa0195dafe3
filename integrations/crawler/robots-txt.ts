// robots.txt, fetched by us rather than by crawlee: crawlee's own fetch used got's shared agent
// (no SSRF check, and its socket stayed in the keep-alive pool for later redirects), read any
// size and ignored the crawl timeout. Here it goes through the crawl's guarded agents, is cut at
// ROBOTS_TXT_MAX_BYTES (RFC 9309 asks crawlers to parse at least 500 KiB; rules past the cap
// are ignored) and is abandoned after the crawl's per-request timeout.
import http from 'node:http';
import https from 'node:https';
import { RobotsTxtFile } from 'crawlee';
import type { GuardedAgents } from './guarded-agent.js';

export const ROBOTS_TXT_MAX_BYTES = 512 * 1024;

export interface RobotsRules {
  isAllowed(url: string): boolean;
  /** Why the file does not apply ("404", "timeout", ...), or undefined when it was read. */
  unavailable?: string;
}

export interface RobotsFetchSettings {
  agents: GuardedAgents;
  timeoutMs: number;
  maxRedirects: number;
  maxBytes?: number;
  userAgent: string;
}

const allowAll = (unavailable: string): RobotsRules => ({ isAllowed: () => true, unavailable });

interface Fetched {
  status: number;
  location?: string;
  body: string;
}

function get(url: URL, settings: RobotsFetchSettings, signal: AbortSignal): Promise<Fetched> {
  const maxBytes = settings.maxBytes ?? ROBOTS_TXT_MAX_BYTES;
  return new Promise((resolve, reject) => {
    const client = url.protocol === 'https:' ? https : http;
    const request = client.get(
      url,
      {
        agent: url.protocol === 'https:' ? settings.agents.https : settings.agents.http,
        headers: { 'user-agent': settings.userAgent, accept: 'text/plain,*/*;q=0.5' },
        signal,
      },
      (response) => {
        const status = response.statusCode ?? 0;
        if (status >= 300 && status < 400) {
          response.resume();
          return resolve({ status, location: response.headers.location, body: '' });
        }
        const chunks: Buffer[] = [];
        let size = 0;
        let settled = false;
        const finish = () => {
          if (settled) return;
          settled = true;
          resolve({ status, body: Buffer.concat(chunks).toString('utf8') });
        };
        response.on('data', (chunk: Buffer) => {
          if (settled) return;
          const room = maxBytes - size;
          chunks.push(chunk.length > room ? chunk.subarray(0, room) : chunk);
          size += Math.min(chunk.length, room);
          if (size >= maxBytes) {
            // Enough: the rest is never downloaded.
            finish();
            response.destroy();
          }
        });
        response.once('end', finish);
        response.once('error', (error) => (settled ? undefined : reject(error)));
      },
    );
    request.once('error', reject);
  });
}

/**
 * The robots.txt rules for `pageUrl`'s origin. A file that cannot be had (4xx, 5xx, a refused
 * or failed connection, a timeout) allows everything, as crawlee did; the reason is kept.
 */
export async function fetchRobotsTxt(
  pageUrl: string,
  settings: RobotsFetchSettings,
): Promise<RobotsRules> {
  // Rules are matched against the page's origin even when the file came through a redirect.
  const robotsUrl = new URL('/robots.txt', pageUrl).toString();
  let url = new URL(robotsUrl);
  const signal = AbortSignal.timeout(settings.timeoutMs);
  try {
    for (let hop = 0; ; hop++) {
      const fetched = await get(url, settings, signal);
      if (fetched.location !== undefined) {
        if (hop >= settings.maxRedirects) return allowAll('too many redirects');
        const next = new URL(fetched.location, url);
        if (next.protocol !== 'http:' && next.protocol !== 'https:')
          return allowAll(`redirect to ${next.protocol}`);
        url = next;
        continue;
      }
      if (fetched.status >= 200 && fetched.status < 300) {
        const file = RobotsTxtFile.from(robotsUrl, fetched.body);
        return { isAllowed: (target) => file.isAllowed(target) };
      }
      return allowAll(`HTTP ${fetched.status}`);
    }
  } catch (error) {
    if (signal.aborted) return allowAll('timeout');
    return allowAll((error as Error).message.split('\n')[0] ?? 'network error');
  }
}
