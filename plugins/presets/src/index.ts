/**
 * The DevPortal frontend plugin: the sign-in page that follows the
 * selected identity preset, and the presets page.
 *
 * @packageDocumentation
 */
export {};
