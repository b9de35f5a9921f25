/*
 * The floor of a Backstage sign-in, for the sign-in benchmark: upstream's
 * auth backend with the guest provider, whose resolver signs in a catalog
 * User (`ctx.signInWithCatalogUser`: the catalog lookup and the token) as
 * every LDAP sign-in does, without a directory, a password or a session
 * cookie, and without the preset engine. Config: bench/baseline/sign-in.yaml.
 *
 *   node -r @backstage/cli-node/config/nodeTransform.cjs bench/baseline/signIn.ts \
 *     --config bench/baseline/sign-in.yaml
 */
import { createBackend } from '@backstage/backend-defaults';

const backend = createBackend();
backend.add(import('@backstage/plugin-auth-backend'));
backend.add(import('@backstage/plugin-auth-backend-module-guest-provider'));
backend.add(import('@backstage/plugin-catalog-backend'));
backend.start();
