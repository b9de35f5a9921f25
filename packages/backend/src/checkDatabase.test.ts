import { mkdtempSync, rmSync, writeFileSync } from 'fs';
import { tmpdir } from 'os';
import { join, resolve } from 'path';
import { resolvePresets } from '@devportal/plugin-presets-common';
import { describeConnectionError, hintsFor } from './checkDatabase';

const target = { host: 'db.example.com', port: '5432', user: 'backstage' };
const presetHints = {
  address: 'POSTGRES_HOST and POSTGRES_PORT',
  credentials: 'POSTGRES_USER and POSTGRES_PASSWORD',
  tls: 'POSTGRES_SSL_CA',
};

function failure(message: string, code?: string) {
  return Object.assign(new Error(message), code ? { code } : {});
}

describe('describeConnectionError', () => {
  it.each([
    [
      failure('connect ECONNREFUSED 10.0.0.1:5432', 'ECONNREFUSED'),
      'Cannot reach the PostgreSQL database at db.example.com:5432 (ECONNREFUSED): check POSTGRES_HOST and POSTGRES_PORT',
      1,
    ],
    [
      failure('getaddrinfo ENOTFOUND db.example.com', 'ENOTFOUND'),
      'Cannot reach the PostgreSQL database at db.example.com:5432 (ENOTFOUND): check POSTGRES_HOST and POSTGRES_PORT',
      1,
    ],
    [
      failure('Connection terminated due to connection timeout'),
      'Cannot reach the PostgreSQL database at db.example.com:5432 (no answer within 5 s): check POSTGRES_HOST and POSTGRES_PORT',
      1,
    ],
    [
      failure('password authentication failed for user "backstage"', '28P01'),
      'The PostgreSQL database at db.example.com:5432 refused the login of user "backstage" (password authentication failed for user "backstage"): check POSTGRES_USER and POSTGRES_PASSWORD',
      78,
    ],
    [
      failure('The server does not support SSL connections'),
      'The PostgreSQL database at db.example.com:5432 does not offer TLS, but TLS is configured: check POSTGRES_SSL_CA',
      78,
    ],
    [
      failure(
        'self-signed certificate in certificate chain',
        'SELF_SIGNED_CERT_IN_CHAIN',
      ),
      "Cannot verify the TLS certificate of the PostgreSQL database at db.example.com:5432 (SELF_SIGNED_CERT_IN_CHAIN): check POSTGRES_SSL_CA, the CA that issued the server's certificate",
      78,
    ],
    [
      failure(
        "Hostname/IP does not match certificate's altnames",
        'ERR_TLS_CERT_ALTNAME_INVALID',
      ),
      "Cannot verify the TLS certificate of the PostgreSQL database at db.example.com:5432 (ERR_TLS_CERT_ALTNAME_INVALID): check POSTGRES_SSL_CA, the CA that issued the server's certificate",
      78,
    ],
  ])('%s', (error, message, exitCode) => {
    expect(describeConnectionError(error, target, presetHints)).toEqual({
      message,
      exitCode,
    });
  });
});

describe('hintsFor', () => {
  const rootDir = resolve(__dirname, '../../..');

  it("names the postgres preset's variables as the operator set them: own name, alias or _FILE", () => {
    const dir = mkdtempSync(join(tmpdir(), 'devportal-hints-'));
    try {
      writeFileSync(join(dir, 'password'), 'pw\n');
      const resolution = resolvePresets({
        rootDir,
        pluginsFrom: [resolve(__dirname, '..')],
        env: {
          VEECODE_PRESETS: 'postgres',
          PG_HOST: 'db.example.com',
          POSTGRES_USER: 'backstage',
          PG_PASSWORD_FILE: join(dir, 'password'),
        },
      });
      expect(resolution.problems).toEqual([]);
      expect(hintsFor(resolution)).toEqual({
        address: 'PG_HOST and POSTGRES_PORT',
        credentials: 'POSTGRES_USER and PG_PASSWORD_FILE',
        tls: 'POSTGRES_SSL_CA',
      });
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
