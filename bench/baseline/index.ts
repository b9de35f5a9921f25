/*
 * The baseline of the boot benchmark: the backend that
 * VEECODE_PRESETS=recommended,github,github-auth gives, assembled by hand
 * from upstream modules, with no preset engine (no boot gate, no preset
 * config layering, no presets backend). Config: bench/baseline/app-config.yaml.
 *
 *   node -r @backstage/cli-node/config/nodeTransform.cjs bench/baseline/index.ts \
 *     --config bench/baseline/app-config.yaml
 */
import { createBackend } from '@backstage/backend-defaults';
import { githubOrgModule } from './githubOrgModule';

const backend = createBackend();
backend.add(import('@backstage/plugin-auth-backend'));
backend.add(import('@backstage/plugin-auth-backend-module-github-provider'));
backend.add(import('@backstage/plugin-catalog-backend'));
// Repository discovery (`catalog.providers.github`).
backend.add(import('@backstage/plugin-catalog-backend-module-github'));
// Org sync (`catalog.providers.githubOrg`).
backend.add(githubOrgModule);
backend.add(import('@backstage/plugin-scaffolder-backend'));
backend.add(import('@backstage/plugin-scaffolder-backend-module-github'));
backend.add(import('@backstage-community/plugin-tech-radar-backend'));
backend.start();
