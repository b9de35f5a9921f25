#!/usr/bin/env node
/*
 * Runs the backend from source without a watcher: the TypeScript transform
 * Backstage's own `package start` uses, then src/index.ts, which runs the
 * preset boot gate before loading anything heavy. Exit codes (78 for a
 * refused boot) pass straight through.
 */
require('@backstage/cli-node/config/nodeTransform.cjs');
require('../src/index.ts');
