/*
 * The LDAP directory of the benchmarks, as LDIF for slapadd: `users`
 * inetOrgPerson entries under ou=people and `groups` groupOfNames under
 * ou=groups, ten users a group, every tenth group the parent of the nine
 * after it. Passwords are `pw-<uid>`, throwaway values of a throwaway
 * directory.
 */

/** The naming context of the generated directory. */
export const SUFFIX = 'dc=bench,dc=example';
export const PEOPLE = `ou=people,${SUFFIX}`;
export const GROUPS = `ou=groups,${SUFFIX}`;

const pad = (n, width) => String(n).padStart(width, '0');
export const uidOf = i => `user${pad(i, 5)}`;
export const passwordOf = uid => `pw-${uid}`;
const groupCn = g => `group${pad(g, 4)}`;

/** The LDIF text of a directory with `users` users and `groups` groups. */
export function generateLdif({ users, groups }) {
  const out = [
    `dn: ${SUFFIX}\nobjectClass: dcObject\nobjectClass: organization\ndc: bench\no: Bench\n`,
    `dn: ${PEOPLE}\nobjectClass: organizationalUnit\nou: people\n`,
    `dn: ${GROUPS}\nobjectClass: organizationalUnit\nou: groups\n`,
  ];
  for (let i = 0; i < users; i++) {
    const uid = uidOf(i);
    out.push(
      `dn: uid=${uid},${PEOPLE}\nobjectClass: inetOrgPerson\nuid: ${uid}\ncn: User ${i}\nsn: ${i}\nmail: ${uid}@bench.example\nuserPassword: ${passwordOf(
        uid,
      )}\n`,
    );
  }
  const perGroup = Math.max(1, Math.ceil(users / groups));
  for (let g = 0; g < groups; g++) {
    const members = [];
    for (let i = g * perGroup; i < Math.min(users, (g + 1) * perGroup); i++) {
      members.push(`member: uid=${uidOf(i)},${PEOPLE}`);
    }
    if (g % 10 === 0) {
      for (let child = g + 1; child < Math.min(groups, g + 10); child++) {
        members.push(`member: cn=${groupCn(child)},${GROUPS}`);
      }
    }
    if (members.length === 0) {
      // groupOfNames requires a member.
      members.push(`member: uid=${uidOf(0)},${PEOPLE}`);
    }
    out.push(
      `dn: cn=${groupCn(g)},${GROUPS}\nobjectClass: groupOfNames\ncn: ${groupCn(
        g,
      )}\ndescription: Group ${g}\n${members.join('\n')}\n`,
    );
  }
  return out.join('\n');
}
