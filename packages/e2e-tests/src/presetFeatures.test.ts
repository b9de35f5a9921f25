/*
 * One built app, its tool pages switched by the selected presets at
 * runtime: the base config lists the presets' pages off (app.extensions),
 * each preset turns its own on, and every layer's list adds up. With
 * `recommended,kubernetes` a person sees the Tech Radar (nav item and page,
 * with the sample radar's entries) and the Kubernetes tab on a component
 * that opts in; with no preset, neither, and /tech-radar is the app's
 * not-found page. The second start reuses the app the first one served:
 * nothing is rebuilt for another selection.
 *
 * `npm test` builds the app before the process-level tests; run alone on a
 * machine without an up-to-date build, the first start builds it.
 */
import fs from 'fs';
import os from 'os';
import path from 'path';
import { Page } from 'playwright-core';
import {
  repoRoot,
  startBackendProcess,
} from '@devportal/test-utils/src/backend/backendProcess';
import {
  APP_BUILD_TIMEOUT_MS,
  APP_BUILDING,
  APP_REUSED,
  catalogFileEnv,
  withGuestPortal,
} from '@devportal/test-utils/src/browser/portalBrowser';

jest.setTimeout(APP_BUILD_TIMEOUT_MS + 180_000);

const COMPONENT = 'feature-service';

/** Entry titles of the sample radar `recommended` ships. */
const SAMPLE_ENTRIES: string[] = JSON.parse(
  fs.readFileSync(path.join(repoRoot, 'presets/data/tech-radar.json'), 'utf8'),
).entries.map((e: { title: string }) => e.title);

/**
 * A component that opts in to the Kubernetes tab, in a file location; the
 * cluster the `kubernetes` preset names is a closed loopback port (the tab
 * is what is tested, not the cluster).
 */
function environment(work: string): Record<string, string> {
  return {
    ...catalogFileEnv(
      work,
      `apiVersion: backstage.io/v1alpha1
kind: Component
metadata:
  name: ${COMPONENT}
  annotations:
    backstage.io/kubernetes-label-selector: app=${COMPONENT}
spec:
  type: service
  lifecycle: production
  owner: guests
`,
    ),
    K8S_CLUSTER_NAME: 'dev-cluster',
    K8S_CLUSTER_URL: 'https://127.0.0.1:9',
    K8S_CLUSTER_TOKEN: 'k8s-token-presetfeatures',
  };
}

/** The link of that name in the sidebar. */
const navItem = (page: Page, name: string) =>
  page.getByTestId('sidebar-root').getByRole('link', { name, exact: true });

/** The entity page's tab of that name (the catalog renders tabs as links). */
const entityTab = (page: Page, name: string) =>
  page.getByRole('link', { name, exact: true });

describe('frontend features follow the selected presets, one built app', () => {
  const work = fs.mkdtempSync(path.join(os.tmpdir(), 'e2e-preset-features-'));

  afterAll(() => fs.rmSync(work, { recursive: true, force: true }));

  it('with recommended and kubernetes: the Tech Radar in the nav with the sample radar, and the Kubernetes tab on a component that opts in', async () => {
    const backend = await startBackendProcess({
      env: { VEECODE_PRESETS: 'recommended,kubernetes', ...environment(work) },
    });
    try {
      await backend.waitForReady(APP_BUILD_TIMEOUT_MS);
      await withGuestPortal(backend, async page => {
        await navItem(page, 'Tech Radar').click();
        await page.waitForURL(/\/tech-radar$/);
        expect(new URL(page.url()).pathname).toBe('/tech-radar');
        await page
          .getByRole('heading', { name: 'Tech Radar' })
          .first()
          .waitFor();
        // The radar and its legend show every entry of the sample.
        for (const title of SAMPLE_ENTRIES) {
          await page.getByText(title, { exact: true }).first().waitFor();
        }

        await page.goto(
          `${backend.baseUrl}/catalog/default/component/${COMPONENT}`,
        );
        await entityTab(page, 'Overview').waitFor();
        await entityTab(page, 'Kubernetes').waitFor();
      });
    } finally {
      await backend.stop();
    }
  });

  it('with no preset: the same built app, no Tech Radar (its URL is the not-found page) and no Kubernetes tab', async () => {
    const backend = await startBackendProcess({ env: environment(work) });
    try {
      await backend.waitForReady(APP_BUILD_TIMEOUT_MS);
      // Another selection, and the app is not built again.
      expect(backend.output()).toMatch(APP_REUSED);
      expect(backend.output()).not.toMatch(APP_BUILDING);
      await withGuestPortal(backend, async page => {
        await navItem(page, 'Catalog').waitFor();
        expect(await navItem(page, 'Tech Radar').count()).toBe(0);

        await page.goto(`${backend.baseUrl}/tech-radar`);
        await page.getByText('PAGE NOT FOUND').waitFor();
        expect(
          await page.getByText(SAMPLE_ENTRIES[0], { exact: true }).count(),
        ).toBe(0);

        await page.goto(
          `${backend.baseUrl}/catalog/default/component/${COMPONENT}`,
        );
        await entityTab(page, 'Overview').waitFor();
        expect(await entityTab(page, 'Kubernetes').count()).toBe(0);
      });
    } finally {
      await backend.stop();
    }
  });
});
