/*
 * What makes `npm start` rebuild the app (bin/appBuild.js): a change to
 * what goes into the bundle, and nothing else.
 */
import fs from 'fs';
import os from 'os';
import path from 'path';

interface AppBuild {
  appInputsHash(rootDir: string): string;
  staleness(inputs: string, rootDir: string): string | undefined;
  recordBuild(inputs: string, rootDir: string): void;
}

// Plain CommonJS that scripts/portal.mjs loads without a TypeScript transform.
// eslint-disable-next-line @typescript-eslint/no-require-imports
const appBuild: AppBuild = require('../bin/appBuild');

const json = (value: unknown) => JSON.stringify(value, null, 2);

/** A repository with an app that uses one workspace plugin, built and recorded. */
function builtRepository(): string {
  const root = fs.mkdtempSync(path.join(os.tmpdir(), 'app-build-test-'));
  const files: Record<string, string> = {
    'yarn.lock': '# lock v1\n',
    'app-config.yaml':
      'app:\n  title: DevPortal\n  packages: all\n\nbackend:\n  listen:\n    port: 7007\n',
    'packages/app/package.json': json({
      name: 'app',
      dependencies: { '@acme/plugin-x': 'workspace:^', react: '^18' },
    }),
    'packages/app/src/App.tsx': 'export default 1;\n',
    'packages/app/src/App.test.tsx': 'test;\n',
    'packages/app/public/index.html': '<html></html>\n',
    'packages/app/dist/index.html': '<html>built</html>\n',
    'plugins/x/package.json': json({ name: '@acme/plugin-x' }),
    'plugins/x/src/index.ts': 'export const x = 1;\n',
    'plugins/x/README.md': '# x\n',
    'plugins/backend-only/package.json': json({ name: '@acme/backend-only' }),
    'plugins/backend-only/src/index.ts': 'export const y = 1;\n',
  };
  for (const [file, content] of Object.entries(files)) {
    fs.mkdirSync(path.dirname(path.join(root, file)), { recursive: true });
    fs.writeFileSync(path.join(root, file), content);
  }
  appBuild.recordBuild(appBuild.appInputsHash(root), root);
  return root;
}

describe('the app build is out of date', () => {
  let root: string;
  const staleness = () =>
    appBuild.staleness(appBuild.appInputsHash(root), root);
  const edit = (file: string, change: (text: string) => string) => {
    const full = path.join(root, file);
    fs.writeFileSync(full, change(fs.readFileSync(full, 'utf8')));
  };

  beforeEach(() => {
    root = builtRepository();
  });

  afterEach(() => {
    fs.rmSync(root, { recursive: true, force: true });
  });

  it('not when nothing changed', () => {
    expect(staleness()).toBeUndefined();
  });

  it.each([
    ['a source of the app', 'packages/app/src/App.tsx'],
    ['a public file of the app', 'packages/app/public/index.html'],
    ["the app's package.json", 'packages/app/package.json'],
    ['a source of a workspace plugin the app uses', 'plugins/x/src/index.ts'],
    ['yarn.lock', 'yarn.lock'],
  ])('when %s changes', (_, file) => {
    edit(file, text => `${text}\n`);
    expect(staleness()).toBe('its sources changed since the build');
  });

  it("when app-config.yaml's app block changes (app.packages decides the plugins)", () => {
    edit('app-config.yaml', text =>
      text.replace('packages: all', 'packages:\n    include: [x]'),
    );
    expect(staleness()).toBe('its sources changed since the build');
  });

  it.each([
    ['a test of the app', 'packages/app/src/App.test.tsx'],
    ["a plugin's README", 'plugins/x/README.md'],
    [
      'a workspace package the app does not use',
      'plugins/backend-only/src/index.ts',
    ],
    ['the rest of app-config.yaml', 'app-config.yaml'],
  ])('not when only %s changes', (_, file) => {
    edit(file, text => text.replace('7007', '7008').concat('\n// more\n'));
    expect(staleness()).toBeUndefined();
  });

  it('when it was never built, or built without a record of its sources', () => {
    fs.rmSync(path.join(root, 'packages/app/dist/.devportal-app-inputs'));
    expect(staleness()).toBe(
      'built by something else, without a record of its sources',
    );
    fs.rmSync(path.join(root, 'packages/app/dist'), { recursive: true });
    expect(staleness()).toBe('not built yet');
  });
});
