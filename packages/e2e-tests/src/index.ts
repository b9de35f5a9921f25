/**
 * Process-level tests of the DevPortal backend; the harness they use is
 * @devportal/test-utils.
 *
 * @packageDocumentation
 */
export {};
