/**
 * The `ldap` preset's variables, pointing at no directory: enough for a
 * selection to resolve where no test binds.
 */
export const LDAP_PRESET_VARIABLES = {
  LDAP_URL: 'ldap://127.0.0.1:1',
  LDAP_DN: 'cn=admin,dc=example,dc=com',
  LDAP_SECRET: 'secret',
  LDAP_USERS_BASE_DN: 'ou=people,dc=example,dc=com',
  LDAP_GROUPS_BASE_DN: 'ou=groups,dc=example,dc=com',
};
