import type { WatcherStatus } from '@kw/types';
import { InvalidConfigError } from './errors';

/** Anything with a watcher's `status()`: `Watcher` and `SingleWatcher` from `@kw/watcher`. */
export interface StatusSource {
  status(): WatcherStatus;
}

/** Anything with a leader elector's `healthCheck()`: `LeaderElector` from `@kw/leaderelection`. */
export interface HealthSource {
  healthCheck(): { healthy: boolean; reason?: string };
}

/** What {@link probes} answers for. */
export interface ProbeTargets {
  /** The watchers `/readyz` waits for, by the name its body uses for them. */
  watchers?: Readonly<Record<string, StatusSource>>;
  /** The leader elector `/livez` asks. */
  elector?: HealthSource;
}

/** A probe's answer, for any HTTP framework: `reply.code(a.status).send(a.body)`. */
export interface ProbeAnswer {
  /** 200 when ready / live, else 503. */
  status: 200 | 503;
  /** `ok`, or one line per component that is not, naming it and why. */
  body: string;
}

/** The part of a `node:http` request {@link Probes.handle} reads. */
export interface ProbeRequest {
  method?: string | undefined;
  url?: string | undefined;
}

/** The part of a `node:http` `ServerResponse` {@link Probes.handle} writes. */
export interface ProbeResponse {
  statusCode: number;
  setHeader(name: string, value: string): unknown;
  end(body?: string): unknown;
}

/** Kubernetes readiness and liveness answers for watchers and a leader elector. */
export interface Probes {
  /** 200 while every watcher is synced and neither failed nor stopped; else 503 naming each one that is not. */
  readyz(): ProbeAnswer;
  /** 200 while the elector's `healthCheck()` is healthy (or there is no elector); else 503 with its reason. */
  livez(): ProbeAnswer;
  /**
   * Answers `GET`/`HEAD /readyz` and `/livez` (query ignored; other methods get 405) and returns
   * `true`; returns `false` without touching `res` for any other path. Fits `node:http`
   * (`createServer((req, res) => probes.handle(req, res) || next(req, res))`) and Express
   * (`app.use((req, res, next) => probes.handle(req, res) || next())`).
   */
  handle(req: ProbeRequest, res: ProbeResponse): boolean;
}

const OK: ProbeAnswer = Object.freeze({ status: 200, body: 'ok\n' });

function notReady(status: WatcherStatus): string | undefined {
  if (status.phase === 'failed') return `failed (${status.lastError?.code ?? 'no error recorded'})`;
  if (status.phase === 'stopped') return 'stopped';
  if (!status.synced)
    return `not synced (${status.phase}${status.lastError ? `, last error ${status.lastError.code}` : ''})`;
  return undefined;
}

function answer(problems: string[]): ProbeAnswer {
  return problems.length === 0 ? OK : { status: 503, body: `${problems.join('\n')}\n` };
}

/**
 * Builds `/readyz` and `/livez` answers from watchers' `status()` and an elector's
 * `healthCheck()`. Typed structurally: it imports no kw package. A `status()` or `healthCheck()`
 * that throws makes its probe answer 503 with the error message; the probes never throw.
 * Throws {@link InvalidConfigError} when a target lacks the method.
 */
export function probes(targets: ProbeTargets): Probes {
  const watchers = Object.entries(targets.watchers ?? {});
  for (const [name, watcher] of watchers) {
    if (typeof watcher?.status !== 'function') {
      throw new InvalidConfigError(
        `watchers.${name}`,
        watcher,
        `watchers.${name} has no status() — pass a Watcher or SingleWatcher from @kw/watcher`,
      );
    }
  }
  const elector = targets.elector;
  if (elector !== undefined && typeof elector?.healthCheck !== 'function') {
    throw new InvalidConfigError(
      'elector',
      elector,
      'elector has no healthCheck() — pass a LeaderElector from @kw/leaderelection, or omit it',
    );
  }

  const readyz = (): ProbeAnswer => {
    const problems: string[] = [];
    for (const [name, watcher] of watchers) {
      try {
        const why = notReady(watcher.status());
        if (why !== undefined) problems.push(`watcher ${name}: ${why}`);
      } catch (error) {
        problems.push(`watcher ${name}: status() threw: ${error instanceof Error ? error.message : String(error)}`);
      }
    }
    return answer(problems);
  };

  const livez = (): ProbeAnswer => {
    if (elector === undefined) return OK;
    try {
      const health = elector.healthCheck();
      return health.healthy ? OK : answer([`leader election: ${health.reason ?? 'unhealthy'}`]);
    } catch (error) {
      return answer([
        `leader election: healthCheck() threw: ${error instanceof Error ? error.message : String(error)}`,
      ]);
    }
  };

  const handle = (req: ProbeRequest, res: ProbeResponse): boolean => {
    const path = (req.url ?? '').split('?', 1)[0];
    const probe = path === '/readyz' ? readyz : path === '/livez' ? livez : undefined;
    if (probe === undefined) return false;
    res.setHeader('Content-Type', 'text/plain; charset=utf-8');
    res.setHeader('Cache-Control', 'no-store');
    if (req.method !== 'GET' && req.method !== 'HEAD') {
      res.statusCode = 405;
      res.setHeader('Allow', 'GET, HEAD');
      res.end(`${req.method ?? ''} ${path}: use GET or HEAD\n`);
      return true;
    }
    const { status, body } = probe();
    res.statusCode = status;
    res.end(req.method === 'HEAD' ? undefined : body);
    return true;
  };

  return { readyz, livez, handle };
}
