import http from 'node:http';
import https from 'node:https';
import { AddressInfo } from 'node:net';
import { fetch as undiciFetch } from 'undici';
import {
  FakeProxy,
  startFakeProxy,
} from '@devportal/test-utils/src/fakes/proxy';
import {
  issueLoopbackCertificate,
  LoopbackCertificate,
} from '@devportal/test-utils/src/daemons/tls';
import {
  createProxyDispatcher,
  createProxyHttpAgent,
  proxyForUrl,
  ProxyVariableError,
  readProxySettings,
} from './outboundProxy';

const PROXY_VARIABLES = [
  'http_proxy',
  'HTTP_PROXY',
  'https_proxy',
  'HTTPS_PROXY',
  'all_proxy',
  'ALL_PROXY',
  'no_proxy',
  'NO_PROXY',
];

/** Runs with exactly these proxy variables set in process.env (proxy-from-env reads it). */
function withProxyEnv(vars: Record<string, string>) {
  const saved = Object.fromEntries(
    PROXY_VARIABLES.map(name => [name, process.env[name]]),
  );
  beforeEach(() => {
    for (const name of PROXY_VARIABLES) delete process.env[name];
    Object.assign(process.env, vars);
  });
  afterEach(() => {
    for (const name of PROXY_VARIABLES) {
      if (saved[name] === undefined) delete process.env[name];
      else process.env[name] = saved[name];
    }
  });
}

/** GET with Node's http or https module (as node-fetch and passport's OAuth2 send); resolves with the body. */
function nodeGet(url: string, options: https.RequestOptions): Promise<string> {
  const client = url.startsWith('https:') ? https : http;
  return new Promise<string>((resolve, reject) => {
    client
      .get(url, options, res => {
        let text = '';
        res.setEncoding('utf8');
        res.on('data', chunk => (text += chunk));
        res.on('end', () => resolve(text));
      })
      .on('error', reject);
  });
}

describe('readProxySettings', () => {
  it('is undefined when no variable names a proxy, whatever NO_PROXY says', () => {
    expect(readProxySettings({})).toBeUndefined();
    expect(readProxySettings({ NO_PROXY: 'internal.example' })).toBeUndefined();
  });

  it('names each proxy by its variable and host, never its credentials', () => {
    const summary = readProxySettings({
      HTTPS_PROXY: 'http://svc-portal:s3cr%40t@proxy.corp.example:3128',
      http_proxy: 'proxy.corp.example:8080',
      NO_PROXY: '.corp.example, registry.internal:5000',
    });
    expect(summary).toEqual({
      proxies: [
        'http_proxy=http://proxy.corp.example:8080',
        'HTTPS_PROXY=http://proxy.corp.example:3128',
      ],
      noProxy: ['.corp.example', 'registry.internal:5000'],
    });
    expect(JSON.stringify(summary)).not.toMatch(/svc-portal|s3cr/);
  });

  it('refuses a proxy variable that is not an HTTP proxy URL, naming the variable and not its value', () => {
    const read = () =>
      readProxySettings({ https_proxy: 'http://user:hunter2@[oops' });
    expect(read).toThrow(ProxyVariableError);
    expect(read).toThrow(
      /^https_proxy is not an http:\/\/ or https:\/\/ proxy URL: set it to http:\/\/host:port/,
    );
    expect(read).not.toThrow(/hunter2/);
    expect(() =>
      readProxySettings({ ALL_PROXY: 'socks5://proxy.corp.example:1080' }),
    ).toThrow(/^ALL_PROXY is not an http:\/\/ or https:\/\/ proxy URL/);
  });
});

describe('proxyForUrl', () => {
  withProxyEnv({
    HTTP_PROXY: 'http://plain.proxy:3128',
    https_proxy: 'http://tls.proxy:3128',
    HTTPS_PROXY: 'http://ignored.proxy:3128',
    NO_PROXY: 'exact.example,.corp.example,registry.internal:5000',
  });

  it.each([
    ['http://github.com/x', 'http://plain.proxy:3128'],
    // Lower case first, as curl and proxy-from-env read them.
    ['https://github.com/x', 'http://tls.proxy:3128'],
    ['https://exact.example/x', ''],
    ['https://sub.exact.example/x', 'http://tls.proxy:3128'],
    ['https://git.corp.example/x', ''],
    ['http://registry.internal:5000/v2', ''],
    ['http://registry.internal:5001/v2', 'http://plain.proxy:3128'],
    // Loopback never: no proxy reaches this machine's loopback.
    ['http://localhost:7007/api/catalog', ''],
    ['http://backend.localhost:7007/', ''],
    ['http://127.0.0.1:7007/api/catalog', ''],
    ['http://127.0.1.1/', ''],
    ['http://[::1]:7007/', ''],
    ['http://128.0.0.1/', 'http://plain.proxy:3128'],
  ])('%s goes through %p', (url, proxy) => {
    expect(proxyForUrl(url)).toBe(proxy);
  });
});

