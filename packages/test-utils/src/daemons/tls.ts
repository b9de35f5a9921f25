/*
 * TLS for loopback test servers: a server certificate for 127.0.0.1 and
 * localhost, issued by a throwaway CA with the system's openssl.
 *
 * Clients trust it through the CA alone (`NODE_EXTRA_CA_CERTS=<caFile>` for a
 * backend process, `ca: caPem` in-process), so nothing in a test has to turn
 * certificate verification off.
 */
import { execFile } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { readFile, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

const OPENSSL = '/usr/bin/openssl';
/** Short-lived: the certificates only have to outlive one test run. */
const VALIDITY_DAYS = '2';
const EC_KEY = ['-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:prime256v1'];

/** A server certificate for 127.0.0.1 and localhost, with the CA that issued it. */
export interface LoopbackCertificate {
  /** PEM of the throwaway CA, for clients to trust. */
  caPem: string;
  /** PEM of the server certificate. */
  certPem: string;
  /** PEM of the server certificate's private key (unencrypted). */
  keyPem: string;
  /** Path of the CA's PEM, e.g. for `NODE_EXTRA_CA_CERTS` or slapd's `TLSCACertificateFile`. */
  caFile: string;
  /** Path of the server certificate's PEM. */
  certFile: string;
  /** Path of the server key's PEM. */
  keyFile: string;
}

// Every folder this process created, removed when it exits so that keys do
// not outlive the run (the CA key above all: it could issue for any name).
const folders = new Set<string>();
let exitHookInstalled = false;

function removeOnExit(dir: string) {
  folders.add(dir);
  if (exitHookInstalled) {
    return;
  }
  exitHookInstalled = true;
  process.on('exit', () => {
    for (const folder of folders) {
      try {
        rmSync(folder, { recursive: true, force: true });
      } catch {
        // best effort on the way out
      }
    }
  });
}

function openssl(args: string[]): Promise<void> {
  return new Promise((resolve, reject) => {
    execFile(OPENSSL, args, (error, stdout, stderr) => {
      if (error) {
        reject(
          new Error(
            `openssl ${args.join(' ')} failed: ${
              error.message
            }\n${stderr}${stdout}`,
          ),
        );
      } else {
        resolve();
      }
    });
  });
}

async function createCa(f: (name: string) => string) {
  await openssl([
    'req',
    '-x509',
    ...EC_KEY,
    '-nodes',
    '-days',
    VALIDITY_DAYS,
    '-subj',
    '/CN=DevPortal test CA',
    '-addext',
    'basicConstraints=critical,CA:TRUE',
    '-addext',
    'keyUsage=critical,keyCertSign,cRLSign',
    '-keyout',
    f('ca.key'),
    '-out',
    f('ca.crt'),
  ]);
}

async function createServerCertificate(
  f: (name: string) => string,
  dnsNames: string[],
) {
  await openssl([
    'req',
    ...EC_KEY,
    '-nodes',
    '-subj',
    '/CN=localhost',
    '-keyout',
    f('server.key'),
    '-out',
    f('server.csr'),
  ]);
  // Clients check the name they dialled against the subjectAltName only.
  await writeFile(
    f('server.ext'),
    [
      `subjectAltName=${['IP:127.0.0.1', 'DNS:localhost']
        .concat(dnsNames.map(name => `DNS:${name}`))
        .join(',')}`,
      'basicConstraints=critical,CA:FALSE',
      'keyUsage=critical,digitalSignature,keyEncipherment',
      'extendedKeyUsage=serverAuth',
      '',
    ].join('\n'),
  );
  await openssl([
    'x509',
    '-req',
    '-in',
    f('server.csr'),
    '-days',
    VALIDITY_DAYS,
    '-CA',
    f('ca.crt'),
    '-CAkey',
    f('ca.key'),
    '-CAcreateserial',
    '-extfile',
    f('server.ext'),
    '-out',
    f('server.crt'),
  ]);
}

/** Options of {@link issueLoopbackCertificate}. */
export interface LoopbackCertificateOptions {
  /**
   * More DNS names for the certificate, for a fake that also answers for a
   * public host reached through a loopback proxy (e.g. login.microsoftonline.com).
   */
  dnsNames?: string[];
}

/**
 * Issues a fresh CA and a server certificate for 127.0.0.1 and localhost,
 * in a temp folder of their own that is removed when this process exits.
 *
 * Throws when /usr/bin/openssl is missing; the harness never installs it.
 */
export async function issueLoopbackCertificate(
  options: LoopbackCertificateOptions = {},
): Promise<LoopbackCertificate> {
  const dnsNames = options.dnsNames ?? [];
  for (const name of dnsNames) {
    if (!/^[A-Za-z0-9.-]+$/.test(name)) {
      throw new Error(`issueLoopbackCertificate: invalid DNS name '${name}'`);
    }
  }
  if (!existsSync(OPENSSL)) {
    throw new Error(
      `issueLoopbackCertificate needs ${OPENSSL}; install it with 'apt-get install -y openssl'`,
    );
  }
  const dir = mkdtempSync(join(tmpdir(), 'devportal-tls-'));
  removeOnExit(dir);
  const f = (name: string) => join(dir, name);
  await createCa(f);
  await createServerCertificate(f, dnsNames);
  // The CA's key has done its one job: gone now, it can issue nothing more,
  // even if this process never reaches its exit hook (a killed test run).
  rmSync(f('ca.key'), { force: true });
  const [caPem, certPem, keyPem] = await Promise.all(
    ['ca.crt', 'server.crt', 'server.key'].map(name =>
      readFile(f(name), 'utf8'),
    ),
  );
  return {
    caPem,
    certPem,
    keyPem,
    caFile: f('ca.crt'),
    certFile: f('server.crt'),
    keyFile: f('server.key'),
  };
}
