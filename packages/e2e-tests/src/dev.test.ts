/*
 * `yarn dev`: the frontend dev server follows the selected presets. The dev
 * server reads its config from files only, so `yarn dev` hands it the
 * frontend-visible part of the backend's own layered config: with
 * recommended,ldap (a real slapd) the app of the dev server, in Chromium
 * as a person, shows the LDAP form (not the guest button), signs Ana in,
 * and has the Tech Radar page the recommended preset turns on; the page
 * source holds no secret value of the selection. The operator's --config
 * file reaches the dev server too, and an edit of it while running.
 */
import { mkdtempSync, rmSync, writeFileSync } from 'fs';
import { tmpdir } from 'os';
import { join } from 'path';
import {
  BackendProcess,
  freePort,
  startBackendProcess,
} from '@devportal/test-utils/src/backend/backendProcess';
import { withFreshBrowser } from '@devportal/test-utils/src/browser/chromium';
import {
  externalAccessEnv,
  waitForCatalog,
} from '@devportal/test-utils/src/backend/catalogClient';
import {
  ldapPresetEnv,
  slapdFixture,
  SlapdServer,
  startSlapd,
} from '@devportal/test-utils/src/daemons/slapd';

jest.setTimeout(300_000);

const SUFFIX = 'dc=example,dc=com';
const ADMIN_PASSWORD = 'dev-admin-secret-Q7z';

describe('yarn dev with VEECODE_PRESETS=recommended,ldap', () => {
  let slapd: SlapdServer;
  let dev: BackendProcess;
  let appUrl: string;
  const work = mkdtempSync(join(tmpdir(), 'devportal-dev-'));
  const operatorConfig = join(work, 'app-config.operator.yaml');

  /** The config the dev server puts into its page, as served now. */
  async function servedPage() {
    return (await fetch(`${appUrl}/`)).text();
  }

  beforeAll(async () => {
    writeFileSync(operatorConfig, 'app:\n  title: Dev Portal One\n');
    slapd = await startSlapd({
      suffix: SUFFIX,
      rootDn: `cn=admin,${SUFFIX}`,
      rootPassword: ADMIN_PASSWORD,
      seedLdif: slapdFixture('openldap.ldif'),
    });
    // The dev server on a free port of its own: it listens where
    // app.baseUrl (APP_BASE_URL) says.
    appUrl = `http://127.0.0.1:${await freePort()}`;
    dev = await startBackendProcess({
      command: 'yarn dev',
      args: ['--config', operatorConfig],
      env: {
        VEECODE_PRESETS: 'recommended,ldap',
        ...ldapPresetEnv(slapd, {
          suffix: SUFFIX,
          adminPassword: ADMIN_PASSWORD,
        }),
        APP_BASE_URL: appUrl,
        // The dev server would open a browser of its own.
        BROWSER: 'none',
        ...externalAccessEnv(),
      },
    });
    await dev.waitForReady(240_000);
    await dev.waitForOutput(/compiled successfully/, 240_000);
    await waitForCatalog(dev, users => users.length === 4);
  });

  afterAll(async () => {
    await dev?.stop();
    await slapd?.remove();
    rmSync(work, { recursive: true, force: true });
  });

  it('serves the app with the LDAP sign-in, the Tech Radar page, and no secret value', async () => {
    const html = await servedPage();
    expect(html).toContain('"signInPage": "ldap"');
    expect(html).not.toContain(ADMIN_PASSWORD);
    expect(dev.output()).toMatch(
      /Loaded config from app-config\.frontend\.json/,
    );

    await withFreshBrowser(async page => {
      await page.goto(`${appUrl}/`);
      await page.getByLabel('Username').fill('ana');
      await page.getByLabel('Password').fill('ana-password');
      expect(await page.getByRole('button', { name: 'Enter' }).count()).toBe(0);
      await page.getByRole('button', { name: 'Sign in' }).click();
      // The nav item of the page recommended turns on, and its page.
      await page.getByRole('link', { name: 'Tech Radar' }).click();
      expect(new URL(page.url()).pathname).toBe('/tech-radar');
    });
  });

  it('follows an edit of the operator’s --config file while running', async () => {
    expect(await servedPage()).toContain('"title": "Dev Portal One"');
    writeFileSync(operatorConfig, 'app:\n  title: Dev Portal Two\n');
    const deadline = Date.now() + 60_000;
    let html = '';
    while (Date.now() < deadline) {
      html = await servedPage();
      if (html.includes('Dev Portal Two')) {
        break;
      }
      await new Promise(resolve => setTimeout(resolve, 500));
    }
    expect(html).toContain('"title": "Dev Portal Two"');
    // Still the presets' frontend config, not the edited file alone.
    expect(html).toContain('"signInPage": "ldap"');
  });
});
