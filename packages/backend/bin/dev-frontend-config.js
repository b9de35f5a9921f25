#!/usr/bin/env node
/*
 * `yarn dev`, before anything starts: the preset boot gate (exit code 78
 * with every problem listed on a refused selection), then the config the
 * frontend dev server is to use, written to the file named by
 * DEVPORTAL_DEV_FRONTEND_CONFIG.
 *
 * Why a file: the dev server (`backstage-cli package start`) reads its
 * config from app-config files only and would never see what the selected
 * presets set for the frontend (the sign-in page, guest sign-in, the tool
 * pages in app.extensions) nor the derived variables. The file holds the
 * backend's own layering of the same selection, arguments (--config,
 * --base-config) and environment, filtered to the keys the app's config
 * schema marks `@visibility frontend`: no secret value is ever written.
 */
const fs = require('node:fs');
const path = require('node:path');

require('@backstage/cli-node/config/nodeTransform.cjs');
const { runBootGate } = require('@devportal/plugin-presets-common');

const resolution = runBootGate();

const target = process.env.DEVPORTAL_DEV_FRONTEND_CONFIG;
if (!target) {
  process.stderr.write(
    '[portal] DEVPORTAL_DEV_FRONTEND_CONFIG names no file to write\n',
  );
  process.exit(64);
}

/**
 * The dev server reads the file as a config file, substituting `${VAR}`
 * again: values are already substituted, so a literal `${` in one is
 * escaped the way config files escape it.
 */
function escapeSubstitution(value) {
  if (typeof value === 'string') {
    return value.replace(/\$\{/g, '$${');
  }
  if (Array.isArray(value)) {
    return value.map(escapeSubstitution);
  }
  if (value && typeof value === 'object') {
    return Object.fromEntries(
      Object.entries(value).map(([k, v]) => [k, escapeSubstitution(v)]),
    );
  }
  return value;
}

const { presetFrontendConfigs } = require('@devportal/plugin-presets-node');

/**
 * With DEVPORTAL_DEV_FRONTEND_CONFIG_WATCH=true the script stays and
 * rewrites the file whenever a layer's file changes (app-config.yaml, a
 * preset, a --config file), as the backend reloads its own config; the dev
 * server watches the file and reloads the app's config in turn.
 */
const watch = process.env.DEVPORTAL_DEV_FRONTEND_CONFIG_WATCH === 'true';
const RETRY_MS = 2000;

function readTarget() {
  try {
    return fs.readFileSync(target, 'utf8');
  } catch {
    return undefined;
  }
}

function write(text) {
  fs.mkdirSync(path.dirname(target), { recursive: true });
  // Written whole, then renamed: a watching dev server never reads half.
  const partial = `${target}.${process.pid}`;
  fs.writeFileSync(partial, text);
  fs.renameSync(partial, target);
}

async function main() {
  let written = readTarget();
  let lastError;
  for (;;) {
    try {
      for await (const config of presetFrontendConfigs({
        presets: resolution.presets,
        plugins: resolution.plugins,
        veecodeAppConfig: resolution.veecodeAppConfig,
        watch,
      })) {
        lastError = undefined;
        const text = `${JSON.stringify(escapeSubstitution(config), null, 2)}\n`;
        // Unchanged content is not written again: the dev server would
        // reload for nothing.
        if (text !== written) {
          write(text);
          if (written !== undefined && watch) {
            process.stderr.write('[portal] frontend config updated\n');
          }
          written = text;
        }
      }
      return;
    } catch (error) {
      if (!watch) {
        throw error;
      }
      // A file saved half-edited: say so once, and read again until it
      // parses; the dev server keeps the last good config meanwhile.
      if (String(error) !== lastError) {
        lastError = String(error);
        process.stderr.write(
          `[portal] could not read the frontend config, keeping the last one: ${lastError}\n`,
        );
      }
      await new Promise(resolve => setTimeout(resolve, RETRY_MS));
    }
  }
}

main().catch(error => {
  process.stderr.write(
    `[portal] could not build the frontend config: ${error}\n`,
  );
  process.exit(1);
});
