// robots.txt as the crawl's first filter: one fetch per origin, through the same guarded
// agents as the pages, and every disallowed target reported as a `robots-txt` failure.
import {
  CRAWLER_USER_AGENT,
  type CrawlOutcome,
  type CrawlSettings,
  type CrawlTarget,
} from './crawl-outcome.js';
import type { createGuardedAgents } from './guarded-agent.js';
import { fetchRobotsTxt, type RobotsRules } from './robots-txt.js';

/**
 * Fetches robots.txt once per origin (through the guarded agents, capped and timed like a
 * page), records the disallowed targets as `robots-txt` failures and returns the others.
 */
export async function applyRobotsTxt(
  targets: CrawlTarget[],
  settings: CrawlSettings,
  agents: ReturnType<typeof createGuardedAgents>,
  emit: (outcome: CrawlOutcome) => Promise<void>,
): Promise<CrawlTarget[]> {
  const origins = [...new Set(targets.map((target) => new URL(target.url).origin))];
  const rules = new Map<string, RobotsRules>();
  let next = 0;
  const fetchNext = async (): Promise<void> => {
    for (let index = next++; index < origins.length; index = next++) {
      const origin = origins[index]!;
      rules.set(
        origin,
        await fetchRobotsTxt(origin, {
          agents,
          timeoutMs: settings.timeoutSecs * 1000,
          maxRedirects: settings.maxRedirects,
          userAgent: CRAWLER_USER_AGENT,
        }),
      );
    }
  };
  await Promise.all(
    Array.from({ length: Math.min(settings.maxConcurrency, origins.length) }, fetchNext),
  );
  const allowed: CrawlTarget[] = [];
  for (const target of targets) {
    if (rules.get(new URL(target.url).origin)?.isAllowed(target.url) ?? true) {
      allowed.push(target);
      continue;
    }
    await emit({
      kind: 'failure',
      key: target.key,
      url: target.url,
      reason: 'robots-txt',
      message: `Skipped ${target.url}: disallowed by robots.txt`,
      attempts: 0,
    });
  }
  return allowed;
}
