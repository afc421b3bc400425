// Which address a registration counts against: X-Forwarded-For read only as far as TRUST_PROXY
// says (a hop count or a list of proxy addresses, never "trust everything"), and an IPv6 client
// limited by its /64, since it holds all of it.
import { expect } from 'chai';
import pg from 'pg';
import { addressKey } from '../src/api/rate-window.ts';
import { ConfigError, loadConfig, type TrustProxy } from '../src/core/config.ts';
import { Client } from './support/client.ts';
import { startEngine, type Engine } from './support/engine.ts';
import { createTestDatabase, type TestDatabase } from './support/test-databases.ts';

describe('client addresses behind proxies', function () {
  this.timeout(60_000);

  describe('TRUST_PROXY', () => {
    const trustProxy = (value: string | undefined) => loadConfig({ TRUST_PROXY: value }).trustProxy;

    it('reads no proxy, a hop count or a list of addresses and CIDRs', () => {
      for (const none of [undefined, '', 'false', '0', 'no']) expect(trustProxy(none)).to.equal(false);
      expect(trustProxy('1')).to.deep.equal({ hops: 1 });
      expect(trustProxy('3')).to.deep.equal({ hops: 3 });
      expect(trustProxy('10.0.0.0/8, ::1,127.0.0.1,2001:db8::/32')).to.deep.equal({ addresses: ['10.0.0.0/8', '::1', '127.0.0.1', '2001:db8::/32'] });
    });

    it('refuses true, naming the forms it takes', () => {
      for (const value of ['true', 'TRUE', 'yes']) {
        expect(() => trustProxy(value)).to.throw(ConfigError, /TRUST_PROXY.*number of proxies.*addresses and CIDRs/);
      }
    });

    it('refuses what is not an address or a CIDR', () => {
      for (const value of ['10.0.0.0/33', '::1/129', '10.0.0.0/0', '10.0.0.1/8/8', 'proxy.internal', '10.0.0.256', '10.0.0.0/x', ',']) {
        expect(() => trustProxy(value), value).to.throw(ConfigError, /TRUST_PROXY/);
      }
    });
  });

  describe('the key of an address', () => {
    it('is an IPv4 address itself, also IPv4-mapped', () => {
      expect(addressKey('198.51.100.7')).to.equal('198.51.100.7');
      expect(addressKey('::ffff:198.51.100.7')).to.equal('198.51.100.7');
      expect(addressKey('::FFFF:c633:6407')).to.equal('198.51.100.7');
    });

    it('is the /64 of an IPv6 address, however it is written', () => {
      for (const address of ['2001:db8::1', '2001:db8::2', '2001:DB8:0:0:ffff:1:2:3', '2001:0db8:0000:0000::9', '2001:db8::1%eth0']) {
        expect(addressKey(address), address).to.equal('2001:db8:0:0::/64');
      }
      expect(addressKey('2001:db8:0:1::1')).to.equal('2001:db8:0:1::/64');
      expect(addressKey('::1')).to.equal('0:0:0:0::/64');
      expect(addressKey('fe80::1%eth0')).to.equal('fe80:0:0:0::/64');
    });
  });

  describe('registrations per address over HTTP', () => {
    let db: TestDatabase;
    let admin: pg.Client;
    const engines: Engine[] = [];
    let handles = 0;

    before(async () => {
      db = await createTestDatabase('proxy_addresses');
      admin = new pg.Client({ connectionString: db.url });
      await admin.connect();
    });

    after(async () => {
      for (const engine of engines) await engine.stop();
      await admin?.end();
      await db?.drop();
    });

    /** An API with REGISTER_RATE_LIMIT=3 and this TRUST_PROXY, every window empty. */
    async function api(trustProxy: TrustProxy): Promise<Client> {
      const engine = await startEngine(db.url, { worker: false, config: { registerRateLimit: 3, trustProxy } });
      engines.push(engine);
      // The registrations of a test must fall in one minute's window.
      const intoMinute = Date.now() % 60_000;
      if (intoMinute > 55_000) await new Promise((r) => setTimeout(r, 60_500 - intoMinute));
      await admin.query(`delete from rate_windows where scope = 'register'`);
      return new Client(engine.url);
    }

    const register = async (c: Client, forwardedFor: string) =>
      (await c.post('/v1/players', { handle: `p_${++handles}` }, { headers: { 'x-forwarded-for': forwardedFor } })).status;

    it('with one trusted hop, counts the right-most X-Forwarded-For entry, whatever the client wrote before it', async () => {
      const c = await api({ hops: 1 });
      const statuses = [];
      for (let i = 0; i < 4; i++) statuses.push(await register(c, `203.0.113.${i}, 198.51.100.7`));
      expect(statuses).to.deep.equal([201, 201, 201, 429]);
      // The entry the proxy appended is the address: another one has its own budget.
      expect(await register(c, '203.0.113.0, 198.51.100.8')).to.equal(201);
    });

    it('with a list of proxies that includes the peer, honours X-Forwarded-For', async () => {
      const c = await api({ addresses: ['10.0.0.0/8', '::1', '127.0.0.1'] });
      for (let i = 0; i < 5; i++) expect(await register(c, `203.0.113.${i}`)).to.equal(201);
    });

    it('with a list of proxies that excludes the peer, ignores X-Forwarded-For', async () => {
      const c = await api({ addresses: ['10.0.0.0/8', '::1'] });
      const statuses = [];
      for (let i = 0; i < 4; i++) statuses.push(await register(c, `203.0.113.${i}`));
      expect(statuses).to.deep.equal([201, 201, 201, 429]);
    });

    it('counts IPv6 clients per /64, and an IPv4-mapped address as the IPv4 one', async () => {
      const c = await api({ addresses: ['127.0.0.1'] });
      const statuses = [];
      for (const address of ['2001:db8::1', '2001:db8::2', '2001:db8::ffff:3', '2001:db8:0:0:1:2:3:4']) statuses.push(await register(c, address));
      expect(statuses).to.deep.equal([201, 201, 201, 429]);
      expect(await register(c, '2001:db8:0:1::1'), 'the next /64 has its own budget').to.equal(201);

      const mapped = [];
      for (const address of ['198.51.100.9', '::ffff:198.51.100.9', '198.51.100.9', '::ffff:198.51.100.9']) mapped.push(await register(c, address));
      expect(mapped).to.deep.equal([201, 201, 201, 429]);
    });
  });
});
