import http from 'node:http';
import { AddressInfo } from 'node:net';
import { watchHttp } from './httpWatch';

/** A loopback server: `/ok` answers 200, `/limited` 429, `/broken` 500, `/missing` 404. */
function startServer(): Promise<{ url: string; close(): Promise<void> }> {
  const server = http.createServer((req, res) => {
    const path = (req.url ?? '').split('?')[0];
    const status = { '/ok': 200, '/limited': 429, '/broken': 500 }[path] ?? 404;
    res.writeHead(status, status === 429 ? { 'retry-after': '30' } : {});
    res.end('{}');
  });
  return new Promise(resolve =>
    server.listen(0, '127.0.0.1', () =>
      resolve({
        url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
        close: () => new Promise(r => server.close(() => r())),
      }),
    ),
  );
}

function get(url: string): Promise<void> {
  return new Promise((resolve, reject) =>
    http
      .get(url, res => {
        res.resume();
        res.on('end', resolve);
      })
      .on('error', reject),
  );
}

describe('watchHttp', () => {
  let server: Awaited<ReturnType<typeof startServer>>;
  beforeAll(async () => {
    server = await startServer();
  });
  afterAll(() => server.close());

  it('records server errors and rate limits that fetch and http requests of the run get, without the query', async () => {
    const { error, failures } = await watchHttp(async () => {
      await fetch(`${server.url}/ok`);
      await fetch(`${server.url}/limited?token=secret-value`);
      await get(`${server.url}/broken`);
      await fetch(`${server.url}/missing`);
    });
    expect(error).toBeUndefined();
    expect(failures).toEqual([
      {
        status: 429,
        url: `${server.url}/limited`,
        headers: expect.objectContaining({ 'retry-after': '30' }),
      },
      expect.objectContaining({ status: 500, url: `${server.url}/broken` }),
    ]);
  });

  it('returns what the run threw, next to the failures', async () => {
    const thrown = new Error('boom');
    const { error, failures } = await watchHttp(async () => {
      await fetch(`${server.url}/broken`);
      throw thrown;
    });
    expect(error).toBe(thrown);
    expect(failures.map(f => f.status)).toEqual([500]);
  });

  it('attributes each answer to the run that made the request, with runs in parallel', async () => {
    const [clean, failing] = await Promise.all([
      watchHttp(async () => {
        for (let i = 0; i < 5; i++) await fetch(`${server.url}/ok`);
      }),
      watchHttp(async () => {
        for (let i = 0; i < 5; i++) await fetch(`${server.url}/broken`);
      }),
      fetch(`${server.url}/broken`), // outside any run
    ]);
    expect(clean.failures).toEqual([]);
    expect(failing.failures).toHaveLength(5);
  });
});
