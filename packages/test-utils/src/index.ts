/**
 * The test kit of DevPortal Presets. Import what a test needs by its folder:
 * `src/daemons` (slapd, PostgreSQL, loopback TLS), `src/browser` (Chromium and
 * the portal in it), `src/backend` (a real backend process and clients of its
 * APIs), `src/fakes/<service>` (the SaaS services the presets talk to, speaking
 * their wire protocols), `src/mcp` (MCP clients) and `src/fixtures` (LDAP
 * seeds, and the preset catalog unit tests select from: `presetCatalog`).
 *
 * @packageDocumentation
 */
export {};
