/**
 * Process-level tests of the DevPortal backend; the harness lives in
 * ./harness.
 *
 * @packageDocumentation
 */
export {};
