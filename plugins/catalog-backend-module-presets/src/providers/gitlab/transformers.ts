/*
 * User and Group transformers for upstream's GitLab org provider whose
 * annotation keys hold the instance's host name without its port.
 *
 * Upstream's default transformers key annotations by the integration host,
 * `gitlab.example.com:8443/user-id` on an instance with a port; the catalog
 * rejects such keys and drops every User and Group. Upstream's own GitLab
 * sign-in resolver looks users up by `<hostname>/user-id`, without the port,
 * so these keys are also the ones sign-in can find.
 */
import {
  ANNOTATION_LOCATION,
  ANNOTATION_ORIGIN_LOCATION,
  GroupEntity,
  UserEntity,
} from '@backstage/catalog-model';
import type {
  GroupTransformer,
  UserTransformer,
} from '@backstage/plugin-catalog-backend-module-gitlab';

/** The annotation prefix of a GitLab host: its name without the port. */
function gitlabAnnotationPrefix(host: string): string {
  return new URL(`https://${host}`).hostname;
}

/** Users as upstream makes them, with port-free annotation keys. */
export const gitlabUserTransformer: UserTransformer = ({
  user,
  integrationConfig,
  providerConfig,
  groupNameTransformer,
}) => {
  const prefix = gitlabAnnotationPrefix(integrationConfig.host);
  const entity: UserEntity = {
    apiVersion: 'backstage.io/v1alpha1',
    kind: 'User',
    metadata: {
      name: user.username,
      annotations: {
        [`${prefix}/user-login`]: user.web_url,
        [`${prefix}/user-id`]: String(user.id),
        ...(user.group_saml_identity?.extern_uid && {
          [`${prefix}/saml-external-uid`]: user.group_saml_identity.extern_uid,
        }),
      },
    },
    spec: {
      profile: {
        displayName: user.name || undefined,
        picture: user.avatar_url || undefined,
        ...(user.email && { email: user.email }),
      },
      memberOf: (user.groups ?? []).map(group =>
        groupNameTransformer({ group, providerConfig }),
      ),
    },
  };
  return entity;
};

/**
 * Groups as upstream makes them, with port-free annotation keys. Upstream
 * builds a Group's location from its `<host>/team-path` annotation, which
 * these keys no longer match, so the location is set here from the
 * instance's base URL.
 */
export function gitlabGroupEntitiesTransformer(
  baseUrlOf: (host: string) => string,
): GroupTransformer {
  return ({ groups, providerConfig, groupNameTransformer }) => {
    const prefix = gitlabAnnotationPrefix(providerConfig.host);
    const byId = new Map(groups.map(group => [group.id, group]));
    return groups.map(group => {
      const location = `url:${baseUrlOf(providerConfig.host)}/${
        group.full_path
      }`;
      const parent =
        group.parent_id !== undefined ? byId.get(group.parent_id) : undefined;
      const entity: GroupEntity = {
        apiVersion: 'backstage.io/v1alpha1',
        kind: 'Group',
        metadata: {
          name: groupNameTransformer({ group, providerConfig }),
          ...(group.description && { description: group.description }),
          annotations: {
            [`${prefix}/team-path`]: group.full_path,
            ...(group.visibility !== undefined && {
              [`${prefix}/visibility`]: group.visibility,
            }),
            [ANNOTATION_LOCATION]: location,
            [ANNOTATION_ORIGIN_LOCATION]: location,
          },
        },
        spec: {
          type: 'team',
          children: [],
          profile: { displayName: group.name },
          ...(parent && {
            parent: groupNameTransformer({ group: parent, providerConfig }),
          }),
        },
      };
      return entity;
    });
  };
}
