// What operators see is true: every dashboard panel and every alert expression evaluates to data
// in a real Prometheus scraping a running engine, the config and rules pass promtool, and every
// metric the dashboards mention is exported.
import { execFileSync, spawn, type ChildProcess } from 'node:child_process';
import { mkdtemp, readFile, readdir, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { expect } from 'chai';
import { freePort } from '../src/core/embedded-postgres.ts';
import { Client } from './support/client.ts';
import { eventually, startEngine, type Engine } from './support/engine.ts';
import { answer, createHunt, registerPlayer } from './support/fixtures.ts';
import { sample } from './support/metrics.ts';
import { createTestDatabase, type TestDatabase } from './support/test-databases.ts';

const ROOT = fileURLToPath(new URL('..', import.meta.url));
const DASHBOARDS = path.join(ROOT, 'grafana', 'dashboards');
const RULES = path.join(ROOT, 'prometheus', 'alerts.yml');

interface Panel { title?: string; type?: string; targets?: { expr?: string }[]; panels?: Panel[] }

async function dashboardExpressions(): Promise<{ where: string; expr: string }[]> {
  const out: { where: string; expr: string }[] = [];
  for (const file of (await readdir(DASHBOARDS)).filter((f) => f.endsWith('.json'))) {
    const dashboard = JSON.parse(await readFile(path.join(DASHBOARDS, file), 'utf8')) as { panels: Panel[] };
    const walk = (panels: Panel[]) => {
      for (const panel of panels) {
        for (const target of panel.targets ?? []) if (target.expr) out.push({ where: `${file}: ${panel.title}`, expr: target.expr });
        if (panel.panels) walk(panel.panels);
      }
    };
    walk(dashboard.panels);
  }
  return out;
}

/** Grafana's variables, as a query with every hunt selected would have them. */
function concrete(expr: string): string {
  return expr.replaceAll('$hunt', '.*').replaceAll('${hunt}', '.*')
    .replaceAll('$__rate_interval', '1m').replaceAll('$__interval', '1m').replaceAll('$__range', '5m');
}

function metricNames(expr: string): string[] {
  return [...new Set(expr.match(/\b(?:treasure|process|nodejs)_[a-z0-9_]+/g) ?? [])];
}

function hasBinary(name: string): boolean {
  try { execFileSync('which', [name], { stdio: 'ignore' }); return true; } catch { return false; }
}

describe('observability', function () {
  this.timeout(120_000);
  let db: TestDatabase;
  let engine: Engine;
  let metricsText = '';

  before(async () => {
    db = await createTestDatabase('observability');
    engine = await startEngine(db.url, { workerMetrics: true });
    // Some of everything: hunts, players, right and wrong answers, reads, a 304, a 404, a 400.
    const client = new Client(engine.url);
    const hunt = await createHunt(client, 'observed-hunt', [{ answers: ['seen'] }, { answers: ['heard'] }]);
    const players = await Promise.all(['obs_a', 'obs_b', 'obs_c'].map((h) => registerPlayer(client, h)));
    for (const p of players) {
      await answer(client, 'observed-hunt', hunt.clues[0]!.id, p.token, 'seen');
      await answer(client, 'observed-hunt', hunt.clues[1]!.id, p.token, 'wrong guess');
    }
    await answer(client, 'observed-hunt', hunt.clues[0]!.id, players[0]!.token, 'seen');
    await answer(client, 'nope-hunt', hunt.clues[0]!.id, players[0]!.token, 'seen');
    const board = await eventually(async () => {
      const res = await client.get('/v1/hunts/observed-hunt/leaderboard');
      return res.body?.total === 3 ? res : undefined;
    }, 'published');
    await client.get('/v1/hunts/observed-hunt/leaderboard', { headers: { 'if-none-match': board.headers.get('etag')! } });
    await client.get('/v1/hunts/observed-hunt');
    await client.get('/v1/hunts/missing-hunt');
    await client.get('/v1/hunts/observed-hunt/leaderboard?limit=0');
    metricsText = (await client.get('/metrics')).text + '\n'
      + (await new Client(`http://127.0.0.1:${engine.worker!.metricsPort}`).get('/metrics')).text;
  });

  after(async () => {
    await engine?.stop();
    await db?.drop();
  });

  it('exports every metric the dashboards and alerts mention', async () => {
    const mentioned = new Set<string>();
    // The whole files: panel queries, but also template variables and anything else that names a metric.
    for (const file of (await readdir(DASHBOARDS)).filter((f) => f.endsWith('.json'))) {
      metricNames(await readFile(path.join(DASHBOARDS, file), 'utf8')).forEach((m) => mentioned.add(m));
    }
    metricNames(await readFile(RULES, 'utf8')).forEach((m) => mentioned.add(m));
    expect(mentioned.size).to.be.greaterThan(10);
    // Sample names (histograms as _bucket/_sum/_count) and family names (# TYPE lines).
    const exported = new Set([
      ...[...metricsText.matchAll(/^([a-zA-Z_:][a-zA-Z0-9_:]*)(?:\{| )/gm)].map((m) => m[1]!),
      ...[...metricsText.matchAll(/^# TYPE (\S+) /gm)].map((m) => m[1]!),
    ]);
    const missing = [...mentioned].filter((name) => !exported.has(name));
    expect(missing, 'mentioned but not exported').to.deep.equal([]);
  });

  it('counts each request it answered once, by route and status, with snapshot hits and misses and the requests in flight', () => {
    const requests = (route: string, status: number) =>
      sample(metricsText, 'treasure_http_request_duration_seconds_count', { process: 'api', method: 'GET', route, status: String(status) });
    // One each in the set-up: answered from memory, within the handler.
    expect(requests('/v1/hunts/:slug/leaderboard', 304)).to.equal(1);
    expect(requests('/v1/hunts/:slug/leaderboard', 400)).to.equal(1);
    expect(requests('/v1/hunts/:slug', 404)).to.equal(1);
    expect(requests('/v1/hunts/:slug', 200)).to.be.at.least(1);
    // Answered by express, after the database: counted when the response closed.
    const answers = sample(metricsText, 'treasure_http_request_duration_seconds_count', { process: 'api', method: 'POST', route: '/v1/hunts/:slug/clues/:clueId/answers' });
    expect(answers).to.equal(8);
    const responses = (cls: string) => sample(metricsText, 'treasure_http_responses_total', { process: 'api', class: cls });
    expect(responses('3xx')).to.equal(1);
    expect(responses('4xx')).to.be.at.least(3);
    expect(responses('2xx') + responses('3xx') + responses('4xx') + responses('5xx'))
      .to.equal(sample(metricsText, 'treasure_http_request_duration_seconds_count', { process: 'api' }));
    expect(sample(metricsText, 'treasure_snapshot_lookups_total', { result: 'miss' })).to.equal(1);
    expect(sample(metricsText, 'treasure_snapshot_lookups_total', { result: 'hit' })).to.be.at.least(3);
    // The scrape that produced this text, and nothing else.
    expect(sample(metricsText, 'treasure_http_requests_in_flight', { process: 'api' })).to.equal(1);
  });

  describe('against a real Prometheus', function () {
    let prometheus: ChildProcess | undefined;
    let promUrl = '';
    let workDir = '';

    before(async function () {
      if (!hasBinary('prometheus') || !hasBinary('promtool')) {
        console.log('      (prometheus/promtool not installed: skipped; .ci/run installs them)');
        this.skip();
      }
      workDir = await mkdtemp(path.join(os.tmpdir(), 'hunt-prom-'));
      const port = await freePort();
      promUrl = `http://127.0.0.1:${port}`;
      const apiPort = engine.api.port;
      const config = `global: { scrape_interval: 1s, evaluation_interval: 1s }
rule_files: ['${RULES}']
scrape_configs:
  - job_name: treasure-api
    static_configs: [{ targets: ['127.0.0.1:${apiPort}'] }]
  - job_name: treasure-worker
    static_configs: [{ targets: ['127.0.0.1:${engine.worker!.metricsPort}'] }]
`;
      await writeFile(path.join(workDir, 'prometheus.yml'), config);
      prometheus = spawn('prometheus', [
        `--config.file=${path.join(workDir, 'prometheus.yml')}`, `--storage.tsdb.path=${path.join(workDir, 'data')}`,
        `--web.listen-address=127.0.0.1:${port}`,
      ], { stdio: 'ignore' });
      // At least three scrapes of both processes, so rate() has two points in every window.
      await eventually(async () => {
        const res = await fetch(`${promUrl}/api/v1/query?query=${encodeURIComponent('count_over_time(up[1m])')}`).catch(() => undefined);
        if (!res?.ok) return undefined;
        const body = await res.json() as { data: { result: { metric: { job: string }; value: [number, string] }[] } };
        const jobs = body.data.result.filter((r) => Number(r.value[1]) >= 3).map((r) => r.metric.job);
        return jobs.includes('treasure-api') && jobs.includes('treasure-worker') ? true : undefined;
      }, 'three scrapes of both processes', 60_000);
    });

    after(async () => {
      prometheus?.kill('SIGTERM');
      if (prometheus) await new Promise((r) => prometheus!.once('exit', r));
      if (workDir) await rm(workDir, { recursive: true, force: true });
    });

    const query = async (expr: string) => {
      const res = await fetch(`${promUrl}/api/v1/query?query=${encodeURIComponent(expr)}`);
      return await res.json() as { status: string; error?: string; data?: { result: unknown[] } };
    };

    it('accepts the shipped scrape config and alert rules (promtool)', () => {
      execFileSync('promtool', ['check', 'config', path.join(ROOT, 'prometheus', 'prometheus.yml')], { stdio: 'pipe' });
      execFileSync('promtool', ['check', 'rules', RULES], { stdio: 'pipe' });
    });

    it('scrapes both processes', async () => {
      const up = await query('up');
      expect(up.data!.result).to.have.length(2);
      for (const series of up.data!.result as { value: [number, string] }[]) expect(series.value[1]).to.equal('1');
    });

    it('evaluates every dashboard panel to at least one series', async () => {
      const failures: string[] = [];
      const expressions = await dashboardExpressions();
      expect(expressions.length).to.be.greaterThan(10);
      for (const { where, expr } of expressions) {
        const result = await query(concrete(expr));
        if (result.status !== 'success') failures.push(`${where}: ${result.error}`);
        else if (result.data!.result.length === 0) failures.push(`${where}: no series for ${expr}`);
      }
      expect(failures).to.deep.equal([]);
    });

    it('evaluates every alert rule, without its threshold, to at least one series, and gives each a runbook', async () => {
      const res = await fetch(`${promUrl}/api/v1/rules`);
      const body = await res.json() as { data: { groups: { rules: { name: string; query: string; type: string; annotations: Record<string, string> }[] }[] } };
      const rules = body.data.groups.flatMap((g) => g.rules).filter((r) => r.type === 'alerting');
      expect(rules.length).to.be.at.least(6);
      const failures: string[] = [];
      for (const rule of rules) {
        if (!rule.annotations.runbook) failures.push(`${rule.name}: no runbook`);
        // Each rule is "<expression> <comparison> <number>": a healthy rule returns nothing, so
        // evaluate the expression alone.
        const bare = rule.query.replace(/\s*(>=|<=|==|!=|>|<)\s*-?[0-9.e+]+\s*$/, '');
        if (bare === rule.query) failures.push(`${rule.name}: no threshold comparison found in ${rule.query}`);
        const result = await query(bare);
        if (result.status !== 'success') failures.push(`${rule.name}: ${result.error}`);
        else if (result.data!.result.length === 0) failures.push(`${rule.name}: no series for ${bare}`);
      }
      expect(failures).to.deep.equal([]);
    });
  });
});