describe('the proxy dispatcher and agent, against a proxy that needs credentials', () => {
  let proxy: FakeProxy;
  let plain: http.Server;
  let secure: https.Server;
  let tls: LoopbackCertificate;
  const port = (server: http.Server) => (server.address() as AddressInfo).port;
  const listen = async (server: http.Server) =>
    new Promise<void>(resolve => server.listen(0, '127.0.0.1', resolve));
  const answer: http.RequestListener = (req, res) =>
    res.end(`${req.method} ${req.headers.host}${req.url}`);

  beforeAll(async () => {
    tls = await issueLoopbackCertificate({ dnsNames: ['secure.corp.test'] });
    plain = http.createServer(answer);
    secure = https.createServer({ cert: tls.certPem, key: tls.keyPem }, answer);
    await Promise.all([listen(plain), listen(secure)]);
    proxy = await startFakeProxy({
      credentials: { username: 'svc-portal', password: 'p@ss:word' },
      routes: { 'app.corp.test': '127.0.0.1', 'secure.corp.test': '127.0.0.1' },
    });
  });

  afterAll(async () => {
    plain.close();
    secure.close();
    await proxy?.stop();
  });

  describe('with HTTP_PROXY and HTTPS_PROXY set', () => {
    withProxyEnv({
      HTTP_PROXY: 'to be set',
      HTTPS_PROXY: 'to be set',
      NO_PROXY: '.direct.test',
    });
    beforeEach(() => {
      process.env.HTTP_PROXY = proxy.urlWithCredentials;
      process.env.HTTPS_PROXY = proxy.urlWithCredentials;
    });

    it('sends undici requests through the proxy (CONNECT), with its credentials', async () => {
      const url = `http://app.corp.test:${port(plain)}/undici`;
      const response = await undiciFetch(url, {
        dispatcher: createProxyDispatcher(),
      });
      expect(await response.text()).toBe(
        `GET app.corp.test:${port(plain)}/undici`,
      );
      expect(proxy.requests()).toContainEqual({
        method: 'CONNECT',
        host: `app.corp.test:${port(plain)}`,
        status: 200,
        forwarded: true,
      });
    });

    it("sends Node's http requests through the proxy, as absolute URIs, also on a reused agent", async () => {
      const agent = createProxyHttpAgent();
      for (const path of ['/node-1', '/node-2']) {
        expect(
          await nodeGet(`http://app.corp.test:${port(plain)}${path}`, {
            agent,
          }),
        ).toBe(`GET app.corp.test:${port(plain)}${path}`);
      }
      expect(
        proxy
          .requests()
          .filter(r => r.method === 'GET' && r.forwarded)
          .map(r => r.host),
      ).toEqual([
        `app.corp.test:${port(plain)}`,
        `app.corp.test:${port(plain)}`,
      ]);
    });

    it('gives a request with `agent: false` (the proxy plugin) an agent with the same choice', async () => {
      // What Node does for `agent: false`: a new agent of the global agent's class.
      const AgentClass = createProxyHttpAgent()
        .constructor as new () => http.Agent;
      expect(
        await nodeGet(`http://app.corp.test:${port(plain)}/own-agent`, {
          agent: new AgentClass(),
        }),
      ).toBe(`GET app.corp.test:${port(plain)}/own-agent`);
      const before = proxy.requests().length;
      expect(
        await nodeGet(`http://127.0.0.1:${port(plain)}/own-agent`, {
          agent: new AgentClass(),
        }),
      ).toBe(`GET 127.0.0.1:${port(plain)}/own-agent`);
      expect(proxy.requests().slice(before)).toEqual([]);
    });

    it("tunnels Node's https requests, keeping the request's TLS options", async () => {
      const body = await nodeGet(
        `https://secure.corp.test:${port(secure)}/tls`,
        { agent: createProxyHttpAgent(), ca: tls.caPem },
      );
      expect(body).toBe(`GET secure.corp.test:${port(secure)}/tls`);
      expect(proxy.hostsServed()).toContain(`secure.corp.test:${port(secure)}`);
    });

    it('connects directly to NO_PROXY hosts and loopback', async () => {
      const before = proxy.requests().length;
      await expect(
        undiciFetch(`http://app.direct.test:${port(plain)}/`, {
          dispatcher: createProxyDispatcher(),
        }),
      ).rejects.toMatchObject({ cause: { code: 'ENOTFOUND' } });
      await expect(
        nodeGet(`http://app.direct.test:${port(plain)}/`, {
          agent: createProxyHttpAgent(),
        }),
      ).rejects.toMatchObject({ code: 'ENOTFOUND' });
      const direct = await undiciFetch(
        `http://127.0.0.1:${port(plain)}/loopback`,
        { dispatcher: createProxyDispatcher() },
      );
      expect(await direct.text()).toBe(`GET 127.0.0.1:${port(plain)}/loopback`);
      expect(proxy.requests().slice(before)).toEqual([]);
    });
  });

  describe('with credentials the proxy does not accept', () => {
    withProxyEnv({ HTTP_PROXY: 'to be set' });
    beforeEach(() => {
      process.env.HTTP_PROXY = proxy.url;
    });

    it('the proxy refuses the request, so the test proves credentials are sent', async () => {
      const before = proxy.requests().length;
      await expect(
        undiciFetch(`http://app.corp.test:${port(plain)}/`, {
          dispatcher: createProxyDispatcher(),
        }),
      ).rejects.toThrow();
      expect(proxy.requests().slice(before)).toEqual([
        expect.objectContaining({ status: 407, forwarded: false }),
      ]);
    });
  });
});
