/*
 * The postgres preset as an operator meets it: the README's start command
 * against a real PostgreSQL 15 (a throwaway cluster serving TLS), the
 * catalog served from it, and one clear line, not a dozen stack traces,
 * when the database cannot be used.
 */
import {
  BackendProcess,
  freePort,
  runToExit,
  startBackendProcess,
} from '@devportal/test-utils/src/backend/backendProcess';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  CatalogEntity,
  E2E_TOKEN,
  componentCatalogFile,
  externalAccessEnv,
  triggerTask,
  waitForEntitiesOfKind,
} from '@devportal/test-utils/src/backend/catalogClient';
import {
  PostgresServer,
  startPostgres,
} from '@devportal/test-utils/src/daemons/postgres';
import {
  LoopbackCertificate,
  issueLoopbackCertificate,
} from '@devportal/test-utils/src/daemons/tls';

jest.setTimeout(300_000);

const PREFIX = 'devportal_e2e_';

/** A stack trace line, as Node prints them. */
const STACK_LINE = /^\s+at /m;

/**
 * What the backend printed, line by line: without blank lines, and without
 * the dependency installer's report that `npm start` prints first when a
 * manifest changed since the last install.
 */
function lines(text: string): string[] {
  return text
    .split('\n')
    .filter(line => line.trim() !== '' && !/^(\[portal\]|➤)/.test(line));
}

