// Logs: pino, one JSON line per event on stderr (time, level, component, msg), secrets censored by
// configuration, a request id on every request express serves (the caller's when it is a plain
// token), and nothing per request on the snapshot read path.
import { expect } from 'chai';
import { createLogger } from '../src/core/logger.ts';
import { eventually } from './support/engine.ts';
import { engineSuite } from './support/engine-suite.ts';
import { createHunt } from './support/fixtures.ts';
import { captureStderr, type StderrCapture } from './support/stderr-capture.ts';

describe('logging', function () {
  this.timeout(60_000);
  let stderr: StderrCapture;
  // Registered before the engine's hooks: capturing from its start, restored after it stops.
  before(() => { stderr = captureStderr(); });
  const t = engineSuite('logging', { config: { logLevel: 'debug' } });
  after(() => stderr.restore());

  const parsed = () => stderr.lines.flatMap((l) => l.split('\n').filter(Boolean)).map((l) => JSON.parse(l) as Record<string, unknown>);

  it('writes one JSON line per event, with an ISO time, a named level and the component, secrets censored', () => {
    const log = createLogger('test-logging', 'debug');
    const before = stderr.lines.length;
    log.warn('something happened', { token: 'tok-SECRET', nested: { answer: 'ANSWER-SECRET', authorization: 'Bearer AUTH-SECRET' }, n: 3 });
    log.child({ reqId: 'abc' }).error('failed', { err: Object.assign(new Error('boom'), { code: '23505' }) });
    const written = stderr.lines.slice(before).join('');
    expect(written).to.not.match(/tok-SECRET|ANSWER-SECRET|AUTH-SECRET/);
    const [first, second] = written.trim().split('\n').map((l) => JSON.parse(l));
    expect(first).to.deep.include({ level: 'warn', component: 'test-logging', msg: 'something happened', token: '[redacted]', n: 3 });
    expect(first.nested).to.deep.equal({ answer: '[redacted]', authorization: '[redacted]' });
    expect(Number.isNaN(Date.parse(first.time))).to.equal(false);
    expect(first.time).to.match(/Z$/);
    expect(second).to.deep.include({ level: 'error', reqId: 'abc', msg: 'failed' });
    expect(second.err).to.deep.equal({ type: 'Error', message: 'boom', code: '23505' });
  });

  it('gives every request express serves an id, sent back, and logs nothing per snapshot read', async () => {
    await createHunt(t.client, 'logged', [{ answers: ['a'] }]);
    await eventually(async () => ((await t.client.get('/v1/hunts/logged')).status === 200 ? true : undefined), 'published');
    const mine = await t.client.get('/healthz', { headers: { 'x-request-id': 'proxy-42.a' } });
    expect(mine.headers.get('x-request-id')).to.equal('proxy-42.a');
    const fresh = await t.client.post('/v1/players', { handle: 'x' });
    expect(fresh.headers.get('x-request-id')).to.match(/^[0-9a-f-]{36}$/);
    const hostile = await t.client.get('/healthz', { headers: { 'x-request-id': 'has spaces and "quotes"' } });
    expect(hostile.headers.get('x-request-id')).to.match(/^[0-9a-f-]{36}$/);

    const before = parsed().length;
    for (let i = 0; i < 50; i++) {
      await t.client.get('/v1/hunts/logged/leaderboard');
      await t.client.get('/v1/hunts/logged');
    }
    expect(parsed().slice(before).filter((l) => l.component === 'api')).to.deep.equal([]);
  });
});