describe('VEECODE_PRESETS=postgres', () => {
  let tls: LoopbackCertificate;
  let pg: PostgresServer;

  beforeAll(async () => {
    tls = await issueLoopbackCertificate();
    pg = await startPostgres({ tls });
  });

  afterAll(async () => {
    await pg?.remove();
  });

  describe("with the CA that issued the server certificate, the connection under VeeCode's names and the password from a file", () => {
    let backend: BackendProcess;
    let catalogDir: string;

    beforeAll(async () => {
      // One component for the catalog to hold, from a file location.
      catalogDir = mkdtempSync(join(tmpdir(), 'devportal-pg-catalog-'));
      const catalogFile = join(catalogDir, 'catalog-info.yaml');
      writeFileSync(catalogFile, componentCatalogFile('pg-service', 'team-a'));
      // The connection as VeeCode's Helm chart names it (PG_*, aliases of
      // the POSTGRES_* variables), the password from a file, as a
      // Kubernetes secret mounts it.
      const { POSTGRES_HOST, POSTGRES_PORT, POSTGRES_USER, POSTGRES_PASSWORD } =
        pg.presetEnv();
      const passwordFile = join(catalogDir, 'pg-password');
      writeFileSync(passwordFile, `${POSTGRES_PASSWORD}\n`, { mode: 0o600 });
      backend = await startBackendProcess({
        env: {
          APP_CONFIG_catalog_locations: JSON.stringify([
            { type: 'file', target: catalogFile },
          ]),
          VEECODE_PRESETS: 'recommended,postgres',
          PG_HOST: POSTGRES_HOST,
          PG_PORT: POSTGRES_PORT,
          PG_USER: POSTGRES_USER,
          POSTGRES_PASSWORD_FILE: passwordFile,
          POSTGRES_DB_PREFIX: PREFIX,
          POSTGRES_SSL_CA: tls.caPem,
          ...externalAccessEnv(),
        },
      });
      await backend.waitForReady(240_000);
    });

    afterAll(async () => {
      await backend?.stop();
      rmSync(catalogDir, { recursive: true, force: true });
    });

    it('keeps the catalog in a PostgreSQL database of its own, named with POSTGRES_DB_PREFIX', async () => {
      const databases = (
        await pg.query('select datname from pg_database order by datname')
      ).map(([name]) => name);
      expect(databases).toContain(`${PREFIX}catalog`);
      expect(databases).toContain(`${PREFIX}auth`);
      expect(databases).not.toContain('backstage_plugin_catalog');

      // Served from there: each entity the catalog answers with is a row.
      await waitForEntitiesOfKind(backend, 'component', es => es.length > 0);
      const res = await fetch(`${backend.baseUrl}/api/catalog/entities`, {
        headers: { Authorization: `Bearer ${E2E_TOKEN}` },
      });
      expect(res.status).toBe(200);
      const entities = (await res.json()) as CatalogEntity[];
      expect(entities.map(e => e.metadata.name)).toContain('pg-service');
      const uids = entities.map(e => e.metadata.uid!).sort();
      const rows = await pg.query(
        'select entity_id from final_entities where final_entity is not null order by entity_id',
        `${PREFIX}catalog`,
      );
      expect(rows.map(([id]) => id).sort()).toEqual(uids);
    });

    it("searches with PostgreSQL's engine, in the search plugin's own database", async () => {
      await waitForEntitiesOfKind(backend, 'component', es =>
        es.some(e => e.metadata.name === 'pg-service'),
      );
      const isService = (r: { document: { title: string } }) =>
        r.document.title === 'pg-service';
      const deadline = Date.now() + 90_000;
      let results: Array<{ type: string; document: { title: string } }> = [];
      while (!results.some(isService) && Date.now() < deadline) {
        await triggerTask(backend, 'search', 'search_index_software_catalog');
        await new Promise(r => setTimeout(r, 1500));
        const res = await fetch(
          `${backend.baseUrl}/api/search/query?term=pg-service`,
          { headers: { Authorization: `Bearer ${E2E_TOKEN}` } },
        );
        expect(res.status).toBe(200);
        results = ((await res.json()) as { results: typeof results }).results;
      }
      expect(results.find(isService)?.type).toBe('software-catalog');
      // Indexed in PostgreSQL (the in-memory engine keeps nothing there).
      const rows = await pg.query(
        "select document->>'title' from documents where type = 'software-catalog'",
        `${PREFIX}search`,
      );
      expect(rows.map(([title]) => title)).toContain('pg-service');
      expect(backend.output()).not.toContain(
        'Postgres search engine is not supported',
      );
    });

    it('talks to the server over TLS', async () => {
      const rows = await pg.query(
        `select bool_and(s.ssl), count(*) from pg_stat_ssl s join pg_stat_activity a using (pid) where a.datname like '${PREFIX}%'`,
      );
      expect(rows[0]).toEqual(['t', expect.stringMatching(/^[1-9]\d*$/)]);
    });

    it('never prints the database password', () => {
      expect(backend.output()).not.toContain(pg.password);
    });
  });

  it("with VeeCode's PG_DATABASE, keeps every plugin in that one database, each in a schema of its own, created by the backend", async () => {
    const { POSTGRES_HOST, POSTGRES_PORT, POSTGRES_USER, POSTGRES_PASSWORD } =
      pg.presetEnv();
    const database = `${PREFIX}one`;
    const backend = await startBackendProcess({
      env: {
        VEECODE_PRESETS: 'postgres',
        PG_HOST: POSTGRES_HOST,
        PG_PORT: POSTGRES_PORT,
        PG_USER: POSTGRES_USER,
        PG_PASSWORD: POSTGRES_PASSWORD,
        PG_DATABASE: database,
        ...externalAccessEnv(),
      },
    });
    try {
      await backend.waitForReady(240_000);
      const schemas = (
        await pg.query(
          'select schema_name from information_schema.schemata',
          database,
        )
      ).map(([name]) => name);
      expect(schemas).toEqual(expect.arrayContaining(['catalog', 'auth']));
      const databases = (await pg.query('select datname from pg_database')).map(
        ([name]) => name,
      );
      expect(databases).not.toContain('backstage_plugin_catalog');
      expect(backend.output()).not.toContain(POSTGRES_PASSWORD);
    } finally {
      await backend.stop();
    }
  });

  it('refuses a server whose certificate another CA issued, in one line naming POSTGRES_SSL_CA (exit 78)', async () => {
    const other = await issueLoopbackCertificate();
    const result = await runToExit({
      env: {
        VEECODE_PRESETS: 'postgres',
        ...pg.presetEnv(),
        POSTGRES_SSL_CA: other.caPem,
      },
    });
    expect(result.code).toBe(78);
    expect(lines(result.stderr)).toEqual([
      expect.stringMatching(
        new RegExp(
          `^Cannot verify the TLS certificate of the PostgreSQL database at 127\\.0\\.0\\.1:${pg.port} \\(\\w+\\): check POSTGRES_SSL_CA`,
        ),
      ),
    ]);
    expect(`${result.stdout}${result.stderr}`).not.toMatch(STACK_LINE);
  });

  it('names host and port in one line when nothing listens there (exit 1), without a stack trace', async () => {
    const port = await freePort();
    const result = await runToExit({
      env: {
        VEECODE_PRESETS: 'postgres',
        ...pg.presetEnv(),
        POSTGRES_PORT: String(port),
      },
    });
    expect(result.code).toBe(1);
    expect(lines(result.stderr)).toEqual([
      `Cannot reach the PostgreSQL database at 127.0.0.1:${port} (ECONNREFUSED): check POSTGRES_HOST and POSTGRES_PORT`,
    ]);
    expect(result.stdout).not.toMatch(STACK_LINE);
    expect(result.stdout).not.toContain(pg.password);
  });

  it('says the login was refused, without the password (exit 78)', async () => {
    const wrong = 'Wr0ng-database-password-XYZ';
    const result = await runToExit({
      env: {
        VEECODE_PRESETS: 'postgres',
        ...pg.presetEnv(),
        POSTGRES_PASSWORD: wrong,
      },
    });
    expect(result.code).toBe(78);
    expect(lines(result.stderr)).toEqual([
      expect.stringMatching(
        new RegExp(
          `^The PostgreSQL database at 127\\.0\\.0\\.1:${pg.port} refused the login of user "${pg.user}" .*: check POSTGRES_USER and POSTGRES_PASSWORD$`,
        ),
      ),
    ]);
    const output = `${result.stdout}${result.stderr}`;
    expect(output).not.toContain(wrong);
    expect(output).not.toMatch(STACK_LINE);
  });

  it('refuses to start without POSTGRES_PASSWORD, at the boot gate (exit 78)', async () => {
    const { POSTGRES_PASSWORD: _, ...withoutPassword } = pg.presetEnv();
    const result = await runToExit({
      env: { VEECODE_PRESETS: 'postgres', ...withoutPassword },
    });
    expect(result.code).toBe(78);
    expect(result.stderr).toMatch(
      /- POSTGRES_PASSWORD \(required by postgres\)/,
    );
    expect(result.stderr).not.toMatch(STACK_LINE);
  });
});
